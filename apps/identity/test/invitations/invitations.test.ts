import type { PrismaClient } from '@portcullis/db';
import { randomBase62 } from '@portcullis/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  createAdmin,
  ManagementEventReader,
  signUpUser,
  suffix,
  testPrisma,
  type Call,
  type TestUser,
} from '../support/management-fixtures.js';

const signUpBody = (email: string, invitationCode?: string) => ({
  email,
  password: `pw-${randomBase62(16)}`,
  displayName: `Invited ${email.slice(0, 10)}`,
  ...(invitationCode === undefined ? {} : { invitationCode }),
});

describe('sign-up by invitation only (SIGN_UP_MODE=invitation)', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  let events: ManagementEventReader;
  let admin: TestUser;
  let developer: TestUser;

  beforeAll(async () => {
    // Accounts for the admin and a developer are made while sign-up is still open.
    const open = await startIdentity();
    const openCall = caller(open);
    prisma = testPrisma();
    admin = await createAdmin(openCall, prisma);
    developer = await signUpUser(openCall, 'dev');
    await open.close();
    identity = await startIdentity({ SIGN_UP_MODE: 'invitation' });
    call = caller(identity);
    events = new ManagementEventReader();
    await events.start();
  });
  afterAll(async () => {
    await events?.stop();
    await identity?.close();
    await prisma?.$disconnect();
  });

  const invite = (email: string, token = admin.token) =>
    call('POST', '/v1/invitations', { token, body: { email } });

  it('says who may sign up, to anyone', async () => {
    const policy = await call('GET', '/v1/sign-up-policy');
    expect(policy.status).toBe(200);
    expect(policy.body).toEqual({ mode: 'invitation', emailDomains: [] });
  });

  it('refuses sign-up without an invitation the same way for new and existing addresses', async () => {
    const fresh = `nobody-${suffix()}@example.test`;
    const refusedNew = await call('POST', '/v1/users', { body: signUpBody(fresh) });
    const refusedExisting = await call('POST', '/v1/users', { body: signUpBody(developer.email) });
    expect(refusedNew.status).toBe(403);
    expect(refusedNew.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refusedNew.body.detail).toMatch(/needs an invitation/);
    expect(refusedExisting.status).toBe(403);
    expect(refusedExisting.body.detail).toBe(refusedNew.body.detail);
    expect(await prisma.user.count({ where: { email: fresh } })).toBe(0);
  });

  it('lets an invited person sign up once, with the code, for the address it names', async () => {
    const email = `invitee-${suffix()}@example.test`;
    const issued = await invite(email.toUpperCase());
    expect(issued.status).toBe(201);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect(issued.body).toMatchObject({ email, status: 'pending', userId: null });
    const code = issued.body.code as string;
    expect(code).toMatch(/^pcl_inv_[A-Za-z0-9]{43}$/);

    // Stored as a keyed hash only; listed without it.
    const row = await prisma.invitation.findUniqueOrThrow({ where: { id: issued.body.id } });
    expect(JSON.stringify(row)).not.toContain(code.slice(8));
    const listed = await call('GET', '/v1/invitations?status=pending&pageSize=100', {
      token: admin.token,
    });
    const mine = listed.body.items.find((item: { id: string }) => item.id === issued.body.id);
    expect(mine).toMatchObject({ email, status: 'pending' });
    expect(mine).not.toHaveProperty('code');

    // Someone else's address, a made-up code: one answer, on the field.
    const otherAddress = await call('POST', '/v1/users', {
      body: signUpBody(`other-${suffix()}@example.test`, code),
    });
    const madeUp = await call('POST', '/v1/users', {
      body: signUpBody(email, `pcl_inv_${randomBase62(43)}`),
    });
    for (const refused of [otherAddress, madeUp]) {
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([
        { path: 'invitationCode', message: 'is not valid for this e-mail address' },
      ]);
    }
    expect(madeUp.body.detail).toBe(otherAddress.body.detail);

    const signedUp = await call('POST', '/v1/users', { body: signUpBody(email, code) });
    expect(signedUp.status).toBe(201);
    expect(signedUp.body).toMatchObject({ email, roles: ['developer'] });
    const used = await prisma.invitation.findUniqueOrThrow({ where: { id: issued.body.id } });
    expect(used.userId).toBe(signedUp.body.id);
    expect(used.usedAt).not.toBeNull();

    const again = await call('POST', '/v1/users', { body: signUpBody(email, code) });
    expect(again.status).toBe(400);

    const [issuedEvent] = await events.waitFor(
      (event) =>
        event.data.action === 'user.invitation_issued' && event.data.target.id === issued.body.id,
    );
    expect(issuedEvent!.data.actor.id).toBe(admin.id);
    expect(issuedEvent!.data.details).toMatchObject({ email });
    const [signUpEvent] = await events.waitFor(
      (event) =>
        event.data.action === 'user.signed_up' && event.data.target.id === signedUp.body.id,
    );
    expect(signUpEvent!.data.details).toEqual({ email, invitationId: issued.body.id });
    expect(JSON.stringify(events.events)).not.toContain(code);
  });

  it('is for admins only, and not for addresses that have an account', async () => {
    expect((await invite(`x-${suffix()}@example.test`, developer.token)).status).toBe(403);
    expect((await call('GET', '/v1/invitations', { token: developer.token })).status).toBe(403);
    expect(
      (await call('POST', '/v1/invitations', { body: { email: 'a@example.test' } })).status,
    ).toBe(401);
    const taken = await invite(developer.email);
    expect(taken.status).toBe(409);
    expect((await invite('not an address')).status).toBe(400);
  });

  it('voids an earlier invitation for the same address, and revokes on request', async () => {
    const email = `twice-${suffix()}@example.test`;
    const first = await invite(email);
    const second = await invite(email);
    expect(second.status).toBe(201);
    const firstNow = await prisma.invitation.findUniqueOrThrow({ where: { id: first.body.id } });
    expect(firstNow.revokedAt).not.toBeNull();
    expect(
      (await call('POST', '/v1/users', { body: signUpBody(email, first.body.code) })).status,
    ).toBe(400);

    const revoked = await call('DELETE', `/v1/invitations/${second.body.id}`, {
      token: admin.token,
    });
    expect(revoked.status).toBe(204);
    expect(
      (await call('POST', '/v1/users', { body: signUpBody(email, second.body.code) })).status,
    ).toBe(400);
    const revokedAgain = await call('DELETE', `/v1/invitations/${second.body.id}`, {
      token: admin.token,
    });
    expect(revokedAgain.status).toBe(409);
    expect(revokedAgain.body.detail).toMatch(/revoked/);
    const unknown = await call('DELETE', `/v1/invitations/${crypto.randomUUID()}`, {
      token: admin.token,
    });
    expect(unknown.status).toBe(404);
    expect(
      (await call('DELETE', `/v1/invitations/${first.body.id}`, { token: developer.token })).status,
    ).toBe(403);
    const [event] = await events.waitFor(
      (candidate) =>
        candidate.data.action === 'user.invitation_revoked' &&
        candidate.data.target.id === second.body.id,
    );
    expect(event!.data.actor.id).toBe(admin.id);
    expect(await prisma.user.count({ where: { email } })).toBe(0);
  });

  it('leaves one pending invitation when admins invite the same address at once', async () => {
    const email = `race-${suffix()}@example.test`;
    const issued = await Promise.all(Array.from({ length: 6 }, () => invite(email)));
    expect(issued.map((response) => response.status)).toEqual(Array(6).fill(201));
    const pending = await prisma.invitation.findMany({
      where: { email, usedAt: null, revokedAt: null },
    });
    expect(pending).toHaveLength(1);
  });

  it('refuses an expired invitation and lists it as expired', async () => {
    const email = `late-${suffix()}@example.test`;
    const issued = await invite(email);
    await prisma.invitation.update({
      where: { id: issued.body.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(
      (await call('POST', '/v1/users', { body: signUpBody(email, issued.body.code) })).status,
    ).toBe(400);
    const expired = await call('GET', '/v1/invitations?status=expired&pageSize=100', {
      token: admin.token,
    });
    expect(expired.body.items.map((item: { id: string }) => item.id)).toContain(issued.body.id);
    const pending = await call('GET', '/v1/invitations?status=pending&pageSize=100', {
      token: admin.token,
    });
    expect(pending.body.items.map((item: { id: string }) => item.id)).not.toContain(issued.body.id);
  });
});

describe('open sign-up for some e-mail domains (SIGN_UP_EMAIL_DOMAINS)', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  let admin: TestUser;

  beforeAll(async () => {
    const open = await startIdentity();
    prisma = testPrisma();
    admin = await createAdmin(caller(open), prisma);
    await open.close();
    identity = await startIdentity({ SIGN_UP_EMAIL_DOMAINS: 'staff.example,@Partner.Example' });
    call = caller(identity);
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
  });

  it('admits those domains, refuses others before looking at the address, and honours invitations', async () => {
    expect((await call('GET', '/v1/sign-up-policy')).body).toEqual({
      mode: 'open',
      emailDomains: ['staff.example', 'partner.example'],
    });
    const staff = await call('POST', '/v1/users', {
      body: signUpBody(`ann-${suffix()}@Staff.Example`),
    });
    expect(staff.status).toBe(201);
    // A look-alike subdomain is another domain; the admin's own address has an account, and
    // still gets the 403, not the 409 that would say so.
    for (const email of [`bob-${suffix()}@eng.staff.example`, admin.email]) {
      const refused = await call('POST', '/v1/users', { body: signUpBody(email) });
      expect(refused.status, email).toBe(403);
      expect(refused.body.detail).toBe(
        'Sign-up is open to addresses at staff.example, partner.example; for another address, ask an administrator for an invitation code.',
      );
    }
    const outsider = `carol-${suffix()}@elsewhere.example`;
    const issued = await call('POST', '/v1/invitations', {
      token: admin.token,
      body: { email: outsider },
    });
    const invited = await call('POST', '/v1/users', {
      body: signUpBody(outsider, issued.body.code),
    });
    expect(invited.status).toBe(201);
    // Inside the domains, a taken address is the usual 409.
    const taken = await call('POST', '/v1/users', {
      body: signUpBody(staff.body.email as string),
    });
    expect(taken.status).toBe(409);
  });
});
