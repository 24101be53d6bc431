import { Inject, Injectable } from '@nestjs/common';
import { decodeHashKey } from '@portcullis/crypto';
import type { PrismaClient, User } from '@portcullis/db';
import { CONFIG, PRISMA, problems } from '@portcullis/nest-service';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import { actorOf, type RequestMeta } from '../auth/request-meta.js';
import { secretBoxFor, type SecretBox } from '../auth/secret-box.js';
import { TOTP_SECRET_PURPOSE } from './totp-secret.js';
import type { IdentityConfig } from '../config.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { SIGN_IN_FAILED } from '../sessions/sign-in-policy.js';
import { PasswordsService } from '../users/passwords.service.js';
import { newRecoveryCodes, normaliseRecoveryCode, recoveryCodeHash } from './recovery-codes.js';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';

/** A second factor: a current TOTP code, or one of the recovery codes. */
export type SecondFactor = { code: string } | { recoveryCode: string };

const WRONG_RECOVERY_CODE = 'The recovery code is wrong or was used already.';

const MFA_ROLES = new Set(['approver', 'security', 'admin']);

@Injectable()
export class MfaService {
  private readonly box: SecretBox;
  private readonly hashKey: Buffer;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) private readonly config: IdentityConfig,
    private readonly sessions: SessionsService,
    private readonly passwords: PasswordsService,
    private readonly events: ManagementEvents,
  ) {
    this.box = secretBoxFor(config, TOTP_SECRET_PURPOSE);
    this.hashKey = decodeHashKey(config.CREDENTIAL_HASH_KEY);
  }

  /** Starts (or restarts) enrolment; the secret is shown this once and stored encrypted. */
  async enrol(principal: UserPrincipal) {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } });
    if (user.totpEnabled) throw problems.conflict('TOTP is already enabled.');
    const secret = newTotpSecret();
    await this.prisma.user.update({
      where: { id: user.id },
      data: { totpSecretEncrypted: this.box.seal(secret), totpLastUsedStep: null },
    });
    return { secret, otpauthUri: totpUri(secret, user.email) };
  }

  /**
   * Proves the authenticator works, and that the person (not just their session) is here: the
   * current password too. From now on every sign-in asks for a code.
   */
  async confirm(
    principal: UserPrincipal,
    input: { code: string; currentPassword: string },
    meta: RequestMeta,
  ) {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } });
    if (user.totpEnabled) throw problems.conflict('TOTP is already enabled.');
    if (!user.totpSecretEncrypted) throw problems.conflict('Start enrolment first.');
    // Otherwise a stolen session could enrol its own phone and lock the owner out.
    await this.passwords.verifyCurrent(principal, user, input.currentPassword, meta);
    await this.acceptCode(user.id, user.totpSecretEncrypted, user.totpLastUsedStep, input.code, {
      totpEnabled: true,
      failedSignIns: 0,
    });
    // The code just proved the second factor for this session too.
    await this.prisma.session.update({
      where: { id: principal.sessionId },
      data: { mfaVerified: true },
    });
    const recoveryCodes = await this.replaceRecoveryCodes(user.id);
    this.events.publish({
      action: 'user.mfa_enabled',
      outcome: 'success',
      actor: actorOf(principal),
      target: { type: 'user', id: user.id },
      ...meta,
      details: { method: 'totp', recoveryCodes: recoveryCodes.length },
    });
    /** Shown this once: only keyed hashes are kept. */
    return { totpEnabled: true, recoveryCodes };
  }

  /** New recovery codes for a current TOTP code; the old ones stop working. */
  async regenerateRecoveryCodes(principal: UserPrincipal, code: string, meta: RequestMeta) {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } });
    if (!user.totpEnabled || !user.totpSecretEncrypted) {
      throw problems.conflict('TOTP is not enabled.');
    }
    const sealed = user.totpSecretEncrypted;
    await this.guarded(user, principal, meta, () =>
      this.acceptCode(user.id, sealed, user.totpLastUsedStep, code, { failedSignIns: 0 }),
    );
    const recoveryCodes = await this.replaceRecoveryCodes(user.id);
    this.events.publish({
      action: 'user.mfa_recovery_codes_generated',
      outcome: 'success',
      actor: actorOf(principal),
      target: { type: 'user', id: user.id },
      ...meta,
      details: { count: recoveryCodes.length },
    });
    return { recoveryCodes };
  }

  /** The second factor at sign-in. Wrong codes count towards the account lockout. */
  async verifySession(principal: UserPrincipal, factor: SecondFactor, meta: RequestMeta) {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } });
    if (!user.totpEnabled || !user.totpSecretEncrypted) {
      throw problems.conflict('TOTP is not enabled for this account; enrol first.');
    }
    const sealed = user.totpSecretEncrypted;
    await this.guarded(user, principal, meta, async () => {
      if ('recoveryCode' in factor) {
        await this.useRecoveryCode(user, factor.recoveryCode, principal, meta);
        await this.prisma.user.update({ where: { id: user.id }, data: { failedSignIns: 0 } });
      } else {
        await this.acceptCode(user.id, sealed, user.totpLastUsedStep, factor.code, {
          failedSignIns: 0,
        });
      }
    });
    await this.prisma.session.update({
      where: { id: principal.sessionId },
      data: { mfaVerified: true },
    });
    return { mfaVerified: true };
  }

  /** Turns TOTP off with a current code; refused for roles that must use it. */
  async disable(principal: UserPrincipal, factor: SecondFactor, meta: RequestMeta) {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } });
    if (!user.totpEnabled || !user.totpSecretEncrypted) {
      throw problems.conflict('TOTP is not enabled.');
    }
    // The same test as sign-in's: approvers through their team's APIs count as approvers.
    const privileged =
      principal.approverApiIds.length > 0 || principal.roles.some((role) => MFA_ROLES.has(role));
    if (this.config.IDENTITY_REQUIRE_MFA && privileged) {
      throw problems.conflict(
        "Your roles, or approving your team's APIs, require two-factor sign-in.",
      );
    }
    const off = { totpEnabled: false, totpSecretEncrypted: null, failedSignIns: 0 } as const;
    const sealed = user.totpSecretEncrypted;
    await this.guarded(user, principal, meta, async () => {
      if ('recoveryCode' in factor) {
        await this.useRecoveryCode(user, factor.recoveryCode, principal, meta);
        await this.prisma.user.update({ where: { id: user.id }, data: off });
      } else {
        await this.acceptCode(user.id, sealed, user.totpLastUsedStep, factor.code, off);
      }
    });
    await this.prisma.mfaRecoveryCode.deleteMany({ where: { userId: user.id } });
    this.events.publish({
      action: 'user.mfa_disabled',
      outcome: 'success',
      actor: actorOf(principal),
      target: { type: 'user', id: user.id },
      ...meta,
      details: { method: 'totp' },
    });
  }

  /**
   * Every check of a second factor counts towards the account lockout, wherever it happens (at
   * sign-in, and with a signed-in session for new recovery codes or turning TOTP off): otherwise a
   * stolen password or session could guess codes without end. A locked account's codes are not
   * checked at all; a lockout ends the guessing session and every session still waiting for its
   * second factor.
   */
  private async guarded(
    user: Pick<User, 'id' | 'email' | 'lockedUntil'>,
    principal: UserPrincipal,
    meta: RequestMeta,
    check: () => Promise<void>,
  ): Promise<void> {
    if (user.lockedUntil && user.lockedUntil > new Date()) {
      await this.endGuessing(user.id, principal);
      throw problems.unauthorized(SIGN_IN_FAILED);
    }
    try {
      await check();
    } catch (error) {
      if (await this.sessions.recordFailure(user, 'wrong_totp', meta)) {
        await this.endGuessing(user.id, principal);
      }
      throw error;
    }
  }

  private async endGuessing(userId: string, principal: UserPrincipal): Promise<void> {
    await this.sessions.revoke(principal.sessionId);
    await this.sessions.revokeAwaitingSecondFactor(userId);
  }

  private async replaceRecoveryCodes(userId: string): Promise<string[]> {
    const codes = newRecoveryCodes();
    await this.prisma.$transaction([
      this.prisma.mfaRecoveryCode.deleteMany({ where: { userId } }),
      this.prisma.mfaRecoveryCode.createMany({
        data: codes.map((code) => ({
          userId,
          codeHash: recoveryCodeHash(normaliseRecoveryCode(code)!, this.hashKey),
        })),
      }),
    ]);
    return codes;
  }

  /** Spends one recovery code (conditional update: a code works once, even when raced). */
  private async useRecoveryCode(
    user: Pick<User, 'id'>,
    input: string,
    principal: UserPrincipal,
    meta: RequestMeta,
  ): Promise<void> {
    const normalised = normaliseRecoveryCode(input);
    if (normalised === null) throw problems.badRequest(WRONG_RECOVERY_CODE);
    const spent = await this.prisma.mfaRecoveryCode.updateMany({
      where: {
        userId: user.id,
        codeHash: recoveryCodeHash(normalised, this.hashKey),
        usedAt: null,
      },
      data: { usedAt: new Date() },
    });
    if (spent.count !== 1) throw problems.badRequest(WRONG_RECOVERY_CODE);
    const remaining = await this.prisma.mfaRecoveryCode.count({
      where: { userId: user.id, usedAt: null },
    });
    this.events.publish({
      action: 'user.mfa_recovery_code_used',
      outcome: 'success',
      actor: actorOf(principal),
      target: { type: 'user', id: user.id },
      ...meta,
      details: { remaining },
    });
  }

  private async acceptCode(
    userId: string,
    sealedSecret: string,
    lastUsedStep: number | null,
    code: string,
    update: { totpEnabled?: boolean; totpSecretEncrypted?: null; failedSignIns?: number },
  ): Promise<void> {
    const step = matchTotp(this.box.open(sealedSecret), code, lastUsedStep);
    if (step === null) throw problems.badRequest('The code is wrong or was used already.');
    // Conditional on the last step, so two requests racing with one code cannot both pass.
    const result = await this.prisma.user.updateMany({
      where: {
        id: userId,
        OR: [{ totpLastUsedStep: null }, { totpLastUsedStep: { lt: step } }],
      },
      data: { ...update, totpLastUsedStep: step },
    });
    if (result.count === 0) throw problems.badRequest('The code is wrong or was used already.');
  }
}
