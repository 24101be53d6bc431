import { Module } from '@nestjs/common';
import { CONFIG, LOGGER } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { DEV_CHECKPOINT_SIGNING_KEY, type CheckpointConfig } from './checkpoint-env.js';
import { CheckpointSigner } from './checkpoint-signer.js';
import { CHECKPOINT_SIGNER, CheckpointService } from './checkpoint.service.js';
import { CheckpointsController } from './checkpoints.controller.js';

/** The signer from the configuration; production refuses the development key. */
export function createCheckpointSigner(config: CheckpointConfig, logger: Logger): CheckpointSigner {
  if (config.AUDIT_CHECKPOINT_SIGNING_KEY === DEV_CHECKPOINT_SIGNING_KEY) {
    if (config.NODE_ENV === 'production') {
      throw new Error('AUDIT_CHECKPOINT_SIGNING_KEY must be set to a real key in production');
    }
    if (config.NODE_ENV === 'development') {
      logger.warn('AUDIT_CHECKPOINT_SIGNING_KEY is the development default');
    }
  }
  return new CheckpointSigner(config.AUDIT_CHECKPOINT_SIGNING_KEY);
}

/** Signed chain checkpoints published outside the database. */
@Module({
  controllers: [CheckpointsController],
  providers: [
    {
      provide: CHECKPOINT_SIGNER,
      inject: [CONFIG, LOGGER],
      useFactory: createCheckpointSigner,
    },
    CheckpointService,
  ],
  exports: [CHECKPOINT_SIGNER, CheckpointService],
})
export class CheckpointsModule {}
