import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser, Protected } from '../auth/decorators.js';
import type { UserPrincipal } from '../auth/principal.js';
import {
  createCredentialSchema,
  rotateCredentialSchema,
  type CreateCredentialRequest,
  type RotateCredentialRequest,
} from './credential-requests.js';
import type { CredentialView } from './credential-view.js';
import {
  CredentialsService,
  type IssuedCredential,
  type RequestOrigin,
} from './credentials.service.js';
import { ValidatedBody } from '../auth/zod-openapi.js';

@ApiTags('credentials')
@Controller('v1/applications/:appId/credentials')
@Protected({ roles: ['developer'] })
@ApiForbiddenResponse({ description: 'Not a member of the application’s team' })
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a credential',
    description:
      'Needs an approved subscription of the application in that environment. The API key or ' +
      'client secret is in this response only. An application has at most 20 credentials in use ' +
      '(rotated-out ones in their grace period not counted).',
  })
  @ApiCreatedResponse({ description: 'The credential, with its secret shown once' })
  @ApiConflictResponse({
    description:
      'No approved subscription in that environment, or 20 credentials in use already (revoke one)',
  })
  async create(
    @Param('appId') appId: string,
    @ValidatedBody(createCredentialSchema) body: CreateCredentialRequest,
    @CurrentUser() user: UserPrincipal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IssuedCredential> {
    void reply.status(201).header('cache-control', 'no-store');
    return this.credentials.create(appId, body, origin(user, request));
  }

  @Get()
  @ApiOperation({ summary: 'List the application’s credentials (never their secrets)' })
  @ApiOkResponse({ description: 'Credentials' })
  async list(
    @Param('appId') appId: string,
    @CurrentUser() user: UserPrincipal,
  ): Promise<{ items: CredentialView[] }> {
    return { items: await this.credentials.list(appId, user) };
  }

  @Post(':credentialId/rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate a credential',
    description:
      'Issues a replacement (same client id for OAuth clients); the old one keeps working until ' +
      'graceUntil (default 24 h, at most 30 days). At most 20 rotated-out credentials of an ' +
      'application can be in their grace period at once.',
  })
  @ApiOkResponse({ description: 'The new credential, with its secret shown once' })
  @ApiConflictResponse({
    description:
      'Not an active credential, rotated already, or 20 rotated-out credentials in their grace period',
  })
  async rotate(
    @Param('appId') appId: string,
    @Param('credentialId') credentialId: string,
    @ValidatedBody(rotateCredentialSchema) body: RotateCredentialRequest,
    @CurrentUser() user: UserPrincipal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IssuedCredential> {
    void reply.header('cache-control', 'no-store');
    return this.credentials.rotate(appId, credentialId, body, origin(user, request));
  }

  @Post(':credentialId/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a credential now (gateways refuse it within a second)' })
  @ApiOkResponse({ description: 'The revoked credential' })
  async revoke(
    @Param('appId') appId: string,
    @Param('credentialId') credentialId: string,
    @CurrentUser() user: UserPrincipal,
    @Req() request: FastifyRequest,
  ): Promise<CredentialView> {
    return this.credentials.revoke(appId, credentialId, origin(user, request));
  }
}

function origin(user: UserPrincipal, request: FastifyRequest): RequestOrigin {
  const userAgent = request.headers['user-agent'];
  return {
    user,
    sourceIp: request.ip,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 1024) : null,
  };
}
