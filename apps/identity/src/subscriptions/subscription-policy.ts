import type { Api, ApprovalMode, Environment, Plan, SubscriptionStatus } from '@portcullis/db';
import type { UserPrincipal } from '../auth/index.js';

export type SubscriptionAction = 'approve' | 'reject' | 'suspend' | 'resume' | 'revoke';

/** The allowed status changes, and the event name each produces. */
export const TRANSITIONS: Record<
  SubscriptionAction,
  {
    from: SubscriptionStatus[];
    to: SubscriptionStatus;
    event: `subscription.${'approved' | 'rejected' | 'suspended' | 'resumed' | 'revoked'}`;
  }
> = {
  approve: { from: ['pending'], to: 'approved', event: 'subscription.approved' },
  reject: { from: ['pending'], to: 'rejected', event: 'subscription.rejected' },
  suspend: { from: ['approved'], to: 'suspended', event: 'subscription.suspended' },
  resume: { from: ['suspended'], to: 'approved', event: 'subscription.resumed' },
  revoke: {
    from: ['pending', 'approved', 'suspended'],
    to: 'revoked',
    event: 'subscription.revoked',
  },
};

/** A plan's own mode wins; otherwise the API's mode for the environment. */
export function approvalModeFor(
  api: Pick<Api, 'approvalModeSandbox' | 'approvalModeProduction'>,
  plan: Pick<Plan, 'approvalMode'>,
  environment: Environment,
): ApprovalMode {
  if (plan.approvalMode) return plan.approvalMode;
  return environment === 'production' ? api.approvalModeProduction : api.approvalModeSandbox;
}

export function isApproverOf(user: UserPrincipal, apiId: string): boolean {
  return user.roles.includes('admin') || user.approverApiIds.includes(apiId);
}

/**
 * What the application's team may withdraw without being an approver. A suspended subscription
 * is not among them: an approver suspended it, and withdrawing it would let the team re-request
 * it (auto-approved where the mode is `auto`) and so undo the suspension.
 */
export const TEAM_WITHDRAWABLE: readonly SubscriptionStatus[] = ['pending', 'approved'];

export type DutiesConflict = 'own-request' | 'own-team';

/**
 * Separation of duties for decisions that grant access (approve, resume): nobody grants a request
 * they made themselves — admins included, whatever team they are in now — and nobody grants access
 * to an application of their own team. Admins are exempt from the team rule only (they can grant
 * themselves any role anyway, and every decision is in the audit trail).
 */
export function separationOfDutiesConflict(
  user: UserPrincipal,
  subscription: { appTeamId: string; requestedById: string | null },
  action: SubscriptionAction,
): DutiesConflict | null {
  if (action !== 'approve' && action !== 'resume') return null;
  if (subscription.requestedById === user.userId) return 'own-request';
  if (!user.roles.includes('admin') && user.teamIds.includes(subscription.appTeamId)) {
    return 'own-team';
  }
  return null;
}

export const DUTIES_CONFLICT_DETAIL: Record<DutiesConflict, string> = {
  'own-request':
    "Separation of duties: you requested this subscription, so someone else must grant it (approve or resume), even if you have left the application's team since.",
  'own-team':
    'Separation of duties: an approver may not grant access to an application of their own team.',
};
