import { Readable } from 'node:stream';
import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ZodValidationPipe } from '@portcullis/nest-service';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { searchScope } from '../auth/access-scope.js';
import type { AuditPrincipal } from '../auth/audit-principal.js';
import { CurrentPrincipal, SignedIn } from '../auth/decorators.js';
import { AUDIT_DB, type AuditDb } from '../store/audit-db.js';
import { ApiQueries } from './api-queries.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { csvHeader, csvRow } from './csv.js';
import {
  exportQuerySchema,
  searchQuerySchema,
  type ExportQuery,
  type SearchQuery,
} from './event-filters.js';
import { allEvents, searchEvents, type AuditEventView } from './event-search.js';
import { EventReadersOnly } from '../auth/role-guards.js';
import { AuditManagementEvents } from '../siem/sink-management-events.js';

@ApiTags('audit events')
@Controller('v1/audit/events')
@SignedIn()
export class EventsController {
  constructor(
    @Inject(AUDIT_DB) private readonly db: AuditDb,
    private readonly managementEvents: AuditManagementEvents,
  ) {}

  @Get()
  @EventReadersOnly()
  @ApiOperation({
    summary: 'Search stored events, newest first',
    description:
      'security and admin see every event; approvers see events of the APIs they approve for; others get 403. ' +
      'Pass `nextCursor` back as `cursor` for the next page.',
  })
  @ApiQueries(searchQuerySchema)
  @ApiResponse({ status: 200, description: '{ items: AuditEvent[], nextCursor: string | null }' })
  @ApiResponse({ status: 400, description: 'Invalid filters or cursor (problem+json).' })
  async search(
    @Query(new ZodValidationPipe(searchQuerySchema)) query: SearchQuery,
    @CurrentPrincipal() principal: AuditPrincipal,
  ): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
    const scope = searchScope(principal, query.apiId);
    const { cursor, limit, ...filters } = query;
    const page = await searchEvents(
      this.db,
      filters,
      scope,
      limit,
      cursor ? decodeCursor(cursor) : undefined,
    );
    return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  @Get('export')
  @EventReadersOnly()
  @ApiOperation({
    summary: 'Export matching events as NDJSON or CSV (streamed)',
    description:
      'Same filters and roles as search. CSV cells that start with = + - @ are prefixed with an apostrophe. ' +
      'Each export is recorded as an `audit.events_exported` management event (who, filters, rows, whether it finished).',
  })
  @ApiQueries(exportQuerySchema)
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiResponse({ status: 200, description: 'The events, one per line.' })
  @ApiResponse({ status: 400, description: 'Invalid filters (problem+json).' })
  exportEvents(
    @Query(new ZodValidationPipe(exportQuerySchema)) query: ExportQuery,
    @CurrentPrincipal() principal: AuditPrincipal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): void {
    const scope = searchScope(principal, query.apiId);
    const { format, ...filters } = query;
    const events = allEvents(this.db, filters, scope);
    const record = (rows: number, completed: boolean) =>
      this.#recordExport(principal, request, query, rows, completed);
    async function* lines(): AsyncGenerator<string> {
      let rows = 0;
      let completed = false;
      try {
        if (format === 'csv') yield csvHeader();
        for await (const event of events) {
          rows += 1;
          yield format === 'csv' ? csvRow(event) : `${JSON.stringify(event)}\n`;
        }
        completed = true;
      } finally {
        // Once the stream ends, finished or not (a client that hangs up has what it read so far).
        record(rows, completed);
      }
    }
    void reply
      .header('cache-control', 'no-store')
      .header(
        'content-type',
        format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      )
      .header('content-disposition', `attachment; filename="audit-events.${format}"`)
      .send(Readable.from(lines()));
  }

  /** Who took which part of the audit trail out: a bulk read is worth its own record. */
  #recordExport(
    principal: AuditPrincipal,
    request: FastifyRequest,
    query: ExportQuery,
    rows: number,
    completed: boolean,
  ): void {
    const userAgent = request.headers['user-agent'];
    this.managementEvents.publish({
      action: 'audit.events_exported',
      outcome: completed ? 'success' : 'failure',
      actor: { type: 'user', id: principal.userId, label: principal.email },
      target: { type: 'audit_events', id: null },
      teamId: null,
      apiId: query.apiId ?? null,
      appId: null,
      sourceIp: request.ip,
      userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 1024) : null,
      details: { filters: query, rows, completed },
    });
  }
}
