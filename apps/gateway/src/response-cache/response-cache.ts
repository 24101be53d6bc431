import type { IncomingHttpHeaders } from 'node:http';
import type { RequestContext } from '../pipeline/request-context.js';

/** A stored upstream response. */
export interface CachedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  storedAtMs: number;
  expiresAtMs: number;
  /** `Age` the upstream reported when it was stored (seconds). */
  upstreamAge: number;
  /** Request header values named by the response's `Vary`, to match on lookup. */
  vary: [name: string, value: string][];
}

interface Entry extends CachedResponse {
  key: string;
  apiId: string;
  bytes: number;
}

/** Collects one upstream response while it streams to the client; stores it at the end. */
export interface CacheWriter {
  write(chunk: Buffer): void;
  end(): void;
}

/** Only these statuses are stored (RFC 9111 heuristically cacheable ones the gateway deals in). */
const CACHEABLE_STATUS = new Set([200, 203, 204, 300, 301, 404, 410]);
/** Response headers never stored: hop-by-hop ones are already gone; these are per response. */
const NOT_STORED = new Set(['age', 'date', 'x-request-id', 'set-cookie']);
const ENTRY_OVERHEAD_BYTES = 512;

/**
 * The optional per-API response cache (settings.cache) for GET and HEAD.
 *
 * Keyed by API, method, path and query, and by the calling application unless the upstream marks
 * the response `Cache-Control: public`: one application's response is never served to another
 * otherwise. Lookups happen after authentication, authorization and rate limiting, so a hit is
 * as guarded as a miss. Upstream `Cache-Control` rules: `no-store`, `no-cache` and `max-age=0`
 * (and `Set-Cookie`, `Vary: *`) are not stored; `s-maxage`/`max-age` bound the lifetime, which
 * never exceeds the API's `ttlSeconds`. A client's `no-cache`/`no-store` skips the lookup.
 *
 * Memory is bounded twice: `maxEntries` per API, and GATEWAY_CACHE_MAX_BYTES for the whole
 * gateway (an entry larger than an eighth of it is not stored); both evict the least recently
 * used entries first.
 */
export class ResponseCache {
  /** Every entry, least recently used first (Map keeps insertion order; a hit re-inserts). */
  readonly #entries = new Map<string, Entry>();
  /** Per API, its keys in the same order. */
  readonly #byApi = new Map<string, Set<string>>();
  #bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Whether this request is one the cache deals with (GET or HEAD on an API that has one). */
  applies(context: RequestContext): boolean {
    return (
      context.api?.api.settings.cache != null &&
      (context.method === 'GET' || context.method === 'HEAD')
    );
  }

  /**
   * The fresh stored response for this request, if any (shared entries first, then the app's).
   * A client's `Cache-Control: no-cache` or `no-store` asks for a fresh answer: no lookup.
   */
  lookup(context: RequestContext, headers: IncomingHttpHeaders): CachedResponse | null {
    const asked = directives(headers['cache-control']);
    if (asked.some(([name]) => name === 'no-cache' || name === 'no-store')) return null;
    const now = Date.now();
    for (const key of [sharedKey(context), privateKey(context)]) {
      const entry = this.#entries.get(key);
      if (!entry) continue;
      if (entry.expiresAtMs <= now) {
        this.#delete(entry);
        continue;
      }
      if (!entry.vary.every(([name, value]) => headerValue(headers[name]) === value)) continue;
      this.#touch(entry);
      return entry;
    }
    return null;
  }

