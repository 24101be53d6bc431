import { z } from 'zod';

/**
 * identity's `GET /v1/me` answer: who the session belongs to and what they may see. Team ids come
 * as `teamIds` or inside `teams[]`; `mfa.satisfied` false means the second factor is still due.
 */
export const meResponseSchema = z.object({
  id: z.string().min(1),
  email: z.string(),
  displayName: z.string().optional(),
  roles: z.array(z.string()),
  teamIds: z.array(z.string()).optional(),
  teams: z.array(z.object({ id: z.string() })).optional(),
  approverApiIds: z.array(z.string()).default([]),
  mfa: z.object({ satisfied: z.boolean() }).optional(),
});

/** A person calling audit with their portal session token, as identity described them. */
export interface AuditPrincipal {
  userId: string;
  email: string;
  roles: string[];
  teamIds: string[];
  approverApiIds: string[];
  mfaSatisfied: boolean;
}

export function principalFromMe(me: z.infer<typeof meResponseSchema>): AuditPrincipal {
  return {
    userId: me.id,
    email: me.email,
    roles: me.roles,
    teamIds: me.teamIds ?? me.teams?.map((team) => team.id) ?? [],
    approverApiIds: me.approverApiIds,
    mfaSatisfied: me.mfa?.satisfied ?? true,
  };
}
