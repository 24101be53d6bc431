import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  createAdmin,
  grantRole,
  type Call,
  type TestUser,
} from '../support/management-fixtures.js';
import { testPrisma } from '../support/oauth-fixtures.js';
import { isolatedDatabase, type IsolatedDatabase } from '../support/isolated-database.js';
import { holdRowLocks } from '../support/row-locks.js';

/**
 * Whether an admin is the last one depends on every admin in the database, so this works in a
 * database of its own where the two admins below are the only ones.
 */
describe('roles: the platform keeps an admin under concurrent revocations', () => {
  let database: IsolatedDatabase;
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  let first: TestUser;
  let second: TestUser;

  beforeAll(async () => {
    database = await isolatedDatabase('admins');
    identity = await startIdentity({ DATABASE_URL: database.url });
    call = caller(identity);
    prisma = testPrisma(database.url);
    [first, second] = [await createAdmin(call, prisma), await createAdmin(call, prisma)];
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
    await database?.drop();
  });

  /** Both are admins again (the previous round left one). */
  async function bothAdmins(): Promise<{ first: string; second: string }> {
    for (const admin of [first, second]) {
      const held = await prisma.roleAssignment.findFirst({
        where: { userId: admin.id, role: 'admin' },
      });
      if (!held) await grantRole(prisma, admin.id, 'admin');
    }
    const grants = await prisma.roleAssignment.findMany({ where: { role: 'admin' } });
    expect(grants).toHaveLength(2);
    const of = (admin: TestUser) => grants.find((grant) => grant.userId === admin.id)!.id;
    return { first: of(first), second: of(second) };
  }

  const revoke = (by: TestUser, of: TestUser, assignmentId: string) =>
    call('DELETE', `/v1/users/${of.id}/roles/${assignmentId}`, { token: by.token });
  const admins = () => prisma.roleAssignment.count({ where: { role: 'admin' } });

  it('lets exactly one of two admins revoking each other at once win', async () => {
    for (let round = 0; round < 5; round++) {
      const grants = await bothAdmins();
      const answers = await Promise.all([
        revoke(first, second, grants.second),
        revoke(second, first, grants.first),
      ]);
      const statuses = answers.map((answer) => answer.status).sort();
      // The loser is refused by the rule (409), or, when the winner finished before the loser
      // was even authenticated, for no longer being an admin (403).
      expect(statuses[0]).toBe(204);
      expect([403, 409]).toContain(statuses[1]);
      expect(await admins()).toBe(1);
    }
  });

  it('keeps an admin even when both revocations counted before either deleted', async () => {
    for (let round = 0; round < 3; round++) {
      const grants = await bothAdmins();
      // Both requests read the grants while these rows are locked, then go on together.
      const lock = await holdRowLocks(
        database.url,
        "SELECT id FROM identity.role_assignments WHERE role = 'admin' FOR UPDATE",
        [],
      );
      let answers;
      try {
        const racing = [revoke(first, second, grants.second), revoke(second, first, grants.first)];
        await lock.waiting(2, 'role_assignments');
        await lock.release();
        answers = await Promise.all(racing);
      } finally {
        await lock.release();
      }
      expect(answers.map((answer) => answer.status).sort()).toEqual([204, 409]);
      const refused = answers.find((answer) => answer.status === 409)!;
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.detail).toBe('The platform keeps at least one admin.');
      expect(await admins()).toBe(1);
    }
  });

  it('counts only admins who can sign in: a disabled admin does not make another one spare', async () => {
    const grants = await bothAdmins();
    await prisma.user.update({ where: { id: second.id }, data: { status: 'disabled' } });
    try {
      const refused = await revoke(first, first, grants.first);
      expect(refused.status).toBe(409);
      expect(refused.body.detail).toBe('The platform keeps at least one admin.');
      expect(await prisma.roleAssignment.count({ where: { id: grants.first } })).toBe(1);
    } finally {
      await prisma.user.update({ where: { id: second.id }, data: { status: 'active' } });
    }
  });
});
