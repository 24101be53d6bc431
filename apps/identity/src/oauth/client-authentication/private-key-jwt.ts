import { createLocalJWKSet, decodeJwt, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { InvalidClientError, InvalidRequestError } from '../oauth-errors.js';

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Asymmetric algorithms only: no `none`, no HS* (the client's key is public to us). */
export const CLIENT_ASSERTION_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
];

/** An assertion may not live longer than this, which also bounds how long its jti is kept. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const CLOCK_TOLERANCE_SECONDS = 30;

/** `private_key_jwt` (RFC 7523 §2.2): a JWT the client signed, in `client_assertion`. */
export function privateKeyJwtPresented(
  parameters: Map<string, string>,
): { method: 'private_key_jwt'; clientId: string; assertion: string } | null {
  const type = parameters.get('client_assertion_type');
  const assertion = parameters.get('client_assertion');
  if (type === undefined && assertion === undefined) return null;
  if (type !== JWT_BEARER_ASSERTION_TYPE) {
    throw new InvalidRequestError(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}.`);
  }
  if (!assertion || assertion.length > 8192) {
    throw new InvalidRequestError('client_assertion is missing or too long.');
  }
  let subject: unknown;
  try {
    const claims = decodeJwt(assertion);
    subject = claims.sub;
    if (claims.iss !== claims.sub) throw new Error('iss differs from sub');
  } catch {
    throw new InvalidClientError('The client assertion is malformed.');
  }
  if (typeof subject !== 'string')
    throw new InvalidClientError('The client assertion is malformed.');
  return { method: 'private_key_jwt', clientId: subject, assertion };
}

export interface VerifiedAssertion {
  jti: string;
  expiresAt: Date;
}

/**
 * Checks the assertion against one of the client's registered key sets: signature, iss = sub =
 * client id, aud = one of `audiences`, exp present and near, jti present. Replay is checked by
 * the caller (it needs the database). Returns null when no key set verifies it.
 */
export async function verifyClientAssertion(
  assertion: string,
  clientId: string,
  keySets: JSONWebKeySet[],
  audiences: string[],
): Promise<VerifiedAssertion | null> {
  for (const keySet of keySets) {
    try {
      const { payload } = await jwtVerify(assertion, createLocalJWKSet(keySet), {
        algorithms: CLIENT_ASSERTION_ALGORITHMS,
        issuer: clientId,
        subject: clientId,
        audience: audiences,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'jti'],
      });
      const now = Math.floor(Date.now() / 1000);
      if (payload.exp! > now + MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) {
        throw new InvalidClientError('The client assertion expires too far in the future.');
      }
      if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) {
        throw new InvalidClientError('The client assertion needs a jti.');
      }
      return { jti: payload.jti, expiresAt: new Date(payload.exp! * 1000) };
    } catch (error) {
      if (error instanceof InvalidClientError) throw error;
      if (error instanceof errors.JWTExpired) {
        throw new InvalidClientError('The client assertion has expired.');
      }
      // Wrong key set (or a bad signature): try the next registered set.
    }
  }
  return null;
}
