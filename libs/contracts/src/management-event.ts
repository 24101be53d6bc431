import { z } from 'zod';
import { defineEventSchema } from './envelope.js';

/** Every state change in identity, named `<entity>.<past-tense verb>`. */
export const managementActionSchema = z.enum([
  'user.signed_up',
  'user.invitation_issued',
  'user.invitation_revoked',
  'user.signed_in',
  'user.sign_in_failed',
  'user.locked_out',
  'user.device_forgotten',
  'user.signed_out',
  'user.mfa_enabled',
  'user.mfa_disabled',
  'user.mfa_recovery_codes_generated',
  'user.mfa_recovery_code_used',
  'user.password_changed',
  'user.password_reset_issued',
  'user.password_reset',
  'user.disabled',
  'user.enabled',
  'role.granted',
  'role.revoked',
  'team.created',
  'team.member_added',
  'team.member_removed',
  'application.created',
  'application.updated',
  'application.deleted',
  'api.created',
  'api.updated',
  'api.deleted',
  'plan.created',
  'plan.updated',
  'subscription.requested',
  'subscription.approved',
  'subscription.rejected',
  'subscription.suspended',
  'subscription.resumed',
  'subscription.revoked',
  'credential.created',
  'credential.rotated',
  'credential.revoked',
  'credential.expired',
  'credential.suspended',
  'credential.suspension_lifted',
  'source.blocked',
  'source.unblocked',
  'token.issued',
  'token.revoked',
  'client_auth.failed',
  'signing_key.rotated',
  'master_key.resealed',
  'sink.created',
  'sink.updated',
  'sink.deleted',
  'alert.response_applied',
  'alert.response_undone',
  'audit.events_exported',
  'webhook.created',
  'webhook.deleted',
]);
export type ManagementAction = z.infer<typeof managementActionSchema>;

export const actorSchema = z.strictObject({
  type: z.enum(['user', 'service', 'system', 'client']),
  id: z.string().nullable(),
  /** Display name or e-mail, for humans reading the audit trail. */
  label: z.string().max(320).nullable().default(null),
});
export type Actor = z.infer<typeof actorSchema>;

export const managementEventDataSchema = z.strictObject({
  action: managementActionSchema,
  outcome: z.enum(['success', 'failure']),
  actor: actorSchema,
  target: z.strictObject({ type: z.string().min(1).max(64), id: z.string().nullable() }),
  teamId: z.string().nullable().default(null),
  apiId: z.string().nullable().default(null),
  appId: z.string().nullable().default(null),
  sourceIp: z.string().max(64).nullable().default(null),
  userAgent: z.string().max(1024).nullable().default(null),
  /** Non-secret details (state before and after, comment, reason). Never secrets. */
  details: z.record(z.string(), z.unknown()).default({}),
});
export type ManagementEventData = z.infer<typeof managementEventDataSchema>;

export const managementEventSchema = defineEventSchema(
  'identity.management',
  1,
  managementEventDataSchema,
);
export type ManagementEvent = z.infer<typeof managementEventSchema>;
