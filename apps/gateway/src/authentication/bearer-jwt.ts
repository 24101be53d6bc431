import { createHash, type X509Certificate } from 'node:crypto';
import { accessTokenClaimsSchema, type AccessTokenClaims } from '@portcullis/contracts';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import type { SnapshotStore } from '../config-sync/snapshot-store.js';
import { Denial, denials } from '../pipeline/denial.js';
import type { CallerIdentity } from '../pipeline/request-context.js';

/** The client certificate of the TLS connection, parsed only when a bound token needs it. */
export type PeerCertificate = () => X509Certificate | null;

/** Asymmetric only: `none` and HMAC (a shared secret the gateway must not hold) are refused. */
export const ACCEPTED_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'];
const CLOCK_TOLERANCE_SECONDS = 5;
/** RFC 6750 §2.1 b64token: anything else in `Authorization: Bearer` is a malformed request. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/**
 * Identity's JWKS could not be read: our outage, not the caller's token, so 503 and never a
 * reason audit counts as an authentication failure (its source blocks act on those).
 */
const KEYS_UNAVAILABLE_REASON = 'jwks_unavailable';
/** What clients are asked to wait; the gateway tries the JWKS again for the next token anyway. */
const KEYS_RETRY_AFTER_SECONDS = '5';
/** After a failed JWKS fetch, the last keys read serve alone this long before the next try. */
const KEYS_RETRY_PAUSE_MS = 5_000;

export interface JwksOptions {
  /** How long keys read from the JWKS are used before they are read again (jose's cacheMaxAge). */
  cacheMaxAgeMs?: number;
  /**
   * While the JWKS cannot be read, the last keys read stay usable this long after they were last
   * current (0: never). Identity retires a key only after every token it signed has expired.
   */
  maxStaleMs?: number;
}

const STATUS_WORDS: Record<400 | 401 | 403, [slug: string, title: string]> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
};

export function bearerChallenge(
  status: 400 | 401 | 403,
  reason: Denial['reason'],
  error: 'invalid_token' | 'insufficient_scope' | 'invalid_request',
  description: string,
  extra = '',
): Denial {
  const header = `Bearer realm="portcullis", error="${error}", error_description="${description}"${extra}`;
  const [slug, title] = STATUS_WORDS[status];
  return new Denial(status, reason, slug, title, description, { 'www-authenticate': header });
}

/** Thrown by the key lookup when the JWKS itself failed (unreachable, timed out, not a JWKS). */
class KeysUnavailable extends Error {
  constructor(cause: unknown) {
    super('The JWKS could not be read.', { cause });
  }
}

/**
 * Errors of the key lookup that concern the token (no key has its `kid`, several match it, its
 * `alg` has no key type). Anything else there is the JWKS fetch failing.
 */
function concernsToken(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported
  );
}

/** What a token's signature check concluded, kept so the same token is not checked again. */
type CheckedToken =
  | { audience: string; evictAtMs: number; claims: AccessTokenClaims }
  | { audience: string; evictAtMs: number; refusal: Denial };

/**
 * Verifies identity's JWT access tokens locally against its JWKS (cached, refreshed on a new kid).
 * A token's signature is checked once: the outcome, accepted or refused, is kept for
 * CACHE_TTL_MS, so a client (or an attacker) repeating a token, an expired one included, costs a
 * Map lookup instead of an ECDSA verification on the thread pool. What can change while a token is
 * kept (expiry, revocation, the client certificate) is checked on every request.
 */
export class BearerJwtVerifier {
  readonly #jwks: JWTVerifyGetKey;
  readonly #reloadKeys: () => Promise<void>;
  readonly #checked = new Map<string, CheckedToken>();
  #signatureChecks = 0;

