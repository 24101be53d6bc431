import { Inject, Injectable } from '@nestjs/common';
import { decodeHashKey, generateOpaqueToken, keyedHash } from '@portcullis/crypto';
import type { PrismaClient, User } from '@portcullis/db';
import { CONFIG, PRISMA, problems } from '@portcullis/nest-service';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import { actorOf, type RequestMeta } from '../auth/request-meta.js';
import type { IdentityConfig } from '../config.js';
import { openSessionsOf } from '../sessions/open-sessions.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { PasswordHasher } from './password-hasher.js';
import type { ChangePasswordInput, RedeemPasswordResetInput } from './password-schemas.js';

const RESET_TOKEN_PREFIX = 'pcl_pwr';
/** One answer for unknown, used and expired tokens. */
const RESET_FAILED = 'The reset token is invalid, was used already or has expired.';

/**
 * People's passwords after sign-up: a signed-in change (needs the current password, ends every
 * other session) and an admin-issued one-time reset (the token is shown once, stored as a keyed
 * hash, expires, and works once; redeeming it ends every session and lifts a lockout). Either
 * forgets the user's known devices.
 */
@Injectable()
export class PasswordsService {
  private readonly hashKey: Buffer;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) private readonly config: IdentityConfig,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly events: ManagementEvents,
  ) {
    this.hashKey = decodeHashKey(config.CREDENTIAL_HASH_KEY);
  }

  async change(
    principal: UserPrincipal,
    input: ChangePasswordInput,
    meta: RequestMeta,
  ): Promise<void> {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } });
    await this.verifyCurrent(principal, user, input.currentPassword, meta);
    if (input.newPassword === input.currentPassword) {
      throw problems.validation([
        { path: 'newPassword', message: 'must differ from the current password' },
      ]);
    }
    const passwordHash = await this.hasher.hash(input.newPassword);
    const now = new Date();
    const [, , revoked] = await this.prisma.$transaction([
      this.prisma.user.update({
        where: { id: user.id },
        data: { passwordHash, passwordChangedAt: now, failedSignIns: 0 },
      }),
      // A device that knew the old password must not keep a lockout of its own for the new one.
      this.prisma.signInDevice.deleteMany({ where: { userId: user.id } }),
      this.prisma.session.updateMany({
        where: openSessionsOf(user.id, now, { exceptSession: principal.sessionId }),
        data: { revokedAt: now },
      }),
    ]);
    this.events.publish({
      action: 'user.password_changed',
      outcome: 'success',
      actor: actorOf(principal),
      target: { type: 'user', id: user.id },
      ...meta,
      details: { otherSessionsRevoked: revoked.count },
    });
  }

  /**
   * Re-authentication for sensitive changes made with a session (a new password, turning on
   * TOTP): a stolen session must not become a password oracle, so failures count towards the
   * lockout, and the one that locks the account also ends this session.
   */
  async verifyCurrent(
    principal: UserPrincipal,
    user: Pick<User, 'id' | 'email' | 'passwordHash'>,
    currentPassword: string,
    meta: RequestMeta,
  ): Promise<void> {
    if (await this.hasher.verify(user.passwordHash, currentPassword)) return;
    const locked = await this.sessions.recordFailure(user, 'wrong_current_password', meta);
    if (locked) await this.sessions.revoke(principal.sessionId);
    // The field too, so forms can put the message next to the password box.
    throw problems.badRequest('The current password is wrong.', {
      errors: [{ path: 'currentPassword', message: 'is not your current password' }],
    });
  }

  /** An admin issues a reset token for a user; any earlier unused token of theirs stops working. */
  async issueReset(admin: UserPrincipal, userId: string, meta: RequestMeta) {
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    if (!user) throw problems.notFound('The user');
    const token = generateOpaqueToken(RESET_TOKEN_PREFIX);
    const expiresAt = new Date(Date.now() + this.config.PASSWORD_RESET_TTL_SECONDS * 1000);
    await this.prisma.$transaction([
      this.prisma.passwordResetToken.deleteMany({ where: { userId, usedAt: null } }),
      this.prisma.passwordResetToken.create({
        data: {
          userId,
          tokenHash: keyedHash(token, this.hashKey),
          createdById: admin.userId,
          expiresAt,
        },
      }),
    ]);
    this.events.publish({
      action: 'user.password_reset_issued',
      outcome: 'success',
      actor: actorOf(admin),
      target: { type: 'user', id: userId },
      ...meta,
      details: { email: user.email, expiresAt: expiresAt.toISOString() },
    });
    return { userId, token, expiresAt: expiresAt.toISOString() };
  }

  /** Anyone holding a valid reset token sets a new password with it, once. */
  async redeemReset(input: RedeemPasswordResetInput, meta: RequestMeta): Promise<void> {
    if (!input.token.startsWith(`${RESET_TOKEN_PREFIX}_`)) throw problems.badRequest(RESET_FAILED);
    const tokenHash = keyedHash(input.token, this.hashKey);
    const found = await this.prisma.passwordResetToken.findUnique({ where: { tokenHash } });
    const now = new Date();
    if (!found || found.usedAt !== null || found.expiresAt <= now) {
      throw problems.badRequest(RESET_FAILED);
    }
    // Hash before the transaction: argon2 takes a while and must not hold row locks.
    const passwordHash = await this.hasher.hash(input.newPassword);
    const user = await this.prisma.$transaction(async (transaction) => {
      // Conditional on `usedAt`: two requests racing with one token cannot both pass.
      const claimed = await transaction.passwordResetToken.updateMany({
        where: { id: found.id, usedAt: null, expiresAt: { gt: now } },
        data: { usedAt: now },
      });
      if (claimed.count !== 1) throw problems.badRequest(RESET_FAILED);
      await transaction.session.updateMany({
        where: openSessionsOf(found.userId, now),
        data: { revokedAt: now },
      });
      await transaction.signInDevice.deleteMany({ where: { userId: found.userId } });
      return transaction.user.update({
        where: { id: found.userId },
        data: {
          passwordHash,
          passwordChangedAt: now,
          failedSignIns: 0,
          lockedUntil: null,
          newDeviceFailedSignIns: 0,
          newDevicesLockedUntil: null,
        },
      });
    });
    this.events.publish({
      action: 'user.password_reset',
      outcome: 'success',
      actor: { type: 'user', id: user.id, label: user.email },
      target: { type: 'user', id: user.id },
      ...meta,
      details: { resetTokenId: found.id, issuedBy: found.createdById },
    });
  }
}
