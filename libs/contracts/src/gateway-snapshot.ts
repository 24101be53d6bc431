import { z } from 'zod';
import { environmentSchema } from './access-event.js';

/**
 * What a gateway needs to decide on requests without calling identity: served by identity at
 * `GET /v1/gateway/snapshot` (service token) and kept current by `portcullis.config-changes.v1`.
 * Secrets appear only as keyed hashes.
 */
export const gatewayAuthMethodSchema = z.enum(['api_key', 'oauth2', 'basic']);
export type GatewayAuthMethod = z.infer<typeof gatewayAuthMethodSchema>;

export const gatewayRouteSchema = z.strictObject({
  method: z.string().min(1), // '*' matches any method
  /** Path below the API's base path, with `{param}` segments and an optional trailing `/**`. */
  pathPattern: z.string().min(1),
  requiredScopes: z.array(z.string()),
});
export type GatewayRoute = z.infer<typeof gatewayRouteSchema>;

export const gatewayPlanSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  ratePerSecond: z.number().int().positive(),
  burst: z.number().int().positive(),
  monthlyQuota: z.number().int().positive().nullable(),
});
export type GatewayPlan = z.infer<typeof gatewayPlanSchema>;

export const gatewayApiSettingsSchema = z.strictObject({
  /** What to do when Redis (shared counters) is unreachable. */
  rateLimitFailureMode: z.enum(['open', 'closed']).default('open'),
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  maxHeaderBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024),
  connectTimeoutMs: z.number().int().positive().default(2_000),
  responseTimeoutMs: z.number().int().positive().default(15_000),
  cors: z
    .strictObject({
      allowedOrigins: z.array(z.string()),
      allowedHeaders: z.array(z.string()).default([]),
      maxAgeSeconds: z.number().int().nonnegative().default(600),
    })
    .nullable()
    .default(null),
  threatProtection: z
    .strictObject({
      mode: z.enum(['report', 'block']),
      maxJsonDepth: z.number().int().positive().default(32),
      allowedContentTypes: z.array(z.string()).default(['application/json']),
    })
    .nullable()
    .default(null),
  cache: z
    .strictObject({
      ttlSeconds: z.number().int().positive(),
      maxEntries: z.number().int().positive(),
    })
    .nullable()
    .default(null),
});
export type GatewayApiSettings = z.infer<typeof gatewayApiSettingsSchema>;

export const gatewayApiSchema = z.strictObject({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  /** Public prefix at the gateway, e.g. `/weather`. */
  basePath: z.string().startsWith('/'),
  upstreamUrl: z.url(),
  /** The `aud` that access tokens for this API carry (its resource indicator). */
  audience: z.string(),
  authMethods: z.array(gatewayAuthMethodSchema),
  routes: z.array(gatewayRouteSchema),
  plans: z.array(gatewayPlanSchema),
  settings: gatewayApiSettingsSchema,
});
export type GatewayApi = z.infer<typeof gatewayApiSchema>;

export const gatewaySubscriptionSchema = z.strictObject({
  id: z.string(),
  appId: z.string(),
  apiId: z.string(),
  planId: z.string(),
  environment: environmentSchema,
  status: z.enum(['pending', 'approved', 'rejected', 'suspended', 'revoked']),
  scopes: z.array(z.string()),
});
export type GatewaySubscription = z.infer<typeof gatewaySubscriptionSchema>;

export const gatewayApplicationSchema = z.strictObject({
  id: z.string(),
  teamId: z.string(),
  name: z.string(),
  createdById: z.string().nullable(),
});
export type GatewayApplication = z.infer<typeof gatewayApplicationSchema>;

/** API keys and client secrets (for HTTP Basic at the gateway), by their public lookup id. */
export const gatewayCredentialSchema = z.strictObject({
  id: z.string(),
  kind: z.enum(['api_key', 'client_secret']),
  /** API key id part, or the OAuth client id. */
  lookupId: z.string(),
  secretHash: z.string(),
  appId: z.string(),
  environment: environmentSchema,
  status: z.enum(['active', 'revoked', 'expired']),
  expiresAt: z.iso.datetime({ offset: true }).nullable(),
});
export type GatewayCredential = z.infer<typeof gatewayCredentialSchema>;

export const gatewaySnapshotSchema = z.strictObject({
  configVersion: z.number().int().nonnegative(),
  generatedAt: z.iso.datetime({ offset: true }),
  issuer: z.string(),
  apis: z.array(gatewayApiSchema),
  applications: z.array(gatewayApplicationSchema),
  subscriptions: z.array(gatewaySubscriptionSchema),
  credentials: z.array(gatewayCredentialSchema),
  revokedTokens: z.array(
    z.strictObject({ jti: z.string(), expiresAt: z.iso.datetime({ offset: true }) }),
  ),
  blockedSources: z.array(
    z.strictObject({ address: z.string(), until: z.iso.datetime({ offset: true }) }),
  ),
  /**
   * Credentials (of any kind) that are suspended, or revoked recently enough that tokens issued
   * to them may still be unexpired: gateways refuse those tokens by their `credential_id` claim.
   */
  withdrawnCredentialIds: z.array(z.string()).default([]),
});
export type GatewaySnapshot = z.infer<typeof gatewaySnapshotSchema>;

/**
 * Claims of the JWT access tokens identity issues (RFC 9068 plus ours). The gateway verifies
 * `iss`, `aud`, `exp`, `nbf`, `typ: at+jwt` and the signature against identity's JWKS.
 */
export const accessTokenClaimsSchema = z.object({
  iss: z.string(),
  sub: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  client_id: z.string(),
  scope: z.string().optional(),
  jti: z.string(),
  iat: z.number(),
  exp: z.number(),
  nbf: z.number().optional(),
  app_id: z.string(),
  team_id: z.string(),
  env: environmentSchema,
  /** The credential the client authenticated with: its revocation or suspension ends the token. */
  credential_id: z.string().optional(),
  cnf: z.object({ 'x5t#S256': z.string() }).optional(),
});
export type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;

/** The audience (RFC 8707 resource indicator) that tokens for an API carry. */
export function apiAudience(slug: string): string {
  return `urn:portcullis:api:${slug}`;
}
