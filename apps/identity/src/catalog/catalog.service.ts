import { Inject, Injectable } from '@nestjs/common';
import { apiAudience } from '@portcullis/contracts';
import type { Prisma, PrismaClient, Team } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import { z } from 'zod';
import { ConfigChanges } from '../audit-trail/config-changes.js';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { Principal, UserPrincipal } from '../auth/index.js';
import { actorOf, type RequestMeta } from '../auth/request-meta.js';
import { pageArgs, paginationQuerySchema } from '../users/pagination.js';
import type { ApiDefinition, CreateApiInput, PatchApiInput } from './api-definition.js';
import { CatalogChanges } from './catalog-changes.js';
import { apiWithParts, CatalogWriter, definitionOf, type ApiWithParts } from './catalog-writer.js';

export const listApisQuerySchema = paginationQuerySchema.extend({
  q: z.string().trim().max(200).optional(),
});
export type ListApisQuery = z.infer<typeof listApisQuerySchema>;

type ApiWithTeam = ApiWithParts & { ownerTeam: Pick<Team, 'id' | 'slug' | 'name'> };

const teamSelect = { select: { id: true, slug: true, name: true } } as const;

/**
 * Conflict messages may name the other API only if the caller could look it up anyway: every
 * signed-in person may browse the whole catalog (`GET /v1/apis` lists each slug and base path).
 * Should the catalog ever hide APIs from some callers, decide this per caller.
 */
const NAME_CONFLICTS = true;

/** Admins, security and members of the owning team see the upstream and gateway settings. */
function canSeeInternals(principal: Principal, api: { ownerTeamId: string }): boolean {
  // Services (the portal) render the catalog for people: they get the public view.
  if (principal.kind === 'service') return false;
  return (
    principal.roles.includes('admin') ||
    principal.roles.includes('security') ||
    principal.teamIds.includes(api.ownerTeamId)
  );
}

export function apiView(api: ApiWithTeam, internals: boolean) {
  return {
    id: api.id,
    slug: api.slug,
    name: api.name,
    description: api.description,
    basePath: api.basePath,
    audience: apiAudience(api.slug),
    ownerTeam: api.ownerTeam,
    authMethods: api.authMethods,
    tokenLifetimeSeconds: api.tokenLifetimeSeconds,
    approval: { sandbox: api.approvalModeSandbox, production: api.approvalModeProduction },
    scopes: api.scopes.map((scope) => ({ name: scope.name, description: scope.description })),
    routes: api.routes.map((route) => ({
      method: route.method,
      pathPattern: route.pathPattern,
      requiredScopes: route.requiredScopes,
    })),
    plans: api.plans.map((plan) => ({
      id: plan.id,
      name: plan.name,
      description: plan.description,
      ratePerSecond: plan.ratePerSecond,
      burst: plan.burst,
      monthlyQuota: plan.monthlyQuota,
      approvalMode: plan.approvalMode,
    })),
    openapiDocument: api.openapiDocument,
    ...(internals ? { upstreamUrl: api.upstreamUrl, settings: api.settings } : {}),
    version: api.version,
    createdAt: api.createdAt.toISOString(),
    updatedAt: api.updatedAt.toISOString(),
  };
}

