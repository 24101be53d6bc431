import { randomInt, randomUUID } from 'node:crypto';
import type { PrismaClient, SubscriptionStatus } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  createAdmin,
  createApplication,
  createTeam,
  createTestApi,
  grantRole,
  signIn,
  signUpUser,
  suffix,
  testPrisma,
  type Call,
  type TestApi,
  type TestUser,
} from '../support/management-fixtures.js';

/**
 * Every management route, called by every kind of caller, with the exact answer expected.
 * `dev` owns the application's team; `apThis` approves the API it subscribes to; `apOther`
 * approves a different API; `svc` is the gateway's service token.
 */
const ROLES = ['anon', 'dev', 'apThis', 'apOther', 'sec', 'admin', 'svc'] as const;
type RoleName = (typeof ROLES)[number];
type Expected = Record<RoleName, number>;

interface Context {
  dev: TestUser;
  apThis: TestUser;
  apOther: TestUser;
  sec: TestUser;
  admin: TestUser;
  teamId: string;
  appId: string;
  api: TestApi;
  subscriptionId: string;
}

interface Row {
  name: string;
  method: string;
  path: (context: Context) => string;
  body?: unknown;
  /** Builds a fresh target for each call (for routes that change or consume what they touch). */
  prepare?: (role: RoleName, context: Context) => Promise<{ path?: string; body?: unknown }>;
  expected: Expected;
}

const forUsers = (status: number): Expected => ({
  anon: 401,
  dev: status,
  apThis: status,
  apOther: status,
  sec: status,
  admin: status,
  svc: 403,
});
const adminOnly = (status: number): Expected => ({
  anon: 401,
  dev: 403,
  apThis: 403,
  apOther: 403,
  sec: 403,
  admin: status,
  svc: 403,
});
/** Routes on the developer's team or application: outsiders get 404, security may only read. */
const teamWrite = (status: number): Expected => ({
  anon: 401,
  dev: status,
  apThis: 404,
  apOther: 404,
  sec: 403,
  admin: status,
  svc: 403,
});
const teamRead: Expected = { ...teamWrite(200), sec: 200 };
const decision = (devStatus: number): Expected => ({
  anon: 401,
  dev: devStatus,
  apThis: 200,
  apOther: 404,
  sec: 403,
  admin: 200,
  svc: 403,
});

