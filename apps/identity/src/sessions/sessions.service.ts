import { Inject, Injectable } from '@nestjs/common';
import { decodeHashKey, generateOpaqueToken, keyedHash } from '@portcullis/crypto';
import type { PrismaClient, SignInDevice, User } from '@portcullis/db';
import { CONFIG, PRISMA, problems } from '@portcullis/nest-service';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import { actorOf, SYSTEM_ACTOR, type RequestMeta } from '../auth/request-meta.js';
import type { IdentityConfig } from '../config.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { KnownDevices } from './known-devices.js';
import { openSessionsOf } from './open-sessions.js';
import { SignInAddressLimit } from './sign-in-address-limit.js';
import type { SignInInput } from './session-schemas.js';
import { LOCKOUT_MS, MAX_FAILED_SIGN_INS, SIGN_IN_FAILED } from './sign-in-policy.js';

const MFA_ROLES = new Set(['approver', 'security', 'admin']);

@Injectable()
export class SessionsService {
  private readonly hashKey: Buffer;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) private readonly config: IdentityConfig,
    private readonly hasher: PasswordHasher,
    private readonly events: ManagementEvents,
    private readonly devices: KnownDevices,
    private readonly addressLimit: SignInAddressLimit,
  ) {
    this.hashKey = decodeHashKey(config.CREDENTIAL_HASH_KEY);
  }

  async signIn(input: SignInInput, meta: RequestMeta) {
    const user = await this.prisma.user.findUnique({
      where: { email: input.email },
      include: {
        roleAssignments: { select: { role: true } },
        // Owning an API makes its team's members approvers: they count as privileged too.
        teamMemberships: {
          select: { team: { select: { _count: { select: { ownedApis: true } } } } },
        },
      },
    });
    const now = new Date();
    const device = user ? await this.devices.find(input.deviceToken, user.id, now) : null;
    // An address that failed too often may not try new devices for a while (before any password
    // is checked: the answer is the same for every e-mail, and costs no argon2).
    const addressWait = device ? null : await this.addressLimit.blockedFor(meta.sourceIp);
    if (addressWait !== null) {
      this.failed(user, input.email, 'address_limited', meta, false);
      const minutes = Math.max(1, Math.ceil(addressWait / 60));
      throw problems.tooManyRequests(
        `Too many failed sign-ins came from your network address. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}, or sign in from a device that signed in before.`,
        Math.ceil(addressWait),
      );
    }
    if (!user) {
      await this.hasher.verifyDummy(input.password);
      this.failed(null, input.email, 'unknown_user', meta, false);
      await this.addressLimit.recordFailure(meta.sourceIp);
      throw problems.unauthorized(SIGN_IN_FAILED);
    }
    // Wrong passwords lock out the device they came from (a known one) or every new device; wrong
    // second factors lock the whole account (whoever sends them knows the password).
    const locked =
      isFuture(user.lockedUntil, now) ||
      isFuture(device ? device.lockedUntil : user.newDevicesLockedUntil, now);
    // Verify even when locked or disabled, so the answer time tells nothing about the account.
    const passwordOk = await this.hasher.verify(user.passwordHash, input.password);
    if (user.status !== 'active' || locked) {
      this.failed(user, input.email, locked ? 'locked' : 'disabled', meta, device !== null);
      if (!device) await this.addressLimit.recordFailure(meta.sourceIp);
      throw problems.unauthorized(SIGN_IN_FAILED);
    }
    if (!passwordOk) {
      await this.recordWrongPassword(user, device, meta);
      throw problems.unauthorized(SIGN_IN_FAILED);
    }

    // The device first: the session records it, so forgetting the device signs the session out.
    const deviceGrant = device
      ? await this.devices.signedIn(device, input.deviceToken!, meta, now)
      : await this.devices.register(user.id, meta, now);
    const token = generateOpaqueToken('pcl_sess');
    const expiresAt = new Date(now.getTime() + this.config.SESSION_TTL_SECONDS * 1000);
    const [session] = await this.prisma.$transaction([
      this.prisma.session.create({
        data: {
          userId: user.id,
          tokenHash: keyedHash(token, this.hashKey),
          expiresAt,
          ip: meta.sourceIp,
          userAgent: meta.userAgent,
          deviceId: deviceGrant.id,
        },
      }),
      this.prisma.user.update({
        where: { id: user.id },
        // With a second factor to come, the count stays: wrong codes add to it, and signing in
        // again must not wipe them (the lockout would never come). The code resets it. A known
        // device leaves the new devices' count alone: it is about somebody else.
        data: {
          failedSignIns: user.totpEnabled ? undefined : 0,
          ...(device ? {} : { newDeviceFailedSignIns: 0, newDevicesLockedUntil: null }),
          lastSignInAt: now,
        },
      }),
    ]);
    const privileged =
      user.roleAssignments.some((assignment) => MFA_ROLES.has(assignment.role)) ||
      user.teamMemberships.some((membership) => membership.team._count.ownedApis > 0);
    const enrolmentRequired = this.config.IDENTITY_REQUIRE_MFA && privileged && !user.totpEnabled;
    this.events.publish({
      action: 'user.signed_in',
      outcome: 'success',
      actor: { type: 'user', id: user.id, label: user.email },
      target: { type: 'session', id: session.id },
      ...meta,
      details: { mfaPending: user.totpEnabled || enrolmentRequired, knownDevice: device !== null },
    });
    return {
      token,
      expiresAt: expiresAt.toISOString(),
      /** The session works for the MFA routes only until the second factor is given. */
      mfaRequired: user.totpEnabled || enrolmentRequired,
      /** Privileged users without TOTP must enrol first (IDENTITY_REQUIRE_MFA). */
      mfaEnrolmentRequired: enrolmentRequired,
      /** Present it as `deviceToken` when signing in again from this device (keep it secret). */
      deviceToken: deviceGrant.token,
      deviceExpiresAt: deviceGrant.expiresAt.toISOString(),
    };
  }

  /** A wrong password at sign-in: the fifth in a row locks out its device, or all new devices. */
  private async recordWrongPassword(
    user: Pick<User, 'id' | 'email'>,
    device: SignInDevice | null,
    meta: RequestMeta,
  ): Promise<void> {
    this.failed(user, user.email, 'wrong_password', meta, device !== null);
    if (!device) await this.addressLimit.recordFailure(meta.sourceIp);
    const lockedUntil = device
      ? await this.devices.recordFailure(device)
      : await this.countUserFailure(user.id, 'new_devices');
    if (!lockedUntil) return;
    this.lockedOut(user, meta, lockedUntil, 'wrong_password', {
      scope: device ? 'device' : 'new_devices',
      ...(device ? { deviceId: device.id } : {}),
    });
  }

  /**
   * Counts a wrong second factor or current password (whoever sends them knows the password or
   * holds a session); the fifth in a row locks the account, for every device.
   */
  async recordFailure(
    user: Pick<User, 'id' | 'email'>,
    reason: string,
    meta: RequestMeta,
  ): Promise<boolean> {
    const lockedUntil = await this.countUserFailure(user.id, 'account');
    this.failed(user, user.email, reason, meta);
    if (!lockedUntil) return false;
    this.lockedOut(user, meta, lockedUntil, reason, { scope: 'account' });
    return true;
  }

  /**
   * One more failure on the account's counter or the new devices'; the fifth in a row starts the
   * count afresh and sets that lock, whose end is returned (else null).
   */
  private async countUserFailure(
    userId: string,
    scope: 'account' | 'new_devices',
  ): Promise<Date | null> {
    const account = scope === 'account';
    const counts = await this.prisma.user.update({
      where: { id: userId },
      data: account
        ? { failedSignIns: { increment: 1 } }
        : { newDeviceFailedSignIns: { increment: 1 } },
      select: { failedSignIns: true, newDeviceFailedSignIns: true },
    });
    const failures = account ? counts.failedSignIns : counts.newDeviceFailedSignIns;
    if (failures < MAX_FAILED_SIGN_INS) return null;
    const lockedUntil = new Date(Date.now() + LOCKOUT_MS);
    await this.prisma.user.update({
      where: { id: userId },
      data: account
        ? { failedSignIns: 0, lockedUntil }
        : { newDeviceFailedSignIns: 0, newDevicesLockedUntil: lockedUntil },
    });
    return lockedUntil;
  }

  /** `user.locked_out`, saying which lock (`scope`: account, new_devices or device). */
  private lockedOut(
    user: Pick<User, 'id'>,
    meta: RequestMeta,
    lockedUntil: Date,
    reason: string,
    which: { scope: 'account' | 'new_devices' | 'device'; deviceId?: string },
  ): void {
    this.events.publish({
      action: 'user.locked_out',
      outcome: 'success',
      actor: SYSTEM_ACTOR,
      target: { type: 'user', id: user.id },
      ...meta,
      details: {
        ...which,
        lockedUntil: lockedUntil.toISOString(),
        failures: MAX_FAILED_SIGN_INS,
        reason,
      },
    });
  }

  private failed(
    user: Pick<User, 'id'> | null,
    email: string,
    reason: string,
    meta: RequestMeta,
    /** Whether a sign-in came from a known device (undefined: not a sign-in). */
    knownDevice?: boolean,
  ): void {
    this.events.publish({
      action: 'user.sign_in_failed',
      outcome: 'failure',
      actor: { type: 'user', id: user?.id ?? null, label: email },
      target: { type: 'user', id: user?.id ?? null },
      ...meta,
      details: knownDevice === undefined ? { reason } : { reason, knownDevice },
    });
  }

  async signOut(principal: UserPrincipal, meta: RequestMeta): Promise<void> {
    await this.revoke(principal.sessionId);
    this.events.publish({
      action: 'user.signed_out',
      outcome: 'success',
      actor: actorOf(principal),
      target: { type: 'session', id: principal.sessionId },
      ...meta,
    });
  }

  /** Ends every other open session of the person (a browser left signed in somewhere). */
  async signOutOthers(
    principal: UserPrincipal,
    meta: RequestMeta,
  ): Promise<{ sessionsEnded: number }> {
    const now = new Date();
    const { count } = await this.prisma.session.updateMany({
      where: openSessionsOf(principal.userId, now, { exceptSession: principal.sessionId }),
      data: { revokedAt: now },
    });
    this.events.publish({
      action: 'user.signed_out',
      outcome: 'success',
      actor: actorOf(principal),
      target: { type: 'user', id: principal.userId },
      ...meta,
      details: { scope: 'others', sessionsEnded: count },
    });
    return { sessionsEnded: count };
  }

  /** Ends the user's sessions still waiting for their second factor (a lockout by wrong codes). */
  async revokeAwaitingSecondFactor(userId: string): Promise<void> {
    await this.prisma.session.updateMany({
      where: { userId, revokedAt: null, mfaVerified: false },
      data: { revokedAt: new Date() },
    });
  }

  async revoke(sessionId: string): Promise<void> {
    await this.prisma.session.updateMany({
      where: { id: sessionId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
  }
}

function isFuture(moment: Date | null, now: Date): boolean {
  return moment !== null && moment > now;
}
