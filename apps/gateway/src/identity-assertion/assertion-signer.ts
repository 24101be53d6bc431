import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { ASSERTION_ALG, type GatewaySigningKey } from './gateway-signing-key.js';

/** Lifetime of an assertion (`exp - iat`). */
export const ASSERTION_TTL_SECONDS = 60;
/**
 * A signed assertion is reused for the same caller and API while at least this much of its
 * lifetime is left, so an upstream never receives one that expires in less than 30 s (room for
 * clock skew) and never one older than 30 s.
 */
export const ASSERTION_REUSE_SECONDS = 30;
const MAX_ENTRIES = 10_000;

/** Everything the assertion states; equal inputs share one signed assertion. */
export interface AssertionInput {
  audience: string;
  appId: string;
  clientId: string | null;
  teamId: string | null;
  environment: string;
  scopes: readonly string[];
  /** The credential (API key, client secret) or token the caller presented: part of the cache key. */
  credentialId: string | null;
  tokenJti: string | null;
}

interface Entry {
  /** The signed JWT once signing finished; null while it runs. */
  token: string | null;
  pending: Promise<string>;
  /** Epoch ms after which a fresh one is signed. */
  reuseUntilMs: number;
}

/**
 * Signs the short-lived JWT backends verify to accept only what came through the gateway.
 *
 * ES256 costs tens of microseconds of CPU per signature, which at full load was a large share of
 * the gateway's time; so one assertion is signed per (caller identity, credential or token, API,
 * scopes) and reused for at most ASSERTION_REUSE_SECONDS. It states who the caller is and for
 * which API, not which single request it rides on (the request id travels in
 * X-Portcullis-Request-Id). See apps/gateway/README.md, "Identity assertion".
 */
export class AssertionSigner {
  readonly #cache = new Map<string, Entry>();

  constructor(
    private readonly key: GatewaySigningKey,
    private readonly issuer: string,
  ) {}

  /** The assertion: a string when a fresh one is cached, else a promise of a newly signed one. */
  assertion(input: AssertionInput): string | Promise<string> {
    const key = cacheKey(input);
    const now = Date.now();
    const cached = this.#cache.get(key);
    if (cached && cached.reuseUntilMs > now) return cached.token ?? cached.pending;
    if (this.#cache.size >= MAX_ENTRIES) this.#evict(now);
    const entry: Entry = {
      token: null,
      pending: this.#sign(input, now),
      reuseUntilMs: now + ASSERTION_REUSE_SECONDS * 1000,
    };
    entry.pending.then(
      (token) => {
        entry.token = token;
      },
      () => {
        // A failed signature is not cached: the next request tries again.
        if (this.#cache.get(key) === entry) this.#cache.delete(key);
      },
    );
    this.#cache.set(key, entry);
    return entry.pending;
  }

  /** Drops expired entries, and the oldest tenth if that frees nothing. */
  #evict(now: number): void {
    for (const [key, entry] of this.#cache) {
      if (entry.reuseUntilMs <= now) this.#cache.delete(key);
    }
    if (this.#cache.size < MAX_ENTRIES) return;
    let dropped = 0;
    for (const key of this.#cache.keys()) {
      this.#cache.delete(key);
      if ((dropped += 1) >= MAX_ENTRIES / 10) break;
    }
  }

  #sign(input: AssertionInput, nowMs: number): Promise<string> {
    const now = Math.floor(nowMs / 1000);
    return new SignJWT({
      client_id: input.clientId,
      team_id: input.teamId,
      env: input.environment,
      scope: input.scopes.join(' '),
    })
      .setProtectedHeader({
        alg: ASSERTION_ALG,
        kid: this.key.kid,
        typ: 'portcullis-assertion+jwt',
      })
      .setIssuer(this.issuer)
      .setAudience(input.audience)
      .setSubject(input.appId)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_TTL_SECONDS)
      .sign(this.key.privateKey);
  }
}

function cacheKey(input: AssertionInput): string {
  // NUL cannot occur in any of the parts (ids, scopes, audiences), so the key is unambiguous.
  return [
    input.audience,
    input.appId,
    input.clientId ?? '',
    input.teamId ?? '',
    input.environment,
    input.scopes.join(' '),
    input.credentialId ?? '',
    input.tokenJti ?? '',
  ].join('\0');
}
