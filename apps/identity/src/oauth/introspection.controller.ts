import { Controller, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { apiAudience, type AccessTokenClaims } from '@portcullis/contracts';
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

const API_AUDIENCE_PREFIX = apiAudience('');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `POST /oauth2/introspect` (RFC 7662). Services (gateway, audit) call it with their service
 * token and see every token; a client authenticating itself sees only its own tokens. A token is
 * active only while what it was issued for still stands (see `stillGranted`).
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
      if (await this.stillGranted(claims)) body = { active: true, token_type: 'Bearer', ...claims };
    }
    void reply.status(200).headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send(body);
  }

  /**
   * A token outlives nothing it was issued for: the credential that obtained it (its
   * `credential_id`; a rotation gives the new secret the same client id, so any usable credential
   * of the client would keep a leaked old secret's tokens alive) must still be usable (not
   * revoked, suspended, expired or past its grace period), and the
   * application must still have an approved subscription to the token's API in its environment
   * (not suspended or revoked; a deleted application has none).
   */
  private async stillGranted(claims: AccessTokenClaims): Promise<boolean> {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const slugs = audiences
      .filter((audience) => audience.startsWith(API_AUDIENCE_PREFIX))
      .map((audience) => audience.slice(API_AUDIENCE_PREFIX.length));
    if (slugs.length === 0 || !UUID.test(claims.app_id)) return false;
    // Tokens without the claim (none are issued so any more) fall back to the client's credentials.
    const credentialId = claims.credential_id ?? null;
    if (credentialId !== null && !UUID.test(credentialId)) return false;
    const [row] = await this.prisma.$queryRaw<{ credential: boolean; subscription: boolean }[]>`
      SELECT EXISTS (
               SELECT 1 FROM identity.credentials c
                WHERE c.client_id = ${claims.client_id}
                  AND (${credentialId}::uuid IS NULL OR c.id = ${credentialId}::uuid)
                  AND c.application_id = ${claims.app_id}::uuid
                  AND c.environment::text = ${claims.env}
                  AND c.status = 'active'
                  AND (c.expires_at IS NULL OR c.expires_at > now())
                  AND (c.grace_until IS NULL OR c.grace_until > now())
             ) AS credential,
             EXISTS (
               SELECT 1 FROM identity.subscriptions s
                 JOIN identity.apis a ON a.id = s.api_id
                WHERE s.application_id = ${claims.app_id}::uuid
                  AND s.environment::text = ${claims.env}
                  AND s.status = 'approved'
                  AND a.slug = ANY(${slugs}::text[])
             ) AS subscription`;
    return row !== undefined && row.credential && row.subscription;
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