describe('management API: role × route matrix', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  let context: Context;
  const tokens = {} as Record<RoleName, string | null>;

  async function freshApp(): Promise<string> {
    const app = await prisma.application.create({
      data: { teamId: context.teamId, name: `app ${suffix()}`, createdById: context.dev.id },
    });
    return app.id;
  }

  /** An active block_ip response, as the audit service would have applied it. */
  async function freshResponse(): Promise<string> {
    const source = `198.18.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    const until = new Date(Date.now() + 60_000);
    const block = await prisma.sourceBlock.create({
      data: { source, reason: 'matrix', expiresAt: until },
    });
    const response = await prisma.securityResponse.create({
      data: {
        id: randomUUID(),
        action: 'block_ip',
        target: source,
        until,
        reason: 'matrix',
        requestedBy: 'service:audit',
        sourceBlockId: block.id,
      },
    });
    return response.id;
  }

  async function freshSubscription(status: SubscriptionStatus): Promise<string> {
    const subscription = await prisma.subscription.create({
      data: {
        applicationId: await freshApp(),
        apiId: context.api.id,
        planId: context.api.plans[0]!.id,
        environment: 'production',
        status,
        requestedById: context.dev.id,
      },
    });
    return subscription.id;
  }

  function userOf(role: RoleName): TestUser | null {
    return role === 'anon' || role === 'svc' ? null : context[role];
  }

  beforeAll(async () => {
    identity = await startIdentity();
    call = caller(identity);
    prisma = testPrisma();
    const admin = await createAdmin(call, prisma);
    const ownerTeam = await createTeam(call, admin.token, 'api-owners');
    const api = await createTestApi(call, admin.token, ownerTeam);
    const otherApi = await createTestApi(call, admin.token, ownerTeam);
    const [dev, apThis, apOther, sec] = await Promise.all([
      signUpUser(call, 'm-dev'),
      signUpUser(call, 'm-approver'),
      signUpUser(call, 'm-other-approver'),
      signUpUser(call, 'm-security'),
    ]);
    await grantRole(prisma, apThis.id, 'approver', api.id);
    await grantRole(prisma, apOther.id, 'approver', otherApi.id);
    await grantRole(prisma, sec.id, 'security');
    const appId = await createApplication(call, dev.token, dev.personalTeamId);
    const requested = await call('POST', `/v1/applications/${appId}/subscriptions`, {
      token: dev.token,
      body: { apiSlug: api.slug, planName: 'free', environment: 'production' },
    });
    context = {
      dev,
      apThis,
      apOther,
      sec,
      admin,
      teamId: dev.personalTeamId,
      appId,
      api,
      subscriptionId: requested.body.id as string,
    };
    tokens.anon = null;
    tokens.svc = identity.config.IDENTITY_SERVICE_TOKENS.get('gateway')!;
    for (const role of ['dev', 'apThis', 'apOther', 'sec', 'admin'] as const) {
      tokens[role] = context[role].token;
    }
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
  });

  const rows: Row[] = [
    {
      name: 'sign up (public)',
      method: 'POST',
      path: () => '/v1/users',
      prepare: async () => ({
        body: {
          email: `matrix-${suffix()}@example.test`,
          password: 'long enough password',
          displayName: 'Matrix',
        },
      }),
      expected: { ...forUsers(201), anon: 201, svc: 201 },
    },
    {
      name: 'sign in with a wrong password (public)',
      method: 'POST',
      path: () => '/v1/sessions',
      prepare: async () => ({ body: { email: `nobody-${suffix()}@example.test`, password: 'x' } }),
      expected: { ...forUsers(401), svc: 401 },
    },
    { name: 'my profile', method: 'GET', path: () => '/v1/me', expected: forUsers(200) },
    {
      name: 'sign out (fresh session each)',
      method: 'DELETE',
      path: () => '/v1/sessions/current',
      expected: forUsers(204),
    },
    {
      name: 'sign out everywhere else (ends the other sessions, keeps this one)',
      method: 'DELETE',
      path: () => '/v1/sessions/others',
      expected: forUsers(200),
    },
    {
      name: 'list my known devices',
      method: 'GET',
      path: () => '/v1/me/devices',
      expected: forUsers(200),
    },
    {
      name: 'forget a device that is not mine',
      method: 'DELETE',
      path: () => `/v1/me/devices/${randomUUID()}`,
      expected: forUsers(404),
    },
    {
      name: 'start TOTP enrolment',
      method: 'POST',
      path: () => '/v1/me/mfa/totp',
      expected: forUsers(201),
    },
    {
      name: 'confirm TOTP (malformed code)',
      method: 'POST',
      path: () => '/v1/me/mfa/totp/confirm',
      body: { code: '12345', currentPassword: 'whatever' },
      expected: forUsers(400),
    },
    {
      name: 'disable TOTP (malformed code)',
      method: 'DELETE',
      path: () => '/v1/me/mfa/totp',
      body: { code: '12345' },
      expected: forUsers(400),
    },
    {
      name: 'second factor (malformed code)',
      method: 'POST',
      path: () => '/v1/sessions/current/mfa',
      body: { code: '12345' },
      expected: forUsers(400),
    },
    {
      name: 'change my password (too short)',
      method: 'POST',
      path: () => '/v1/me/password',
      body: { currentPassword: 'whatever', newPassword: 'short' },
      expected: forUsers(400),
    },
    {
      name: 'replace recovery codes (malformed code)',
      method: 'POST',
      path: () => '/v1/me/mfa/recovery-codes',
      body: { code: '12345' },
      expected: forUsers(400),
    },
    {
      name: 'issue a password reset',
      method: 'POST',
      path: () => '',
      prepare: async () => {
        const target = await prisma.user.create({
          data: { email: `reset-${suffix()}@example.test`, passwordHash: 'x', displayName: 'R' },
        });
        return { path: `/v1/users/${target.id}/password-reset` };
      },
      expected: adminOnly(201),
    },
    {
      name: 'disable an account',
      method: 'POST',
      path: () => '',
      prepare: async () => {
        const target = await signUpUser(call, 'm-disable');
        return { path: `/v1/users/${target.id}/disable` };
      },
      expected: adminOnly(200),
    },
    {
      name: 'enable an account',
      method: 'POST',
      path: () => '',
      prepare: async () => {
        const target = await prisma.user.create({
          data: {
            email: `enable-${suffix()}@example.test`,
            passwordHash: 'x',
            displayName: 'E',
            status: 'disabled',
          },
        });
        return { path: `/v1/users/${target.id}/enable` };
      },
      expected: adminOnly(200),
    },
    {
      name: 'redeem a password reset (public; made-up token)',
      method: 'POST',
      path: () => '/v1/password-resets',
      body: { token: 'pcl_pwr_made_up', newPassword: 'long enough password' },
      expected: { ...forUsers(400), anon: 400, svc: 400 },
    },
    {
      name: 'who may sign up (public)',
      method: 'GET',
      path: () => '/v1/sign-up-policy',
      expected: { ...forUsers(200), anon: 200, svc: 200 },
    },
    {
      name: 'invite someone to sign up',
      method: 'POST',
      path: () => '/v1/invitations',
      prepare: async () => ({ body: { email: `invite-${suffix()}@example.test` } }),
      expected: adminOnly(201),
    },
    {
      name: 'list invitations',
      method: 'GET',
      path: () => '/v1/invitations',
      expected: adminOnly(200),
    },
    {
      name: 'revoke an invitation',
      method: 'DELETE',
      path: () => '',
      prepare: async () => {
        const invitation = await prisma.invitation.create({
          data: {
            email: `revoke-${suffix()}@example.test`,
            codeHash: `matrix-${suffix()}`,
            expiresAt: new Date(Date.now() + 60_000),
          },
        });
        return { path: `/v1/invitations/${invitation.id}` };
      },
      expected: adminOnly(204),
    },
    {
      name: 'list users',
      method: 'GET',
      path: () => '/v1/users?q=m-dev',
      expected: { ...adminOnly(200), sec: 200 },
    },
    {
      name: 'get a user',
      method: 'GET',
      path: (c) => `/v1/users/${c.dev.id}`,
      expected: { ...adminOnly(200), sec: 200 },
    },
    {
      name: 'grant a role',
      method: 'POST',
      path: () => '',
      prepare: async () => {
        const target = await prisma.user.create({
          data: { email: `grant-${suffix()}@example.test`, passwordHash: 'x', displayName: 'G' },
        });
        return {
          path: `/v1/users/${target.id}/roles`,
          body: { role: 'approver', apiId: context.api.id },
        };
      },
      expected: adminOnly(201),
    },
    {
      name: 'revoke a role',
      method: 'DELETE',
      path: () => '',
      prepare: async () => {
        const target = await prisma.user.create({
          data: {
            email: `revoke-${suffix()}@example.test`,
            passwordHash: 'x',
            displayName: 'R',
            roleAssignments: { create: { role: 'security' } },
          },
          include: { roleAssignments: true },
        });
        return { path: `/v1/users/${target.id}/roles/${target.roleAssignments[0]!.id}` };
      },
      expected: adminOnly(204),
    },
    {
      name: 'create a team',
      method: 'POST',
      path: () => '/v1/teams',
      prepare: async () => ({ body: { name: `matrix team ${suffix()}` } }),
      expected: forUsers(201),
    },
    { name: 'list teams', method: 'GET', path: () => '/v1/teams', expected: forUsers(200) },
    {
      name: 'get the team',
      method: 'GET',
      path: (c) => `/v1/teams/${c.teamId}`,
      expected: teamRead,
    },
    {
      name: 'add a team member',
      method: 'POST',
      path: (c) => `/v1/teams/${c.teamId}/members`,
      prepare: async () => {
        const user = await prisma.user.create({
          data: { email: `member-${suffix()}@example.test`, passwordHash: 'x', displayName: 'M' },
        });
        return { body: { email: user.email, role: 'member' } };
      },
      expected: teamWrite(201),
    },
    {
      name: 'remove a team member',
      method: 'DELETE',
      path: () => '',
      prepare: async () => {
        const user = await prisma.user.create({
          data: {
            email: `leaver-${suffix()}@example.test`,
            passwordHash: 'x',
            displayName: 'L',
            teamMemberships: { create: { teamId: context.teamId, role: 'member' } },
          },
        });
        return { path: `/v1/teams/${context.teamId}/members/${user.id}` };
      },
      expected: teamWrite(204),
    },
    {
      name: 'create a webhook',
      method: 'POST',
      path: (c) => `/v1/teams/${c.teamId}/webhooks`,
      body: { url: 'http://127.0.0.1:9/hook', events: ['api.deleted'] },
      expected: teamWrite(201),
    },
    {
      name: 'list webhooks',
      method: 'GET',
      path: (c) => `/v1/teams/${c.teamId}/webhooks`,
      expected: teamRead,
    },
    {
      name: "a webhook's recent deliveries",
      method: 'GET',
      path: () => '',
      prepare: async () => {
        const hook = await prisma.webhookEndpoint.create({
          data: {
            teamId: context.teamId,
            url: 'http://127.0.0.1:9/x',
            secretEncrypted: 'x',
            events: ['api.deleted'],
          },
        });
        return { path: `/v1/teams/${context.teamId}/webhooks/${hook.id}/deliveries` };
      },
      expected: teamRead,
    },
    {
      name: 'delete a webhook',
      method: 'DELETE',
      path: () => '',
      prepare: async () => {
        const hook = await prisma.webhookEndpoint.create({
          data: {
            teamId: context.teamId,
            url: 'http://127.0.0.1:9/x',
            secretEncrypted: 'x',
            events: ['api.deleted'],
          },
        });
        return { path: `/v1/teams/${context.teamId}/webhooks/${hook.id}` };
      },
      expected: teamWrite(204),
    },
    {
      name: 'create an application',
      method: 'POST',
      path: (c) => `/v1/teams/${c.teamId}/applications`,
      prepare: async () => ({ body: { name: `matrix app ${suffix()}` } }),
      expected: teamWrite(201),
    },
    {
      name: 'list my applications',
      method: 'GET',
      path: () => '/v1/applications',
      expected: forUsers(200),
    },
    {
      name: 'get the application',
      method: 'GET',
      path: (c) => `/v1/applications/${c.appId}`,
      expected: teamRead,
    },
    {
      name: 'change the application',
      method: 'PATCH',
      path: (c) => `/v1/applications/${c.appId}`,
      body: { description: 'changed by the matrix' },
      expected: teamWrite(200),
    },
    {
      name: 'delete an application',
      method: 'DELETE',
      path: () => '',
      prepare: async () => ({ path: `/v1/applications/${await freshApp()}` }),
      expected: teamWrite(204),
    },
    { name: 'browse the catalog', method: 'GET', path: () => '/v1/apis', expected: forUsers(200) },
    {
      name: 'get an API',
      method: 'GET',
      path: (c) => `/v1/apis/${c.api.slug}`,
      expected: forUsers(200),
    },
    {
      name: 'get a missing API',
      method: 'GET',
      path: () => `/v1/apis/missing-${suffix()}`,
      expected: forUsers(404),
    },
    {
      name: 'publish an API',
      method: 'POST',
      path: () => '/v1/apis',
      prepare: async () => {
        const id = suffix();
        return {
          body: {
            slug: `m-${id}`,
            name: `M ${id}`,
            basePath: `/m-${id}`,
            upstreamUrl: 'http://127.0.0.1:9',
            ownerTeamId: context.api.ownerTeamId,
          },
        };
      },
      expected: adminOnly(201),
    },
    {
      name: 'change an API',
      method: 'PATCH',
      path: (c) => `/v1/apis/${c.api.slug}`,
      body: { description: 'edited' },
      expected: adminOnly(200),
    },
    {
      name: 'delete an API',
      method: 'DELETE',
      path: () => '',
      prepare: async () => {
        const id = suffix();
        const api = await prisma.api.create({
          data: {
            slug: `d-${id}`,
            name: 'D',
            basePath: `/d-${id}`,
            upstreamUrl: 'http://127.0.0.1:9',
            ownerTeamId: context.api.ownerTeamId,
          },
        });
        return { path: `/v1/apis/${api.slug}` };
      },
      expected: adminOnly(204),
    },
    {
      name: "an API's consumers",
      method: 'GET',
      path: (c) => `/v1/apis/${c.api.slug}/consumers`,
      expected: { ...adminOnly(200), apThis: 200, sec: 200 },
    },
    {
      name: 'request a subscription',
      method: 'POST',
      path: () => '',
      prepare: async () => ({
        path: `/v1/applications/${await freshApp()}/subscriptions`,
        body: { apiSlug: context.api.slug, planName: 'free', environment: 'production' },
      }),
      expected: teamWrite(201),
    },
    {
      name: "an application's subscriptions",
      method: 'GET',
      path: (c) => `/v1/applications/${c.appId}/subscriptions`,
      expected: teamRead,
    },
    {
      name: 'get a subscription',
      method: 'GET',
      path: (c) => `/v1/subscriptions/${c.subscriptionId}`,
      expected: { ...teamRead, apThis: 200 },
    },
    {
      name: 'approvals inbox',
      method: 'GET',
      path: () => '/v1/approvals?status=pending',
      expected: { ...adminOnly(200), apThis: 200, apOther: 200 },
    },
    {
      name: 'approve',
      method: 'POST',
      path: () => '',
      prepare: async () => ({
        path: `/v1/subscriptions/${await freshSubscription('pending')}/approve`,
        body: {},
      }),
      expected: decision(403),
    },
    {
      name: 'reject',
      method: 'POST',
      path: () => '',
      prepare: async () => ({
        path: `/v1/subscriptions/${await freshSubscription('pending')}/reject`,
        body: { comment: 'no' },
      }),
      expected: decision(403),
    },
    {
      name: 'suspend',
      method: 'POST',
      path: () => '',
      prepare: async () => ({
        path: `/v1/subscriptions/${await freshSubscription('approved')}/suspend`,
        body: { comment: 'paused' },
      }),
      expected: decision(403),
    },
    {
      name: 'resume',
      method: 'POST',
      path: () => '',
      prepare: async () => ({
        path: `/v1/subscriptions/${await freshSubscription('suspended')}/resume`,
        body: {},
      }),
      expected: decision(403),
    },
    {
      name: 'revoke (the developer may withdraw their own)',
      method: 'POST',
      path: () => '',
      prepare: async () => ({
        path: `/v1/subscriptions/${await freshSubscription('approved')}/revoke`,
        body: { comment: 'done' },
      }),
      expected: decision(200),
    },
    {
      name: 'my notifications',
      method: 'GET',
      path: () => '/v1/notifications',
      expected: forUsers(200),
    },
    {
      name: 'mark all notifications read',
      method: 'POST',
      path: () => '/v1/notifications/read-all',
      expected: forUsers(200),
    },
    {
      name: 'mark one notification read',
      method: 'POST',
      path: () => '',
      prepare: async (role) => {
        const owner = userOf(role) ?? context.dev;
        const note = await prisma.notification.create({
          data: { userId: owner.id, kind: 'test', payload: {} },
        });
        return { path: `/v1/notifications/${note.id}/read` };
      },
      expected: forUsers(204),
    },
    {
      name: 'apply a security response',
      method: 'PUT',
      path: () => '',
      prepare: async () => ({
        path: `/v1/security/responses/${randomUUID()}`,
        body: {
          action: 'block_ip',
          target: `198.18.${randomInt(0, 256)}.${randomInt(1, 255)}`,
          until: new Date(Date.now() + 60_000).toISOString(),
          reason: 'matrix',
        },
      }),
      expected: { ...adminOnly(201), sec: 201 },
    },
    {
      name: 'read a security response',
      method: 'GET',
      path: () => '',
      prepare: async () => ({ path: `/v1/security/responses/${await freshResponse()}` }),
      expected: { ...adminOnly(200), sec: 200 },
    },
    {
      name: 'lift a security response',
      method: 'DELETE',
      path: () => '',
      prepare: async () => ({ path: `/v1/security/responses/${await freshResponse()}` }),
      expected: { ...adminOnly(204), sec: 204 },
    },
    {
      name: 'list blocked sources',
      method: 'GET',
      path: () => '/v1/security/blocks',
      expected: { ...adminOnly(200), sec: 200 },
    },
    {
      name: 'block a source',
      method: 'POST',
      path: () => '/v1/security/blocks',
      prepare: async () => ({
        body: { source: `198.18.${randomInt(0, 256)}.${randomInt(1, 255)}`, reason: 'matrix' },
      }),
      expected: { ...adminOnly(201), sec: 201 },
    },
    {
      name: 'lift a block',
      method: 'DELETE',
      path: () => '',
      prepare: async () => {
        const block = await prisma.sourceBlock.create({
          data: { source: `198.18.${randomInt(0, 256)}.${randomInt(1, 255)}`, reason: 'matrix' },
        });
        return { path: `/v1/security/blocks/${block.id}` };
      },
      expected: { ...adminOnly(204), sec: 204 },
    },
  ];

  it.each(rows.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const actual = {} as Expected;
    for (const role of ROLES) {
      const prepared = row.prepare ? await row.prepare(role, context) : {};
      let token = tokens[role];
      // Signing out spends the session, and signing out everywhere else every other one: use a
      // fresh one, and let it stand in for the one that ended, so later rows keep theirs.
      const signsOut = ['/v1/sessions/current', '/v1/sessions/others'].includes(row.path(context));
      if (signsOut && row.method === 'DELETE') {
        const user = userOf(role);
        if (user) token = await signIn(call, user.email, user.password);
        if (user && row.path(context) === '/v1/sessions/others') tokens[role] = token!;
      }
      const response = await call(row.method, prepared.path || row.path(context), {
        token,
        body: prepared.body ?? row.body,
      });
      if (response.status >= 400) {
        expect(response.headers.get('content-type')).toContain('application/problem+json');
      }
      actual[role] = response.status;
    }
    expect(actual).toEqual(row.expected);
  });

  it('lets the portal service read the catalog, and nothing else', async () => {
    const portal = identity.config.IDENTITY_SERVICE_TOKENS.get('portal')!;
    expect((await call('GET', '/v1/apis', { token: portal })).status).toBe(200);
    expect((await call('GET', `/v1/apis/${context.api.slug}`, { token: portal })).status).toBe(200);
    expect((await call('GET', '/v1/teams', { token: portal })).status).toBe(403);
    expect((await call('GET', '/v1/approvals', { token: portal })).status).toBe(403);
  });

  it('lets members of the owning team edit their API, but not move it', async () => {
    const owner = await signUpUser(call, 'api-owner');
    await prisma.teamMember.create({
      data: { teamId: context.api.ownerTeamId, userId: owner.id, role: 'member' },
    });
    const edit = await call('PATCH', `/v1/apis/${context.api.slug}`, {
      token: owner.token,
      body: { description: 'owner edit' },
    });
    expect(edit.status).toBe(200);
    const move = await call('PATCH', `/v1/apis/${context.api.slug}`, {
      token: owner.token,
      body: { ownerTeamId: owner.personalTeamId },
    });
    expect(move.status).toBe(403);
  });
});
