export type Role = 'developer' | 'approver' | 'security' | 'admin';

/** A person signed in through the portal (or the API) with a session token. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  email: string;
  displayName: string;
  /** Global roles. `approver` is per API: see `approverApiIds`. */
  roles: Role[];
  /** APIs this user may approve requests for (explicit grants, plus APIs their teams own). */
  approverApiIds: string[];
  teamIds: string[];
  sessionId: string;
  /** False while a required second factor has not been given yet. */
  mfaSatisfied: boolean;
}

/** Another Portcullis service (gateway, audit, portal) calling with its service token. */
export interface ServicePrincipal {
  kind: 'service';
  service: string;
}

export type Principal = UserPrincipal | ServicePrincipal;

export function isUser(principal: Principal): principal is UserPrincipal {
  return principal.kind === 'user';
}
