import { Injectable, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { problems } from '@portcullis/nest-service';
import { seesEverything } from './access-scope.js';
import type { AuditPrincipal } from './audit-principal.js';

/*
 * Role checks as guards, because Nest runs guards before pipes: a caller without the role gets
 * 403 before its query or body is validated, so the validator's complaints never describe the
 * route to them. The handlers keep their own checks (and the SQL scoping) as before.
 */

function principalOf(context: ExecutionContext): AuditPrincipal | undefined {
  return context.switchToHttp().getRequest<{ user?: AuditPrincipal }>().user;
}

@Injectable()
class SecurityTeamGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const principal = principalOf(context);
    if (!principal || !seesEverything(principal)) {
      throw problems.forbidden('This needs the security or admin role.');
    }
    return true;
  }
}

@Injectable()
class EventReaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const principal = principalOf(context);
    if (!principal || (!seesEverything(principal) && principal.approverApiIds.length === 0)) {
      throw problems.forbidden(
        'Searching audit events needs the security, admin or approver role.',
      );
    }
    return true;
  }
}

/** Security and admin only, checked before the input is validated. Put after `@SignedIn()`. */
export const SecurityTeamOnly = () => UseGuards(SecurityTeamGuard);

/** Security, admin or an approver of some API, checked before the input is validated. */
export const EventReadersOnly = () => UseGuards(EventReaderGuard);