  /**
   * A writer for an upstream response that may be stored, or null when it may not. The response
   * is stored only once it ended completely.
   */
  writer(
    context: RequestContext,
    requestHeaders: IncomingHttpHeaders,
    status: number,
    responseHeaders: Record<string, string | string[]>,
  ): CacheWriter | null {
    const settings = context.api?.api.settings.cache;
    if (!settings || !CACHEABLE_STATUS.has(status)) return null;
    if (responseHeaders['set-cookie'] !== undefined) return null;
    const control = new Map(directives(responseHeaders['cache-control']));
    if (control.has('no-store') || control.has('no-cache')) return null;
    const varyNames = String(responseHeaders.vary ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean);
    if (varyNames.includes('*')) return null;
    const shared = control.has('public') && !control.has('private');
    const maxAge = seconds(
      shared ? (control.get('s-maxage') ?? control.get('max-age')) : control.get('max-age'),
    );
    const lifetime = Math.min(settings.ttlSeconds, maxAge ?? settings.ttlSeconds);
    if (lifetime <= 0) return null;
    const key = shared ? sharedKey(context) : privateKey(context);
    const apiId = context.api!.api.id;
    const limit = Math.floor(this.maxBytes / 8);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    return {
      write: (chunk) => {
        if (tooLarge) return;
        size += chunk.length;
        if (size > limit) {
          tooLarge = true;
          chunks.length = 0;
        } else chunks.push(chunk);
      },
      end: () => {
        if (tooLarge) return;
        const stored: Record<string, string | string[]> = {};
        let headerBytes = 0;
        for (const [name, value] of Object.entries(responseHeaders)) {
          if (NOT_STORED.has(name) || name.startsWith('ratelimit-')) continue;
          stored[name] = value;
          headerBytes += name.length + String(value).length;
        }
        const now = Date.now();
        this.#store(
          {
            key,
            apiId,
            status,
            headers: stored,
            body: Buffer.concat(chunks, size),
            storedAtMs: now,
            expiresAtMs: now + lifetime * 1000,
            upstreamAge: seconds(headerValue(responseHeaders.age)) ?? 0,
            vary: varyNames.map((name) => [name, headerValue(requestHeaders[name])]),
            bytes: size + headerBytes + key.length + ENTRY_OVERHEAD_BYTES,
          },
          settings.maxEntries,
        );
      },
    };
  }

  /** The `Age` to send with a stored response (RFC 9111 §5.1). */
  static age(entry: CachedResponse, nowMs = Date.now()): number {
    return entry.upstreamAge + Math.max(0, Math.floor((nowMs - entry.storedAtMs) / 1000));
  }

  #store(entry: Entry, maxEntries: number): void {
    if (entry.bytes > this.maxBytes) return;
    const existing = this.#entries.get(entry.key);
    if (existing) this.#delete(existing);
    let keys = this.#byApi.get(entry.apiId);
    if (!keys) {
      keys = new Set();
      this.#byApi.set(entry.apiId, keys);
    }
    while (keys.size >= maxEntries) {
      const oldest = keys.values().next().value!;
      this.#delete(this.#entries.get(oldest)!);
    }
    while (this.#bytes + entry.bytes > this.maxBytes) {
      const oldest = this.#entries.values().next().value!;
      this.#delete(oldest);
    }
    this.#entries.set(entry.key, entry);
    keys.add(entry.key);
    this.#bytes += entry.bytes;
  }

  #touch(entry: Entry): void {
    this.#entries.delete(entry.key);
    this.#entries.set(entry.key, entry);
    const keys = this.#byApi.get(entry.apiId)!;
    keys.delete(entry.key);
    keys.add(entry.key);
  }

  #delete(entry: Entry): void {
    this.#entries.delete(entry.key);
    const keys = this.#byApi.get(entry.apiId);
    keys?.delete(entry.key);
    if (keys?.size === 0) this.#byApi.delete(entry.apiId);
    this.#bytes -= entry.bytes;
  }
}

function baseKey(context: RequestContext): string {
  return `${context.api!.api.id}\0${context.method}\0${context.path}${context.query}`;
}

/** Responses the upstream marked public: one entry for every application. */
function sharedKey(context: RequestContext): string {
  return `${baseKey(context)}\0*`;
}

/** Everything else: one entry per application. */
function privateKey(context: RequestContext): string {
  return `${baseKey(context)}\0app:${context.caller?.appId ?? '-'}`;
}

/** Cache-Control directives, names lowercased, values unquoted. */
function directives(value: string | string[] | undefined): [string, string | undefined][] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const equals = part.indexOf('=');
      if (equals === -1) return [part.toLowerCase(), undefined];
      return [
        part.slice(0, equals).trim().toLowerCase(),
        part
          .slice(equals + 1)
          .trim()
          .replace(/^"|"$/g, ''),
      ];
    });
}

function seconds(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return null;
  return Number(value);
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}
