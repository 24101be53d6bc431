import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { ASSERTION_ALG, type GatewaySigningKey } from './gateway-signing-key.js';

export const ASSERTION_TTL_SECONDS = 60;

export interface AssertionInput {
  audience: string;
  appId: string;
  clientId: string | null;
  teamId: string | null;
  environment: string;
  scopes: readonly string[];
  requestId: string;
  method: string;
  /** The path and query exactly as sent upstream. */
  upstreamTarget: string;
}

/** `base64url(SHA-256("<METHOD> <path?query>"))`: ties the assertion to this one request. */
export function requestHash(method: string, target: string): string {
  return createHash('sha256').update(`${method.toUpperCase()} ${target}`).digest('base64url');
}

/** Signs the short-lived JWT backends verify to accept only what came through the gateway. */
export class AssertionSigner {
  constructor(
    private readonly key: GatewaySigningKey,
    private readonly issuer: string,
  ) {}

  sign(input: AssertionInput): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      client_id: input.clientId,
      team_id: input.teamId,
      env: input.environment,
      scope: input.scopes.join(' '),
      req: requestHash(input.method, input.upstreamTarget),
    })
      .setProtectedHeader({
        alg: ASSERTION_ALG,
        kid: this.key.kid,
        typ: 'portcullis-assertion+jwt',
      })
      .setIssuer(this.issuer)
      .setAudience(input.audience)
      .setSubject(input.appId)
      .setJti(input.requestId)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_TTL_SECONDS)
      .sign(this.key.privateKey);
  }
}
