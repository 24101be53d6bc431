import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@portcullis/nest-service';
import type { IdentityConfig } from '../config.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../signing-keys/signing-keys.service.js';
import { AccessTokenIssuer } from './access-token-issuer.js';
import { assertionAudiences } from './assertion-audiences.js';
import { ClientAuthenticator } from './client-authentication/client-authenticator.js';
import { ClientCredentialsGrant } from './client-credentials-grant.js';
import { TOKEN_PATH } from './issuer.js';
import { MtlsListener } from './mtls-listener.js';
import { InvalidRequestError, UnsupportedGrantTypeError } from './oauth-errors.js';
import type { OAuthRequest } from './oauth-request.js';

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
}

/**
 * The token endpoint's work, whichever listener the request came in on: the client_credentials
 * grant (RFC 6749 §4.4) issuing RFC 9068 JWTs. Throws OAuthError for every refusal.
 */
@Injectable()
export class TokenEndpoint {
  constructor(
    @Inject(CONFIG) private readonly config: IdentityConfig,
    private readonly authenticator: ClientAuthenticator,
    private readonly grant: ClientCredentialsGrant,
    private readonly issuer: AccessTokenIssuer,
    private readonly mtls: MtlsListener,
  ) {}

  async exchange(request: OAuthRequest, parameters: Map<string, string>): Promise<TokenResponse> {
    const grantType = parameters.get('grant_type');
    if (grantType === undefined) throw new InvalidRequestError('grant_type is required.');
    if (grantType !== 'client_credentials') {
      throw new UnsupportedGrantTypeError('Only the client_credentials grant is supported.');
    }
    const client = await this.authenticator.authenticate(request, parameters, {
      assertionAudiences: assertionAudiences(this.config, this.mtls.baseUrl, TOKEN_PATH),
    });
    const decision = await this.grant.decide(
      client,
      parameters,
      this.config.ACCESS_TOKEN_TTL_SECONDS,
      MAX_TOKEN_LIFETIME_SECONDS,
    );
    const issued = await this.issuer.issue(client, decision);
    return {
      access_token: issued.accessToken,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      ...(issued.scope ? { scope: issued.scope } : {}),
    };
  }
}
