import { Body, Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { auditCheckpointSchema, type AuditCheckpoint } from '@portcullis/contracts';
import { ZodValidationPipe } from '@portcullis/nest-service';
import { z } from 'zod';
import { assertMayVerifyIntegrity } from '../auth/access-scope.js';
import type { AuditPrincipal } from '../auth/audit-principal.js';
import { CurrentPrincipal, SignedIn } from '../auth/decorators.js';
import type { CheckpointSigner } from '../checkpoints/checkpoint-signer.js';
import {
  verifyAgainstCheckpoint,
  type CheckpointVerification,
} from '../checkpoints/checkpoint-verifier.js';
import { CHECKPOINT_SIGNER } from '../checkpoints/checkpoint.service.js';
import { ApiQueries } from '../query/api-queries.js';
import { AUDIT_DB, type AuditDb } from '../store/audit-db.js';
import { verifyChains, type IntegrityReport } from './chain-verifier.js';
import { SecurityTeamOnly } from '../auth/role-guards.js';

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
  constructor(
    @Inject(AUDIT_DB) private readonly db: AuditDb,
    @Inject(CHECKPOINT_SIGNER) private readonly signer: CheckpointSigner,
  ) {}

  @Get()
  @SecurityTeamOnly()
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

  @Post('checkpoint')
  @SecurityTeamOnly()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Verify the database against a checkpoint published earlier (security, admin)',
    description:
      'Body: the `data` of an audit.checkpoint event, as received from Kafka or the SIEM. ' +
      'Checks the signature, that the row at (chain, seq) still has the checkpointed hash, and ' +
      'that the chain verifies up to it.',
  })
  @ApiBody({ schema: z.toJSONSchema(auditCheckpointSchema, { io: 'input' }) as object })
  @ApiResponse({
    status: 200,
    description:
      'CheckpointVerification: { consistent, mismatch, signatureValid, storedHead, chainReport }',
  })
  @ApiResponse({ status: 400, description: 'Not a checkpoint (problem+json).' })
  verifyCheckpoint(
    @Body(new ZodValidationPipe(auditCheckpointSchema)) checkpoint: AuditCheckpoint,
    @CurrentPrincipal() principal: AuditPrincipal,
  ): Promise<CheckpointVerification> {
    assertMayVerifyIntegrity(principal);
    return verifyAgainstCheckpoint(this.db, this.signer, checkpoint);
  }
}
