import { z } from 'zod';
import { defineEventSchema } from './envelope.js';

/**
 * Tells gateways that the runtime configuration changed. It carries what must take effect at once
 * (revocations, suspensions, blocks) and the new config version, so a gateway that missed events
 * re-reads the snapshot when it sees a gap.
 */
export const configChangeKindSchema = z.enum([
  'api.changed',
  'subscription.changed',
  'credential.changed',
  'credential.revoked',
  'token.revoked',
  'source.blocked',
  'source.unblocked',
  'signing_keys.changed',
]);
export type ConfigChangeKind = z.infer<typeof configChangeKindSchema>;

export const configChangeEventDataSchema = z.strictObject({
  kind: configChangeKindSchema,
  configVersion: z.number().int().nonnegative(),
  entityId: z.string().min(1),
  /** For revocations: until when the entry matters (token expiry, block end). */
  until: z.iso.datetime({ offset: true }).nullable().default(null),
});
export type ConfigChangeEventData = z.infer<typeof configChangeEventDataSchema>;

export const configChangeEventSchema = defineEventSchema(
  'identity.config_change',
  1,
  configChangeEventDataSchema,
);
export type ConfigChangeEvent = z.infer<typeof configChangeEventSchema>;
