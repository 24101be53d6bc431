import { problems } from '@portcullis/nest-service';
import type { AuditPrincipal } from '../auth/audit-principal.js';
import type { AuditActor } from './audit-actor.js';

/** SIEM sinks and alerts belong to the security team: security or admin role, else 403. */
export function requireSecurityRole(principal: AuditPrincipal): AuditActor {
  if (!principal.roles.includes('security') && !principal.roles.includes('admin')) {
    throw problems.forbidden('This needs the security or admin role.');
  }
  return { type: 'user', id: principal.userId, label: principal.email };
}
