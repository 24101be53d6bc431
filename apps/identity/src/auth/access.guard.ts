import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { problems } from '@portcullis/nest-service';
import { ACCESS_RULE, type AccessRule } from './access-rules.js';
import type { Principal } from './principal.js';

/** Runs after the bearer guard: checks the route's declared rule against the principal. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    // Deny by default: a route that forgot its rule is unreachable, not open.
    if (!rule) throw problems.forbidden('This route declares no access rule.');
    const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (!principal) throw problems.unauthorized();
    if (principal.kind === 'service') {
      if (rule.services?.includes(principal.service)) return true;
      throw problems.forbidden('Service tokens may not call this route.');
    }
    if (!principal.mfaSatisfied && !rule.allowPendingMfa) {
      throw problems.forbidden('Two-factor verification is required first.');
    }
    const roles = rule.roles ?? [];
    // Every signed-in person is a developer; other roles must be granted.
    if (roles.includes('developer')) return true;
    if (roles.includes('approver') && principal.approverApiIds.length > 0) return true;
    if (roles.some((role) => principal.roles.includes(role))) return true;
    throw problems.forbidden(`This needs one of the roles: ${roles.join(', ') || '(none)'}.`);
  }
}
