import { z } from 'zod';

/**
 * The shapes the portal reads from identity and audit. Loose on purpose: fields the portal does not
 * show are allowed through, and optional ones may be missing, so a service can add fields freely.
 */
const id = z.string().min(1);
const text = z.string().nullish();
const when = z.string().nullish();

/** Lists come as `{ items: [...] }`; a bare array is accepted too. */
export function listOf<Item extends z.ZodType>(item: Item) {
  return z
    .union([
      z.looseObject({
        items: z.array(item),
        nextCursor: z.string().nullish(),
        total: z.number().optional(),
        page: z.number().optional(),
        pageSize: z.number().optional(),
        unread: z.number().optional(),
      }),
      z.array(item),
    ])
    .transform((value) =>
      Array.isArray(value)
        ? { items: value, nextCursor: null }
        : { ...value, nextCursor: value.nextCursor ?? null },
    );
}

export const roleSchema = z.enum(['developer', 'approver', 'security', 'admin']);
export type Role = z.infer<typeof roleSchema>;

export const meSchema = z.looseObject({
  id,
  email: z.string(),
  displayName: z.string(),
  roles: z.array(z.string()).default([]),
  approverApiIds: z.array(z.string()).default([]),
  teamIds: z.array(z.string()).optional(),
  teams: z
    .array(
      z.looseObject({
        id,
        name: z.string(),
        slug: z.string().optional(),
        role: z.string().optional(),
      }),
    )
    .optional(),
  roleAssignments: z
    .array(
      z.looseObject({
        id,
        role: z.string(),
        apiId: z.string().nullish(),
        apiSlug: z.string().nullish(),
      }),
    )
    .optional(),
  mfa: z
    .looseObject({
      totpEnabled: z.boolean(),
      satisfied: z.boolean(),
      recoveryCodesRemaining: z.number().int().optional(),
    })
    .optional(),
});
export type Me = z.infer<typeof meSchema>;

export const sessionSchema = z.looseObject({
  token: z.string().min(1),
  expiresAt: z.string(),
  mfaRequired: z.boolean().default(false),
  mfaEnrolmentRequired: z.boolean().optional(),
  deviceToken: z.string().min(1).optional(),
  deviceExpiresAt: z.string().optional(),
});

export const teamSummarySchema = z.looseObject({
  id,
  slug: z.string().optional(),
  name: z.string(),
  description: text,
  myRole: z.string().nullish(),
  memberCount: z.number().optional(),
  applicationCount: z.number().optional(),
});
export type TeamSummary = z.infer<typeof teamSummarySchema>;

export const teamSchema = teamSummarySchema.extend({
  members: z
    .array(
      z.looseObject({
        userId: z.string().optional(),
        email: z.string(),
        displayName: z.string().nullish(),
        role: z.string(),
        since: when,
      }),
    )
    .default([]),
  applications: z.array(z.looseObject({ id, name: z.string() })).default([]),
  ownedApis: z.array(z.looseObject({ id, slug: z.string(), name: z.string() })).default([]),
});
export type Team = z.infer<typeof teamSchema>;

export const applicationSchema = z.looseObject({
  id,
  name: z.string(),
  description: text,
  teamId: z.string().optional(),
  team: z.looseObject({ id, name: z.string() }).nullish(),
  clientIds: z.array(z.string()).optional(),
  clientId: z.string().nullish(),
  createdAt: when,
});
export type Application = z.infer<typeof applicationSchema>;

export const planSchema = z.looseObject({
  id,
  name: z.string(),
  description: text,
  ratePerSecond: z.number().nullish(),
  burst: z.number().nullish(),
  monthlyQuota: z.number().nullish(),
  approvalMode: z.string().nullish(),
});
export type Plan = z.infer<typeof planSchema>;

