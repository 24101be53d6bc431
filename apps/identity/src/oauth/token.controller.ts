import { Controller, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formParameters } from './form-parameters.js';
import { TOKEN_PATH } from './issuer.js';
import { OAuthExceptionFilter } from './oauth-exception.filter.js';
import { OAUTH_RESPONSE_HEADERS } from './oauth-response.js';
import { TokenEndpoint } from './token-endpoint.js';

/**
 * `POST /oauth2/token` through Fastify and Nest: the route the OpenAPI document describes, served
 * on the mutual-TLS listener. On the main listener TokenFastPath answers the same path first.
 */
@ApiTags('oauth2')
@Controller()
@UseFilters(OAuthExceptionFilter)
export class TokenController {
  constructor(private readonly endpoint: TokenEndpoint) {}

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
    const response = await this.endpoint.exchange(request, formParameters(request));
    void reply.status(200).headers(OAUTH_RESPONSE_HEADERS).send(JSON.stringify(response));
  }
}