  constructor(
    jwksUrl: string,
    private readonly issuer: string,
    /** Milliseconds since the epoch; tests move it. */
    private readonly now: () => number = Date.now,
    options: JwksOptions = {},
  ) {
    const remote = createRemoteJWKSet(new URL(jwksUrl), {
      cooldownDuration: 30_000,
      cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
      timeoutDuration: 5_000,
    });
    const maxStaleMs = options.maxStaleMs ?? 24 * 3_600_000;
    /** When the remote set last answered a lookup (its keys were current then). */
    let currentAtMs = 0;
    let retryRemoteAtMs = 0;
    let stale: { keys: JWTVerifyGetKey; currentAtMs: number } | null = null;
    // jose drops nothing when a refresh fails, but answers only from a fresh set: the last keys
    // read carry tokens through an outage (or a partition between gateway and identity).
    const fromStaleKeys: JWTVerifyGetKey = async (protectedHeader, token) => {
      if (stale?.currentAtMs !== currentAtMs) {
        const last = remote.jwks();
        stale = last ? { keys: createLocalJWKSet(last), currentAtMs } : null;
      }
      if (!stale || Date.now() - currentAtMs > maxStaleMs) {
        throw new KeysUnavailable(new Error('no keys read recently enough'));
      }
      try {
        return await stale.keys(protectedHeader, token);
      } catch (error) {
        // A kid the old set lacks may be a key rotated in meanwhile: only the JWKS can tell.
        throw error instanceof errors.JWKSNoMatchingKey ? new KeysUnavailable(error) : error;
      }
    };
    this.#reloadKeys = async () => {
      await remote.reload();
      currentAtMs = Date.now();
      retryRemoteAtMs = 0;
    };
    // Only a signature check on a token not seen before gets here, never a cached answer.
    this.#jwks = async (protectedHeader, token) => {
      if (Date.now() < retryRemoteAtMs) return fromStaleKeys(protectedHeader, token);
      // While one request tries the JWKS again, the others keep using the last keys (a JWKS that
      // does not answer would otherwise hold every new token for the fetch timeout).
      if (retryRemoteAtMs !== 0) retryRemoteAtMs = Date.now() + KEYS_RETRY_PAUSE_MS;
      try {
        const key = await remote(protectedHeader, token);
        currentAtMs = Date.now();
        retryRemoteAtMs = 0;
        return key;
      } catch (error) {
        if (concernsToken(error)) {
          // The JWKS answered: it is the token's key that is missing.
          currentAtMs = Date.now();
          retryRemoteAtMs = 0;
          throw error;
        }
        if (currentAtMs === 0 || maxStaleMs === 0) throw new KeysUnavailable(error);
        retryRemoteAtMs = Date.now() + KEYS_RETRY_PAUSE_MS;
        return fromStaleKeys(protectedHeader, token);
      }
    };
  }

  /**
   * Reads the JWKS again now (identity announced a key change): a key rotated in verifies at once
   * even within the unknown-`kid` cool-down, and a retired one stops verifying new tokens within a
   * second instead of at the end of the key cache. A failed read keeps the keys there are.
   */
  async refreshKeys(): Promise<void> {
    await this.#reloadKeys().catch(() => undefined);
  }

  /** Signature verifications done so far (the rest of the requests were answered from the cache). */
  get signatureChecks(): number {
    return this.#signatureChecks;
  }

  async authenticate(
    store: SnapshotStore,
    token: string,
    audience: string,
    clientCertificate: PeerCertificate,
  ): Promise<CallerIdentity> {
    const nowMs = this.now();
    const known = this.#checked.get(token);
    if (known && known.audience === audience && known.evictAtMs > nowMs) {
      if ('refusal' in known) throw known.refusal;
      // The same test jose applies: whole seconds, expired once `exp` is at or past now − leeway.
      if (known.claims.exp <= Math.floor(nowMs / 1000) - CLOCK_TOLERANCE_SECONDS) {
        throw expiredToken();
      }
      return this.#identify(store, known.claims, clientCertificate);
    }
    // Before the signature check, so no token the cache holds can fail it (jose's base64url
    // decoding skips whitespace: `a.b.c d` would otherwise verify as `a.b.cd`).
    if (!B64TOKEN.test(token)) {
      throw bearerChallenge(400, 'invalid_token', 'invalid_request', 'The token is malformed.');
    }
    this.#signatureChecks += 1;
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.#jwks, {
        issuer: this.issuer,
        audience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(nowMs),
        typ: 'at+jwt',
        requiredClaims: ['exp', 'jti', 'sub'],
      }));
    } catch (error) {
      const refusal = toDenial(error);
      if (isFinal(error)) {
        this.#remember(token, { audience, evictAtMs: nowMs + CACHE_TTL_MS, refusal });
      }
      throw refusal;
    }
    const parsed = accessTokenClaimsSchema.safeParse(payload);
    if (!parsed.success) {
      const refusal = bearerChallenge(
        401,
        'invalid_token',
        'invalid_token',
        'The token lacks required claims.',
      );
      this.#remember(token, { audience, evictAtMs: nowMs + CACHE_TTL_MS, refusal });
      throw refusal;
    }
    const claims = parsed.data;
    this.#remember(token, { audience, evictAtMs: nowMs + CACHE_TTL_MS, claims });
    return this.#identify(store, claims, clientCertificate);
  }

  #remember(token: string, outcome: CheckedToken): void {
    if (this.#checked.size >= CACHE_MAX_ENTRIES) {
      // Oldest first (Map keeps insertion order): drop a slice rather than one per insert.
      let dropped = 0;
      for (const key of this.#checked.keys()) {
        this.#checked.delete(key);
        if ((dropped += 1) >= CACHE_MAX_ENTRIES / 10) break;
      }
    }
    this.#checked.delete(token);
    this.#checked.set(token, outcome);
  }

  /** Checks that can change while a token is valid run every time, cached or not. */
  #identify(
    store: SnapshotStore,
    claims: AccessTokenClaims,
    clientCertificate: PeerCertificate,
  ): CallerIdentity {
    if (store.isTokenRevoked(claims.jti)) {
      throw bearerChallenge(
        401,
        'revoked_credential',
        'invalid_token',
        'The token has been revoked.',
      );
    }
    if (claims.credential_id !== undefined && store.isCredentialWithdrawn(claims.credential_id)) {
      throw bearerChallenge(
        401,
        'revoked_credential',
        'invalid_token',
        'The credential this token was issued to has been revoked or suspended.',
      );
    }
    const bound = claims.cnf?.['x5t#S256'];
    if (bound !== undefined) {
      const certificate = clientCertificate();
      const presented = certificate ? certificateThumbprint(certificate) : null;
      if (presented !== bound) {
        throw bearerChallenge(
          401,
          'certificate_mismatch',
          'invalid_token',
          'The token is bound to a different client certificate.',
        );
      }
    }
    const application = store.application(claims.app_id);
    return {
      authMethod: 'bearer_jwt',
      appId: claims.app_id,
      teamId: claims.team_id,
      developerId: application?.createdById ?? null,
      clientId: claims.client_id,
      credentialId: null,
      environment: claims.env,
      tokenScopes: claims.scope ? claims.scope.split(' ').filter(Boolean) : [],
      tokenJti: claims.jti,
    };
  }
}

