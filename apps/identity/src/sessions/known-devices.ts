import { Inject, Injectable } from '@nestjs/common';
import { decodeHashKey, generateOpaqueToken, keyedHash } from '@portcullis/crypto';
import type { PrismaClient, SignInDevice } from '@portcullis/db';
import { CONFIG, PRISMA, problems } from '@portcullis/nest-service';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import { actorOf, SYSTEM_ACTOR, type RequestMeta } from '../auth/request-meta.js';
import type { IdentityConfig } from '../config.js';
import { openSessionsOf } from './open-sessions.js';
import { LOCKOUT_MS, MAX_FAILED_SIGN_INS } from './sign-in-policy.js';

export const DEVICE_TOKEN_PREFIX = 'pcl_dev';
/** Devices remembered per user; signing in on another one forgets the longest unused. */
export const MAX_DEVICES_PER_USER = 20;

export interface DeviceGrant {
  id: string;
  token: string;
  expiresAt: Date;
}

/**
 * The devices each user has signed in from (see SignInDevice in the Prisma schema). A device
 * token proves one earlier successful sign-in as this very user; it is not a credential by
 * itself: the password (and second factor) are still required every time.
 */
@Injectable()
export class KnownDevices {
  private readonly hashKey: Buffer;
  private readonly ttlMs: number;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) config: IdentityConfig,
    private readonly events: ManagementEvents,
  ) {
    this.hashKey = decodeHashKey(config.CREDENTIAL_HASH_KEY);
    this.ttlMs = config.SIGN_IN_DEVICE_TTL_DAYS * 24 * 3600 * 1000;
  }

  /** The user's unexpired device behind this token, or null (unknown, expired, someone else's). */
  async find(token: string | undefined, userId: string, now: Date): Promise<SignInDevice | null> {
    if (!token?.startsWith(`${DEVICE_TOKEN_PREFIX}_`)) return null;
    const device = await this.prisma.signInDevice.findUnique({
      where: { tokenHash: keyedHash(token, this.hashKey) },
    });
    if (!device || device.userId !== userId || device.expiresAt <= now) return null;
    return device;
  }

  /**
   * Remembers a device after a right password; forgets expired ones and those over the cap. A
   * device forgotten for the cap is signed out like one forgotten on request (audited, by the
   * system): its sessions would otherwise stay open where nobody sees them.
   */
  async register(userId: string, meta: RequestMeta, now: Date): Promise<DeviceGrant> {
    const token = generateOpaqueToken(DEVICE_TOKEN_PREFIX);
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    const { id, evicted } = await this.prisma.$transaction(async (transaction) => {
      const created = await transaction.signInDevice.create({
        data: {
          userId,
          tokenHash: keyedHash(token, this.hashKey),
          userAgent: meta.userAgent?.slice(0, 512) ?? null,
          lastSignInIp: meta.sourceIp,
          lastSignInAt: now,
          expiresAt,
        },
        select: { id: true },
      });
      const kept = await transaction.signInDevice.findMany({
        where: { userId, expiresAt: { gt: now } },
        orderBy: [{ lastSignInAt: 'desc' }, { id: 'desc' }],
        take: MAX_DEVICES_PER_USER,
        select: { id: true },
      });
      const keptIds = kept.map((device) => device.id);
      const overTheCap = await transaction.signInDevice.findMany({
        where: { userId, id: { notIn: keptIds }, expiresAt: { gt: now } },
        select: { id: true },
      });
      const evicted: { deviceId: string; sessionsEnded: number }[] = [];
      for (const device of overTheCap) {
        const ended = await transaction.session.updateMany({
          where: openSessionsOf(userId, now, { device: device.id }),
          data: { revokedAt: now },
        });
        evicted.push({ deviceId: device.id, sessionsEnded: ended.count });
      }
      await transaction.signInDevice.deleteMany({ where: { userId, id: { notIn: keptIds } } });
      return { id: created.id, evicted };
    });
    for (const details of evicted) {
      this.events.publish({
        action: 'user.device_forgotten',
        outcome: 'success',
        actor: SYSTEM_ACTOR,
        target: { type: 'user', id: userId },
        ...meta,
        details: { ...details, reason: 'device_limit' },
      });
    }
    return { id, token, expiresAt };
  }

  /** A right password from a known device: its count starts afresh and it is kept longer. */
  async signedIn(
    device: SignInDevice,
    token: string,
    meta: RequestMeta,
    now: Date,
  ): Promise<DeviceGrant> {
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    await this.prisma.signInDevice.update({
      where: { id: device.id },
      data: {
        failedSignIns: 0,
        lockedUntil: null,
        lastSignInAt: now,
        lastSignInIp: meta.sourceIp,
        expiresAt,
      },
    });
    return { id: device.id, token, expiresAt };
  }

  /**
   * The person's devices still known, most recently used first, marking the one the asking
   * session signed in from and counting each one's open sessions; never tokens or hashes.
   */
  async list(principal: UserPrincipal, now: Date) {
    const [devices, current, open] = await Promise.all([
      this.prisma.signInDevice.findMany({
        where: { userId: principal.userId, expiresAt: { gt: now } },
        orderBy: [{ lastSignInAt: 'desc' }, { id: 'desc' }],
      }),
      this.prisma.session.findUnique({
        where: { id: principal.sessionId },
        select: { deviceId: true },
      }),
      this.prisma.session.groupBy({
        by: ['deviceId'],
        where: { ...openSessionsOf(principal.userId, now), deviceId: { not: null } },
        _count: { _all: true },
      }),
    ]);
    const openSessions = new Map(open.map((group) => [group.deviceId, group._count._all]));
    return devices.map((device) => ({
      id: device.id,
      current: device.id === current?.deviceId,
      openSessions: openSessions.get(device.id) ?? 0,
      userAgent: device.userAgent,
      lastSignInIp: device.lastSignInIp,
      createdAt: device.createdAt.toISOString(),
      lastSignInAt: device.lastSignInAt.toISOString(),
      expiresAt: device.expiresAt.toISOString(),
      lockedUntil:
        device.lockedUntil && device.lockedUntil > now ? device.lockedUntil.toISOString() : null,
    }));
  }

  /**
   * Forgets one of the person's devices and ends the sessions it signed in (a lost laptop is
   * signed out with it); 404 when they have none with this id. Audited.
   */
  async forget(principal: UserPrincipal, id: string, meta: RequestMeta): Promise<void> {
    const now = new Date();
    const sessionsEnded = await this.prisma.$transaction(async (transaction) => {
      const ended = await transaction.session.updateMany({
        where: openSessionsOf(principal.userId, now, { device: id }),
        data: { revokedAt: now },
      });
      const { count } = await transaction.signInDevice.deleteMany({
        where: { id, userId: principal.userId },
      });
      if (count !== 1) throw problems.notFound('The device');
      return ended.count;
    });
    this.events.publish({
      action: 'user.device_forgotten',
      outcome: 'success',
      actor: actorOf(principal),
      target: { type: 'user', id: principal.userId },
      ...meta,
      details: { deviceId: id, sessionsEnded },
    });
  }

  /** Counts a wrong password from the device; returns when the device is now locked, else null. */
  async recordFailure(device: SignInDevice): Promise<Date | null> {
    const updated = await this.prisma.signInDevice.update({
      where: { id: device.id },
      data: { failedSignIns: { increment: 1 } },
      select: { failedSignIns: true },
    });
    if (updated.failedSignIns < MAX_FAILED_SIGN_INS) return null;
    const lockedUntil = new Date(Date.now() + LOCKOUT_MS);
    await this.prisma.signInDevice.update({
      where: { id: device.id },
      data: { failedSignIns: 0, lockedUntil },
    });
    return lockedUntil;
  }
}
