import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DEVICES_PER_USER } from '../../src/sessions/known-devices.js';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  ManagementEventReader,
  signInFrom,
  signUpUser,
  testPrisma,
  type Call,
  type TestUser,
} from '../support/management-fixtures.js';

const WRONG = 'wrong-password-123';

describe('known devices: a stranger failing for an e-mail address never locks its owner out', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  let events: ManagementEventReader;
  beforeAll(async () => {
    events = new ManagementEventReader();
    [identity] = await Promise.all([startIdentity(), events.start()]);
    call = caller(identity);
    prisma = testPrisma();
  });
  afterAll(async () => {
    await events?.stop();
    await identity?.close();
    await prisma?.$disconnect();
  });

  const attempt = (user: TestUser, password: string, deviceToken?: string) =>
    call('POST', '/v1/sessions', {
      body: { email: user.email, password, ...(deviceToken ? { deviceToken } : {}) },
    });

  it('hands out a device token at every sign-in and keeps only its keyed hash', async () => {
    const user = await signUpUser(call, 'devtoken');
    expect(user.deviceToken).toMatch(/^pcl_dev_/);
    const devices = await prisma.signInDevice.findMany({ where: { userId: user.id } });
    expect(devices).toHaveLength(1);
    expect(JSON.stringify(devices)).not.toContain(user.deviceToken);
    // Signing in again from it answers with the same token and a later expiry.
    const before = devices[0]!.expiresAt.getTime();
    const again = await signInFrom(call, user.email, user.password, user.deviceToken);
    expect(again.deviceToken).toBe(user.deviceToken);
    expect(Date.parse(again.deviceExpiresAt)).toBeGreaterThan(before);
    expect(await prisma.signInDevice.count({ where: { userId: user.id } })).toBe(1);
  });

  it('lets a known device sign in while new devices are locked out, and keeps that lock', async () => {
    const user = await signUpUser(call, 'devstranger');
    for (let index = 0; index < 5; index += 1) {
      expect((await attempt(user, WRONG)).status).toBe(401);
    }
    expect((await attempt(user, user.password)).status).toBe(401);

    const known = await attempt(user, user.password, user.deviceToken);
    expect(known.status).toBe(201);
    expect(known.body.token).toMatch(/^pcl_sess_/);
    expect((await call('GET', '/v1/me', { token: known.body.token })).status).toBe(200);
    // The owner signing in does not lift the lock the stranger earned.
    expect((await attempt(user, user.password)).status).toBe(401);
    const stored = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.newDevicesLockedUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(stored.lockedUntil).toBeNull();

    const lockout = await events.waitFor(
      (event) => event.data.action === 'user.locked_out' && event.data.target.id === user.id,
    );
    expect(lockout[0]!.data.details).toMatchObject({
      scope: 'new_devices',
      failures: 5,
      reason: 'wrong_password',
    });
    const signedIn = await events.waitFor(
      (event) =>
        event.data.action === 'user.signed_in' &&
        event.data.actor.id === user.id &&
        event.data.details.knownDevice === true,
    );
    expect(signedIn).toHaveLength(1);
    const everything = JSON.stringify(
      await events.waitFor((event) => event.data.target.id === user.id, 1),
    );
    expect(everything).not.toContain(user.deviceToken);
  });

  it('locks a known device that guesses, and only that device', async () => {
    const user = await signUpUser(call, 'devguess');
    const otherDevice = (await signInFrom(call, user.email, user.password)).deviceToken;
    for (let index = 0; index < 5; index += 1) {
      expect((await attempt(user, WRONG, user.deviceToken)).status).toBe(401);
    }
    expect((await attempt(user, user.password, user.deviceToken)).status).toBe(401);
    // Neither the user's other device nor a new one is affected.
    expect((await attempt(user, user.password, otherDevice)).status).toBe(201);
    expect((await attempt(user, user.password)).status).toBe(201);
    const stored = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored).toMatchObject({ lockedUntil: null, newDevicesLockedUntil: null });

    const lockout = await events.waitFor(
      (event) => event.data.action === 'user.locked_out' && event.data.target.id === user.id,
    );
    expect(lockout[0]!.data.details).toMatchObject({ scope: 'device', failures: 5 });
    const failures = await events.waitFor(
      (event) =>
        event.data.action === 'user.sign_in_failed' &&
        event.data.target.id === user.id &&
        event.data.details.reason === 'wrong_password',
      5,
    );
    expect(failures.every((event) => event.data.details.knownDevice === true)).toBe(true);
  });

  it("treats someone else's, altered, expired and forgotten tokens as a new device", async () => {
    const owner = await signUpUser(call, 'devowner');
    const stranger = await signUpUser(call, 'devother');
    const lockNewDevices = async () => {
      for (let index = 0; index < 5; index += 1) await attempt(owner, WRONG);
      expect((await attempt(owner, owner.password)).status).toBe(401);
    };
    await lockNewDevices();
    // Bound to the user who signed in: another account's device token is no way in.
    expect((await attempt(owner, owner.password, stranger.deviceToken)).status).toBe(401);
    const altered = `${owner.deviceToken.slice(0, -2)}${owner.deviceToken.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await attempt(owner, owner.password, altered)).status).toBe(401);
    expect((await attempt(owner, owner.password, 'not-a-device-token')).status).toBe(401);
    await prisma.signInDevice.updateMany({
      where: { userId: owner.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect((await attempt(owner, owner.password, owner.deviceToken)).status).toBe(401);

    // A password change forgets every device: one that knew the old password gains nothing.
    const fresh = await signUpUser(call, 'devforget');
    const newPassword = `${fresh.password}-changed`;
    const changed = await call('POST', '/v1/me/password', {
      token: fresh.token,
      body: { currentPassword: fresh.password, newPassword },
    });
    expect(changed.status).toBe(204);
    expect(await prisma.signInDevice.count({ where: { userId: fresh.id } })).toBe(0);
    for (let index = 0; index < 5; index += 1) await attempt(fresh, WRONG);
    expect((await attempt(fresh, newPassword, fresh.deviceToken)).status).toBe(401);
  });

  it(`remembers at most ${MAX_DEVICES_PER_USER} devices per user, the most recently used`, async () => {
    const user = await signUpUser(call, 'devcap');
    for (let index = 0; index < MAX_DEVICES_PER_USER + 2; index += 1) {
      await signInFrom(call, user.email, user.password);
    }
    expect(await prisma.signInDevice.count({ where: { userId: user.id } })).toBe(
      MAX_DEVICES_PER_USER,
    );
    // The first device was used longest ago: it is the one forgotten, and signed out with it.
    expect((await call('GET', '/v1/me', { token: user.token })).status).toBe(401);
    const [forgotten] = await events.waitFor(
      (event) => event.data.action === 'user.device_forgotten' && event.data.target.id === user.id,
    );
    expect(forgotten!.data.actor.type).toBe('system');
    expect(forgotten!.data.details).toMatchObject({ reason: 'device_limit', sessionsEnded: 1 });
    expect((await attempt(user, user.password, user.deviceToken)).body.deviceToken).not.toBe(
      user.deviceToken,
    );
  });

  it('lists a person’s known devices without tokens, marking the asking one, and forgets one on request, signing it out', async () => {
    const user = await signUpUser(call, 'devlist');
    const other = await signUpUser(call, 'devlistother');
    const second = await signInFrom(call, user.email, user.password);
    // The sign-up's device came first (each sign-in takes an argon2 verification).
    const firstId = (
      await prisma.signInDevice.findFirstOrThrow({
        where: { userId: user.id },
        orderBy: { createdAt: 'asc' },
      })
    ).id;
    const listed = await call('GET', '/v1/me/devices', { token: user.token });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(2);
    expect(listed.body.items[1]).toEqual({
      id: firstId,
      current: true,
      openSessions: 1,
      userAgent: expect.any(String),
      lastSignInIp: expect.stringMatching(/127\.0\.0\.1|::1/),
      createdAt: expect.any(String),
      lastSignInAt: expect.any(String),
      expiresAt: expect.any(String),
      lockedUntil: null,
    });
    expect(listed.body.items[0]).toMatchObject({ current: false, openSessions: 1 });
    // The same list asked from the other device marks that one instead.
    const fromSecond = await call('GET', '/v1/me/devices', { token: second.token });
    expect(
      fromSecond.body.items.map((item: { id: string; current: boolean }) => [
        item.id,
        item.current,
      ]),
    ).toEqual([
      [listed.body.items[0].id, true],
      [firstId, false],
    ]);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(user.deviceToken);
    expect(text).not.toContain(second.deviceToken);

    // Someone else's device is not theirs to forget, nor to know of.
    expect((await call('DELETE', `/v1/me/devices/${firstId}`, { token: other.token })).status).toBe(
      404,
    );
    expect((await call('GET', '/v1/me', { token: user.token })).status).toBe(200);
    expect(
      (await call('DELETE', '/v1/me/devices/not-a-uuid', { token: second.token })).status,
    ).toBe(400);
    // Forgetting the first device from the second one signs the first one out.
    expect(
      (await call('DELETE', `/v1/me/devices/${firstId}`, { token: second.token })).status,
    ).toBe(204);
    expect((await call('GET', '/v1/me', { token: user.token })).status).toBe(401);
    expect((await call('GET', '/v1/me', { token: second.token })).status).toBe(200);
    expect(
      (await call('DELETE', `/v1/me/devices/${firstId}`, { token: second.token })).status,
    ).toBe(404);
    const after = await call('GET', '/v1/me/devices', { token: second.token });
    expect(after.body.items.map((item: { id: string }) => item.id)).not.toContain(firstId);

    // A forgotten device is a new device again: a new-device lockout now reaches it.
    for (let index = 0; index < 5; index += 1) await attempt(user, WRONG);
    expect((await attempt(user, user.password, user.deviceToken)).status).toBe(401);
    expect((await attempt(user, user.password, second.deviceToken)).status).toBe(201);
    const forgotten = await events.waitFor(
      (event) => event.data.action === 'user.device_forgotten' && event.data.actor.id === user.id,
    );
    expect(forgotten[0]!.data.details).toEqual({ deviceId: firstId, sessionsEnded: 1 });
  });

  it('signs out everywhere else: every other open session ends, this one and the devices stay', async () => {
    const user = await signUpUser(call, 'elsewhere');
    const laptop = await signInFrom(call, user.email, user.password);
    const script = await signInFrom(call, user.email, user.password);
    const other = await signUpUser(call, 'elsewhereother');
    const ended = await call('DELETE', '/v1/sessions/others', { token: laptop.token });
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ sessionsEnded: 2 });
    expect((await call('GET', '/v1/me', { token: laptop.token })).status).toBe(200);
    expect((await call('GET', '/v1/me', { token: user.token })).status).toBe(401);
    expect((await call('GET', '/v1/me', { token: script.token })).status).toBe(401);
    // Nobody else's sessions, and no device forgotten: the script's device still signs in.
    expect((await call('GET', '/v1/me', { token: other.token })).status).toBe(200);
    expect(await prisma.signInDevice.count({ where: { userId: user.id } })).toBe(3);
    expect((await attempt(user, user.password, script.deviceToken)).status).toBe(201);
    // The script's new session ends the next time; then nothing is left: an honest zero.
    const again = await call('DELETE', '/v1/sessions/others', { token: laptop.token });
    expect(again.body).toEqual({ sessionsEnded: 1 });
    expect((await call('DELETE', '/v1/sessions/others', { token: laptop.token })).body).toEqual({
      sessionsEnded: 0,
    });
    const published = await events.waitFor(
      (event) =>
        event.data.action === 'user.signed_out' &&
        event.data.actor.id === user.id &&
        event.data.details.scope === 'others',
      3,
    );
    expect(published.map((event) => event.data.details.sessionsEnded)).toEqual([2, 1, 0]);
    expect(published[0]!.data.target).toEqual({ type: 'user', id: user.id });
  });
});
