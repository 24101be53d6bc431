import { Inject, Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient, SubscriptionStatus } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import { ConfigChanges, type PendingConfigChange } from '../audit-trail/config-changes.js';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import { actorOf, SYSTEM_ACTOR, type RequestMeta } from '../auth/request-meta.js';
import { Notifications } from '../notifications/notifications.service.js';
import { TeamAccess } from '../teams/team-access.js';
import { pageArgs } from '../users/pagination.js';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js';
import type { ApprovalsQuery, RequestSubscriptionInput } from './subscription-schemas.js';
import {
  approvalModeFor,
  isApproverOf,
  TRANSITIONS,
  violatesSeparationOfDuties,
  type SubscriptionAction,
} from './subscription-policy.js';

const AUTO_APPROVED = 'Approved automatically: the approval mode for this environment is auto.';

export const subscriptionInclude = {
  api: { select: { id: true, slug: true, name: true, ownerTeamId: true } },
  plan: { select: { id: true, name: true, ratePerSecond: true, monthlyQuota: true } },
  application: {
    select: { id: true, name: true, teamId: true, team: { select: { slug: true, name: true } } },
  },
  requestedBy: { select: { id: true, email: true, displayName: true } },
} satisfies Prisma.SubscriptionInclude;

type SubscriptionRow = Prisma.SubscriptionGetPayload<{ include: typeof subscriptionInclude }>;
type DecisionRow = Prisma.SubscriptionDecisionGetPayload<{
  include: { actor: { select: { id: true; email: true; displayName: true } } };
}>;

export function subscriptionView(row: SubscriptionRow, decisions?: DecisionRow[]) {
  return {
    id: row.id,
    status: row.status,
    environment: row.environment,
    api: { id: row.api.id, slug: row.api.slug, name: row.api.name },
    plan: row.plan,
    application: { id: row.application.id, name: row.application.name },
    team: {
      id: row.application.teamId,
      slug: row.application.team.slug,
      name: row.application.team.name,
    },
    justification: row.justification,
    grantedScopes: row.grantedScopes,
    requestedBy: row.requestedBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(decisions
      ? {
          decisions: decisions.map((decision) => ({
            id: decision.id,
            from: decision.fromStatus,
            to: decision.toStatus,
            comment: decision.comment,
            actor: decision.actor ?? { id: null, email: null, displayName: 'Portcullis' },
            at: decision.createdAt.toISOString(),
          })),
        }
      : {}),
  };
}

