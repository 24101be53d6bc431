import type { PrismaClient } from '@portcullis/db';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  ManagementEventReader,
  signIn,
  signUpUser,
  suffix,
  testPrisma,
  type Call,
} from '../support/management-fixtures.js';

function codeAt(secret: string, offsetSteps = 0): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 });
  return totp.generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

describe('accounts: sign-up, sign-in, lockout, sign-out, sessions', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  beforeAll(async () => {
    identity = await startIdentity();
    call = caller(identity);
    prisma = testPrisma();
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
  });

  it('signs up a developer with a personal team and an argon2id hash', async () => {
    const email = `New-${suffix()}@Example.test`;
    const response = await call('POST', '/v1/users', {
      body: { email, password: 'correct horse battery', displayName: 'New Dev' },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      email: email.toLowerCase(),
      roles: ['developer'],
      personalTeam: { id: expect.any(String) },
    });
    const stored = await prisma.user.findUniqueOrThrow({ where: { email: email.toLowerCase() } });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    const member = await prisma.teamMember.findFirstOrThrow({ where: { userId: stored.id } });
    expect(member.role).toBe('owner');

    const again = await call('POST', '/v1/users', {
      body: { email, password: 'correct horse battery', displayName: 'Again' },
    });
    expect(again.status).toBe(409);
  });

  it('refuses short passwords and bad e-mails with a validation problem naming the fields', async () => {
    const response = await call('POST', '/v1/users', {
      body: { email: 'not-an-email', password: 'short', displayName: '' },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const paths = (response.body.errors as { path: string }[]).map((error) => error.path).sort();
    expect(paths).toEqual(['displayName', 'email', 'password']);
  });

  it('signs in, shows the profile, and signs out (the token stops working)', async () => {
    const user = await signUpUser(call, 'signin');
    const me = await call('GET', '/v1/me', { token: user.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: user.email, roles: ['developer'], approverApiIds: [] });
    expect(me.body.teams).toHaveLength(1);
    expect(user.token).toMatch(/^pcl_sess_/);
    const session = await prisma.session.findFirstOrThrow({ where: { userId: user.id } });
    expect(session.tokenHash).not.toContain(user.token);

    const out = await call('DELETE', '/v1/sessions/current', { token: user.token });
    expect(out.status).toBe(204);
    expect((await call('GET', '/v1/me', { token: user.token })).status).toBe(401);
  });

  it('answers an unknown e-mail and a wrong password alike', async () => {
    const user = await signUpUser(call, 'same401');
    const unknown = await call('POST', '/v1/sessions', {
      body: { email: `nobody-${suffix()}@example.test`, password: 'whatever-password' },
    });
    const wrong = await call('POST', '/v1/sessions', {
      body: { email: user.email, password: 'wrong-password-123' },
    });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(wrong.body.detail).toBe(unknown.body.detail);
    expect(wrong.body.type).toBe(unknown.body.type);
  });

  it('locks out new devices after five wrong passwords in a row, even for the right password', async () => {
    const user = await signUpUser(call, 'lockout');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await call('POST', '/v1/sessions', {
        body: { email: user.email, password: 'wrong-password-123' },
      });
      expect(response.status).toBe(401);
    }
    const stored = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.newDevicesLockedUntil!.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    // Wrong passwords from strangers never lock the account for the user's own devices.
    expect(stored.lockedUntil).toBeNull();
    const locked = await call('POST', '/v1/sessions', {
      body: { email: user.email, password: user.password },
    });
    expect(locked.status).toBe(401);

    // Once the lock has lapsed the right password works again and the counter starts afresh.
    await prisma.user.update({
      where: { id: user.id },
      data: { newDevicesLockedUntil: new Date(Date.now() - 1000) },
    });
    expect(await signIn(call, user.email, user.password)).toMatch(/^pcl_sess_/);
    const after = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.newDeviceFailedSignIns).toBe(0);
    expect(after.newDevicesLockedUntil).toBeNull();
  });

  it('refuses expired sessions', async () => {
    const user = await signUpUser(call, 'expiry');
    await prisma.session.updateMany({
      where: { userId: user.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const response = await call('GET', '/v1/me', { token: user.token });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
  });
});

describe('account events', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let reader: ManagementEventReader;
  beforeAll(async () => {
    reader = new ManagementEventReader();
    [identity] = await Promise.all([startIdentity(), reader.start()]);
    call = caller(identity);
  });
  afterAll(async () => {
    await reader?.stop();
    await identity?.close();
  });

  it('publishes sign-up, sign-in, failures, lockout and sign-out without secrets', async () => {
    const user = await signUpUser(call, 'events');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await call('POST', '/v1/sessions', {
        body: { email: user.email, password: 'wrong-password-123' },
      });
    }
    await call('DELETE', '/v1/sessions/current', { token: user.token });
    const mine = (event: {
      data: { target: { id: string | null }; actor: { id: string | null } };
    }) => event.data.target.id === user.id || event.data.actor.id === user.id;
    // signed_up, team.created (personal team), signed_in, 5 × sign_in_failed, locked_out, signed_out
    const events = await reader.waitFor(mine, 10);
    const actions = events.map((event) => event.data.action);
    expect(actions.filter((action) => action === 'user.sign_in_failed')).toHaveLength(5);
    expect(actions).toEqual(
      expect.arrayContaining([
        'user.signed_up',
        'user.signed_in',
        'user.locked_out',
        'user.signed_out',
      ]),
    );
    const failed = events.find((event) => event.data.action === 'user.sign_in_failed')!;
    expect(failed.data).toMatchObject({
      outcome: 'failure',
      details: { reason: 'wrong_password' },
      actor: { label: user.email },
    });
    const text = JSON.stringify(events);
    expect(text).not.toContain(user.password);
    expect(text).not.toContain(user.token);
    expect(text).not.toContain('wrong-password-123');
  });
});

