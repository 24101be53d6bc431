import type { PrismaClient } from '@portcullis/db';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  createAdmin,
  ManagementEventReader,
  signIn,
  signUpUser,
  testPrisma,
  type Call,
  type TestUser,
} from '../support/management-fixtures.js';

function codeAt(secret: string, offsetSteps = 0): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 });
  return totp.generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

describe('passwords and TOTP recovery codes', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  let events: ManagementEventReader;
  let admin: TestUser;

  beforeAll(async () => {
    identity = await startIdentity();
    call = caller(identity);
    prisma = testPrisma();
    events = new ManagementEventReader();
    await events.start();
    admin = await createAdmin(call, prisma);
  });
  afterAll(async () => {
    await events?.stop();
    await identity?.close();
    await prisma?.$disconnect();
  });

  const signInStatus = async (email: string, password: string) =>
    (await call('POST', '/v1/sessions', { body: { email, password } })).status;

  it('changes a password with the current one and ends the other sessions', async () => {
    const user = await signUpUser(call, 'pwchange');
    const other = await signIn(call, user.email, user.password);
    // A session that ran out already is not "ended" again: the event counts open ones only.
    await signIn(call, user.email, user.password);
    const newest = await prisma.session.findFirstOrThrow({
      where: { userId: user.id },
      orderBy: { createdAt: 'desc' },
    });
    await prisma.session.update({
      where: { id: newest.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const newPassword = `${user.password}-changed`;

    const wrong = await call('POST', '/v1/me/password', {
      token: user.token,
      body: { currentPassword: 'not the password', newPassword },
    });
    expect(wrong.status).toBe(400);
    const same = await call('POST', '/v1/me/password', {
      token: user.token,
      body: { currentPassword: user.password, newPassword: user.password },
    });
    expect(same.status).toBe(400);
    const short = await call('POST', '/v1/me/password', {
      token: user.token,
      body: { currentPassword: user.password, newPassword: 'short' },
    });
    expect(short.status).toBe(400);
    expect(short.body.errors[0].path).toBe('newPassword');

    const changed = await call('POST', '/v1/me/password', {
      token: user.token,
      body: { currentPassword: user.password, newPassword },
    });
    expect(changed.status).toBe(204);
    expect((await call('GET', '/v1/me', { token: other })).status).toBe(401);
    const me = await call('GET', '/v1/me', { token: user.token });
    expect(me.status).toBe(200);
    expect(me.body.passwordChangedAt).not.toBeNull();
    expect(await signInStatus(user.email, user.password)).toBe(401);
    expect(await signInStatus(user.email, newPassword)).toBe(201);
    const stored = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);

    const [event] = await events.waitFor(
      (e) => e.data.action === 'user.password_changed' && e.data.target.id === user.id,
    );
    expect(event!.data.details).toEqual({ otherSessionsRevoked: 1 });
  });

  it('counts wrong current passwords towards the lockout', async () => {
    const user = await signUpUser(call, 'pwlock');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await call('POST', '/v1/me/password', {
        token: user.token,
        body: { currentPassword: `wrong-${attempt}`, newPassword: 'a brand new password' },
      });
      expect(response.status).toBe(400);
    }
    // Locked out: the session that guessed is ended and signing in is refused for now.
    expect((await call('GET', '/v1/me', { token: user.token })).status).toBe(401);
    expect(await signInStatus(user.email, user.password)).toBe(401);
  });

  it('lets an admin issue a one-time reset token that the user redeems', async () => {
    const user = await signUpUser(call, 'pwreset');
    const issued = await call('POST', `/v1/users/${user.id}/password-reset`, {
      token: admin.token,
    });
    expect(issued.status).toBe(201);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const token = issued.body.token as string;
    expect(token).toMatch(/^pcl_pwr_[0-9A-Za-z]{43}$/);
    expect(Date.parse(issued.body.expiresAt)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const rows = await prisma.passwordResetToken.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toContain(token.slice(8));

    // Not for developers, and not for unknown users.
    expect(
      (await call('POST', `/v1/users/${user.id}/password-reset`, { token: user.token })).status,
    ).toBe(403);
    expect(
      (
        await call('POST', '/v1/users/00000000-0000-7000-8000-000000000000/password-reset', {
          token: admin.token,
        })
      ).status,
    ).toBe(404);

    // Locked out before the reset: redeeming lifts the lockout.
    await prisma.user.update({
      where: { id: user.id },
      data: { lockedUntil: new Date(Date.now() + 600_000) },
    });
    const newPassword = 'reset password that is long';
    const redeemed = await call('POST', '/v1/password-resets', { body: { token, newPassword } });
    expect(redeemed.status).toBe(204);
    expect((await call('GET', '/v1/me', { token: user.token })).status).toBe(401);
    expect(await signInStatus(user.email, newPassword)).toBe(201);
    expect(await signInStatus(user.email, user.password)).toBe(401);

    const again = await call('POST', '/v1/password-resets', {
      body: { token, newPassword: 'yet another long password' },
    });
    expect(again.status).toBe(400);
    expect(await signInStatus(user.email, newPassword)).toBe(201);

    const published = await events.waitFor(
      (e) =>
        ['user.password_reset_issued', 'user.password_reset'].includes(e.data.action) &&
        e.data.target.id === user.id,
      2,
    );
    expect(published.map((e) => e.data.action)).toEqual([
      'user.password_reset_issued',
      'user.password_reset',
    ]);
    expect(published[0]!.data.actor).toMatchObject({ type: 'user', id: admin.id });
    expect(JSON.stringify(published)).not.toContain(token);
  });

  it('refuses expired, superseded and made-up reset tokens', async () => {
    const user = await signUpUser(call, 'pwreset2');
    const issue = async () =>
      (await call('POST', `/v1/users/${user.id}/password-reset`, { token: admin.token })).body
        .token as string;
    const redeem = async (token: string) =>
      (
        await call('POST', '/v1/password-resets', {
          body: { token, newPassword: 'some long new password' },
        })
      ).status;
    const first = await issue();
    const second = await issue();
    expect(await redeem(first)).toBe(400);
    await prisma.passwordResetToken.updateMany({
      where: { userId: user.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await redeem(second)).toBe(400);
    expect(await redeem('pcl_pwr_made_up')).toBe(400);
    expect(await redeem('anything')).toBe(400);
    expect(await signInStatus(user.email, user.password)).toBe(201);
  });

  /** A user with TOTP on, and a session that passed it. */
  async function withTotp(label: string) {
    const user = await signUpUser(call, label);
    const secret = (await call('POST', '/v1/me/mfa/totp', { token: user.token })).body
      .secret as string;
    const confirm = await call('POST', '/v1/me/mfa/totp/confirm', {
      token: user.token,
      body: { code: codeAt(secret), currentPassword: user.password },
    });
    expect(confirm.status).toBe(200);
    return { ...user, secret, recoveryCodes: confirm.body.recoveryCodes as string[] };
  }

  it('turns TOTP on only with the current password; wrong ones count towards the lockout', async () => {
    const user = await signUpUser(call, 'totpreauth');
    const secret = (await call('POST', '/v1/me/mfa/totp', { token: user.token })).body
      .secret as string;
    const confirm = (body: Record<string, string>) =>
      call('POST', '/v1/me/mfa/totp/confirm', { token: user.token, body });

    // A session alone (a stolen one) cannot enrol its own authenticator.
    const missing = await confirm({ code: codeAt(secret) });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((error: { path: string }) => error.path)).toEqual([
      'currentPassword',
    ]);
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const wrong = await confirm({ code: codeAt(secret), currentPassword: `wrong-${attempt}` });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({
        detail: 'The current password is wrong.',
        errors: [{ path: 'currentPassword', message: 'is not your current password' }],
      });
    }
    expect((await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).totpEnabled).toBe(
      false,
    );
    // The fifth in a row locks the account and ends the guessing session; TOTP stays off.
    const fifth = await confirm({ code: codeAt(secret), currentPassword: 'wrong-4' });
    expect(fifth.status).toBe(400);
    expect((await call('GET', '/v1/me', { token: user.token })).status).toBe(401);
    expect(await signInStatus(user.email, user.password)).toBe(401);
    const after = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.totpEnabled).toBe(false);
    expect(after.lockedUntil!.getTime()).toBeGreaterThan(Date.now());

    const failures = await events.waitFor(
      (e) => e.data.action === 'user.sign_in_failed' && e.data.target.id === user.id,
      5,
    );
    // The five guesses come first; the refused sign-in above may already have added a sixth.
    expect(failures.slice(0, 5).map((e) => e.data.details)).toEqual(
      Array.from({ length: 5 }, () => ({ reason: 'wrong_current_password' })),
    );
    await events.waitFor(
      (e) => e.data.action === 'user.locked_out' && e.data.target.id === user.id,
    );

    // With the right password the same session turns it on (and the count starts afresh).
    const owner = await signUpUser(call, 'totpreauth2');
    const ownSecret = (await call('POST', '/v1/me/mfa/totp', { token: owner.token })).body
      .secret as string;
    const wrongOnce = await call('POST', '/v1/me/mfa/totp/confirm', {
      token: owner.token,
      body: { code: codeAt(ownSecret), currentPassword: 'not it' },
    });
    expect(wrongOnce.status).toBe(400);
    const confirmed = await call('POST', '/v1/me/mfa/totp/confirm', {
      token: owner.token,
      body: { code: codeAt(ownSecret), currentPassword: owner.password },
    });
    expect(confirmed.status).toBe(200);
    const enabled = await prisma.user.findUniqueOrThrow({ where: { id: owner.id } });
    expect(enabled).toMatchObject({ totpEnabled: true, failedSignIns: 0 });
  });

  /** Far outside the ±1 step window: never accepted. */
  const wrongCode = (secret: string) => codeAt(secret, 10);

  it('keeps counting wrong TOTP codes across fresh sign-ins, and a lockout ends the waiting sessions', async () => {
    const user = await withTotp('totpguess');
    const guess = (token: string) =>
      call('POST', '/v1/sessions/current/mfa', { token, body: { code: wrongCode(user.secret) } });
    // Four wrong codes, then a new session: signing in with the password must not wipe them.
    const first = await signIn(call, user.email, user.password);
    for (let attempt = 0; attempt < 4; attempt += 1) expect((await guess(first)).status).toBe(400);
    const second = await signIn(call, user.email, user.password);
    const waiting = await signIn(call, user.email, user.password);
    expect((await guess(second)).status).toBe(400);
    // The fifth locked the account: every session still waiting for a code is over.
    for (const token of [first, second, waiting]) {
      expect((await call('GET', '/v1/me', { token })).status).toBe(401);
    }
    expect(await signInStatus(user.email, user.password)).toBe(401);
    // It holds for the user's known devices too: whoever guessed the codes knew the password.
    const fromKnownDevice = await call('POST', '/v1/sessions', {
      body: { email: user.email, password: user.password, deviceToken: user.deviceToken },
    });
    expect(fromKnownDevice.status).toBe(401);
    // The session that had passed its code before is not touched.
    expect((await call('GET', '/v1/me', { token: user.token })).status).toBe(200);
    const locked = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(locked.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses a right code while the account is locked', async () => {
    const user = await withTotp('totplocked');
    const pending = await signIn(call, user.email, user.password);
    await prisma.user.update({
      where: { id: user.id },
      data: { lockedUntil: new Date(Date.now() + 60_000) },
    });
    const response = await call('POST', '/v1/sessions/current/mfa', {
      token: pending,
      body: { code: codeAt(user.secret, 1) },
    });
    expect(response.status).toBe(401);
    expect((await call('GET', '/v1/me', { token: pending })).status).toBe(401);
  });

  it('counts wrong codes for new recovery codes and for turning TOTP off towards the lockout', async () => {
    const user = await withTotp('totpsigned');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await call('POST', '/v1/me/mfa/recovery-codes', {
        token: user.token,
        body: { code: wrongCode(user.secret) },
      });
      expect(response.status).toBe(400);
    }
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await call('DELETE', '/v1/me/mfa/totp', {
        token: user.token,
        body: { recoveryCode: 'aaaa-bbbb-cccc-dddd' },
      });
      expect(response.status).toBe(400);
    }
    // Five in all: the session that guessed is ended, TOTP stays on, signing in is refused.
    expect((await call('GET', '/v1/me', { token: user.token })).status).toBe(401);
    expect(await signInStatus(user.email, user.password)).toBe(401);
    const after = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.totpEnabled).toBe(true);
    expect(await prisma.mfaRecoveryCode.count({ where: { userId: user.id, usedAt: null } })).toBe(
      10,
    );
  });

  it('hands out recovery codes at enrolment, each usable once instead of a TOTP code', async () => {
    const user = await signUpUser(call, 'recovery');
    const enrol = await call('POST', '/v1/me/mfa/totp', { token: user.token });
    const secret = enrol.body.secret as string;
    const confirm = await call('POST', '/v1/me/mfa/totp/confirm', {
      token: user.token,
      body: { code: codeAt(secret), currentPassword: user.password },
    });
    expect(confirm.status).toBe(200);
    const codes = confirm.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    const stored = await prisma.mfaRecoveryCode.findMany({ where: { userId: user.id } });
    expect(stored).toHaveLength(10);
    for (const row of stored) {
      for (const code of codes) expect(row.codeHash).not.toContain(code.replaceAll('-', ''));
    }
    expect((await call('GET', '/v1/me', { token: user.token })).body.mfa).toMatchObject({
      totpEnabled: true,
      recoveryCodesRemaining: 10,
    });

    const pending = await signIn(call, user.email, user.password);
    expect((await call('GET', '/v1/teams', { token: pending })).status).toBe(403);
    // Upper case and without dashes is the same code.
    const used = codes[0]!.toUpperCase().replaceAll('-', '');
    const verified = await call('POST', '/v1/sessions/current/mfa', {
      token: pending,
      body: { recoveryCode: used },
    });
    expect(verified.status).toBe(200);
    expect((await call('GET', '/v1/teams', { token: pending })).status).toBe(200);

    const next = await signIn(call, user.email, user.password);
    const replay = await call('POST', '/v1/sessions/current/mfa', {
      token: next,
      body: { recoveryCode: codes[0] },
    });
    expect(replay.status).toBe(400);
    const both = await call('POST', '/v1/sessions/current/mfa', {
      token: next,
      body: { code: codeAt(secret, 1), recoveryCode: codes[1] },
    });
    expect(both.status).toBe(400);
    expect((await call('GET', '/v1/me', { token: pending })).body.mfa.recoveryCodesRemaining).toBe(
      9,
    );

    // New codes for a current TOTP code; the old ones stop working.
    const regenerated = await call('POST', '/v1/me/mfa/recovery-codes', {
      token: pending,
      body: { code: codeAt(secret, 1) },
    });
    expect(regenerated.status).toBe(201);
    const fresh = regenerated.body.recoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(codes[1]);
    const old = await call('POST', '/v1/sessions/current/mfa', {
      token: next,
      body: { recoveryCode: codes[1] },
    });
    expect(old.status).toBe(400);

    // A recovery code also turns TOTP off (a lost phone); the codes go with it.
    const disabled = await call('DELETE', '/v1/me/mfa/totp', {
      token: pending,
      body: { recoveryCode: fresh[0] },
    });
    expect(disabled.status).toBe(204);
    expect(await prisma.mfaRecoveryCode.count({ where: { userId: user.id } })).toBe(0);
    expect((await call('GET', '/v1/me', { token: pending })).body.mfa.totpEnabled).toBe(false);

    const published = await events.waitFor(
      (e) =>
        e.data.target.id === user.id &&
        ['user.mfa_recovery_code_used', 'user.mfa_recovery_codes_generated'].includes(
          e.data.action,
        ),
      3,
    );
    expect(published.map((e) => e.data.action)).toEqual([
      'user.mfa_recovery_code_used',
      'user.mfa_recovery_codes_generated',
      'user.mfa_recovery_code_used',
    ]);
    expect(published[0]!.data.details).toEqual({ remaining: 9 });
  });
});
