import { gatewayApiSettingsSchema } from '@portcullis/contracts';
import { z } from 'zod';
import { slugSchema } from '../teams/team-schemas.js';
import { settingsLimitIssues } from './api-settings-limits.js';
import { alwaysRefusedUpstream } from './upstream-policy.js';

const approvalModeSchema = z.enum(['auto', 'manual']);
const httpMethodSchema = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', '*']);

export const scopeSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[a-zA-Z][\w:.-]*$/, 'must be letters, digits and : . _ -'),
  description: z.string().max(500).nullable().default(null),
});

export const routeSchema = z.strictObject({
  method: z
    .string()
    .transform((value) => value.toUpperCase())
    .pipe(httpMethodSchema),
  /** Below basePath, `{param}` segments and an optional trailing `/**`. */
  pathPattern: z
    .string()
    .max(500)
    .regex(/^\/[\w\-./{}*~]*$/, 'must start with / and contain only path characters'),
  requiredScopes: z.array(z.string()).max(50).default([]),
});

export const planSchema = z.strictObject({
  name: z.string().min(1).max(64),
  description: z.string().max(500).nullable().default(null),
  ratePerSecond: z.number().int().positive().max(1_000_000),
  /** Token-bucket size; defaults to twice the rate. */
  burst: z.number().int().positive().max(10_000_000).optional(),
  /** Requests per calendar month; a trillion is far past any real plan and safe in a double. */
  monthlyQuota: z.number().int().positive().max(1_000_000_000_000).nullable().default(null),
  /** Overrides the API's approval mode in both environments when set. */
  approvalMode: approvalModeSchema.nullable().default(null),
});

const approvalSchema = z.strictObject({
  sandbox: approvalModeSchema.default('auto'),
  production: approvalModeSchema.default('manual'),
});

/**
 * First path segments the gateway serves itself on the listener that carries API traffic
 * (apps/gateway/src/gateway-server.ts, OPERATIONS_PATHS; `/openapi.json` and `/.well-known/…`
 * cannot be spelt as a base path): an API there would lose requests to the gateway.
 */
export const GATEWAY_RESERVED_SEGMENTS = ['healthz', 'readyz', 'docs', 'docs-json', 'docs-yaml'];

/** The snapshot's settings schema plus identity's upper bounds (api-settings-limits.ts). */
const apiSettingsSchema = gatewayApiSettingsSchema.superRefine((settings, context) => {
  for (const issue of settingsLimitIssues(settings)) {
    context.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  }
});

/** The editable fields of an API, each without defaults (PATCH takes any subset). */
const apiFields = {
  name: z.string().trim().min(1).max(100),
  basePath: z
    .string()
    .max(200)
    .regex(/^\/[a-z0-9][a-z0-9\-_/]*[a-z0-9]$/, 'must look like /name (lower case, no trailing /)')
    // The gateway refuses requests with empty segments, so such an API could never be reached.
    .refine((path) => !path.includes('//'), 'must not contain an empty segment (//)')
    .refine(
      (path) => !GATEWAY_RESERVED_SEGMENTS.includes(path.split('/')[1] ?? ''),
      `must not start with a path the gateway serves itself (${GATEWAY_RESERVED_SEGMENTS.map((segment) => `/${segment}`).join(', ')})`,
    ),
  upstreamUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2000)
    .superRefine((url, context) => {
      const refusal = alwaysRefusedUpstream(url);
      if (refusal) context.addIssue({ code: 'custom', message: refusal });
    }),
  description: z.string().max(5000).nullable(),
  openapiDocument: z.record(z.string(), z.unknown()).nullable(),
  authMethods: z
    .array(z.enum(['api_key', 'oauth2_client_credentials', 'basic']))
    .min(1)
    .transform((methods) => [...new Set(methods)].sort()),
  tokenLifetimeSeconds: z.number().int().min(60).max(86_400),
  approval: approvalSchema,
  scopes: z.array(scopeSchema).max(200),
  routes: z.array(routeSchema).max(1000),
  plans: z.array(planSchema).max(50),
  settings: apiSettingsSchema,
};

