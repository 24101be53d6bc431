import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { alertStatusSchema } from '@portcullis/contracts';
import { ZodValidationPipe } from '@portcullis/nest-service';
import { z } from 'zod';
import type { AuditPrincipal } from '../auth/audit-principal.js';
import { CurrentPrincipal, SignedIn } from '../auth/decorators.js';
import { requireSecurityRole } from '../siem/require-security-role.js';
import { applyResponseSchema } from './alert-response-config.js';
import { AlertResponses, type AlertResponseView } from './alert-responses.service.js';
import { AlertStore, changerFor, type AlertView } from './alert-store.js';
import { SecurityTeamOnly } from '../auth/role-guards.js';

export const listAlertsQuerySchema = z.strictObject({
  status: alertStatusSchema.optional(),
  rule: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Paging: alerts older than this alert id (UUIDv7 ids sort by time). */
  before: z.uuid().optional(),
});

@ApiTags('alerts')
@Controller('v1/alerts')
@SignedIn()
export class AlertsController {
  constructor(
    private readonly alerts: AlertStore,
    private readonly responses: AlertResponses,
  ) {}

  @Get()
  @SecurityTeamOnly()
  @ApiOperation({ summary: 'Alerts, newest first' })
  @ApiQuery({ name: 'status', required: false, enum: alertStatusSchema.options })
  @ApiQuery({ name: 'rule', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'before', required: false })
  list(
    @CurrentPrincipal() principal: AuditPrincipal,
    @Query(new ZodValidationPipe(listAlertsQuerySchema))
    query: z.output<typeof listAlertsQuerySchema>,
  ): Promise<AlertView[]> {
    requireSecurityRole(principal);
    return this.alerts.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One alert' })
  get(@CurrentPrincipal() principal: AuditPrincipal, @Param('id') id: string): Promise<AlertView> {
    requireSecurityRole(principal);
    return this.alerts.get(id);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @ApiOperation({ summary: 'open → acknowledged' })
  @ApiResponse({ status: 409, description: 'The alert is not open.' })
  acknowledge(
    @CurrentPrincipal() principal: AuditPrincipal,
    @Param('id') id: string,
  ): Promise<AlertView> {
    requireSecurityRole(principal);
    return this.alerts.acknowledge(id, changerFor(principal.userId));
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'open or acknowledged → resolved' })
  @ApiResponse({ status: 409, description: 'The alert is already resolved.' })
  resolve(
    @CurrentPrincipal() principal: AuditPrincipal,
    @Param('id') id: string,
  ): Promise<AlertView> {
    requireSecurityRole(principal);
    return this.alerts.resolve(id, changerFor(principal.userId));
  }

  @Get(':id/responses')
  @ApiOperation({ summary: 'Responses taken for an alert (blocks, suspensions)' })
  listResponses(
    @CurrentPrincipal() principal: AuditPrincipal,
    @Param('id') id: string,
  ): Promise<AlertResponseView[]> {
    requireSecurityRole(principal);
    return this.responses.list(id);
  }

  @Post(':id/responses')
  @ApiOperation({
    summary: 'Block the source address or suspend the credential for a while (via identity)',
  })
  @ApiBody({ schema: z.toJSONSchema(applyResponseSchema, { io: 'input' }) as object })
  @ApiResponse({ status: 502, description: 'Identity did not apply it.' })
  applyResponse(
    @CurrentPrincipal() principal: AuditPrincipal,
    @Param('id') id: string,
    @Body() rawBody: unknown,
  ): Promise<AlertResponseView> {
    // The role first: a caller without it learns nothing about what the body should hold.
    const changer = requireSecurityRole(principal);
    const body = new ZodValidationPipe(applyResponseSchema).transform(rawBody);
    return this.responses.apply(id, body, changer);
  }

  @Post(':id/responses/:responseId/undo')
  @HttpCode(200)
  @ApiOperation({ summary: 'Undo a response (lift the block or suspension)' })
  undoResponse(
    @CurrentPrincipal() principal: AuditPrincipal,
    @Param('id') id: string,
    @Param('responseId') responseId: string,
  ): Promise<AlertResponseView> {
    return this.responses.undo(id, responseId, requireSecurityRole(principal));
  }
}
