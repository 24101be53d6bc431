import { Injectable } from '@nestjs/common';
import { gatewayApiSettingsSchema } from '@portcullis/contracts';
import { Prisma, type Api, type ApiRoute, type ApiScope, type Plan } from '@portcullis/db';
import { problems } from '@portcullis/nest-service';
import type { ApiDefinition } from './api-definition.js';
import { settingsLimitIssues } from './api-settings-limits.js';
import { canonicalJson } from './canonical-json.js';
import { UpstreamPolicy } from './upstream-policy.js';

type Transaction = Prisma.TransactionClient;

/** Advisory lock key serialising base-path changes, so two edits cannot nest unseen by each other. */
const BASE_PATH_LOCK = 7_401_003;

export interface SaveOptions {
  /** Remove plans missing from the definition (those with subscriptions are refused). */
  prunePlans: boolean;
  /** May this API's base path nest with another team's API (admins, the catalog file)? */
  allowNesting: boolean;
  /** May a refusal name the other API (the caller can see it in the catalog)? */
  nameConflicts: boolean;
}

export type ApiWithParts = Api & { scopes: ApiScope[]; routes: ApiRoute[]; plans: Plan[] };

export const apiWithParts = {
  scopes: { orderBy: { name: 'asc' } },
  routes: { orderBy: [{ pathPattern: 'asc' }, { method: 'asc' }] },
  plans: { orderBy: { ratePerSecond: 'asc' } },
} satisfies Prisma.ApiInclude;

export interface ApiWriteResult {
  api: ApiWithParts;
  created: boolean;
  /** Top-level fields and collections that changed (empty: nothing was written). */
  changedFields: string[];
  plansCreated: Plan[];
  plansUpdated: Plan[];
  plansDeleted: string[];
}

/** The stored API as a definition, in the same shape the writer takes. */
export function definitionOf(api: ApiWithParts): ApiDefinition {
  return {
    slug: api.slug,
    name: api.name,
    basePath: api.basePath,
    upstreamUrl: api.upstreamUrl,
    description: api.description,
    openapiDocument: (api.openapiDocument as Record<string, unknown> | null) ?? null,
    authMethods: [...api.authMethods].sort(),
    tokenLifetimeSeconds: api.tokenLifetimeSeconds,
    approval: { sandbox: api.approvalModeSandbox, production: api.approvalModeProduction },
    scopes: api.scopes.map((scope) => ({ name: scope.name, description: scope.description })),
    routes: api.routes.map((route) => ({
      method: route.method,
      pathPattern: route.pathPattern,
      requiredScopes: route.requiredScopes,
    })),
    plans: api.plans.map((plan) => ({
      name: plan.name,
      description: plan.description,
      ratePerSecond: plan.ratePerSecond,
      burst: plan.burst,
      monthlyQuota: plan.monthlyQuota,
      approvalMode: plan.approvalMode,
    })),
    settings: gatewayApiSettingsSchema.parse(api.settings ?? {}),
    ownerTeamId: api.ownerTeamId,
  };
}

const byName = <T extends { name: string }>(items: T[]) =>
  canonicalJson([...items].sort((a, b) => a.name.localeCompare(b.name)));
const routeKey = (route: { method: string; pathPattern: string }) =>
  `${route.method} ${route.pathPattern}`;
const byRoute = <T extends { method: string; pathPattern: string }>(items: T[]) =>
  canonicalJson([...items].sort((a, b) => routeKey(a).localeCompare(routeKey(b))));

/**
 * Creates or brings an API to a desired definition, writing only what differs: applying the same
 * definition twice writes nothing and keeps the version. Scopes and routes are replaced as given;
 * plans missing from the definition are removed only with `prunePlans` (they carry subscriptions).
 */
@Injectable()
export class CatalogWriter {
  constructor(private readonly upstreams: UpstreamPolicy) {}

