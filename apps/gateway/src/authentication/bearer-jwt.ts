import { createHash, type X509Certificate } from 'node:crypto';
import { accessTokenClaimsSchema, type AccessTokenClaims } from '@portcullis/contracts';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { SnapshotStore } from '../config-sync/snapshot-store.js';
import { Denial } from '../pipeline/denial.js';
import type { CallerIdentity } from '../pipeline/request-context.js';

/** The client certificate of the TLS connection, parsed only when a bound token needs it. */
export type PeerCertificate = () => X509Certificate | null;

/** Asymmetric only: `none` and HMAC (a shared secret the gateway must not hold) are refused. */
export const ACCEPTED_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'];
const CLOCK_TOLERANCE_SECONDS = 5;

export function bearerChallenge(
  status: number,
  reason: Denial['reason'],
  error: 'invalid_token' | 'insufficient_scope' | 'invalid_request',
  description: string,
  extra = '',
): Denial {
  const header = `Bearer realm="portcullis", error="${error}", error_description="${description}"${extra}`;
  return new Denial(
    status,
    reason,
    status === 403 ? 'forbidden' : 'unauthorized',
    status === 403 ? 'Forbidden' : 'Unauthorized',
    description,
    { 'www-authenticate': header },
  );
}

/** Verifies identity's JWT access tokens locally against its JWKS (cached, refreshed on a new kid). */
export class BearerJwtVerifier {
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;
  /**
   * Tokens whose signature and claims already verified, so a client reusing its token costs a
   * Map lookup, not a signature check. Entries end at the token's expiry (never later than
   * CACHE_TTL_MS); revocation and certificate binding are still checked on every request.
   */
  readonly #verified = new Map<
    string,
    { audience: string; claims: AccessTokenClaims; untilMs: number }
  >();

  constructor(
    jwksUrl: string,
    private readonly issuer: string,
  ) {
    this.#jwks = createRemoteJWKSet(new URL(jwksUrl), {
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 5_000,
    });
  }

  #remember(token: string, audience: string, claims: AccessTokenClaims): void {
    const untilMs = Math.min(claims.exp * 1000, Date.now() + CACHE_TTL_MS);
    if (this.#verified.size >= CACHE_MAX_ENTRIES) {
      // Oldest first (Map keeps insertion order): drop a slice rather than one per insert.
      let dropped = 0;
      for (const key of this.#verified.keys()) {
        this.#verified.delete(key);
        if ((dropped += 1) >= CACHE_MAX_ENTRIES / 10) break;
      }
    }
    this.#verified.set(token, { audience, claims, untilMs });
  }

  async authenticate(
    store: SnapshotStore,
    token: string,
    audience: string,
    clientCertificate: PeerCertificate,
  ): Promise<CallerIdentity> {
    const cached = this.#verified.get(token);
    if (cached && cached.audience === audience && cached.untilMs > Date.now()) {
      return this.#identify(store, cached.claims, clientCertificate);
    }
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.#jwks, {
        issuer: this.issuer,
        audience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'jti', 'sub'],
      }));
    } catch (error) {
      throw toDenial(error);
    }
    const parsed = accessTokenClaimsSchema.safeParse(payload);
    if (!parsed.success) {
      throw bearerChallenge(
        401,
        'invalid_token',
        'invalid_token',
        'The token lacks required claims.',
      );
    }
    const claims = parsed.data;
    this.#remember(token, audience, claims);
    return this.#identify(store, claims, clientCertificate);
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

function toDenial(error: unknown): Denial {
  if (error instanceof errors.JWTExpired) {
    return bearerChallenge(401, 'expired_token', 'invalid_token', 'The token has expired.');
  }
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
    return bearerChallenge(
      401,
      'wrong_audience',
      'invalid_token',
      'The token is not for this API.',
    );
  }
  if (error instanceof errors.JWKSTimeout) {
    return new Denial(
      503,
      'invalid_token',
      'unavailable',
      'Service unavailable',
      'Token keys are unavailable.',
    );
  }
  return bearerChallenge(401, 'invalid_token', 'invalid_token', 'The token is not valid.');
}
