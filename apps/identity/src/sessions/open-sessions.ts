import type { Prisma } from '@portcullis/db';

/**
 * A person's sessions still open at `now` (not ended, not expired), optionally sparing the asking
 * one or keeping to one device's. Every "end the open sessions" (sign out elsewhere, forget a
 * device, a new password, a disabled account) selects with this, so their counts agree on what
 * "open" means.
 */
export function openSessionsOf(
  userId: string,
  now: Date,
  only: { exceptSession?: string; device?: string } = {},
): Prisma.SessionWhereInput {
  return {
    userId,
    revokedAt: null,
    expiresAt: { gt: now },
    ...(only.exceptSession === undefined ? {} : { id: { not: only.exceptSession } }),
    ...(only.device === undefined ? {} : { deviceId: only.device }),
  };
}
