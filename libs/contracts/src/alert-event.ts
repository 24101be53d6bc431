import { z } from 'zod';
import { defineEventSchema } from './envelope.js';

export const alertSeveritySchema = z.enum(['low', 'medium', 'high', 'critical']);
export type AlertSeverity = z.infer<typeof alertSeveritySchema>;

export const alertStatusSchema = z.enum(['open', 'acknowledged', 'resolved']);
export type AlertStatus = z.infer<typeof alertStatusSchema>;

export const alertRuleSchema = z.enum([
  'auth_failure_burst_client',
  'auth_failure_burst_source',
  'traffic_above_baseline',
  'new_source_network',
  'authorization_denial_burst',
  'revoked_credential_use',
  'upstream_error_spike',
  'rate_limiter_unavailable',
  'jwks_unavailable',
]);
export type AlertRule = z.infer<typeof alertRuleSchema>;

export const alertEventDataSchema = z.strictObject({
  alertId: z.string().min(1),
  transition: z.enum(['opened', 'updated', 'acknowledged', 'resolved']),
  rule: alertRuleSchema,
  severity: alertSeveritySchema,
  status: alertStatusSchema,
  dedupKey: z.string().min(1).max(512),
  summary: z.string().min(1).max(1024),
  subject: z.record(z.string(), z.unknown()),
  count: z.number().int().positive(),
  firstSeenAt: z.iso.datetime({ offset: true }),
  lastSeenAt: z.iso.datetime({ offset: true }),
  changedBy: z.string().nullable(),
});
export type AlertEventData = z.infer<typeof alertEventDataSchema>;

export const alertEventSchema = defineEventSchema('audit.alert', 1, alertEventDataSchema);
export type AlertEvent = z.infer<typeof alertEventSchema>;
