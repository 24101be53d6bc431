import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@portcullis/db';
import { CONFIG, PRISMA, problems } from '@portcullis/nest-service';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import { actorOf, type RequestMeta } from '../auth/request-meta.js';
import { SecretBox } from '../auth/secret-box.js';
import type { IdentityConfig } from '../config.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';

const MFA_ROLES = new Set(['approver', 'security', 'admin']);

@Injectable()
export class MfaService {
  private readonly box: SecretBox;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) private readonly config: IdentityConfig,
    private readonly sessions: SessionsService,
    private readonly events: ManagementEvents,
  ) {
    this.box = new SecretBox(config.IDENTITY_MASTER_KEY, 'totp-secret');
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

  /** Proves the authenticator works; from now on every sign-in asks for a code. */
  async confirm(principal: UserPrincipal, code: string, meta: RequestMeta) {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } });
    if (user.totpEnabled) throw problems.conflict('TOTP is already enabled.');
    if (!user.totpSecretEncrypted) throw problems.conflict('Start enrolment first.');
    await this.acceptCode(user.id, user.totpSecretEncrypted, user.totpLastUsedStep, code, {
      totpEnabled: true,
    });
    // The code just proved the second factor for this session too.
    await this.prisma.session.update({
      where: { id: principal.sessionId },
      data: { mfaVerified: true },
    });
    this.events.publish({
      action: 'user.mfa_enabled',
      outcome: 'success',
      actor: actorOf(principal),
      target: { type: 'user', id: user.id },
      ...meta,
      details: { method: 'totp' },
    });
    return { totpEnabled: true };
  }

  /** The second factor at sign-in. Wrong codes count towards the account lockout. */
  async verifySession(principal: UserPrincipal, code: string, meta: RequestMeta) {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } });
    if (!user.totpEnabled || !user.totpSecretEncrypted) {
      throw problems.conflict('TOTP is not enabled for this account; enrol first.');
    }
    try {
      await this.acceptCode(user.id, user.totpSecretEncrypted, user.totpLastUsedStep, code, {
        failedSignIns: 0,
      });
    } catch (error) {
      const locked = await this.sessions.recordFailure(user, 'wrong_totp', meta);
      if (locked) await this.sessions.revoke(principal.sessionId);
      throw error;
    }
    await this.prisma.session.update({
      where: { id: principal.sessionId },
      data: { mfaVerified: true },
    });
    return { mfaVerified: true };
  }

  /** Turns TOTP off with a current code; refused for roles that must use it. */
  async disable(principal: UserPrincipal, code: string, meta: RequestMeta) {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } });
    if (!user.totpEnabled || !user.totpSecretEncrypted) {
      throw problems.conflict('TOTP is not enabled.');
    }
    if (this.config.IDENTITY_REQUIRE_MFA && principal.roles.some((role) => MFA_ROLES.has(role))) {
      throw problems.conflict('Your roles require two-factor sign-in.');
    }
    await this.acceptCode(user.id, user.totpSecretEncrypted, user.totpLastUsedStep, code, {
      totpEnabled: false,
      totpSecretEncrypted: null,
    });
    this.events.publish({
      action: 'user.mfa_disabled',
      outcome: 'success',
      actor: actorOf(principal),
      target: { type: 'user', id: user.id },
      ...meta,
      details: { method: 'totp' },
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
