import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  createAdmin,
  createTestApi,
  ManagementEventReader,
  signUpUser,
  testPrisma,
  type Call,
} from '../support/management-fixtures.js';

describe('roles: admins list users and grant or revoke roles', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  let reader: ManagementEventReader;

  beforeAll(async () => {
    reader = new ManagementEventReader();
    [identity] = await Promise.all([startIdentity(), reader.start()]);
    call = caller(identity);
    prisma = testPrisma();
  });
  afterAll(async () => {
    await reader?.stop();
    await identity?.close();
    await prisma?.$disconnect();
  });

  it('searches and pages users', async () => {
    const admin = await createAdmin(call, prisma);
    const first = await signUpUser(call, 'searchme');
    await signUpUser(call, 'searchme');
    const term = first.email.split('-')[0]!;
    const page = await call('GET', `/v1/users?q=${term}&pageSize=1&page=1`, { token: admin.token });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.total).toBeGreaterThanOrEqual(2);
    expect(page.body.items[0]).not.toHaveProperty('passwordHash');
    const exact = await call('GET', `/v1/users?q=${encodeURIComponent(first.email)}`, {
      token: admin.token,
    });
    expect(exact.body.items.map((user: { id: string }) => user.id)).toEqual([first.id]);
  });

  it('grants approver per API, which opens the inbox, and revokes it again', async () => {
    const admin = await createAdmin(call, prisma);
    const api = await createTestApi(call, admin.token, admin.personalTeamId);
    const user = await signUpUser(call, 'promoted');
    expect((await call('GET', '/v1/approvals', { token: user.token })).status).toBe(403);

    const missingApi = await call('POST', `/v1/users/${user.id}/roles`, {
      token: admin.token,
      body: { role: 'approver' },
    });
    expect(missingApi.status).toBe(400);
    expect(missingApi.body.errors[0].path).toBe('apiId');

    const granted = await call('POST', `/v1/users/${user.id}/roles`, {
      token: admin.token,
      body: { role: 'approver', apiId: api.id },
    });
    expect(granted.status).toBe(201);
    const assignment = (granted.body.roles as { id: string; role: string; apiSlug: string }[]).find(
      (role) => role.role === 'approver',
    )!;
    expect(assignment.apiSlug).toBe(api.slug);
    const twice = await call('POST', `/v1/users/${user.id}/roles`, {
      token: admin.token,
      body: { role: 'approver', apiId: api.id },
    });
    expect(twice.status).toBe(409);

    // Roles apply at once: the principal is rebuilt on every request.
    const me = await call('GET', '/v1/me', { token: user.token });
    expect(me.body.approverApiIds).toEqual([api.id]);
    expect((await call('GET', '/v1/approvals', { token: user.token })).status).toBe(200);

    const revoked = await call('DELETE', `/v1/users/${user.id}/roles/${assignment.id}`, {
      token: admin.token,
    });
    expect(revoked.status).toBe(204);
    expect((await call('GET', '/v1/approvals', { token: user.token })).status).toBe(403);

    const events = await reader.waitFor(
      (event) => event.data.target.id === user.id && event.data.action.startsWith('role.'),
      2,
    );
    expect(events.map((event) => [event.data.action, event.data.apiId])).toEqual([
      ['role.granted', api.id],
      ['role.revoked', api.id],
    ]);
    expect(events[0]!.data.actor).toMatchObject({ id: admin.id });
  });

  it('refuses to revoke the developer role', async () => {
    const admin = await createAdmin(call, prisma);
    const user = await signUpUser(call, 'keepdev');
    const developer = await prisma.roleAssignment.findFirstOrThrow({
      where: { userId: user.id, role: 'developer' },
    });
    const response = await call('DELETE', `/v1/users/${user.id}/roles/${developer.id}`, {
      token: admin.token,
    });
    expect(response.status).toBe(409);
  });
});
