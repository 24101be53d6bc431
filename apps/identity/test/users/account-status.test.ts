import type { PrismaClient } from '@portcullis/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import { isolatedDatabase, type IsolatedDatabase } from '../support/isolated-database.js';
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
import { testPrisma as prismaFor } from '../support/oauth-fixtures.js';

/** apps/identity/src/users/account-status.service.ts: one account status change at a time. */
const ACCOUNT_STATUS_LOCK = 7_401_201;

describe('account status: admins disable and enable accounts', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  let events: ManagementEventReader;
  let admin: TestUser;

  beforeAll(async () => {
    events = new ManagementEventReader();
    [identity] = await Promise.all([startIdentity(), events.start()]);
    call = caller(identity);
    prisma = testPrisma();
    admin = await createAdmin(call, prisma);
  });
  afterAll(async () => {
    await events?.stop();
    await identity?.close();
    await prisma?.$disconnect();
  });

  const signInResponse = (email: string, password: string) =>
    call('POST', '/v1/sessions', { body: { email, password } });

  it('disables an account: its sessions end and sign-in is refused until an admin enables it', async () => {
    const user = await signUpUser(call, 'disabled');
    const other = await signIn(call, user.email, user.password);

    const disabled = await call('POST', `/v1/users/${user.id}/disable`, { token: admin.token });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toEqual({
      id: user.id,
      email: user.email,
      displayName: expect.any(String),
      status: 'disabled',
      sessionsRevoked: 2,
    });
    for (const token of [user.token, other]) {
      expect((await call('GET', '/v1/me', { token })).status).toBe(401);
    }
    expect(await prisma.session.count({ where: { userId: user.id, revokedAt: null } })).toBe(0);
    // The right password gets the same answer as a wrong one: nothing tells the account apart.
    const refused = await signInResponse(user.email, user.password);
    const wrong = await signInResponse(user.email, 'wrong-password-123');
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toBe(wrong.body.detail);
    const listed = await call('GET', `/v1/users/${user.id}`, { token: admin.token });
    expect(listed.body.status).toBe('disabled');

    // Asking again changes nothing (and publishes nothing).
    const again = await call('POST', `/v1/users/${user.id}/disable`, { token: admin.token });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'disabled', sessionsRevoked: 0 });

    const enabled = await call('POST', `/v1/users/${user.id}/enable`, { token: admin.token });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ id: user.id, status: 'active', sessionsRevoked: 0 });
    expect((await signInResponse(user.email, user.password)).status).toBe(201);
    // Sessions ended by disabling stay ended.
    expect((await call('GET', '/v1/me', { token: user.token })).status).toBe(401);

    const published = await events.waitFor(
      (e) =>
        ['user.disabled', 'user.enabled'].includes(e.data.action) && e.data.target.id === user.id,
      2,
    );
    expect(published.map((e) => [e.data.action, e.data.details])).toEqual([
      ['user.disabled', { email: user.email, sessionsRevoked: 2 }],
      ['user.enabled', { email: user.email }],
    ]);
    expect(published[0]!.data.actor).toMatchObject({ type: 'user', id: admin.id });
  });

  it('refuses disabling yourself, and answers unknown accounts with 404', async () => {
    const self = await call('POST', `/v1/users/${admin.id}/disable`, { token: admin.token });
    expect(self.status).toBe(409);
    expect(self.headers.get('content-type')).toContain('application/problem+json');
    expect(self.body.detail).toBe('You cannot disable your own account; ask another admin.');
    expect((await call('GET', '/v1/me', { token: admin.token })).status).toBe(200);

    const unknown = '00000000-0000-7000-8000-000000000000';
    for (const action of ['disable', 'enable']) {
      const missing = await call('POST', `/v1/users/${unknown}/${action}`, { token: admin.token });
      expect(missing.status).toBe(404);
      const malformed = await call('POST', `/v1/users/not-a-uuid/${action}`, {
        token: admin.token,
      });
      expect(malformed.status).toBe(400);
    }
  });

  it('lets only admins change an account’s status', async () => {
    const user = await signUpUser(call, 'notadmin');
    const security = await signUpUser(call, 'security');
    await prisma.roleAssignment.create({ data: { userId: security.id, role: 'security' } });
    for (const token of [user.token, security.token]) {
      const response = await call('POST', `/v1/users/${admin.id}/disable`, { token });
      expect(response.status).toBe(403);
    }
    expect((await prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).status).toBe(
      'active',
    );
  });
});

/**
 * Whether an admin is the last active one depends on every admin in the database, so this part
 * works in a database of its own; holding the service's lock from here lines the requests up.
 */
describe('account status: the platform keeps an active admin', () => {
  let database: IsolatedDatabase;
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;

  /** Holds the status lock in a transaction of our own until `release()`. */
  async function holdStatusLock() {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [ACCOUNT_STATUS_LOCK]);
    return {
      client,
      /** Waits until `count` requests queue behind the lock (they passed authentication). */
      async waiting(count: number) {
        const deadline = Date.now() + 10_000;
        for (;;) {
          const result = await client.query<{ count: string }>(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted",
            [ACCOUNT_STATUS_LOCK],
          );
          if (Number(result.rows[0]!.count) >= count) return;
          if (Date.now() > deadline) throw new Error('the requests never waited for the lock');
          await new Promise((done) => setTimeout(done, 20));
        }
      },
      async release() {
        await client.query('COMMIT');
        await client.end();
      },
    };
  }

  const activeAdmins = () =>
    prisma.user.count({
      where: { status: 'active', roleAssignments: { some: { role: 'admin' } } },
    });

  beforeAll(async () => {
    database = await isolatedDatabase('status');
    identity = await startIdentity({ DATABASE_URL: database.url });
    call = caller(identity);
    prisma = prismaFor(database.url);
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
    await database?.drop();
  });

  it('lets only one of two admins disabling each other at once win', async () => {
    const [first, second] = [await createAdmin(call, prisma), await createAdmin(call, prisma)];
    const lock = await holdStatusLock();
    const racing = [
      call('POST', `/v1/users/${second.id}/disable`, { token: first.token }),
      call('POST', `/v1/users/${first.id}/disable`, { token: second.token }),
    ];
    await lock.waiting(2);
    await lock.release();
    const statuses = (await Promise.all(racing)).map((response) => response.status).sort();
    // The loser was disabled while it waited: its request no longer counts as an admin's.
    expect(statuses).toEqual([200, 401]);
    expect(await activeAdmins()).toBe(1);
  });

  it('refuses to disable the last active admin', async () => {
    await prisma.user.updateMany({
      where: { roleAssignments: { some: { role: 'admin' } } },
      data: { status: 'disabled' },
    });
    const [acting, target] = [await createAdmin(call, prisma), await createAdmin(call, prisma)];
    const lock = await holdStatusLock();
    const disabling = call('POST', `/v1/users/${target.id}/disable`, { token: acting.token });
    await lock.waiting(1);
    // Meanwhile another admin took the acting admin's role away: the target is the last one.
    await prisma.roleAssignment.deleteMany({ where: { userId: acting.id, role: 'admin' } });
    await lock.release();
    const response = await disabling;
    expect(response.status).toBe(409);
    expect(response.body.detail).toBe('The platform keeps at least one active admin.');
    expect((await prisma.user.findUniqueOrThrow({ where: { id: target.id } })).status).toBe(
      'active',
    );
    expect(await activeAdmins()).toBe(1);
  });
});