export const apiSummarySchema = z.looseObject({
  id,
  slug: z.string(),
  name: z.string(),
  basePath: z.string().optional(),
  description: text,
  authMethods: z.array(z.string()).default([]),
  ownerTeam: z.looseObject({ id, name: z.string(), slug: z.string().optional() }).nullish(),
  approvalModeSandbox: z.string().nullish(),
  approvalModeProduction: z.string().nullish(),
  approval: z.looseObject({ sandbox: z.string(), production: z.string() }).nullish(),
  audience: z.string().optional(),
  plans: z.array(planSchema).optional(),
  /** Bumped on every change; sent back on edits to refuse lost updates. */
  version: z.number().int().optional(),
});
export type ApiSummary = z.infer<typeof apiSummarySchema>;

export const apiDetailSchema = apiSummarySchema.extend({
  basePath: z.string(),
  openapiDocument: z.unknown().optional(),
  scopes: z
    .array(z.union([z.string(), z.looseObject({ name: z.string(), description: text })]))
    .default([])
    .transform((scopes) =>
      scopes.map((scope) =>
        typeof scope === 'string' ? { name: scope, description: null } : scope,
      ),
    ),
  routes: z
    .array(
      z.looseObject({
        method: z.string(),
        pathPattern: z.string().optional(),
        path: z.string().optional(),
        requiredScopes: z.array(z.string()).default([]),
      }),
    )
    .default([]),
  plans: z.array(planSchema).default([]),
  tokenLifetimeSeconds: z.number().optional(),
});
export type ApiDetail = z.infer<typeof apiDetailSchema>;

export const decisionSchema = z
  .looseObject({
    id: z.string().optional(),
    from: z.string().nullish(),
    to: z.string().optional(),
    fromStatus: z.string().nullish(),
    toStatus: z.string().optional(),
    comment: text,
    actor: z
      .looseObject({ displayName: z.string().nullish(), email: z.string().nullish() })
      .nullish(),
    at: when,
    createdAt: when,
  })
  .transform((decision) => ({
    id: decision.id,
    from: decision.from ?? decision.fromStatus ?? null,
    to: decision.to ?? decision.toStatus ?? 'unknown',
    comment: decision.comment ?? null,
    actor: decision.actor?.displayName ?? decision.actor?.email ?? 'Portcullis',
    at: decision.at ?? decision.createdAt ?? null,
  }));

export const subscriptionSchema = z.looseObject({
  id,
  status: z.string(),
  environment: z.string(),
  justification: text,
  grantedScopes: z.array(z.string()).default([]),
  applicationId: z.string().optional(),
  application: z
    .looseObject({
      id,
      name: z.string(),
      team: z.looseObject({ id, name: z.string() }).nullish(),
    })
    .nullish(),
  team: z.looseObject({ id, name: z.string() }).nullish(),
  api: z.looseObject({ id, slug: z.string(), name: z.string() }).nullish(),
  apiId: z.string().optional(),
  plan: z.looseObject({ id, name: z.string() }).nullish(),
  requestedBy: z.looseObject({ displayName: z.string().nullish(), email: z.string() }).nullish(),
  decisions: z.array(decisionSchema).default([]),
  createdAt: when,
  updatedAt: when,
});
export type Subscription = z.infer<typeof subscriptionSchema>;

export const credentialSchema = z.looseObject({
  id,
  kind: z.string(),
  environment: z.string(),
  status: z.string(),
  clientId: z.string().nullish(),
  keyId: z.string().nullish(),
  prefix: z.string().nullish(),
  graceUntil: when,
  expiresAt: when,
  lastUsedAt: when,
  revokedAt: when,
  rotatedFromId: z.string().nullish(),
  certificateThumbprint: z.string().nullish(),
  /** private_key_jwt: the registered public keys (never private members). */
  jwks: z
    .looseObject({
      keys: z.array(
        z.looseObject({ kty: z.string(), kid: z.string().optional(), crv: z.string().optional() }),
      ),
    })
    .nullish()
    .catch(null),
  createdAt: when,
});
export type Credential = z.infer<typeof credentialSchema>;

