import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Res,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Protected, type Principal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ValidatedBody, ValidatedQuery } from '../auth/zod-openapi.js';
import {
  createBlockSchema,
  listBlocksQuerySchema,
  securityResponseSchema,
  type CreateBlockInput,
  type ListBlocksQuery,
  type SecurityResponseInput,
} from './security-schemas.js';
import { SecurityResponsesService } from './security-responses.service.js';
import { SourceBlocksService } from './source-blocks.service.js';

const uuid = new ParseUUIDPipe();

/**
 * Security responses (audit's automatic responses to alerts, or security people) and source
 * blocks set by hand. Responses: the audit service token, security and admin users. Blocks:
 * security and admin users.
 */
@ApiTags('security')
@Controller('v1/security')
export class SecurityController {
  constructor(
    private readonly responses: SecurityResponsesService,
    private readonly blocks: SourceBlocksService,
  ) {}

  @Put('responses/:id')
  @Protected({ roles: ['security', 'admin'], services: ['audit'] })
  @ApiOperation({
    summary: 'Apply a security response (idempotent on the id the caller chose)',
    description:
      '`block_ip` blocks an IP address or CIDR range at every gateway until `until`; `suspend_credential` makes a credential unusable at the token endpoint and the gateway until `until` (a revoked or expired credential is recorded and stays as it is). 201 when created; 200 when the id exists (same action and target: `until` and `reason` are updated). 400 invalid target, 404 unknown credential, 409 the id is taken by another action or target, or was lifted.',
  })
  @ApiResponse({ status: 201, description: 'Applied' })
  @ApiResponse({ status: 200, description: 'Applied already; `until` and `reason` updated' })
  @ApiProblems(400, 401, 403, 404, 409)
  async apply(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @ValidatedBody(securityResponseSchema) body: SecurityResponseInput,
    @CurrentRequestMeta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { created, response } = await this.responses.apply(id, body, principal, meta);
    void reply.status(created ? 201 : 200);
    return response;
  }

  @Get('responses/:id')
  @Protected({ roles: ['security', 'admin'], services: ['audit'] })
  @ApiOperation({ summary: 'A security response and whether it is still in force' })
  @ApiResponse({ status: 200, description: 'The response (`active`, `liftedAt`, …)' })
  @ApiProblems(400, 401, 403, 404)
  get(@Param('id', uuid) id: string) {
    return this.responses.get(id);
  }

  @Delete('responses/:id')
  @HttpCode(204)
  @Protected({ roles: ['security', 'admin'], services: ['audit'] })
  @ApiOperation({
    summary: 'Lift a security response early',
    description: '204 when lifted; 404 when unknown, lifted already or lapsed.',
  })
  @ApiResponse({ status: 204, description: 'Lifted' })
  @ApiProblems(400, 401, 403, 404)
  async lift(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.responses.lift(id, principal, meta);
  }

  @Get('blocks')
  @Protected({ roles: ['security', 'admin'] })
  @ApiOperation({
    summary: 'Blocked source addresses (active; `includeInactive=true` adds lifted and lapsed)',
  })
  @ApiResponse({ status: 200, description: '`{ items }`, newest first' })
  @ApiProblems(400, 401, 403)
  list(@ValidatedQuery(listBlocksQuerySchema) query: ListBlocksQuery) {
    return this.blocks.list(query.includeInactive === 'true');
  }

  @Post('blocks')
  @Protected({ roles: ['security', 'admin'] })
  @ApiOperation({
    summary: 'Block a source address or CIDR range at every gateway',
    description:
      '`until` absent or null: until lifted. Ranges at most /8 (IPv4) or /32 (IPv6) wide. Gateways refuse the address within a second.',
  })
  @ApiResponse({ status: 201, description: 'The block' })
  @ApiProblems(400, 401, 403)
  create(
    @CurrentPrincipal() principal: Principal,
    @ValidatedBody(createBlockSchema) body: CreateBlockInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.blocks.create(body, principal, meta);
  }

  @Delete('blocks/:id')
  @HttpCode(204)
  @Protected({ roles: ['security', 'admin'] })
  @ApiOperation({
    summary: 'Lift a block (also lifts the security response that made it)',
    description: '404 when unknown, lifted already or lapsed.',
  })
  @ApiResponse({ status: 204, description: 'Lifted' })
  @ApiProblems(400, 401, 403, 404)
  async unblock(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.blocks.lift(id, principal, meta);
  }
}
