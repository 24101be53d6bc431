import { redisEnv, urlVar } from '@portcullis/config';
import { backgroundSwitchVar } from '../siem/siem-env.js';
import { z } from 'zod';
import { alertRulesVar, type AlertThresholds } from './alert-thresholds.js';
import { autoResponsesSchema, type AutoResponses } from './alert-response-config.js';

/** Development only (the value identity's IDENTITY_SERVICE_TOKENS holds for audit by default). */
export const DEV_AUDIT_SERVICE_TOKEN = 'pcl_svc_dev_audit_token_change_me_00000000000';

/** Environment variables of the anomaly detector (merged into the audit config). */
export const alertsEnv = {
  ...redisEnv,
  /**
   * Run the detector on this replica (replicas share the `audit-alerts` group's partitions).
   * Unset: on, except under NODE_ENV=test.
   */
  ALERTS_ENABLED: backgroundSwitchVar,
  ALERTS_CONSUMER_GROUP: z.string().min(1).default('audit-alerts'),
  /** JSON overrides of the rule thresholds (README: "Rules and thresholds"). */
  ALERT_RULES: alertRulesVar,
  /** Also POST every alert transition here (optional). */
  ALERT_WEBHOOK_URL: urlVar(undefined, ['http', 'https']).optional(),
  /** Signs ALERT_WEBHOOK_URL deliveries (`X-Portcullis-Signature`), when set. */
  ALERT_WEBHOOK_SECRET: z.string().min(16).optional(),
  /** audit's service token at identity, for alert responses (block an address, suspend a credential). */
  IDENTITY_SERVICE_TOKEN: z.string().min(32).default(DEV_AUDIT_SERVICE_TOKEN),
  /** JSON: rule → automatic response when its alert opens, e.g. {"auth_failure_burst_source":{"action":"block_ip","minutes":60}}. */
  ALERT_RESPONSES: z
    .string()
    .default('{}')
    .transform((value, context) => {
      try {
        return autoResponsesSchema.parse(JSON.parse(value));
      } catch {
        context.addIssue({
          code: 'custom',
          message:
            'must be a JSON object of rule → {"action":"block_ip"|"suspend_credential","minutes":N}',
        });
        return z.NEVER;
      }
    }),
};

export interface AlertsConfig {
  NODE_ENV: 'development' | 'production' | 'test';
  REDIS_URL: string;
  ALERTS_ENABLED: boolean | null;
  ALERTS_CONSUMER_GROUP: string;
  ALERT_RULES: AlertThresholds;
  ALERT_WEBHOOK_URL?: string | undefined;
  ALERT_WEBHOOK_SECRET?: string | undefined;
  IDENTITY_URL?: string;
  IDENTITY_SERVICE_TOKEN?: string;
  ALERT_RESPONSES?: AutoResponses;
}
