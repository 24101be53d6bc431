import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

const CLIENT_CLAIMED = new Set([
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
  'x-original-url',
  'x-rewrite-url',
  // A GET authorised by a GET route's scopes would run as the DELETE a backend reads from these.
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
]);

/** Headers never forwarded upstream: hop-by-hop, the client's credential, our own namespace. */
function dropRequestHeader(name: string, connectionListed: ReadonlySet<string>): boolean {
  return (
    HOP_BY_HOP.has(name) ||
    connectionListed.has(name) ||
    name === 'host' ||
    // Node has answered `100 Continue` already; undici refuses to send the header at all.
    name === 'expect' ||
    name === 'authorization' ||
    name === 'x-api-key' ||
    name === 'forwarded' ||
    name.startsWith('x-forwarded-') ||
    // Client-address, path- and method-override headers some backends trust over the real ones.
    CLIENT_CLAIMED.has(name) ||
    name.startsWith('x-portcullis-') ||
    name === 'x-request-id'
  );
}

const NONE: ReadonlySet<string> = new Set();

function connectionTokens(value: string | string[] | undefined): ReadonlySet<string> {
  // Most requests send no Connection header, or only keep-alive: no extra names to drop.
  if (value === undefined || value === 'keep-alive' || value === 'close') return NONE;
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    joined
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * Copies the client's headers for the upstream request, minus everything the client must not
 * decide. Works on rawHeaders so duplicates and odd casing of `X-Portcullis-*` are all caught.
 */
export function upstreamRequestHeaders(
  rawHeaders: readonly string[],
  headers: IncomingHttpHeaders,
) {
  const listed = connectionTokens(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase();
    if (dropRequestHeader(name, listed)) continue;
    const value = rawHeaders[index + 1]!;
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[name] = [existing, value];
  }
  return out;
}

/**
 * Upstream response headers to pass back: without hop-by-hop ones, and without the upstream's
 * own CORS headers when the gateway answers CORS for the API (else an upstream's
 * `Access-Control-Allow-Origin: *` or `-Allow-Credentials: true` would widen the API's policy,
 * also for origins the gateway refused).
 */
export function downstreamResponseHeaders(
  headers: Record<string, string | string[] | undefined>,
  gatewayOwnsCors = false,
) {
  const listed = connectionTokens(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    if (gatewayOwnsCors && name.startsWith('access-control-')) continue;
    out[name] = value;
  }
  return out;
}

/** The upstream's Vary with ours (Origin, for CORS) added, not replaced: caches key on both. */
export function mergedVary(upstream: string | string[] | undefined, ours: string): string {
  const names = [upstream ?? [], ours]
    .flat()
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.includes('*')) return '*';
  const seen = new Set<string>();
  return names
    .filter((name) => {
      const key = name.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .join(', ');
}

/** RFC 7239 node: IPv6 addresses are bracketed and quoted. */
export function forwardedFor(address: string): string {
  return address.includes(':') ? `"[${address}]"` : address;
}
