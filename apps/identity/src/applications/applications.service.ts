import { Inject, Injectable } from '@nestjs/common';
import type { Application, Prisma, PrismaClient } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import { ConfigChanges, type PendingConfigChange } from '../audit-trail/config-changes.js';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import { actorOf, type RequestMeta } from '../auth/request-meta.js';
import { SubscriptionsService } from '../subscriptions/subscriptions.service.js';
import { TeamAccess } from '../teams/team-access.js';
import { isUniqueViolation } from '../teams/teams.service.js';
import { pageArgs } from '../users/pagination.js';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js';
import type {
  CreateApplicationInput,
  ListApplicationsQuery,
  PatchApplicationInput,
} from './application-schemas.js';

const include = {
  team: { select: { id: true, slug: true, name: true } },
  createdBy: { select: { id: true, email: true, displayName: true } },
  subscriptions: {
    select: {
      id: true,
      status: true,
      environment: true,
      api: { select: { slug: true, name: true } },
      plan: { select: { name: true } },
    },
  },
} satisfies Prisma.ApplicationInclude;

type ApplicationRow = Prisma.ApplicationGetPayload<{ include: typeof include }>;

function view(app: ApplicationRow) {
  return {
    id: app.id,
    name: app.name,
    description: app.description,
    team: app.team,
    createdBy: app.createdBy,
    subscriptions: app.subscriptions,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}

const LIVE = ['pending', 'approved', 'suspended'] as const;

@Injectable()
export class ApplicationsService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly teams: TeamAccess,
    private readonly subscriptions: SubscriptionsService,
    private readonly configChanges: ConfigChanges,
    private readonly events: ManagementEvents,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  async create(
    user: UserPrincipal,
    teamId: string,
    input: CreateApplicationInput,
    meta: RequestMeta,
  ) {
    await this.teams.requireMember(user, teamId);
    let app: Application;
    try {
      app = await this.prisma.application.create({
        data: {
          teamId,
          name: input.name,
          description: input.description ?? null,
          createdById: user.userId,
        },
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw problems.conflict(`The team has an application named "${input.name}" already.`);
      }
      throw error;
    }
    this.publish(user, 'application.created', app, meta, { name: app.name });
    return this.get(user, app.id);
  }

  async list(user: UserPrincipal, query: ListApplicationsQuery) {
    const seeAll = user.roles.includes('admin') || user.roles.includes('security');
    const page = { page: query.page, pageSize: query.pageSize };
    if (query.teamId && !seeAll && !user.teamIds.includes(query.teamId)) {
      return { items: [], ...page, total: 0 };
    }
    const where: Prisma.ApplicationWhereInput = query.teamId
      ? { teamId: query.teamId }
      : { teamId: { in: user.teamIds } };
    const [apps, total] = await Promise.all([
      this.prisma.application.findMany({
        where,
        include,
        // The id breaks ties, so pages do not overlap or skip.
        orderBy: [{ teamId: 'asc' }, { name: 'asc' }, { id: 'asc' }],
        ...pageArgs(query),
      }),
      this.prisma.application.count({ where }),
    ]);
    return { items: apps.map(view), ...page, total };
  }

  /** Team members, admins and security see an application; others get a 404. */
  async visible(user: UserPrincipal, id: string): Promise<Application> {
    const app = await this.prisma.application.findUnique({ where: { id } });
    const seeAll = user.roles.includes('admin') || user.roles.includes('security');
    if (!app || (!seeAll && !user.teamIds.includes(app.teamId))) {
      throw problems.notFound('Application');
    }
    return app;
  }

  private async changeable(user: UserPrincipal, id: string): Promise<Application> {
    const app = await this.visible(user, id);
    if (!user.teamIds.includes(app.teamId) && !user.roles.includes('admin')) {
      throw problems.forbidden('Only members of the owning team may change this application.');
    }
    return app;
  }

  async get(user: UserPrincipal, id: string) {
    await this.visible(user, id);
    return view(await this.prisma.application.findUniqueOrThrow({ where: { id }, include }));
  }

  async patch(user: UserPrincipal, id: string, input: PatchApplicationInput, meta: RequestMeta) {
    const before = await this.changeable(user, id);
    try {
      const app = await this.prisma.application.update({
        where: { id },
        data: {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
        },
      });
      this.publish(user, 'application.updated', app, meta, {
        before: { name: before.name, description: before.description },
        after: { name: app.name, description: app.description },
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw problems.conflict(`The team has an application named "${input.name}" already.`);
      }
      throw error;
    }
    return this.get(user, id);
  }

  /**
   * Deletes an application with no live subscriptions; with `revokeSubscriptions` they are
   * revoked first (each one a decision, event and config change). Its credentials go with it.
   */
  async remove(user: UserPrincipal, id: string, revokeSubscriptions: boolean, meta: RequestMeta) {
    const app = await this.changeable(user, id);
    if (revokeSubscriptions) {
      await this.subscriptions.revokeAllForApplication(
        user,
        id,
        'Application deleted by its team.',
        meta,
      );
    }
    const pending = await this.prisma.$transaction(async (transaction) => {
      const live = await transaction.subscription.count({
        where: { applicationId: id, status: { in: [...LIVE] } },
      });
      if (live > 0) {
        throw problems.conflict(
          `The application has ${live} live subscription(s); revoke them first or pass revokeSubscriptions=true.`,
        );
      }
      const credentials = await transaction.credential.findMany({
        where: { applicationId: id, status: 'active' },
        select: { id: true },
      });
      await transaction.application.delete({ where: { id } });
      // Gateways drop the application's credentials at once rather than at the next refresh.
      const changes: PendingConfigChange[] = [];
      for (const credential of credentials) {
        changes.push(
          await this.configChanges.record(transaction, 'credential.revoked', credential.id),
        );
      }
      return changes;
    });
    this.configChanges.announce(...pending);
    this.publish(user, 'application.deleted', app, meta, {
      name: app.name,
      credentialsRemoved: pending.length,
    });
  }

  private publish(
    user: UserPrincipal,
    action: 'application.created' | 'application.updated' | 'application.deleted',
    app: Application,
    meta: RequestMeta,
    details: Record<string, unknown>,
  ): void {
    this.events.publish({
      action,
      outcome: 'success',
      actor: actorOf(user),
      target: { type: 'application', id: app.id },
      appId: app.id,
      teamId: app.teamId,
      ...meta,
      details,
    });
    this.webhooks.dispatch([app.teamId], action, { appId: app.id, ...details });
  }
}
