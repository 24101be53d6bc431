import { Controller, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { safeEqual } from '@portcullis/crypto';
import type { PrismaClient } from '@portcullis/db';
import { CONFIG, PRISMA } from '@portcullis/nest-service';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdentityConfig } from '../config.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { assertionAudiences } from './assertion-audiences.js';
import { ClientAuthenticator } from './client-authentication/client-authenticator.js';
import { formParameters } from './form-parameters.js';
import { INTROSPECTION_PATH } from './issuer.js';
import { MtlsListener } from './mtls-listener.js';
import { InvalidClientError, InvalidRequestError } from './oauth-errors.js';
import { OAuthExceptionFilter } from './oauth-exception.filter.js';

/**
 * `POST /oauth2/introspect` (RFC 7662). Services (gateway, audit) call it with their service
 * token and see every token; a client authenticating itself sees only its own tokens.
 */
@ApiTags('oauth2')
@Controller()
@UseFilters(OAuthExceptionFilter)
export class IntrospectionController {
  constructor(
    @Inject(CONFIG) private readonly config: IdentityConfig,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly authenticator: ClientAuthenticator,
    private readonly verifier: AccessTokenVerifier,
    private readonly mtls: MtlsListener,
  ) {}

  @Post(INTROSPECTION_PATH.slice(1))
  @ApiOperation({ summary: 'Token introspection (RFC 7662)' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiResponse({ status: 200, description: '{active:false} or active with the claims' })
  @ApiResponse({ status: 401, description: 'invalid_client' })
  async introspect(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const parameters = formParameters(request);
    let callerClientId: string | null = null;
    if (/^bearer /i.test(request.headers.authorization ?? '')) {
      if (!this.isServiceToken(request.headers.authorization!.slice(7).trim())) {
        throw new InvalidClientError('The service token is not valid.');
      }
    } else {
      const client = await this.authenticator.authenticate(request, parameters, {
        assertionAudiences: assertionAudiences(this.config, this.mtls.baseUrl, INTROSPECTION_PATH),
      });
      callerClientId = client.clientId;
    }
    const token = parameters.get('token');
    if (token === undefined) throw new InvalidRequestError('token is required.');
    const claims = await this.verifier.verifyActive(token);
    let body: Record<string, unknown> = { active: false };
    if (claims && (callerClientId === null || claims.client_id === callerClientId)) {
      // A token outlives nothing it was issued for: its client must still hold a usable credential.
      const usable = await this.prisma.credential.count({
        where: {
          clientId: claims.client_id,
          status: 'active',
          AND: [
            { OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] },
            { OR: [{ graceUntil: null }, { graceUntil: { gt: new Date() } }] },
          ],
        },
      });
      if (usable > 0) body = { active: true, token_type: 'Bearer', ...claims };
    }
    void reply.status(200).headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send(body);
  }

  private isServiceToken(token: string): boolean {
    let match = false;
    // Check every entry so timing does not tell which one matched.
    for (const expected of this.config.IDENTITY_SERVICE_TOKENS.values()) {
      if (safeEqual(token, expected)) match = true;
    }
    return match;
  }
}