  async save(
    transaction: Transaction,
    existing: ApiWithParts | null,
    desired: ApiDefinition,
    options: SaveOptions,
  ): Promise<ApiWriteResult> {
    // Checked on every write, changed or not: an upstream the rules refuse is fixed, not kept.
    const refusal = this.upstreams.refusal(desired.upstreamUrl);
    if (refusal) throw problems.validation([{ path: 'upstreamUrl', message: refusal }]);
    // Likewise: settings stored before their bounds existed are brought within them, not kept.
    const outOfBounds = settingsLimitIssues(desired.settings);
    if (outOfBounds.length > 0) {
      throw problems.validation(
        outOfBounds.map((issue) => ({
          path: ['settings', ...issue.path].join('.'),
          message: issue.message,
        })),
      );
    }
    await this.assertBasePathFree(transaction, existing, desired, options);
    const plans = desired.plans.map((plan) => ({
      ...plan,
      burst: plan.burst ?? plan.ratePerSecond * 2,
    }));
    if (!existing) {
      const api = await transaction.api.create({
        data: {
          ...this.scalarData(desired),
          slug: desired.slug,
          scopes: { create: desired.scopes },
          routes: { create: desired.routes },
          plans: { create: plans },
        },
        include: apiWithParts,
      });
      return {
        api,
        created: true,
        changedFields: ['*'],
        plansCreated: api.plans,
        plansUpdated: [],
        plansDeleted: [],
      };
    }

    const current = definitionOf(existing);
    const changedFields: string[] = [];
    const scalarKeys = [
      'name',
      'basePath',
      'upstreamUrl',
      'description',
      'openapiDocument',
      'authMethods',
      'tokenLifetimeSeconds',
      'approval',
      'settings',
      'ownerTeamId',
    ] as const;
    for (const key of scalarKeys) {
      if (canonicalJson(current[key]) !== canonicalJson(desired[key])) changedFields.push(key);
    }
    const apiId = existing.id;

    if (byName(current.scopes) !== byName(desired.scopes)) {
      changedFields.push('scopes');
      await transaction.apiScope.deleteMany({ where: { apiId } });
      await transaction.apiScope.createMany({
        data: desired.scopes.map((scope) => ({ ...scope, apiId })),
      });
    }
    if (byRoute(current.routes) !== byRoute(desired.routes)) {
      changedFields.push('routes');
      await transaction.apiRoute.deleteMany({ where: { apiId } });
      await transaction.apiRoute.createMany({
        data: desired.routes.map((route) => ({ ...route, apiId })),
      });
    }

    const plansCreated: Plan[] = [];
    const plansUpdated: Plan[] = [];
    const plansDeleted: string[] = [];
    const existingPlans = new Map(existing.plans.map((plan) => [plan.name, plan]));
    for (const plan of plans) {
      const found = existingPlans.get(plan.name);
      if (!found) {
        plansCreated.push(await transaction.plan.create({ data: { ...plan, apiId } }));
        continue;
      }
      const before = current.plans.find((candidate) => candidate.name === plan.name);
      if (canonicalJson(before) !== canonicalJson(plan)) {
        plansUpdated.push(await transaction.plan.update({ where: { id: found.id }, data: plan }));
      }
    }
    if (options.prunePlans) {
      const keep = new Set(plans.map((plan) => plan.name));
      for (const plan of existing.plans) {
        if (keep.has(plan.name)) continue;
        const used = await transaction.subscription.count({ where: { planId: plan.id } });
        if (used > 0) {
          throw problems.conflict(
            `Plan "${plan.name}" has subscriptions; move them to another plan before removing it.`,
          );
        }
        await transaction.plan.delete({ where: { id: plan.id } });
        plansDeleted.push(plan.name);
      }
    }
    if (plansCreated.length + plansUpdated.length + plansDeleted.length > 0) {
      changedFields.push('plans');
    }

    if (changedFields.length === 0) {
      return {
        api: existing,
        created: false,
        changedFields,
        plansCreated,
        plansUpdated,
        plansDeleted,
      };
    }
    const api = await transaction.api.update({
      where: { id: apiId },
      data: { ...this.scalarData(desired), version: { increment: 1 } },
      include: apiWithParts,
    });
    return { api, created: false, changedFields, plansCreated, plansUpdated, plansDeleted };
  }

