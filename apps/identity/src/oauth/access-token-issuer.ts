import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AccessTokenClaims } from '@portcullis/contracts';
import { CONFIG } from '@portcullis/nest-service';
import type { IdentityConfig } from '../config.js';
import { SigningKeys } from '../signing-keys/signing-keys.service.js';
import type { AuthenticatedClient } from './client-authentication/client-authenticator.js';
import type { GrantDecision } from './client-credentials-grant.js';
import { issuerOf } from './issuer.js';

/** RFC 9068 §2.1 */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface IssuedAccessToken {
  accessToken: string;
  expiresIn: number;
  scope: string;
  claims: AccessTokenClaims;
}

/** Mints JWT access tokens (RFC 9068) with the active signing key held in memory. */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    @Inject(CONFIG) private readonly config: IdentityConfig,
    private readonly signingKeys: SigningKeys,
  ) {}

  async issue(client: AuthenticatedClient, grant: GrantDecision): Promise<IssuedAccessToken> {
    const signer = this.signingKeys.currentSigner() ?? (await this.signingKeys.signer());
    const now = Math.floor(Date.now() / 1000);
    const scope = grant.scopes.join(' ');
    const claims: AccessTokenClaims = {
      iss: issuerOf(this.config),
      sub: client.clientId,
      aud: grant.audience,
      client_id: client.clientId,
      ...(scope ? { scope } : {}),
      jti: randomUUID(),
      iat: now,
      nbf: now,
      exp: now + grant.lifetimeSeconds,
      app_id: client.credential.applicationId,
      team_id: client.credential.teamId,
      env: client.credential.environment,
      credential_id: client.credential.id,
      ...(client.certificateThumbprint
        ? { cnf: { 'x5t#S256': client.certificateThumbprint } }
        : {}),
    };
    return {
      accessToken: await signer.sign(ACCESS_TOKEN_TYPE, claims),
      expiresIn: grant.lifetimeSeconds,
      scope,
      claims,
    };
  }
}