/** The answer to creating or rotating a credential: the one time the secret is shown. */
export const issuedCredentialSchema = z
  .looseObject({
    id: z.string().optional(),
    credential: credentialSchema.optional(),
    clientId: z.string().nullish(),
    secret: z.string().nullish(),
    clientSecret: z.string().nullish(),
    apiKey: z.string().nullish(),
    kind: z.string().optional(),
    environment: z.string().optional(),
  })
  .transform((value) => ({
    clientId: value.clientId ?? value.credential?.clientId ?? null,
    secret: value.apiKey ?? value.clientSecret ?? value.secret ?? null,
    kind: value.kind ?? value.credential?.kind ?? 'client_secret',
    environment: value.environment ?? value.credential?.environment ?? null,
  }));
export type IssuedCredential = z.infer<typeof issuedCredentialSchema>;

export const notificationSchema = z.looseObject({
  id,
  kind: z.string(),
  payload: z.unknown().optional(),
  readAt: when,
  createdAt: when,
});
export type Notification = z.infer<typeof notificationSchema>;

const roleAssignmentSchema = z.looseObject({
  id,
  role: z.string(),
  apiId: z.string().nullish(),
  apiSlug: z.string().nullish(),
});

export const userSchema = z.looseObject({
  id,
  email: z.string(),
  displayName: z.string(),
  status: z.string().optional(),
  totpEnabled: z.boolean().optional(),
  roles: z.array(roleAssignmentSchema).default([]),
  lastSignInAt: when,
  /** Locked on every device (wrong second factors or current passwords). */
  lockedUntil: when,
  /** Locked for devices the person never signed in from (wrong passwords from them). */
  newDevicesLockedUntil: when,
});
export type User = z.infer<typeof userSchema>;

/** A browser or client the person signed in from (identity's known devices; never a token). */
export const knownDeviceSchema = z.looseObject({
  id,
  /** The device this session signed in from. */
  current: z.boolean().default(false),
  /** Its sessions still open: forgetting it ends them. */
  openSessions: z.number().int().default(0),
  userAgent: text,
  /** The address its last sign-in came from (the portal's own unless a trusted proxy named it). */
  lastSignInIp: text,
  createdAt: when,
  lastSignInAt: when,
  expiresAt: when,
  /** Wrong passwords from it locked it out until then. */
  lockedUntil: when,
});
export type KnownDevice = z.infer<typeof knownDeviceSchema>;

/** identity's answer to disabling or enabling an account. */
export const accountStatusSchema = z.looseObject({
  id,
  email: z.string(),
  status: z.string(),
  sessionsRevoked: z.number().int().optional(),
});

export const consumerSchema = z.looseObject({
  subscriptionId: z.string().optional(),
  id: z.string().optional(),
  application: z.looseObject({ id, name: z.string() }).nullish(),
  applicationId: z.string().optional(),
  applicationName: z.string().optional(),
  team: z
    .looseObject({
      id,
      name: z.string(),
      contacts: z
        .array(z.looseObject({ email: z.string(), displayName: z.string().nullish() }))
        .optional(),
    })
    .nullish(),
  environment: z.string().optional(),
  status: z.string().optional(),
  plan: z.looseObject({ name: z.string() }).nullish(),
  contactEmails: z.array(z.string()).default([]),
  requestedBy: z.looseObject({ email: z.string(), displayName: z.string().nullish() }).nullish(),
  grantedScopes: z.array(z.string()).default([]),
  since: when,
});
export type Consumer = z.infer<typeof consumerSchema>;

// ---- audit -------------------------------------------------------------------------------------

