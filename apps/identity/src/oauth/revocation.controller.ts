import { Controller, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { PrismaClient } from '@portcullis/db';
import { CONFIG, PRISMA } from '@portcullis/nest-service';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConfigChanges } from '../audit-trail/config-changes.js';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { IdentityConfig } from '../config.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { assertionAudiences } from './assertion-audiences.js';
import { ClientAuthenticator } from './client-authentication/client-authenticator.js';
import { formParameters } from './form-parameters.js';
import { REVOCATION_PATH } from './issuer.js';
import { MtlsListener } from './mtls-listener.js';
import { InvalidRequestError, UnsupportedTokenTypeError } from './oauth-errors.js';
import { OAuthExceptionFilter } from './oauth-exception.filter.js';

/**
 * `POST /oauth2/revoke` (RFC 7009). A client revokes its own access tokens; gateways learn of it
 * through a `token.revoked` config change. Unknown, expired or foreign tokens also get 200, so
 * the answer reveals nothing about other clients' tokens.
 */
@ApiTags('oauth2')
@Controller()
@UseFilters(OAuthExceptionFilter)
export class RevocationController {
  constructor(
    @Inject(CONFIG) private readonly config: IdentityConfig,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly authenticator: ClientAuthenticator,
    private readonly verifier: AccessTokenVerifier,
    private readonly mtls: MtlsListener,
    private readonly configChanges: ConfigChanges,
    private readonly events: ManagementEvents,
  ) {}

  @Post(REVOCATION_PATH.slice(1))
  @ApiOperation({ summary: 'Token revocation (RFC 7009)' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiResponse({ status: 200, description: 'Revoked, or nothing to revoke' })
  @ApiResponse({ status: 401, description: 'invalid_client' })
  async revoke(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const parameters = formParameters(request);
    const client = await this.authenticator.authenticate(request, parameters, {
      assertionAudiences: assertionAudiences(this.config, this.mtls.baseUrl, REVOCATION_PATH),
    });
    const token = parameters.get('token');
    if (token === undefined) throw new InvalidRequestError('token is required.');
    const hint = parameters.get('token_type_hint');
    if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
      throw new UnsupportedTokenTypeError('Only access tokens are issued here.');
    }
    const claims = await this.verifier.verifySignature(token);
    if (claims && claims.client_id === client.clientId) {
      const expiresAt = new Date(claims.exp * 1000);
      const change = await this.prisma.$transaction(async (transaction) => {
        const existing = await transaction.revokedToken.findUnique({ where: { jti: claims.jti } });
        if (existing) return null;
        await transaction.revokedToken.create({
          data: { jti: claims.jti, clientId: claims.client_id, expiresAt },
        });
        return this.configChanges.record(transaction, 'token.revoked', claims.jti, expiresAt);
      });
      if (change) {
        this.configChanges.announce(change);
        this.events.publish({
          action: 'token.revoked',
          outcome: 'success',
          actor: { type: 'client', id: client.clientId, label: null },
          target: { type: 'access_token', id: claims.jti },
          teamId: claims.team_id,
          appId: claims.app_id,
          sourceIp: request.ip,
          details: { clientId: claims.client_id, expiresAt: expiresAt.toISOString() },
        });
      }
    }
    void reply.status(200).headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send();
  }
}