@Injectable()
export class SubscriptionsService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly teams: TeamAccess,
    private readonly configChanges: ConfigChanges,
    private readonly events: ManagementEvents,
    private readonly notifications: Notifications,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  /** Asks for access; auto-approved when the plan or API says so for this environment. */
  async request(
    user: UserPrincipal,
    appId: string,
    input: RequestSubscriptionInput,
    meta: RequestMeta,
  ) {
    const app = await this.prisma.application.findUnique({ where: { id: appId } });
    if (!app) throw problems.notFound('Application');
    await this.teams.requireMember(user, app.teamId).catch((error: unknown) => {
      // A team the caller cannot see hides its applications as well.
      throw (error as { getStatus?: () => number }).getStatus?.() === 404
        ? problems.notFound('Application')
        : error;
    });
    const api = await this.prisma.api.findUnique({
      where: { slug: input.apiSlug },
      include: { scopes: { select: { name: true } } },
    });
    if (!api) throw problems.notFound('API');
    const plan = await this.prisma.plan.findFirst({
      where: {
        apiId: api.id,
        ...(input.planId ? { id: input.planId } : { name: input.planName }),
      },
    });
    if (!plan) throw problems.notFound('Plan');
    const mode = approvalModeFor(api, plan, input.environment);
    const allScopes = api.scopes.map((scope) => scope.name);

    const { subscriptionId, pending } = await this.prisma.$transaction(async (transaction) => {
      const existing = await transaction.subscription.findUnique({
        where: {
          applicationId_apiId_environment: {
            applicationId: app.id,
            apiId: api.id,
            environment: input.environment,
          },
        },
      });
      if (existing && !['rejected', 'revoked'].includes(existing.status)) {
        throw problems.conflict(
          `This application already has a ${existing.status} subscription to ${api.slug} in ${input.environment} (${existing.id}).`,
        );
      }
      const data = {
        planId: plan.id,
        status: 'pending' as const,
        justification: input.justification ?? null,
        grantedScopes: [],
        requestedById: user.userId,
      };
      // A rejected or revoked subscription is asked for again on the same row, keeping its history.
      const subscription = existing
        ? await transaction.subscription.update({ where: { id: existing.id }, data })
        : await transaction.subscription.create({
            data: {
              ...data,
              applicationId: app.id,
              apiId: api.id,
              environment: input.environment,
            },
          });
      await transaction.subscriptionDecision.create({
        data: {
          subscriptionId: subscription.id,
          actorUserId: user.userId,
          fromStatus: existing?.status ?? null,
          toStatus: 'pending',
          comment: input.justification ?? null,
        },
      });
      if (mode === 'auto') {
        await transaction.subscription.update({
          where: { id: subscription.id },
          data: { status: 'approved', grantedScopes: allScopes },
        });
        await transaction.subscriptionDecision.create({
          data: {
            subscriptionId: subscription.id,
            actorUserId: null,
            fromStatus: 'pending',
            toStatus: 'approved',
            comment: AUTO_APPROVED,
          },
        });
      } else {
        await this.notifications.notify(
          transaction,
          (await this.approverIds(transaction, api.id, api.ownerTeamId)).filter(
            (id) => id !== user.userId,
          ),
          'subscription.requested',
          {
            subscriptionId: subscription.id,
            apiSlug: api.slug,
            apiName: api.name,
            appId: app.id,
            appName: app.name,
            environment: input.environment,
            requestedBy: user.email,
          },
        );
      }
      const pending = await this.configChanges.record(
        transaction,
        'subscription.changed',
        subscription.id,
      );
      return { subscriptionId: subscription.id, pending };
    });
    this.configChanges.announce(pending);

    const context = {
      outcome: 'success' as const,
      target: { type: 'subscription', id: subscriptionId },
      apiId: api.id,
      appId: app.id,
      teamId: app.teamId,
      ...meta,
    };
    const details = {
      apiSlug: api.slug,
      plan: plan.name,
      environment: input.environment,
      approvalMode: mode,
    };
    this.events.publish({
      ...context,
      action: 'subscription.requested',
      actor: actorOf(user),
      details: { ...details, justification: input.justification ?? null },
    });
    this.webhooks.dispatch([app.teamId, api.ownerTeamId], 'subscription.requested', {
      subscriptionId,
      ...details,
      appId: app.id,
    });
    if (mode === 'auto') {
      this.events.publish({
        ...context,
        action: 'subscription.approved',
        actor: SYSTEM_ACTOR,
        details: {
          ...details,
          from: 'pending',
          to: 'approved',
          comment: AUTO_APPROVED,
          scopes: allScopes,
        },
      });
      this.webhooks.dispatch([app.teamId], 'subscription.approved', {
        subscriptionId,
        ...details,
        appId: app.id,
      });
    }
    return this.load(subscriptionId, true);
  }

  async listForApplication(user: UserPrincipal, appId: string) {
    const app = await this.prisma.application.findUnique({ where: { id: appId } });
    if (!app) throw problems.notFound('Application');
    await this.teams.requireVisible(user, app.teamId).catch(() => {
      throw problems.notFound('Application');
    });
    const rows = await this.prisma.subscription.findMany({
      where: { applicationId: appId },
      include: subscriptionInclude,
      orderBy: { createdAt: 'asc' },
    });
    return { items: rows.map((row) => subscriptionView(row)) };
  }

  /** Visible to the app's team, the API's approvers, admins and security. */
  async get(user: UserPrincipal, id: string) {
    const row = await this.prisma.subscription.findUnique({
      where: { id },
      include: subscriptionInclude,
    });
    if (!row || !this.canSee(user, row)) throw problems.notFound('Subscription');
    return this.load(id, true);
  }

  /** The approver's inbox: requests for the APIs the caller approves (admins: all). */
  async approvals(user: UserPrincipal, query: ApprovalsQuery) {
    const where: Prisma.SubscriptionWhereInput = {
      ...(user.roles.includes('admin') ? {} : { apiId: { in: user.approverApiIds } }),
      ...(query.status === 'all' ? {} : { status: query.status }),
      ...(query.apiSlug ? { api: { slug: query.apiSlug } } : {}),
    };
    const [rows, total] = await Promise.all([
      this.prisma.subscription.findMany({
        where,
        include: subscriptionInclude,
        orderBy: { updatedAt: 'asc' },
        ...pageArgs(query),
      }),
      this.prisma.subscription.count({ where }),
    ]);
    return {
      items: rows.map((row) => ({
        ...subscriptionView(row),
        /** True when separation of duties stops the caller from approving this one. */
        ownTeam: violatesSeparationOfDuties(user, row.application.teamId, 'approve'),
      })),
      page: query.page,
      pageSize: query.pageSize,
      total,
    };
  }

  async transition(
    user: UserPrincipal,
    id: string,
    action: SubscriptionAction,
    input: { comment?: string; scopes?: string[] },
    meta: RequestMeta,
  ) {
    const rule = TRANSITIONS[action];
    const row = await this.prisma.subscription.findUnique({
      where: { id },
      include: { ...subscriptionInclude, api: { include: { scopes: true } } },
    });
    if (!row || !this.canSee(user, row)) throw problems.notFound('Subscription');
    const approver = isApproverOf(user, row.apiId);
    const ownApp = user.teamIds.includes(row.application.teamId);
    if (!approver && !(action === 'revoke' && ownApp)) {
      throw problems.forbidden(`Only approvers of this API may ${action} subscriptions.`);
    }
    if (violatesSeparationOfDuties(user, row.application.teamId, action)) {
      throw problems.forbidden(
        'Separation of duties: an approver may not grant access to an application of their own team.',
      );
    }
    let grantedScopes: string[] | undefined;
    if (action === 'approve') {
      const available = row.api.scopes.map((scope) => scope.name);
      grantedScopes = input.scopes ?? available;
      const unknown = grantedScopes.filter((scope) => !available.includes(scope));
      if (unknown.length > 0) {
        throw problems.validation(
          unknown.map((scope) => ({ path: 'scopes', message: `the API has no scope "${scope}"` })),
        );
      }
      grantedScopes = [...new Set(grantedScopes)];
    }
    let from: SubscriptionStatus = row.status;
    const pending: PendingConfigChange = await this.prisma.$transaction(async (transaction) => {
      // Conditional on the status read, so two approvers racing cannot both decide.
      const current = await transaction.subscription.findUniqueOrThrow({ where: { id } });
      from = current.status;
      if (!rule.from.includes(from)) {
        throw problems.conflict(`A ${from} subscription cannot be ${rule.event.split('.')[1]}.`);
      }
      const updated = await transaction.subscription.updateMany({
        where: { id, status: from },
        data: { status: rule.to, ...(grantedScopes ? { grantedScopes } : {}) },
      });
      if (updated.count === 0)
        throw problems.conflict('The subscription changed meanwhile; reload.');
      await transaction.subscriptionDecision.create({
        data: {
          subscriptionId: id,
          actorUserId: user.userId,
          fromStatus: from,
          toStatus: rule.to,
          comment: input.comment ?? null,
        },
      });
      await this.notifications.notify(
        transaction,
        [row.requestedById].filter((recipient) => recipient !== user.userId),
        rule.event,
        {
          subscriptionId: id,
          apiSlug: row.api.slug,
          apiName: row.api.name,
          appId: row.application.id,
          appName: row.application.name,
          environment: row.environment,
          comment: input.comment ?? null,
          by: user.email,
        },
      );
      return this.configChanges.record(transaction, 'subscription.changed', id);
    });
    this.configChanges.announce(pending);
    const details = {
      apiSlug: row.api.slug,
      plan: row.plan.name,
      environment: row.environment,
      from,
      to: rule.to,
      comment: input.comment ?? null,
      ...(grantedScopes ? { scopes: grantedScopes } : {}),
    };
    this.events.publish({
      action: rule.event,
      outcome: 'success',
      actor: actorOf(user),
      target: { type: 'subscription', id },
      apiId: row.apiId,
      appId: row.applicationId,
      teamId: row.application.teamId,
      ...meta,
      details,
    });
    this.webhooks.dispatch([row.application.teamId, row.api.ownerTeamId], rule.event, {
      subscriptionId: id,
      appId: row.applicationId,
      ...details,
    });
    return this.load(id, true);
  }

  /** Revokes every live subscription of an application (before deleting it). */
  async revokeAllForApplication(
    user: UserPrincipal,
    appId: string,
    comment: string,
    meta: RequestMeta,
  ): Promise<void> {
    const live = await this.prisma.subscription.findMany({
      where: { applicationId: appId, status: { in: ['pending', 'approved', 'suspended'] } },
      select: { id: true },
    });
    for (const { id } of live) await this.transition(user, id, 'revoke', { comment }, meta);
  }

  private canSee(user: UserPrincipal, row: { apiId: string; application: { teamId: string } }) {
    return (
      user.roles.includes('security') ||
      isApproverOf(user, row.apiId) ||
      user.teamIds.includes(row.application.teamId)
    );
  }

  private async approverIds(
    client: Prisma.TransactionClient,
    apiId: string,
    ownerTeamId: string,
  ): Promise<string[]> {
    // Sequential: one transaction is one connection.
    const granted = await client.roleAssignment.findMany({
      where: { role: 'approver', apiId },
      select: { userId: true },
    });
    const owners = await client.teamMember.findMany({
      where: { teamId: ownerTeamId },
      select: { userId: true },
    });
    return [...new Set([...granted, ...owners].map((row) => row.userId))];
  }

  private async load(id: string, withDecisions: boolean) {
    const row = await this.prisma.subscription.findUniqueOrThrow({
      where: { id },
      include: subscriptionInclude,
    });
    const decisions = withDecisions
      ? await this.prisma.subscriptionDecision.findMany({
          where: { subscriptionId: id },
          include: { actor: { select: { id: true, email: true, displayName: true } } },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        })
      : undefined;
    return subscriptionView(row, decisions);
  }
}