export const auditEventSchema = z.looseObject({
  id,
  time: z.string(),
  type: z.string(),
  source: z.string().optional(),
  appId: z.string().nullish(),
  apiId: z.string().nullish(),
  clientId: z.string().nullish(),
  teamId: z.string().nullish(),
  action: z.string().nullish(),
  decision: z.string().nullish(),
  reason: z.string().nullish(),
  status: z.number().nullish(),
  sourceIp: z.string().nullish(),
  traceId: z.string().nullish(),
  latencyMs: z.number().nullish(),
  data: z.unknown().optional(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

export const usageBucketSchema = z
  .looseObject({
    start: z.string(),
    requests: z.number().default(0),
    errors: z.number().default(0),
    denied: z.number().default(0),
    latencyMs: z
      .looseObject({
        p50: z.number().nullish(),
        p95: z.number().nullish(),
        p99: z.number().nullish(),
      })
      .nullish(),
    p50: z.number().nullish(),
    p95: z.number().nullish(),
    p99: z.number().nullish(),
  })
  .transform((bucket) => ({
    start: bucket.start,
    requests: bucket.requests,
    errors: bucket.errors,
    denied: bucket.denied,
    p50: bucket.latencyMs?.p50 ?? bucket.p50 ?? null,
    p95: bucket.latencyMs?.p95 ?? bucket.p95 ?? null,
    p99: bucket.latencyMs?.p99 ?? bucket.p99 ?? null,
  }));
export type UsageBucket = z.infer<typeof usageBucketSchema>;

export const usageSchema = z
  .union([z.looseObject({ buckets: z.array(usageBucketSchema) }), z.array(usageBucketSchema)])
  .transform((value) => (Array.isArray(value) ? value : value.buckets));

export const alertSchema = z.looseObject({
  id,
  rule: z.string(),
  severity: z.string(),
  status: z.string(),
  summary: z.string(),
  subject: z.unknown().optional(),
  count: z.number().optional(),
  firstSeenAt: when,
  lastSeenAt: when,
});
export type Alert = z.infer<typeof alertSchema>;

const siemSinkStatusSchema = z.looseObject({
  healthy: z.boolean(),
  /** While unhealthy: `configuration` when the destination refuses the events as sent. */
  errorKind: z.enum(['configuration', 'delivery']).nullable().optional(),
  /** Events not exported yet; null when Kafka could not be asked. */
  lag: z.number().nullable(),
  lastSuccessAt: when,
  lastError: text,
  lastErrorAt: when,
});

export const siemSinkSchema = z.looseObject({
  id,
  name: z.string(),
  kind: z.string(),
  enabled: z.boolean().optional(),
  lastSuccessAt: when,
  lastError: text,
  lastErrorAt: when,
  /** Present when listed with `include=status`. */
  status: siemSinkStatusSchema.optional(),
});
export type SiemSink = z.infer<typeof siemSinkSchema>;

export const anyObject = z.looseObject({});

/** Who may sign up (identity's `GET /v1/sign-up-policy`, public). */
export const signUpPolicySchema = z.looseObject({
  mode: z.enum(['open', 'invitation']),
  /** Open sign-up takes only addresses at these domains; empty: any. */
  emailDomains: z.array(z.string()).default([]),
});
export type SignUpPolicy = z.infer<typeof signUpPolicySchema>;

export const invitationStatusSchema = z.enum(['pending', 'used', 'expired', 'revoked']);
export type InvitationStatus = z.infer<typeof invitationStatusSchema>;

/** An invitation to sign up, as listed (never its code). */
export const invitationSchema = z.looseObject({
  id,
  email: z.string(),
  status: z.string(),
  expiresAt: when,
  usedAt: when,
  revokedAt: when,
  createdAt: when,
});
export type Invitation = z.infer<typeof invitationSchema>;

/** A new invitation: its code is in this answer only. */
export const issuedInvitationSchema = invitationSchema.extend({ code: z.string().min(1) });

/** A new password reset code (`token`): in this answer only. */
export const issuedPasswordResetSchema = z.looseObject({
  userId: id,
  token: z.string().min(1),
  expiresAt: when,
});
