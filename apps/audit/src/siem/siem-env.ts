import { base64KeyListVar, positiveIntVar } from '@portcullis/config';
import { z } from 'zod';
import { decodeSinkSecretKey, SINK_SECRET_KEY_EXPECTED } from './sink-secret-cipher.js';

/**
 * Development only: production refuses to start with it (SinkSecretCipher provider). The 32 bytes
 * the earlier 41-byte default was cut to, so sinks a development database holds still decrypt.
 */
export const DEV_SINK_SECRET_KEY = 'ZGV2LW9ubHktc2luay1zZWNyZXQta2V5LWNoYW5nZS0=';

/** Compared as bytes: the base64url spelling of the development key is the same key. */
export function isDevelopmentSinkKey(text: string): boolean {
  return decodeSinkSecretKey(text)?.equals(Buffer.from(DEV_SINK_SECRET_KEY, 'base64')) === true;
}

/** Base64 of exactly 32 bytes; anything else stops start-up with how to make one. */
export const sinkSecretKeyVar = z
  .string()
  .default(DEV_SINK_SECRET_KEY)
  .superRefine((value, context) => {
    if (decodeSinkSecretKey(value)) return;
    // Earlier versions decoded leniently and used the first 32 bytes: say how to keep that key.
    const lenient = Buffer.from(value, 'base64').length;
    context.addIssue({
      code: 'custom',
      message:
        lenient >= 32
          ? `${SINK_SECRET_KEY_EXPECTED}. Earlier versions read this one as ${lenient} bytes and ` +
            'used the first 32: to keep existing sink secrets readable, set it to the output of: ' +
            'printf %s "$AUDIT_SINK_SECRET_KEY" | base64 -di | head -c 32 | base64'
          : SINK_SECRET_KEY_EXPECTED,
    });
  });

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
  /** base64 of 32 random bytes: encrypts sink secrets (HEC tokens, webhook secrets, TLS keys). */
  AUDIT_SINK_SECRET_KEY: sinkSecretKeyVar,
  /**
   * Earlier sink secret keys (comma-separated, each like AUDIT_SINK_SECRET_KEY), read only to
   * decrypt what they encrypted while `npm run rotate-sink-secret-key` re-encrypts it.
   */
  AUDIT_SINK_SECRET_KEY_PREVIOUS: base64KeyListVar(32, { exactBytes: true }),
  /** Run the sink exporters on this replica (each sink's consumer group spreads over replicas). */
  SIEM_EXPORT_ENABLED: backgroundSwitchVar,
  /** How often a replica re-reads the sink table to pick up changes made through other replicas. */
  SIEM_RECONCILE_SECONDS: positiveIntVar(10),
  /** Longest pause between retries while a sink is down (exponential backoff from 0.5 s). */
  SIEM_RETRY_MAX_SECONDS: positiveIntVar(30),
  /**
   * Longest pause between retries while a destination refuses the events as misconfigured (a 4xx
   * such as a wrong token or index): backoff from 60 s (or this, if shorter) doubling to this.
   */
  SIEM_CONFIG_ERROR_RETRY_SECONDS: positiveIntVar(300),
  /** Run only sinks whose names start with this (dedicated exporter deployments); unset = all. */
  SIEM_SINK_NAME_PREFIX: z.string().min(1).optional(),
};

export interface SiemConfig {
  NODE_ENV: 'development' | 'production' | 'test';
  AUDIT_SINK_SECRET_KEY: string;
  AUDIT_SINK_SECRET_KEY_PREVIOUS: string[];
  SIEM_EXPORT_ENABLED: boolean | null;
  SIEM_RECONCILE_SECONDS: number;
  SIEM_RETRY_MAX_SECONDS: number;
  SIEM_CONFIG_ERROR_RETRY_SECONDS: number;
  SIEM_SINK_NAME_PREFIX?: string | undefined;
}
