import { Controller, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CONFIG } from '@portcullis/nest-service';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdentityConfig } from '../config.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../signing-keys/signing-keys.service.js';
import { AccessTokenIssuer } from './access-token-issuer.js';
import { ClientAuthenticator } from './client-authentication/client-authenticator.js';
import { ClientCredentialsGrant } from './client-credentials-grant.js';
import { formParameters } from './form-parameters.js';
import { assertionAudiences } from './assertion-audiences.js';
import { MtlsListener } from './mtls-listener.js';
import { InvalidRequestError, UnsupportedGrantTypeError } from './oauth-errors.js';
import { OAuthExceptionFilter } from './oauth-exception.filter.js';
import { TOKEN_PATH } from './issuer.js';

/** `POST /oauth2/token`: the client_credentials grant (RFC 6749 §4.4) issuing RFC 9068 JWTs. */
@ApiTags('oauth2')
@Controller()
@UseFilters(OAuthExceptionFilter)
export class TokenController {
  constructor(
    @Inject(CONFIG) private readonly config: IdentityConfig,
    private readonly authenticator: ClientAuthenticator,
    private readonly grant: ClientCredentialsGrant,
    private readonly issuer: AccessTokenIssuer,
    private readonly mtls: MtlsListener,
  ) {}

  @Post(TOKEN_PATH.slice(1))
  @ApiOperation({
    summary: 'Token endpoint (client_credentials)',
    description:
      'Client authentication: client_secret_basic, client_secret_post, private_key_jwt, ' +
      'self_signed_tls_client_auth (on the mutual-TLS listener). Parameters: grant_type, scope, ' +
      'resource or audience.',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiResponse({ status: 200, description: 'access_token, token_type, expires_in, scope' })
  @ApiResponse({ status: 400, description: 'RFC 6749 §5.2 error' })
  @ApiResponse({ status: 401, description: 'invalid_client' })
  @ApiResponse({ status: 429, description: 'too many failed client authentications' })
  async token(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const parameters = formParameters(request);
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
    void reply
      .status(200)
      .headers({
        'cache-control': 'no-store',
        pragma: 'no-cache',
        'content-type': 'application/json; charset=utf-8',
      })
      .send(
        JSON.stringify({
          access_token: issued.accessToken,
          token_type: 'Bearer',
          expires_in: issued.expiresIn,
          ...(issued.scope ? { scope: issued.scope } : {}),
        }),
      );
  }
}