const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX_ENTRIES = 10_000;

/** RFC 8705 x5t#S256: base64url SHA-256 of the DER certificate. */
export function certificateThumbprint(certificate: X509Certificate): string {
  return createHash('sha256').update(certificate.raw).digest('base64url');
}

function expiredToken(): Denial {
  return bearerChallenge(401, 'expired_token', 'invalid_token', 'The token has expired.');
}

/**
 * Refusals that the same token will always get: a bad signature, a wrong audience or issuer, a
 * malformed token, an expired one. Not kept: an unknown key id (identity may have just rotated
 * its key; the JWKS is fetched again after its cool-down), the JWKS being unreachable, and a
 * token not valid yet (`nbf`).
 */
function isFinal(error: unknown): boolean {
  if (error instanceof errors.JWTClaimValidationFailed) return error.claim !== 'nbf';
  return (
    error instanceof errors.JWTExpired ||
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSEAlgNotAllowed ||
    error instanceof errors.JOSENotSupported
  );
}

function toDenial(error: unknown): Denial {
  if (error instanceof errors.JWTExpired) return expiredToken();
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
    return bearerChallenge(
      401,
      'wrong_audience',
      'invalid_token',
      'The token is not for this API.',
    );
  }
  if (error instanceof KeysUnavailable) {
    return denials.unavailable(
      KEYS_UNAVAILABLE_REASON,
      'The keys to verify the token are unavailable; try again later.',
      { 'retry-after': KEYS_RETRY_AFTER_SECONDS },
    );
  }
  return bearerChallenge(401, 'invalid_token', 'invalid_token', 'The token is not valid.');
}
