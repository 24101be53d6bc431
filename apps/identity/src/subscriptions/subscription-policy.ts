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
 * Separation of duties: nobody grants access to an application of their own team — approving or
 * resuming needs someone outside it. Admins are exempt (they can grant themselves anything
 * anyway, and every decision is in the audit trail).
 */
export function violatesSeparationOfDuties(
  user: UserPrincipal,
  appTeamId: string,
  action: SubscriptionAction,
): boolean {
  if (action !== 'approve' && action !== 'resume') return false;
  return !user.roles.includes('admin') && user.teamIds.includes(appTeamId);
}
