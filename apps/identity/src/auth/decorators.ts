import {
  applyDecorators,
  createParamDecorator,
  UseGuards,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { problems } from '@portcullis/nest-service';
import { Access, type AccessRule } from './access-rules.js';
import { AccessGuard } from './access.guard.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import type { Principal, UserPrincipal } from './principal.js';

/** Protects a route or controller with passport-http-bearer and the given access rule. */
export function Protected(rule: AccessRule) {
  return applyDecorators(Access(rule), UseGuards(BearerAuthGuard, AccessGuard), ApiBearerAuth());
}

/** The authenticated caller, person or service. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<{ user: Principal }>().user,
);

/** The signed-in person; a service token here is a 403. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): UserPrincipal => {
    const principal = context.switchToHttp().getRequest<{ user: Principal }>().user;
    if (principal.kind !== 'user')
      throw problems.forbidden('This route is for people, not services.');
    return principal;
  },
);
