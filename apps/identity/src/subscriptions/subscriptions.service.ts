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
  DUTIES_CONFLICT_DETAIL,
  isApproverOf,
  separationOfDutiesConflict,
  TEAM_WITHDRAWABLE,
  TRANSITIONS,
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

/** An approver's rejection, suspension or revocation that no later approval has lifted. */
interface StandingRefusal {
  decisionId: string;
  status: SubscriptionStatus;
  at: Date;
}

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

  /**
   * Asks for access; auto-approved when the plan or API says so for this environment — unless an
   * approver's refusal of this subscription still stands, which only an approver can lift.
   */
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
    // An approver of this API asking production access for an application of theirs: someone else
    // decides, whatever the mode (its team may set production to auto, ask, and set it back).
    const ownProductionRequest =
      input.environment === 'production' && user.approverApiIds.includes(api.id);
    const configuredMode = ownProductionRequest
      ? 'manual'
      : approvalModeFor(api, plan, input.environment);
    const allScopes = api.scopes.map((scope) => scope.name);

    const outcome = await this.prisma.$transaction(async (transaction) => {
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
      // Asking again must not undo an approver's decision: it goes to an approver whatever the mode.
      const refusal = existing
        ? await this.standingRefusal(transaction, existing.id, app.teamId, api)
        : null;
      const mode = refusal ? 'manual' : configuredMode;
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
      return { subscriptionId: subscription.id, pending, refusal };
    });
    const { subscriptionId, pending, refusal } = outcome;
    this.configChanges.announce(pending);
    const mode = refusal ? 'manual' : configuredMode;

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
      ...(refusal
        ? {
            priorRefusal: {
              decisionId: refusal.decisionId,
              status: refusal.status,
              at: refusal.at.toISOString(),
            },
          }
        : {}),
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
        // Separation of duties stops the caller approving either kind: their team's, or their own.
        ownTeam:
          separationOfDutiesConflict(
            user,
            { appTeamId: row.application.teamId, requestedById: null },
            'approve',
          ) === 'own-team',
        ownRequest: row.requestedById === user.userId,
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
    const dutiesConflict = separationOfDutiesConflict(
      user,
      { appTeamId: row.application.teamId, requestedById: row.requestedById },
      action,
    );
    if (dutiesConflict) throw problems.forbidden(DUTIES_CONFLICT_DETAIL[dutiesConflict]);
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
      // Checked on the status read here, so a suspension landing meanwhile is not withdrawn.
      if (action === 'revoke' && !approver && !TEAM_WITHDRAWABLE.includes(from)) {
        throw problems.forbidden(
          `The application's team cannot withdraw a ${from} subscription: an approver of ${row.api.slug} suspended it, and only an approver can resume or revoke it.`,
        );
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

  /**
   * Revokes every live subscription of an application (before deleting it). A suspended one the
   * caller may not revoke refuses the whole deletion before anything is revoked.
   */
  async revokeAllForApplication(
    user: UserPrincipal,
    appId: string,
    comment: string,
    meta: RequestMeta,
  ): Promise<void> {
    const live = await this.prisma.subscription.findMany({
      where: { applicationId: appId, status: { in: ['pending', 'approved', 'suspended'] } },
      select: {
        id: true,
        status: true,
        apiId: true,
        environment: true,
        api: { select: { slug: true } },
      },
    });
    const locked = live.filter(
      (subscription) =>
        !TEAM_WITHDRAWABLE.includes(subscription.status) && !isApproverOf(user, subscription.apiId),
    );
    if (locked.length > 0) {
      const list = locked
        .map((subscription) => `${subscription.api.slug} in ${subscription.environment}`)
        .join(', ');
      throw problems.conflict(
        `The application has suspended subscriptions (${list}); only an approver of the API can revoke a suspended subscription. Ask one to, then delete the application.`,
      );
    }
    for (const { id } of live) await this.transition(user, id, 'revoke', { comment }, meta);
  }

  /**
   * The approver's refusal of a subscription that still stands: a rejection, suspension, or a
   * revocation that was not the team's own withdrawal, made since a person last granted access
   * (approved or resumed it). Automatic approvals lift nothing.
   */
  private async standingRefusal(
    client: Prisma.TransactionClient,
    subscriptionId: string,
    appTeamId: string,
    api: { id: string; ownerTeamId: string },
  ): Promise<StandingRefusal | null> {
    const decisions = await client.subscriptionDecision.findMany({
      where: { subscriptionId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    for (const decision of decisions) {
      if (decision.toStatus === 'approved' && decision.actorUserId !== null) return null;
      const refused =
        decision.toStatus === 'rejected' ||
        decision.toStatus === 'suspended' ||
        (decision.toStatus === 'revoked' &&
          !(await this.wasTeamWithdrawal(client, decision, appTeamId, api)));
      if (refused) {
        return { decisionId: decision.id, status: decision.toStatus, at: decision.createdAt };
      }
    }
    return null;
  }

  /**
   * Whether a revocation was the application team's own withdrawal rather than an approver's
   * decision. Only the decision row survives (no column says which), so it is rebuilt from who
   * made it, failing towards "approver": the actor was a member of the team when deciding (a
   * membership added later does not count — team owners can add anyone), the subscription was
   * pending or approved, and the actor approves the API through no other way than that team
   * (no admin or per-API approver role, no membership of another team owning the API).
   */
  private async wasTeamWithdrawal(
    client: Prisma.TransactionClient,
    decision: {
      actorUserId: string | null;
      fromStatus: SubscriptionStatus | null;
      createdAt: Date;
    },
    appTeamId: string,
    api: { id: string; ownerTeamId: string },
  ): Promise<boolean> {
    const actorId = decision.actorUserId;
    if (actorId === null || !decision.fromStatus) return false;
    if (!TEAM_WITHDRAWABLE.includes(decision.fromStatus)) return false;
    // Sequential: one transaction is one connection.
    const membership = await client.teamMember.count({
      where: { teamId: appTeamId, userId: actorId, createdAt: { lte: decision.createdAt } },
    });
    if (membership === 0) return false;
    const roles = await client.roleAssignment.count({
      where: { userId: actorId, OR: [{ role: 'admin' }, { role: 'approver', apiId: api.id }] },
    });
    if (roles > 0) return false;
    if (api.ownerTeamId === appTeamId) return true;
    const owner = await client.teamMember.count({
      where: { teamId: api.ownerTeamId, userId: actorId },
    });
    return owner === 0;
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
