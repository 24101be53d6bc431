import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuditCheckpointEvent } from '@portcullis/contracts';
import { ZodValidationPipe } from '@portcullis/nest-service';
import { z } from 'zod';
import { assertMayVerifyIntegrity } from '../auth/access-scope.js';
import type { AuditPrincipal } from '../auth/audit-principal.js';
import { CurrentPrincipal, SignedIn } from '../auth/decorators.js';
import { CheckpointSigner } from './checkpoint-signer.js';
import { CHECKPOINT_SIGNER, CheckpointService } from './checkpoint.service.js';
import { SecurityTeamOnly } from '../auth/role-guards.js';

export const publishCheckpointsSchema = z.strictObject({
  /** One chain (UTC day `YYYY-MM-DD`); omitted: every chain of the last `days` days. */
  chain: z.iso.date('must be a UTC day YYYY-MM-DD').optional(),
  days: z.number().int().min(1).max(366).optional(),
});

@ApiTags('audit integrity')
@Controller('v1/audit/checkpoints')
@SignedIn()
export class CheckpointsController {
  constructor(
    private readonly checkpoints: CheckpointService,
    @Inject(CHECKPOINT_SIGNER) private readonly signer: CheckpointSigner,
  ) {}

  @Post()
  @SecurityTeamOnly()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Sign and publish checkpoints of the hash chains now (security, admin)',
    description:
      'Each checkpoint (chain, seq, head hash, time, Ed25519 signature) goes to the ' +
      'portcullis.audit-checkpoints.v1 topic and, through it, to every SIEM sink.',
  })
  @ApiBody({ schema: z.toJSONSchema(publishCheckpointsSchema, { io: 'input' }) as object })
  @ApiResponse({ status: 201, description: '{ checkpoints: audit.checkpoint events }' })
  async publish(
    @CurrentPrincipal() principal: AuditPrincipal,
    @Body(new ZodValidationPipe(publishCheckpointsSchema))
    body: z.infer<typeof publishCheckpointsSchema>,
  ): Promise<{ checkpoints: AuditCheckpointEvent[] }> {
    assertMayVerifyIntegrity(principal);
    return { checkpoints: await this.checkpoints.publish(body) };
  }

  @Get('key')
  @ApiOperation({ summary: 'The public key that verifies checkpoint signatures (security, admin)' })
  @ApiResponse({ status: 200, description: '{ keyId, algorithm: "Ed25519", publicKeyPem }' })
  key(@CurrentPrincipal() principal: AuditPrincipal) {
    assertMayVerifyIntegrity(principal);
    return {
      keyId: this.signer.keyId,
      algorithm: 'Ed25519',
      publicKeyPem: this.signer.publicKeyPem,
    };
  }
}
