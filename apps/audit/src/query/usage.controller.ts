import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ZodValidationPipe } from '@portcullis/nest-service';
import { usageScope } from '../auth/access-scope.js';
import type { AuditPrincipal } from '../auth/audit-principal.js';
import { CurrentPrincipal, SignedIn } from '../auth/decorators.js';
import { AUDIT_DB, type AuditDb } from '../store/audit-db.js';
import { ApiQueries } from './api-queries.js';
import { usage, usageQuerySchema, type UsageQuery, type UsageReport } from './usage.js';

@ApiTags('audit usage')
@Controller('v1/audit/usage')
@SignedIn()
export class UsageController {
  constructor(@Inject(AUDIT_DB) private readonly db: AuditDb) {}

  @Get()
  @ApiOperation({
    summary: 'Gateway traffic per time bucket: requests, errors, denials, latency percentiles',
    description:
      'security and admin see all traffic; everyone else sees traffic of the APIs they approve for ' +
      "and of their own teams' applications (rows outside that are not counted).",
  })
  @ApiQueries(usageQuerySchema, ['from', 'to'])
  @ApiResponse({ status: 200, description: 'UsageReport: { from, to, bucket, buckets[] }' })
  @ApiResponse({ status: 400, description: 'Invalid parameters (problem+json).' })
  report(
    @Query(new ZodValidationPipe(usageQuerySchema)) query: UsageQuery,
    @CurrentPrincipal() principal: AuditPrincipal,
  ): Promise<UsageReport> {
    return usage(this.db, query, usageScope(principal));
  }
}
