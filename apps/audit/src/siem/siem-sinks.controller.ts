import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ZodValidationPipe } from '@portcullis/nest-service';
import { z } from 'zod';
import type { AuditPrincipal } from '../auth/audit-principal.js';
import { CurrentPrincipal, SignedIn } from '../auth/decorators.js';
import { requireSecurityRole } from './require-security-role.js';
import {
  createSinkSchema,
  SiemSinksService,
  updateSinkSchema,
  type SinkStatus,
  type SinkView,
  type SinkWithStatus,
} from './siem-sinks.service.js';
import { SecurityTeamOnly } from '../auth/role-guards.js';

export const listSinksQuerySchema = z.strictObject({
  /** `status` adds each sink's export status (what GET /v1/siem/sinks/{id}/status returns). */
  include: z.literal('status').optional(),
});

@ApiTags('siem')
@Controller('v1/siem/sinks')
@SignedIn()
export class SiemSinksController {
  constructor(private readonly sinks: SiemSinksService) {}

  @Get()
  @ApiOperation({ summary: 'List SIEM sinks (secrets are never returned)' })
  @ApiQuery({
    name: 'include',
    required: false,
    enum: ['status'],
    description: "`status` adds each sink's export status (lag, last success, last error).",
  })
  list(
    @CurrentPrincipal() principal: AuditPrincipal,
    @Query(new ZodValidationPipe(listSinksQuerySchema))
    query: z.output<typeof listSinksQuerySchema>,
  ): Promise<SinkView[] | SinkWithStatus[]> {
    requireSecurityRole(principal);
    return query.include === 'status' ? this.sinks.listWithStatus() : this.sinks.list();
  }

  @Post()
  @SecurityTeamOnly()
  @ApiOperation({ summary: 'Create a SIEM sink; it exports events from now on (or `earliest`)' })
  @ApiBody({ schema: z.toJSONSchema(createSinkSchema, { io: 'input' }) as object })
  @ApiResponse({ status: 201, description: 'The sink, without its secret.' })
  @ApiResponse({ status: 409, description: 'A sink with this name exists.' })
  create(
    @CurrentPrincipal() principal: AuditPrincipal,
    @Body(new ZodValidationPipe(createSinkSchema)) body: z.output<typeof createSinkSchema>,
  ): Promise<SinkView> {
    return this.sinks.create(body, requireSecurityRole(principal));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One SIEM sink' })
  get(@CurrentPrincipal() principal: AuditPrincipal, @Param('id') id: string): Promise<SinkView> {
    requireSecurityRole(principal);
    return this.sinks.get(id);
  }

  @Patch(':id')
  @SecurityTeamOnly()
  @ApiOperation({ summary: 'Change a sink: name, settings, secret, event types, enabled' })
  @ApiBody({ schema: z.toJSONSchema(updateSinkSchema, { io: 'input' }) as object })
  update(
    @CurrentPrincipal() principal: AuditPrincipal,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(updateSinkSchema)) body: z.output<typeof updateSinkSchema>,
  ): Promise<SinkView> {
    return this.sinks.update(id, body, requireSecurityRole(principal));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a sink and its consumer group' })
  async delete(
    @CurrentPrincipal() principal: AuditPrincipal,
    @Param('id') id: string,
  ): Promise<void> {
    await this.sinks.delete(id, requireSecurityRole(principal));
  }

  @Get(':id/status')
  @ApiOperation({
    summary: 'Export status: lag (events not yet exported), last success, last error',
  })
  status(
    @CurrentPrincipal() principal: AuditPrincipal,
    @Param('id') id: string,
  ): Promise<SinkStatus> {
    requireSecurityRole(principal);
    return this.sinks.status(id);
  }
}
