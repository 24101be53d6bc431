import { positiveIntVar, secretVar } from '@portcullis/config';
import { z } from 'zod';

/** Development only: production refuses to start with it (SinkSecretCipher provider). */
export const DEV_SINK_SECRET_KEY = 'ZGV2LW9ubHktc2luay1zZWNyZXQta2V5LWNoYW5nZS1tZS1wbGVhc2U=';

/**
 * A switch for a background consumer: `true`/`false`, or unset = on, except under NODE_ENV=test,
 * where tests sharing the broker and database opt in explicitly (a stray detector or exporter in
 * another test's app would otherwise count their events and join their sinks' groups).
 */
export const backgroundSwitchVar = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .optional()
  .transform((value) =>
    value === undefined ? null : value === 'true' || value === '1' || value === 'yes',
  );

export function backgroundEnabled(
  value: boolean | null | undefined,
  nodeEnv: 'development' | 'production' | 'test',
): boolean {
  return value ?? nodeEnv !== 'test';
}

/** Environment variables of the SIEM exporter (merged into the audit config). */
export const siemEnv = {
  /** base64 of 32+ random bytes: encrypts sink secrets (HEC tokens, webhook secrets, TLS keys). */
  AUDIT_SINK_SECRET_KEY: secretVar(32, DEV_SINK_SECRET_KEY),
  /** Run the sink exporters on this replica (each sink's consumer group spreads over replicas). */
  SIEM_EXPORT_ENABLED: backgroundSwitchVar,
  /** How often a replica re-reads the sink table to pick up changes made through other replicas. */
  SIEM_RECONCILE_SECONDS: positiveIntVar(10),
  /** Longest pause between retries while a sink is down (exponential backoff from 0.5 s). */
  SIEM_RETRY_MAX_SECONDS: positiveIntVar(30),
  /** Run only sinks whose names start with this (dedicated exporter deployments); unset = all. */
  SIEM_SINK_NAME_PREFIX: z.string().min(1).optional(),
};

export interface SiemConfig {
  NODE_ENV: 'development' | 'production' | 'test';
  AUDIT_SINK_SECRET_KEY: string;
  SIEM_EXPORT_ENABLED: boolean | null;
  SIEM_RECONCILE_SECONDS: number;
  SIEM_RETRY_MAX_SECONDS: number;
  SIEM_SINK_NAME_PREFIX?: string | undefined;
}
