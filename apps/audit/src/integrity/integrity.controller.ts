import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ZodValidationPipe } from '@portcullis/nest-service';
import { z } from 'zod';
import { assertMayVerifyIntegrity } from '../auth/access-scope.js';
import type { AuditPrincipal } from '../auth/audit-principal.js';
import { CurrentPrincipal, SignedIn } from '../auth/decorators.js';
import { ApiQueries } from '../query/api-queries.js';
import { AUDIT_DB, type AuditDb } from '../store/audit-db.js';
import { verifyChains, type IntegrityReport } from './chain-verifier.js';

const MAX_DAYS = 31;

export const integrityQuerySchema = z
  .strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
  .refine((value) => new Date(value.from) <= new Date(value.to), {
    error: 'from must not be after to',
    path: ['from'],
  })
  .refine(
    (value) =>
      new Date(value.to).getTime() - new Date(value.from).getTime() <= MAX_DAYS * 86_400_000,
    { error: `the range may span at most ${MAX_DAYS} days`, path: ['to'] },
  );

@ApiTags('audit integrity')
@Controller('v1/audit/integrity')
@SignedIn()
export class IntegrityController {
  constructor(@Inject(AUDIT_DB) private readonly db: AuditDb) {}

  @Get()
  @ApiOperation({
    summary: 'Verify the hash chains of the days in [from, to] and name the first broken link',
    description: 'security and admin only. Whole days are checked (one chain per day).',
  })
  @ApiQueries(integrityQuerySchema, ['from', 'to'])
  @ApiResponse({
    status: 200,
    description: 'IntegrityReport: { intact, chains[], firstBrokenLink }',
  })
  @ApiResponse({ status: 400, description: 'Invalid range (problem+json).' })
  verify(
    @Query(new ZodValidationPipe(integrityQuerySchema)) query: z.infer<typeof integrityQuerySchema>,
    @CurrentPrincipal() principal: AuditPrincipal,
  ): Promise<IntegrityReport> {
    assertMayVerifyIntegrity(principal);
    return verifyChains(this.db, new Date(query.from), new Date(query.to));
  }
}
