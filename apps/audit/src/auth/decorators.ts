import {
  applyDecorators,
  createParamDecorator,
  UseGuards,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import type { AuditPrincipal } from './audit-principal.js';
import { AuditBearerGuard } from './bearer-auth.guard.js';

/** A route for signed-in people; which rows they see is decided in the handler (access-scope.ts). */
export function SignedIn() {
  return applyDecorators(
    UseGuards(AuditBearerGuard),
    ApiBearerAuth(),
    ApiResponse({ status: 401, description: 'No valid session token (problem+json).' }),
    ApiResponse({ status: 403, description: 'The role does not allow this (problem+json).' }),
  );
}

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuditPrincipal =>
    context.switchToHttp().getRequest<{ user: AuditPrincipal }>().user,
);
