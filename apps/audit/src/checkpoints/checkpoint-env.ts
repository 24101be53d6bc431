import { base64KeyVar } from '@portcullis/config';
import { z } from 'zod';

/** Development only: production refuses to start with it (CheckpointsModule). */
export const DEV_CHECKPOINT_SIGNING_KEY = 'ZGV2LW9ubHktYXVkaXQtY2hlY2twb2ludC1rZXktMDA=';

/** Environment variables of the chain checkpoints (merged into the audit config). */
export const checkpointEnv = {
  /**
   * base64 of a 32-byte Ed25519 private key seed (`openssl rand -base64 32`): signs the chain
   * checkpoints. Its public key is served at GET /v1/audit/checkpoints/key.
   */
  AUDIT_CHECKPOINT_SIGNING_KEY: base64KeyVar('AUDIT_CHECKPOINT_SIGNING_KEY', 32, {
    developmentDefault: DEV_CHECKPOINT_SIGNING_KEY,
    exactBytes: true,
  }),
  /** How often changed chain tips are checkpointed (seconds); 0 turns the timer off. */
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds' })
    .int()
    .min(0)
    .default(300),
  /** How many recent days' chains a periodic run looks at (today's and yesterday's by default). */
  AUDIT_CHECKPOINT_DAYS: z.coerce.number().int().min(1).max(366).default(2),
};

export interface CheckpointConfig {
  NODE_ENV: 'development' | 'production' | 'test';
  AUDIT_CHECKPOINT_SIGNING_KEY: string;
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: number;
  AUDIT_CHECKPOINT_DAYS: number;
}
