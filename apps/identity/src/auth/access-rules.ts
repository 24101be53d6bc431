import { SetMetadata } from '@nestjs/common';
import type { Role } from './principal.js';

export const ACCESS_RULE = 'portcullis:access-rule';

/**
 * Who may call a route. Every management route declares one; the guard refuses routes without.
 * - `roles`: the caller needs one of these global roles (`developer` is every signed-in user).
 * - `services`: these services may call it with their service token.
 * - `allowPendingMfa`: reachable before the second factor (only the MFA routes themselves).
 * Finer checks (team membership, approver of this API) happen in the handler, against the data.
 */
export interface AccessRule {
  roles?: readonly Role[];
  services?: readonly string[];
  allowPendingMfa?: boolean;
}

export const Access = (rule: AccessRule) => SetMetadata(ACCESS_RULE, rule);
