import { Injectable } from '@nestjs/common';
import { gatewayApiSettingsSchema } from '@portcullis/contracts';
import { Prisma, type Api, type ApiRoute, type ApiScope, type Plan } from '@portcullis/db';
import { problems } from '@portcullis/nest-service';
import type { ApiDefinition } from './api-definition.js';
import { canonicalJson } from './canonical-json.js';

type Transaction = Prisma.TransactionClient;
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
  async save(
    transaction: Transaction,
    existing: ApiWithParts | null,
    desired: ApiDefinition,
    options: { prunePlans: boolean },
  ): Promise<ApiWriteResult> {
    await this.assertBasePathFree(transaction, desired.basePath, existing?.id ?? null);
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

  private async assertBasePathFree(
    transaction: Transaction,
    basePath: string,
    apiId: string | null,
  ): Promise<void> {
    const other = await transaction.api.findUnique({ where: { basePath } });
    if (other && other.id !== apiId) {
      throw problems.conflict(`basePath ${basePath} is used by API "${other.slug}".`);
    }
  }
}