/** Checks that need the whole definition: unique names, routes naming defined scopes. */
function checkConsistency(
  value: {
    scopes?: z.output<typeof scopeSchema>[];
    routes?: z.output<typeof routeSchema>[];
    plans?: z.output<typeof planSchema>[];
  },
  context: z.RefinementCtx,
): void {
  const duplicates = (names: string[], path: string) => {
    const seen = new Set<string>();
    names.forEach((name, index) => {
      if (seen.has(name)) {
        context.addIssue({ code: 'custom', message: `duplicate "${name}"`, path: [path, index] });
      }
      seen.add(name);
    });
  };
  if (value.scopes)
    duplicates(
      value.scopes.map((scope) => scope.name),
      'scopes',
    );
  if (value.plans)
    duplicates(
      value.plans.map((plan) => plan.name),
      'plans',
    );
  if (value.routes) {
    duplicates(
      value.routes.map((route) => `${route.method} ${route.pathPattern}`),
      'routes',
    );
  }
  if (value.scopes && value.routes) {
    const defined = new Set(value.scopes.map((scope) => scope.name));
    value.routes.forEach((route, index) => {
      route.requiredScopes.forEach((scope, scopeIndex) => {
        if (!defined.has(scope)) {
          context.addIssue({
            code: 'custom',
            message: `scope "${scope}" is not defined in scopes`,
            path: ['routes', index, 'requiredScopes', scopeIndex],
          });
        }
      });
    });
  }
}

const definitionShape = {
  slug: slugSchema,
  name: apiFields.name,
  basePath: apiFields.basePath,
  upstreamUrl: apiFields.upstreamUrl,
  description: apiFields.description.default(null),
  openapiDocument: apiFields.openapiDocument.default(null),
  authMethods: apiFields.authMethods.default(['oauth2_client_credentials']),
  tokenLifetimeSeconds: apiFields.tokenLifetimeSeconds.default(900),
  approval: approvalSchema.default({ sandbox: 'auto', production: 'manual' }),
  scopes: apiFields.scopes.default([]),
  routes: apiFields.routes.default([]),
  plans: apiFields.plans.default([]),
  settings: apiSettingsSchema.default(gatewayApiSettingsSchema.parse({})),
};

/** `POST /v1/apis`: a whole API, owned by a team. */
export const createApiSchema = z
  .strictObject({ ...definitionShape, ownerTeamId: z.uuid() })
  .superRefine(checkConsistency);
export type CreateApiInput = z.infer<typeof createApiSchema>;

/** `PATCH /v1/apis/:slug`: any subset; given collections replace the current ones. */
export const patchApiSchema = z
  .strictObject({
    name: apiFields.name.optional(),
    basePath: apiFields.basePath.optional(),
    upstreamUrl: apiFields.upstreamUrl.optional(),
    description: apiFields.description.optional(),
    openapiDocument: apiFields.openapiDocument.optional(),
    authMethods: apiFields.authMethods.optional(),
    tokenLifetimeSeconds: apiFields.tokenLifetimeSeconds.optional(),
    approval: approvalSchema.partial().optional(),
    scopes: apiFields.scopes.optional(),
    routes: apiFields.routes.optional(),
    plans: apiFields.plans.optional(),
    settings: apiSettingsSchema.optional(),
    ownerTeamId: z.uuid().optional(),
    /** The version you edited; a different current version is a 409 (lost-update guard). */
    version: z.number().int().positive().optional(),
  })
  .superRefine(checkConsistency);
export type PatchApiInput = z.infer<typeof patchApiSchema>;

/** A catalog-as-code entry: the same definition, owner named by team slug. */
export const fileApiSchema = z
  .strictObject({ ...definitionShape, ownerTeam: slugSchema })
  .superRefine(checkConsistency);

/** What the writer stores: every field resolved, owner by id. */
export interface ApiDefinition {
  slug: string;
  name: string;
  basePath: string;
  upstreamUrl: string;
  description: string | null;
  openapiDocument: Record<string, unknown> | null;
  authMethods: ('api_key' | 'oauth2_client_credentials' | 'basic')[];
  tokenLifetimeSeconds: number;
  approval: { sandbox: 'auto' | 'manual'; production: 'auto' | 'manual' };
  scopes: { name: string; description: string | null }[];
  routes: { method: string; pathPattern: string; requiredScopes: string[] }[];
  plans: {
    name: string;
    description: string | null;
    ratePerSecond: number;
    burst?: number;
    monthlyQuota: number | null;
    approvalMode: 'auto' | 'manual' | null;
  }[];
  settings: z.output<typeof gatewayApiSettingsSchema>;
  ownerTeamId: string;
}
