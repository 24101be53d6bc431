import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { decodeHashKey, keyedHash, safeEqual } from '@portcullis/crypto';
import type { PrismaClient } from '@portcullis/db';
import { CONFIG, PRISMA } from '@portcullis/nest-service';
import { Strategy } from 'passport-http-bearer';
import type { IdentityConfig } from '../config.js';
import type { Principal, Role, UserPrincipal } from './principal.js';

const MFA_ROLES: readonly Role[] = ['approver', 'security', 'admin'];
/** Sessions seen within this window are not written back, keeping reads read-only. */
const LAST_SEEN_WRITE_INTERVAL_MS = 60_000;

/**
 * Accepts session tokens (people, stored as keyed hashes) and service tokens (gateway, audit,
 * portal, compared in constant time). Anything else is a 401 with an RFC 6750 challenge.
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  private readonly hashKey: Buffer;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) private readonly config: IdentityConfig,
  ) {
    super();
    this.hashKey = decodeHashKey(config.CREDENTIAL_HASH_KEY);
  }

  async validate(token: string): Promise<Principal | false> {
    if (token.length > 256) return false;
    if (token.startsWith('pcl_svc_')) return this.serviceFor(token);
    if (!token.startsWith('pcl_sess_')) return false;
    return this.userFor(token);
  }

  private serviceFor(token: string): Principal | false {
    let match: string | null = null;
    for (const [service, expected] of this.config.IDENTITY_SERVICE_TOKENS) {
      // Check every entry so timing does not tell which service names exist.
      if (safeEqual(token, expected)) match = service;
    }
    return match === null ? false : { kind: 'service', service: match };
  }

  private async userFor(token: string): Promise<UserPrincipal | false> {
    const session = await this.prisma.session.findUnique({
      where: { tokenHash: keyedHash(token, this.hashKey) },
      include: {
        user: {
          include: {
            roleAssignments: true,
            teamMemberships: {
              include: { team: { include: { ownedApis: { select: { id: true } } } } },
            },
          },
        },
      },
    });
    const now = new Date();
    if (!session || session.revokedAt || session.expiresAt <= now) return false;
    const user = session.user;
    if (user.status !== 'active') return false;
    if (now.getTime() - session.lastSeenAt.getTime() > LAST_SEEN_WRITE_INTERVAL_MS) {
      await this.prisma.session.update({ where: { id: session.id }, data: { lastSeenAt: now } });
    }
    const roles = [...new Set(user.roleAssignments.map((assignment) => assignment.role))];
    const approverApiIds = new Set(
      user.roleAssignments
        .filter((assignment) => assignment.role === 'approver' && assignment.apiId !== null)
        .map((assignment) => assignment.apiId as string),
    );
    // Members of a team that owns an API approve its requests.
    for (const membership of user.teamMemberships) {
      for (const api of membership.team.ownedApis) approverApiIds.add(api.id);
    }
    // Whoever enrolled TOTP always gives it; privileged roles must when the platform requires it.
    // Approvers through team ownership count as approvers here too.
    const needsMfa =
      user.totpEnabled ||
      (this.config.IDENTITY_REQUIRE_MFA &&
        (approverApiIds.size > 0 || roles.some((role) => MFA_ROLES.includes(role))));
    return {
      kind: 'user',
      userId: user.id,
      email: user.email,
      displayName: user.displayName,
      roles,
      approverApiIds: [...approverApiIds],
      teamIds: user.teamMemberships.map((membership) => membership.teamId),
      sessionId: session.id,
      mfaSatisfied: !needsMfa || session.mfaVerified,
    };
  }
}