@Injectable()
export class CatalogService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly writer: CatalogWriter,
    private readonly changes: CatalogChanges,
    private readonly configChanges: ConfigChanges,
    private readonly events: ManagementEvents,
  ) {}

  async list(query: ListApisQuery) {
    const where: Prisma.ApiWhereInput = query.q
      ? {
          OR: [
            { name: { contains: query.q, mode: 'insensitive' } },
            { slug: { contains: query.q, mode: 'insensitive' } },
            { description: { contains: query.q, mode: 'insensitive' } },
          ],
        }
      : {};
    const [apis, total] = await Promise.all([
      this.prisma.api.findMany({
        where,
        orderBy: { name: 'asc' },
        include: { ownerTeam: teamSelect, plans: { orderBy: { ratePerSecond: 'asc' } } },
        ...pageArgs(query),
      }),
      this.prisma.api.count({ where }),
    ]);
    return {
      items: apis.map((api) => ({
        id: api.id,
        slug: api.slug,
        name: api.name,
        description: api.description,
        basePath: api.basePath,
        ownerTeam: api.ownerTeam,
        authMethods: api.authMethods,
        approval: { sandbox: api.approvalModeSandbox, production: api.approvalModeProduction },
        plans: api.plans.map((plan) => ({
          id: plan.id,
          name: plan.name,
          ratePerSecond: plan.ratePerSecond,
          monthlyQuota: plan.monthlyQuota,
        })),
        version: api.version,
      })),
      page: query.page,
      pageSize: query.pageSize,
      total,
    };
  }

  async findBySlug(slug: string): Promise<ApiWithTeam> {
    const api = await this.prisma.api.findUnique({
      where: { slug },
      include: { ...apiWithParts, ownerTeam: teamSelect },
    });
    if (!api) throw problems.notFound('API');
    return api;
  }

  async get(principal: Principal, slug: string) {
    const api = await this.findBySlug(slug);
    return apiView(api, canSeeInternals(principal, api));
  }

  async create(user: UserPrincipal, input: CreateApiInput, meta: RequestMeta) {
    if (!(await this.prisma.team.findUnique({ where: { id: input.ownerTeamId } }))) {
      throw problems.badRequest('ownerTeamId names no team.', {
        errors: [{ path: 'ownerTeamId', message: 'no such team' }],
      });
    }
    if (await this.prisma.api.findUnique({ where: { slug: input.slug } })) {
      throw problems.conflict(`An API with slug "${input.slug}" exists already.`);
    }
    const { result, pending } = await this.prisma.$transaction(async (transaction) => {
      const result = await this.writer.save(transaction, null, input, {
        prunePlans: false,
        allowNesting: user.roles.includes('admin'),
        nameConflicts: NAME_CONFLICTS,
      });
      return { result, pending: await this.changes.record(transaction, result) };
    });
    this.changes.announce(result, pending, actorOf(user), meta);
    return this.get(user, input.slug);
  }

  async patch(user: UserPrincipal, slug: string, input: PatchApiInput, meta: RequestMeta) {
    const isAdmin = user.roles.includes('admin');
    const { result, pending } = await this.prisma.$transaction(async (transaction) => {
      const existing = await transaction.api.findUnique({ where: { slug }, include: apiWithParts });
      if (!existing) throw problems.notFound('API');
      if (!isAdmin && !user.teamIds.includes(existing.ownerTeamId)) {
        throw problems.forbidden('Only admins and the owning team may change this API.');
      }
      if (input.ownerTeamId && input.ownerTeamId !== existing.ownerTeamId) {
        if (!isAdmin) throw problems.forbidden('Only admins may move an API to another team.');
        if (!(await transaction.team.findUnique({ where: { id: input.ownerTeamId } }))) {
          throw problems.badRequest('ownerTeamId names no team.', {
            errors: [{ path: 'ownerTeamId', message: 'no such team' }],
          });
        }
      }
      if (input.version !== undefined && input.version !== existing.version) {
        throw problems.conflict(
          `The API is at version ${existing.version}, not ${input.version}: reload and retry.`,
        );
      }
      const current = definitionOf(existing);
      const { version: _version, approval, ...changes } = input;
      const desired: ApiDefinition = {
        ...current,
        ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)),
        approval: { ...current.approval, ...approval },
      };
      // Routes must name scopes that exist after the change, whichever of the two changed.
      const scopes = new Set(desired.scopes.map((scope) => scope.name));
      const missing = desired.routes.flatMap((route, index) =>
        route.requiredScopes
          .filter((scope) => !scopes.has(scope))
          .map((scope) => ({
            path: `routes.${index}.requiredScopes`,
            message: `unknown scope "${scope}"`,
          })),
      );
      if (missing.length > 0) throw problems.validation(missing);
      const result = await this.writer.save(transaction, existing, desired, {
        prunePlans: input.plans !== undefined,
        allowNesting: isAdmin,
        nameConflicts: NAME_CONFLICTS,
      });
      return { result, pending: await this.changes.record(transaction, result) };
    });
    this.changes.announce(result, pending, actorOf(user), meta);
    return this.get(user, slug);
  }

  async remove(user: UserPrincipal, slug: string, meta: RequestMeta): Promise<void> {
    const { api, pending } = await this.prisma.$transaction(async (transaction) => {
      const api = await transaction.api.findUnique({ where: { slug } });
      if (!api) throw problems.notFound('API');
      const subscriptions = await transaction.subscription.count({ where: { apiId: api.id } });
      if (subscriptions > 0) {
        throw problems.conflict(
          'The API has subscriptions (of any status); revoke and remove them first.',
        );
      }
      await transaction.api.delete({ where: { id: api.id } });
      return { api, pending: await this.configChanges.record(transaction, 'api.changed', api.id) };
    });
    this.configChanges.announce(pending);
    this.events.publish({
      action: 'api.deleted',
      outcome: 'success',
      actor: actorOf(user),
      target: { type: 'api', id: api.id },
      apiId: api.id,
      teamId: api.ownerTeamId,
      ...meta,
      details: { slug: api.slug },
    });
  }

  /** Who uses an API: for its approvers (and admins, security). */
  async consumers(user: UserPrincipal, slug: string) {
    const api = await this.findBySlug(slug);
    const allowed =
      user.roles.includes('admin') ||
      user.roles.includes('security') ||
      user.approverApiIds.includes(api.id);
    if (!allowed) throw problems.forbidden('Only approvers of this API may see its consumers.');
    const subscriptions = await this.prisma.subscription.findMany({
      where: { apiId: api.id },
      orderBy: { createdAt: 'asc' },
      include: {
        plan: { select: { id: true, name: true } },
        requestedBy: { select: { id: true, email: true, displayName: true } },
        application: {
          include: {
            team: {
              include: {
                members: {
                  where: { role: 'owner' },
                  include: { user: { select: { email: true, displayName: true } } },
                },
              },
            },
          },
        },
      },
    });
    return {
      api: { id: api.id, slug: api.slug, name: api.name },
      items: subscriptions.map((subscription) => ({
        subscriptionId: subscription.id,
        status: subscription.status,
        environment: subscription.environment,
        plan: subscription.plan,
        grantedScopes: subscription.grantedScopes,
        application: { id: subscription.application.id, name: subscription.application.name },
        team: {
          id: subscription.application.team.id,
          slug: subscription.application.team.slug,
          name: subscription.application.team.name,
        },
        /** Whom to contact: the requester, else the team's owners. */
        contactEmails: [
          ...new Set(
            [
              subscription.requestedBy?.email,
              ...subscription.application.team.members.map((member) => member.user.email),
            ].filter((email): email is string => !!email),
          ),
        ],
        requestedBy: subscription.requestedBy,
        since: subscription.createdAt.toISOString(),
      })),
    };
  }
}
