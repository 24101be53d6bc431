import { z } from 'zod';

const burst = (threshold: number, windowSeconds: number) =>
  z
    .strictObject({
      threshold: z.number().int().positive().default(threshold),
      windowSeconds: z.number().int().positive().max(86_400).default(windowSeconds),
    })
    .prefault({});

/**
 * Thresholds of the anomaly rules. Defaults are documented in the README; override any part
 * with ALERT_RULES (JSON), e.g. `{"authFailureClient":{"threshold":50}}`.
 */
export const alertThresholdsSchema = z.strictObject({
  /** Authentication failures of one client id within the window. */
  authFailureClient: burst(20, 60),
  /** Authentication failures from one source address within the window. */
  authFailureSource: burst(50, 60),
  /** no_subscription / insufficient_scope / wrong_environment / subscription_suspended per client. */
  authorizationDenial: burst(20, 60),
  /** Uses of revoked or expired credentials and tokens per client (1 = the first use alerts). */
  credentialMisuse: burst(1, 300),
  /** Fail-closed refusals (rate_limiter_unavailable) and fail-open requests counted in memory
   * (rateLimitFallback) per gateway: Redis was unreachable. */
  rateLimiterUnavailable: burst(1, 300),
  /** Tokens refused with 503 (jwks_unavailable) per gateway: identity's JWKS could not be read. */
  jwksUnavailable: burst(1, 300),
  /** An application's requests in the current minute versus its own EWMA per-minute rate. */
  trafficBaseline: z
    .strictObject({
      factor: z.number().positive().default(5),
      minPerMinute: z.number().int().positive().default(100),
      warmupMinutes: z.number().int().positive().default(10),
      alpha: z.number().positive().max(1).default(0.2),
    })
    .prefault({}),
  /** A client seen from a network it has not used for lookbackDays. */
  newSourceNetwork: z
    .strictObject({
      lookbackDays: z.number().int().positive().max(365).default(30),
      ipv4Prefix: z.number().int().min(8).max(32).default(24),
      ipv6Prefix: z.number().int().min(16).max(128).default(64),
    })
    .prefault({}),
  /** 5xx / upstream errors of one API as a share of its requests within the window. */
  upstreamErrors: z
    .strictObject({
      minRequests: z.number().int().positive().default(20),
      errorRatio: z.number().positive().max(1).default(0.5),
      windowSeconds: z.number().int().positive().max(86_400).default(60),
    })
    .prefault({}),
});
export type AlertThresholds = z.output<typeof alertThresholdsSchema>;
export type AlertThresholdsInput = z.input<typeof alertThresholdsSchema>;

export const defaultAlertThresholds: AlertThresholds = alertThresholdsSchema.parse({});

/** ALERT_RULES: JSON overrides of the thresholds above. */
export const alertRulesVar = z
  .string()
  .default('{}')
  .transform((value, context) => {
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      context.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    }
    const result = alertThresholdsSchema.safeParse(json);
    if (!result.success) {
      context.addIssue({ code: 'custom', message: z.prettifyError(result.error) });
      return z.NEVER;
    }
    return result.data;
  });
