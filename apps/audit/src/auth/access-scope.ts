import { problems } from '@portcullis/nest-service';
import type { AuditPrincipal } from './audit-principal.js';

/**
 * What a caller may read, enforced as SQL filters (never by trusting query parameters):
 * - security and admin: everything;
 * - approvers: events of the APIs they approve for (search, export, usage);
 * - developers: no event search, but usage of their own teams' applications.
 * A scope is `all`, or lists the API ids and team ids whose rows are visible (a row is visible
 * when its api_id is listed OR its team_id is listed).
 */
export type AccessScope =
  { kind: 'all' } | { kind: 'restricted'; apiIds: readonly string[]; teamIds: readonly string[] };

const ALL: AccessScope = { kind: 'all' };

export function seesEverything(principal: AuditPrincipal): boolean {
  return principal.roles.includes('security') || principal.roles.includes('admin');
}

/** Event search and export: security/admin, or approvers limited to their APIs; else 403. */
export function searchScope(principal: AuditPrincipal, requestedApiId?: string): AccessScope {
  if (seesEverything(principal)) return ALL;
  if (principal.approverApiIds.length === 0) {
    throw problems.forbidden('Searching audit events needs the security, admin or approver role.');
  }
  if (requestedApiId !== undefined && !principal.approverApiIds.includes(requestedApiId)) {
    throw problems.forbidden('You are not an approver of this API.');
  }
  return { kind: 'restricted', apiIds: principal.approverApiIds, teamIds: [] };
}

/** Usage: security/admin everything; others the APIs they approve for and their teams' apps. */
export function usageScope(principal: AuditPrincipal): AccessScope {
  if (seesEverything(principal)) return ALL;
  return { kind: 'restricted', apiIds: principal.approverApiIds, teamIds: principal.teamIds };
}

/** Chain verification reads every row: security and admin only. */
export function assertMayVerifyIntegrity(principal: AuditPrincipal): void {
  if (!seesEverything(principal)) {
    throw problems.forbidden('Verifying the audit trail needs the security or admin role.');
  }
}
