import { Inject, Injectable } from '@nestjs/common';
import { decodeHashKey, generateOpaqueToken, keyedHash } from '@portcullis/crypto';
import type { Invitation, Prisma, PrismaClient } from '@portcullis/db';
import { CONFIG, PRISMA, problems } from '@portcullis/nest-service';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import { actorOf, type RequestMeta } from '../auth/request-meta.js';
import type { IdentityConfig } from '../config.js';
import { pageArgs } from '../users/pagination.js';
import type {
  InvitationStatus,
  IssueInvitationInput,
  ListInvitationsQuery,
} from './invitation-schemas.js';

const CODE_PREFIX = 'pcl_inv';
/** One answer for unknown, used, revoked, expired and someone else's codes. */
const INVITATION_REFUSED =
  'The invitation code is not valid for this e-mail address: it may be mistyped, used, revoked or expired.';

type Transaction = Prisma.TransactionClient;

/**
 * Admins invite people to sign up: the code is shown once, stored as a keyed hash, names one
 * address, expires after INVITATION_TTL_SECONDS and works once. A newer invitation for the same
 * address voids the earlier pending one.
 */
@Injectable()
export class InvitationsService {
  private readonly hashKey: Buffer;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) private readonly config: IdentityConfig,
    private readonly events: ManagementEvents,
  ) {
    this.hashKey = decodeHashKey(config.CREDENTIAL_HASH_KEY);
  }

  async issue(admin: UserPrincipal, input: IssueInvitationInput, meta: RequestMeta) {
    const existing = await this.prisma.user.findUnique({ where: { email: input.email } });
    if (existing) throw problems.conflict('An account with this e-mail address exists already.');
    const code = generateOpaqueToken(CODE_PREFIX);
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.config.INVITATION_TTL_SECONDS * 1000);
    const { voided, invitation } = await this.prisma.$transaction(async (transaction) => {
      // One issuer per address at a time: two admins inviting it at once leave one pending code.
      await transaction.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`invitation:${input.email}`}, 0))`;
      const voided = await transaction.invitation.updateMany({
        where: { ...pendingWhere(now), email: input.email },
        data: { revokedAt: now },
      });
      const invitation = await transaction.invitation.create({
        data: {
          email: input.email,
          codeHash: keyedHash(code, this.hashKey),
          createdById: admin.userId,
          expiresAt,
        },
      });
      return { voided, invitation };
    });
    this.events.publish({
      action: 'user.invitation_issued',
      outcome: 'success',
      actor: actorOf(admin),
      target: { type: 'invitation', id: invitation.id },
      ...meta,
      details: {
        email: invitation.email,
        expiresAt: expiresAt.toISOString(),
        earlierInvitationsVoided: voided.count,
      },
    });
    return { ...view(invitation, now), code };
  }

  async list(query: ListInvitationsQuery) {
    const now = new Date();
    const where = query.status ? statusWhere(query.status, now) : {};
    const [invitations, total] = await Promise.all([
      this.prisma.invitation.findMany({
        where,
        orderBy: { createdAt: 'desc' },
        ...pageArgs(query),
      }),
      this.prisma.invitation.count({ where }),
    ]);
    return {
      items: invitations.map((invitation) => view(invitation, now)),
      page: query.page,
      pageSize: query.pageSize,
      total,
    };
  }

  /** Revokes a pending invitation; one used, expired or revoked already is a 409. */
  async revoke(admin: UserPrincipal, id: string, meta: RequestMeta): Promise<void> {
    const now = new Date();
    const revoked = await this.prisma.invitation.updateMany({
      where: { ...pendingWhere(now), id },
      data: { revokedAt: now },
    });
    if (revoked.count === 0) {
      const invitation = await this.prisma.invitation.findUnique({ where: { id } });
      if (!invitation) throw problems.notFound('The invitation');
      throw problems.conflict(`The invitation is ${statusOf(invitation, now)}, not pending.`);
    }
    this.events.publish({
      action: 'user.invitation_revoked',
      outcome: 'success',
      actor: actorOf(admin),
      target: { type: 'invitation', id },
      ...meta,
      details: {},
    });
  }

  /**
   * The pending invitation `code` names for `email`, checked before sign-up does the expensive
   * work; 400 otherwise (the same answer whatever is wrong, on the `invitationCode` field).
   */
  async findRedeemable(code: string, email: string): Promise<Invitation> {
    const invitation = code.startsWith(`${CODE_PREFIX}_`)
      ? await this.prisma.invitation.findUnique({
          where: { codeHash: keyedHash(code, this.hashKey) },
        })
      : null;
    if (
      !invitation ||
      invitation.email !== email ||
      statusOf(invitation, new Date()) !== 'pending'
    ) {
      throw refused();
    }
    return invitation;
  }

  /** Marks the invitation used by `userId` inside sign-up's transaction; only one sign-up wins. */
  async redeem(transaction: Transaction, invitation: Invitation, userId: string): Promise<void> {
    const now = new Date();
    const claimed = await transaction.invitation.updateMany({
      where: { ...pendingWhere(now), id: invitation.id },
      data: { usedAt: now, userId },
    });
    if (claimed.count !== 1) throw refused();
  }
}

function refused() {
  return problems.badRequest(INVITATION_REFUSED, {
    errors: [{ path: 'invitationCode', message: 'is not valid for this e-mail address' }],
  });
}

function pendingWhere(now: Date) {
  return {
    usedAt: null,
    revokedAt: null,
    expiresAt: { gt: now },
  } satisfies Prisma.InvitationWhereInput;
}

function statusWhere(status: InvitationStatus, now: Date): Prisma.InvitationWhereInput {
  switch (status) {
    case 'pending':
      return pendingWhere(now);
    case 'used':
      return { usedAt: { not: null } };
    case 'revoked':
      return { usedAt: null, revokedAt: { not: null } };
    case 'expired':
      return { usedAt: null, revokedAt: null, expiresAt: { lte: now } };
  }
}

function statusOf(invitation: Invitation, now: Date): InvitationStatus {
  if (invitation.usedAt) return 'used';
  if (invitation.revokedAt) return 'revoked';
  return invitation.expiresAt <= now ? 'expired' : 'pending';
}

/** Never the code: it is shown once, when issued. */
function view(invitation: Invitation, now: Date) {
  return {
    id: invitation.id,
    email: invitation.email,
    status: statusOf(invitation, now),
    createdById: invitation.createdById,
    userId: invitation.userId,
    expiresAt: invitation.expiresAt.toISOString(),
    usedAt: invitation.usedAt?.toISOString() ?? null,
    revokedAt: invitation.revokedAt?.toISOString() ?? null,
    createdAt: invitation.createdAt.toISOString(),
  };
}
