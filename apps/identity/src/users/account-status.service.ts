import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import { actorOf, type RequestMeta } from '../auth/request-meta.js';
import { openSessionsOf } from '../sessions/open-sessions.js';

/** Serialises status changes, so two admins disabling each other at once cannot both succeed. */
const ACCOUNT_STATUS_LOCK = 7_401_201;

export type AccountStatus = 'active' | 'disabled';

export interface AccountStatusView {
  id: string;
  email: string;
  displayName: string;
  status: AccountStatus;
  /** Sessions this change ended (disabling ends them all; enabling ends none). */
  sessionsRevoked: number;
}

/**
 * Admins disable and enable accounts. A disabled account cannot sign in (the same 401 as a wrong
 * password) and its sessions stop working at once; enabling lets it sign in again. Applications
 * and credentials belong to teams, not people, and are not touched.
 */
@Injectable()
export class AccountStatusService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly events: ManagementEvents,
  ) {}

  async disable(admin: UserPrincipal, userId: string, meta: RequestMeta) {
    // Another admin can enable the account again; nobody could enable the last one's.
    if (userId === admin.userId) {
      throw problems.conflict('You cannot disable your own account; ask another admin.');
    }
    return this.change(admin, userId, 'disabled', meta);
  }

  async enable(admin: UserPrincipal, userId: string, meta: RequestMeta) {
    return this.change(admin, userId, 'active', meta);
  }

  private async change(
    admin: UserPrincipal,
    userId: string,
    status: AccountStatus,
    meta: RequestMeta,
  ): Promise<AccountStatusView> {
    const result = await this.prisma.$transaction(async (transaction) => {
      await transaction.$executeRaw`SELECT pg_advisory_xact_lock(${ACCOUNT_STATUS_LOCK})`;
      // The caller's session was checked before the lock: another admin may have disabled them.
      const caller = await transaction.user.findUnique({
        where: { id: admin.userId },
        select: { status: true },
      });
      if (caller?.status !== 'active') throw problems.unauthorized('Your account was disabled.');
      if (status === 'disabled') {
        // Revoking an admin grant locks these rows too (roles.service.ts): a revocation racing
        // this one is waited for and counted below, not missed.
        await transaction.$queryRaw`
          SELECT id FROM identity.role_assignments WHERE role = 'admin' ORDER BY id FOR UPDATE`;
      }
      const user = await transaction.user.findUnique({
        where: { id: userId },
        include: { roleAssignments: { where: { role: 'admin' }, select: { id: true } } },
      });
      if (!user) throw problems.notFound('User');
      // Asking twice is no change: the same answer, no event.
      if (user.status === status) return { user, changed: false, sessionsRevoked: 0 };
      if (status === 'disabled' && user.roleAssignments.length > 0) {
        const otherActiveAdmins = await transaction.user.count({
          where: {
            id: { not: user.id },
            status: 'active',
            roleAssignments: { some: { role: 'admin' } },
          },
        });
        if (otherActiveAdmins === 0) {
          throw problems.conflict('The platform keeps at least one active admin.');
        }
      }
      const updated = await transaction.user.update({ where: { id: user.id }, data: { status } });
      let sessionsRevoked = 0;
      if (status === 'disabled') {
        // The bearer strategy refuses disabled accounts anyway; revoking keeps it so after enabling.
        const now = new Date();
        const revoked = await transaction.session.updateMany({
          where: openSessionsOf(user.id, now),
          data: { revokedAt: now },
        });
        sessionsRevoked = revoked.count;
      }
      return { user: updated, changed: true, sessionsRevoked };
    });
    const { user, changed, sessionsRevoked } = result;
    if (changed) {
      this.events.publish({
        action: status === 'disabled' ? 'user.disabled' : 'user.enabled',
        outcome: 'success',
        actor: actorOf(admin),
        target: { type: 'user', id: user.id },
        ...meta,
        details:
          status === 'disabled' ? { email: user.email, sessionsRevoked } : { email: user.email },
      });
    }
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      status: user.status,
      sessionsRevoked,
    };
  }
}