describe('TOTP second factor', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  beforeAll(async () => {
    identity = await startIdentity({ IDENTITY_REQUIRE_MFA: 'true' });
    call = caller(identity);
    prisma = testPrisma();
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
  });

  it('enrols, confirms, then asks for a code at every sign-in; wrong and replayed codes fail', async () => {
    const user = await signUpUser(call, 'totp');
    const enrol = await call('POST', '/v1/me/mfa/totp', { token: user.token });
    expect(enrol.status).toBe(201);
    const secret = enrol.body.secret as string;
    expect(enrol.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Portcullis:/);
    const stored = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.totpSecretEncrypted).toBeTruthy();
    expect(stored.totpSecretEncrypted).not.toContain(secret);

    const wrongConfirm = await call('POST', '/v1/me/mfa/totp/confirm', {
      token: user.token,
      body: {
        code: codeAt(secret) === '000000' ? '111111' : '000000',
        currentPassword: user.password,
      },
    });
    expect(wrongConfirm.status).toBe(400);
    const confirm = await call('POST', '/v1/me/mfa/totp/confirm', {
      token: user.token,
      body: { code: codeAt(secret), currentPassword: user.password },
    });
    expect(confirm.status).toBe(200);

    const signInResponse = await call('POST', '/v1/sessions', {
      body: { email: user.email, password: user.password },
    });
    expect(signInResponse.body.mfaRequired).toBe(true);
    const pending = signInResponse.body.token as string;
    // Until the second factor, only the MFA routes (and the profile) answer.
    expect((await call('GET', '/v1/teams', { token: pending })).status).toBe(403);
    expect((await call('GET', '/v1/me', { token: pending })).status).toBe(200);

    const wrong = await call('POST', '/v1/sessions/current/mfa', {
      token: pending,
      body: { code: '12345' },
    });
    expect(wrong.status).toBe(400);
    // The confirmation code's step is spent: the next step's code is the one that works now.
    const nextCode = codeAt(secret, 1);
    const verified = await call('POST', '/v1/sessions/current/mfa', {
      token: pending,
      body: { code: nextCode },
    });
    expect(verified.status).toBe(200);
    expect((await call('GET', '/v1/teams', { token: pending })).status).toBe(200);

    const second = await signIn(call, user.email, user.password);
    const replay = await call('POST', '/v1/sessions/current/mfa', {
      token: second,
      body: { code: nextCode },
    });
    expect(replay.status).toBe(400);
    expect((await call('GET', '/v1/teams', { token: second })).status).toBe(403);
  });

  it('counts members of a team that owns an API as approvers who need MFA', async () => {
    const user = await signUpUser(call, 'mfaowner');
    const id = suffix();
    await prisma.api.create({
      data: {
        slug: `owned-${id}`,
        name: 'Owned',
        basePath: `/owned-${id}`,
        upstreamUrl: 'http://127.0.0.1:9',
        ownerTeamId: user.personalTeamId,
      },
    });
    const session = await call('POST', '/v1/sessions', {
      body: { email: user.email, password: user.password },
    });
    expect(session.body).toMatchObject({ mfaRequired: true, mfaEnrolmentRequired: true });
    expect((await call('GET', '/v1/approvals', { token: session.body.token })).status).toBe(403);

    // Once enrolled, such an approver may not turn TOTP off again, like approvers by role.
    const token = session.body.token as string;
    const secret = (await call('POST', '/v1/me/mfa/totp', { token })).body.secret as string;
    const confirm = await call('POST', '/v1/me/mfa/totp/confirm', {
      token,
      body: { code: codeAt(secret), currentPassword: user.password },
    });
    expect(confirm.status).toBe(200);
    const disable = await call('DELETE', '/v1/me/mfa/totp', {
      token,
      body: { code: codeAt(secret, 1) },
    });
    expect(disable.status).toBe(409);
    expect(disable.body.detail).toContain('require two-factor');
    expect((await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).totpEnabled).toBe(
      true,
    );
  });

  it('makes an admin without TOTP enrol before using the API', async () => {
    const user = await signUpUser(call, 'mfaadmin');
    await prisma.roleAssignment.create({ data: { userId: user.id, role: 'admin' } });
    const session = await call('POST', '/v1/sessions', {
      body: { email: user.email, password: user.password },
    });
    expect(session.body).toMatchObject({ mfaRequired: true, mfaEnrolmentRequired: true });
    const token = session.body.token as string;
    expect((await call('GET', '/v1/users', { token })).status).toBe(403);
    const enrol = await call('POST', '/v1/me/mfa/totp', { token });
    const confirm = await call('POST', '/v1/me/mfa/totp/confirm', {
      token,
      body: { code: codeAt(enrol.body.secret as string), currentPassword: user.password },
    });
    expect(confirm.status).toBe(200);
    expect((await call('GET', '/v1/users', { token })).status).toBe(200);
  });
});