  private scalarData(definition: ApiDefinition) {
    return {
      name: definition.name,
      basePath: definition.basePath,
      upstreamUrl: definition.upstreamUrl,
      description: definition.description,
      openapiDocument:
        definition.openapiDocument === null
          ? Prisma.DbNull
          : (definition.openapiDocument as Prisma.InputJsonValue),
      ownerTeamId: definition.ownerTeamId,
      authMethods: definition.authMethods,
      tokenLifetimeSeconds: definition.tokenLifetimeSeconds,
      approvalModeSandbox: definition.approval.sandbox,
      approvalModeProduction: definition.approval.production,
      settings: definition.settings as Prisma.InputJsonValue,
    };
  }

  /**
   * The gateway routes a request to the API with the longest base path that is a segment prefix
   * of it, so an API under another's base path (`/payments/orders` under `/payments`) takes over
   * that part of its traffic, and one above it gives it away. Across teams only admins (and the
   * catalog file) may nest; a team may nest its own APIs.
   */
  private async assertBasePathFree(
    transaction: Transaction,
    existing: ApiWithParts | null,
    desired: ApiDefinition,
    options: SaveOptions,
  ): Promise<void> {
    const { basePath, ownerTeamId } = desired;
    // An API keeps the place it has: a nesting an admin set up stays editable by its team.
    if (existing && existing.basePath === basePath && existing.ownerTeamId === ownerTeamId) return;
    await transaction.$executeRaw`SELECT pg_advisory_xact_lock(${BASE_PATH_LOCK})`;
    const apiId = existing?.id ?? null;
    const same = await transaction.api.findUnique({ where: { basePath } });
    if (same && same.id !== apiId) {
      throw problems.conflict(
        options.nameConflicts
          ? `basePath ${basePath} is used by API "${same.slug}".`
          : `basePath ${basePath} is used by another API.`,
      );
    }
    if (options.allowNesting) return;
    const segments = basePath.split('/').filter(Boolean);
    const above = segments.slice(1).map((_, index) => `/${segments.slice(0, index + 1).join('/')}`);
    const below = `${basePath}/`;
    const others = await transaction.api.findMany({
      where: {
        ...(apiId ? { id: { not: apiId } } : {}),
        ownerTeamId: { not: ownerTeamId },
        OR: [{ basePath: { in: above } }, { basePath: { startsWith: below } }],
      },
      select: { slug: true, basePath: true },
      orderBy: { basePath: 'asc' },
    });
    // Re-checked here: LIKE treats `_` as a wildcard should it reach the query unescaped.
    const other = others.find(
      (candidate) => above.includes(candidate.basePath) || candidate.basePath.startsWith(below),
    );
    if (!other) return;
    const advice =
      'Choose another basePath, or ask an admin (admins may nest APIs of different teams).';
    if (!options.nameConflicts) {
      throw problems.conflict(
        `basePath ${basePath} overlaps the base path of another team's API: the gateway routes each request to the longest matching base path, so one API would take over part of the other's traffic. ${advice}`,
      );
    }
    throw problems.conflict(
      above.includes(other.basePath)
        ? `basePath ${basePath} lies under ${other.basePath}, the base path of API "${other.slug}" of another team: the gateway routes each request to the longest matching base path, so this API would take over part of that API's traffic. ${advice}`
        : `basePath ${basePath} contains ${other.basePath}, the base path of API "${other.slug}" of another team: the gateway routes each request to the longest matching base path, so that API would take part of this API's traffic. ${advice}`,
    );
  }
}
