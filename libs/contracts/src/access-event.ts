import { z } from 'zod';
import { defineEventSchema } from './envelope.js';

export const environmentSchema = z.enum(['sandbox', 'production']);
export type Environment = z.infer<typeof environmentSchema>;

export const authMethodSchema = z.enum(['api_key', 'bearer_jwt', 'basic', 'none']);
export type AuthMethod = z.infer<typeof authMethodSchema>;

export const accessDecisionSchema = z.enum(['allow', 'deny']);
export type AccessDecision = z.infer<typeof accessDecisionSchema>;

/** Why the gateway decided as it did; `ok` for allowed requests. */
export const accessReasonSchema = z.enum([
  'ok',
  'no_credential',
  'invalid_credential',
  'expired_credential',
  'revoked_credential',
  'invalid_token',
  'expired_token',
  'wrong_audience',
  'certificate_mismatch',
  'no_subscription',
  'subscription_suspended',
  'wrong_environment',
  'insufficient_scope',
  'rate_limited',
  'quota_exceeded',
  'blocked_source',
  'route_not_found',
  'bad_request',
  'threat_detected',
  'payload_too_large',
  'cors_rejected',
  'upstream_error',
  'upstream_timeout',
  'circuit_open',
  'rate_limiter_unavailable',
  /** The gateway could not read identity's token keys (JWKS): our outage, not the caller's. */
  'jwks_unavailable',
]);
export type AccessReason = z.infer<typeof accessReasonSchema>;

export const accessEventDataSchema = z.strictObject({
  requestId: z.string().min(1).max(128),
  gatewayId: z.string().min(1).max(128),
  appId: z.string().nullable(),
  teamId: z.string().nullable(),
  developerId: z.string().nullable(),
  clientId: z.string().nullable(),
  credentialId: z.string().nullable(),
  apiId: z.string().nullable(),
  apiSlug: z.string().nullable(),
  planId: z.string().nullable(),
  environment: environmentSchema.nullable(),
  authMethod: authMethodSchema,
  method: z.string().min(1).max(16),
  /** The catalog route pattern that matched (never the raw path with its query string). */
  route: z.string().max(2048).nullable(),
  path: z.string().max(2048),
  status: z.number().int().min(100).max(599),
  decision: accessDecisionSchema,
  reason: accessReasonSchema,
  latencyMs: z.strictObject({
    total: z.number().nonnegative(),
    upstream: z.number().nonnegative().nullable(),
  }),
  bytesIn: z.number().int().nonnegative(),
  bytesOut: z.number().int().nonnegative(),
  sourceIp: z.string().max(64),
  userAgent: z.string().max(1024).nullable(),
  tokenJti: z.string().max(256).nullable(),
  scopes: z.array(z.string()).default([]),
  /**
   * Present (true) when Redis was unreachable and this request was counted by the gateway's
   * in-memory limits instead (an API that fails open): limits then hold per replica, not shared.
   */
  rateLimitFallback: z.literal(true).optional(),
});
export type AccessEventData = z.infer<typeof accessEventDataSchema>;

export const accessEventSchema = defineEventSchema('gateway.access', 1, accessEventDataSchema);
export type AccessEvent = z.infer<typeof accessEventSchema>;
