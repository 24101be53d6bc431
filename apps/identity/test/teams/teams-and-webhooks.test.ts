import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import { holdRowLocks } from '../support/row-locks.js';
import {
  caller,
  createApplication,
  createTeam,
  ManagementEventReader,
  signUpUser,
  suffix,
  testPrisma,
  type Call,
  type TestUser,
} from '../support/management-fixtures.js';

interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('teams, applications and webhooks', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  let receiver: Server;
  let receiverUrl: string;
  const deliveries: Delivery[] = [];
  let failuresLeft = 0;

  beforeAll(async () => {
    identity = await startIdentity();
    call = caller(identity);
    prisma = testPrisma();
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        deliveries.push({ headers: request.headers, body });
        response.statusCode = failuresLeft-- > 0 ? 500 : 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('lists teams and applications a page at a time, with the total', async () => {
    const developer = await signUpUser(call, 'pager');
    await createTeam(call, developer.token, 'pager-a');
    await createTeam(call, developer.token, 'pager-b');
    const teamPage = (query: string) =>
      call('GET', `/v1/teams?${query}`, { token: developer.token });
    const [firstTeams, secondTeams] = [
      await teamPage('pageSize=2'),
      await teamPage('pageSize=2&page=2'),
    ];
    expect(firstTeams.status).toBe(200);
    expect(firstTeams.body).toMatchObject({ page: 1, pageSize: 2, total: 3 });
    expect(firstTeams.body.items).toHaveLength(2);
    expect(secondTeams.body).toMatchObject({ page: 2, pageSize: 2, total: 3 });
    const teamIds = [...firstTeams.body.items, ...secondTeams.body.items].map(
      (team: { id: string }) => team.id,
    );
    expect(new Set(teamIds).size).toBe(3);
    expect(teamIds).toContain(developer.personalTeamId);
    expect((await teamPage('page=9')).body).toMatchObject({ items: [], total: 3 });

    for (let index = 0; index < 3; index += 1) {
      await createApplication(call, developer.token, developer.personalTeamId);
    }
    const appPage = (query: string) =>
      call('GET', `/v1/applications?${query}`, { token: developer.token });
    const appIds: string[] = [];
    for (const page of [1, 2, 3]) {
      const listed = await appPage(`teamId=${developer.personalTeamId}&pageSize=1&page=${page}`);
      expect(listed.body).toMatchObject({ page, pageSize: 1, total: 3 });
      appIds.push(...listed.body.items.map((app: { id: string }) => app.id));
    }
    expect(new Set(appIds).size).toBe(3);
    expect((await appPage('pageSize=20')).body.total).toBe(3);

    for (const bad of ['pageSize=101', 'pageSize=0', 'page=0', 'page=x']) {
      for (const response of [await teamPage(bad), await appPage(bad)]) {
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
      }
    }
  });

  it('adds and removes members; only owners manage; the last owner stays', async () => {
    const owner = await signUpUser(call, 'owner');
    const member = await signUpUser(call, 'member');
    const created = await call('POST', '/v1/teams', {
      token: owner.token,
      body: { name: 'Billing squad', slug: `billing-${suffix()}` },
    });
    expect(created.status).toBe(201);
    const teamId = created.body.id as string;
    expect(created.body.members).toEqual([
      expect.objectContaining({ userId: owner.id, role: 'owner' }),
    ]);

    const unknown = await call('POST', `/v1/teams/${teamId}/members`, {
      token: owner.token,
      body: { email: `ghost-${suffix()}@example.test` },
    });
    expect(unknown.status).toBe(404);
    const added = await call('POST', `/v1/teams/${teamId}/members`, {
      token: owner.token,
      body: { email: member.email.toUpperCase() },
    });
    expect(added.status).toBe(201);
    expect(added.body.members).toHaveLength(2);

    // Members see the team and act for it, but do not manage it.
    expect((await call('GET', `/v1/teams/${teamId}`, { token: member.token })).status).toBe(200);
    const byMember = await call('POST', `/v1/teams/${teamId}/members`, {
      token: member.token,
      body: { email: owner.email, role: 'owner' },
    });
    expect(byMember.status).toBe(403);
    const appId = await createApplication(call, member.token, teamId);

    const lastOwner = await call('DELETE', `/v1/teams/${teamId}/members/${owner.id}`, {
      token: owner.token,
    });
    expect(lastOwner.status).toBe(409);
    const removed = await call('DELETE', `/v1/teams/${teamId}/members/${member.id}`, {
      token: owner.token,
    });
    expect(removed.status).toBe(204);
    // The application belongs to the team and outlives its creator's membership.
    const app = await call('GET', `/v1/applications/${appId}`, { token: owner.token });
    expect(app.status).toBe(200);
    expect(app.body.team.id).toBe(teamId);
    expect((await call('GET', `/v1/applications/${appId}`, { token: member.token })).status).toBe(
      404,
    );
  });

  describe('two owners leaving at once', () => {
    let first: TestUser;
    let second: TestUser;

    beforeAll(async () => {
      [first, second] = [await signUpUser(call, 'leaving'), await signUpUser(call, 'leaving')];
    });

    /** A team of two owners: the only two. */
    async function twoOwnerTeam(): Promise<string> {
      const teamId = await createTeam(call, first.token, 'race');
      const added = await call('POST', `/v1/teams/${teamId}/members`, {
        token: first.token,
        body: { email: second.email, role: 'owner' },
      });
      expect(added.status).toBe(201);
      return teamId;
    }

    const remove = (teamId: string, who: TestUser, by: TestUser) =>
      call('DELETE', `/v1/teams/${teamId}/members/${who.id}`, { token: by.token });
    const owners = (teamId: string) =>
      prisma.teamMember.count({ where: { teamId, role: 'owner' } });

    it('lets exactly one of two owners leaving at once go', async () => {
      for (let round = 0; round < 5; round++) {
        const teamId = await twoOwnerTeam();
        const answers = await Promise.all([
          remove(teamId, first, first),
          remove(teamId, second, second),
        ]);
        expect(answers.map((answer) => answer.status).sort()).toEqual([204, 409]);
        const refused = answers.find((answer) => answer.status === 409)!;
        expect(refused.headers.get('content-type')).toContain('application/problem+json');
        expect(refused.body.detail).toBe('A team keeps at least one owner.');
        expect(await owners(teamId)).toBe(1);
      }
    });

    it('lets exactly one of two owners removing each other win, even when both counted first', async () => {
      for (let round = 0; round < 3; round++) {
        const teamId = await twoOwnerTeam();
        // Both requests read the owners while these rows are locked, then go on together.
        const lock = await holdRowLocks(
          process.env.DATABASE_URL!,
          'SELECT id FROM identity.team_members WHERE team_id = $1 FOR UPDATE',
          [teamId],
        );
        let answers;
        try {
          const racing = [remove(teamId, second, first), remove(teamId, first, second)];
          await lock.waiting(2, 'team_members');
          await lock.release();
          answers = await Promise.all(racing);
        } finally {
          await lock.release();
        }
        expect(answers.map((answer) => answer.status).sort()).toEqual([204, 409]);
        expect(await owners(teamId)).toBe(1);
      }
    });
  });

  it('refuses to delete an application with live subscriptions unless asked to revoke them', async () => {
    const admin = await signUpUser(call, 'appadmin');
    await prisma.roleAssignment.create({ data: { userId: admin.id, role: 'admin' } });
    const developer = await signUpUser(call, 'appdev');
    const id = suffix();
    const api = await call('POST', '/v1/apis', {
      token: admin.token,
      body: {
        slug: `del-${id}`,
        name: 'Del',
        basePath: `/del-${id}`,
        upstreamUrl: 'http://127.0.0.1:9',
        ownerTeamId: admin.personalTeamId,
        plans: [{ name: 'free', ratePerSecond: 1 }],
      },
    });
    expect(api.status).toBe(201);
    const appId = await createApplication(call, developer.token, developer.personalTeamId);
    const subscription = await call('POST', `/v1/applications/${appId}/subscriptions`, {
      token: developer.token,
      body: { apiSlug: `del-${id}`, planName: 'free', environment: 'sandbox' },
    });
    expect(subscription.body.status).toBe('approved');

    const refused = await call('DELETE', `/v1/applications/${appId}`, { token: developer.token });
    expect(refused.status).toBe(409);
    const deleted = await call('DELETE', `/v1/applications/${appId}?revokeSubscriptions=true`, {
      token: developer.token,
    });
    expect(deleted.status).toBe(204);
    expect(await prisma.application.count({ where: { id: appId } })).toBe(0);
    const change = await prisma.configChange.findFirst({
      where: { kind: 'subscription.changed', entityId: subscription.body.id },
      orderBy: { id: 'desc' },
    });
    expect(change).not.toBeNull();
  });

  it('signs webhook deliveries and retries failed ones in the background', async () => {
    const owner = await signUpUser(call, 'hooks');
    const created = await call('POST', `/v1/teams/${owner.personalTeamId}/webhooks`, {
      token: owner.token,
      body: { url: receiverUrl, events: ['application.created'] },
    });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const stored = await prisma.webhookEndpoint.findUniqueOrThrow({
      where: { id: created.body.id },
    });
    expect(stored.secretEncrypted).not.toContain(secret);
    const listed = await call('GET', `/v1/teams/${owner.personalTeamId}/webhooks`, {
      token: owner.token,
    });
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    failuresLeft = 1;
    const appId = await createApplication(call, owner.token, owner.personalTeamId);
    const deadline = Date.now() + 15_000;
    const mine = () => deliveries.filter((delivery) => delivery.body.includes(appId));
    while (mine().length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [first, second] = mine();
    expect(second).toBeDefined();
    expect(first!.headers['x-portcullis-delivery']).toBe(second!.headers['x-portcullis-delivery']);
    expect(first!.headers['x-portcullis-event']).toBe('application.created');
    const body = JSON.parse(second!.body) as { type: string; data: { appId: string } };
    expect(body).toMatchObject({ type: 'application.created', data: { appId } });

    const header = String(second!.headers['x-portcullis-signature']);
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(match).not.toBeNull();
    const expected = createHmac('sha256', secret)
      .update(`${match![1]}.${second!.body}`)
      .digest('hex');
    expect(match![2]).toBe(expected);

    let endpoint = await prisma.webhookEndpoint.findUniqueOrThrow({
      where: { id: created.body.id },
    });
    for (let tries = 0; !endpoint.lastSuccessAt && tries < 50; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      endpoint = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: created.body.id } });
    }
    expect(endpoint.lastError).toBe('HTTP 500');
    expect(endpoint.lastSuccessAt).not.toBeNull();
  });

  it('records webhook registrations and removals without the URL path, ten per team', async () => {
    const events = new ManagementEventReader();
    await events.start();
    try {
      const owner = await signUpUser(call, 'hookaudit');
      const path = `/v1/teams/${owner.personalTeamId}/webhooks`;
      // Chat and incident tools put their own secret in the path or query of the URL.
      const url = `${receiverUrl}/T0001/B0002/${suffix()}?token=hush-${suffix()}`;
      const ids: string[] = [];
      for (let index = 0; index < 10; index += 1) {
        const created = await call('POST', path, {
          token: owner.token,
          body: { url, events: ['application.created'] },
        });
        expect(created.status).toBe(201);
        ids.push(created.body.id as string);
      }
      const eleventh = await call('POST', path, {
        token: owner.token,
        body: { url, events: ['application.created'] },
      });
      expect(eleventh.status).toBe(409);
      expect(eleventh.body.detail).toContain('10 webhooks at most');
      expect((await call('DELETE', `${path}/${ids[0]}`, { token: owner.token })).status).toBe(204);
      // One removed: there is room again.
      const again = await call('POST', path, {
        token: owner.token,
        body: { url, events: ['application.created'] },
      });
      expect(again.status).toBe(201);

      const [created] = await events.waitFor(
        (event) => event.data.action === 'webhook.created' && event.data.target.id === ids[0],
      );
      const [deleted] = await events.waitFor(
        (event) => event.data.action === 'webhook.deleted' && event.data.target.id === ids[0],
      );
      const origin = new URL(receiverUrl).origin;
      expect(created!.data).toMatchObject({
        teamId: owner.personalTeamId,
        actor: { type: 'user', id: owner.id },
        details: { destination: origin, events: ['application.created'] },
      });
      expect(deleted!.data).toMatchObject({
        teamId: owner.personalTeamId,
        actor: { type: 'user', id: owner.id },
        details: { destination: origin },
      });
      for (const event of [created, deleted]) {
        expect(JSON.stringify(event)).not.toContain('hush');
        expect(JSON.stringify(event)).not.toContain('T0001');
      }
    } finally {
      await events.stop();
    }
  });

  it('refuses webhook URLs that are not http(s) or carry credentials', async () => {
    const owner = await signUpUser(call, 'badhooks');
    const response = await call('POST', `/v1/teams/${owner.personalTeamId}/webhooks`, {
      token: owner.token,
      body: { url: 'http://user:pw@127.0.0.1/x', events: ['nope'] },
    });
    expect(response.status).toBe(400);
    expect((response.body.errors as { path: string }[]).map((error) => error.path).sort()).toEqual([
      'events.0',
      'url',
    ]);
  });

  it('bumps an API version on change only, and refuses stale edits', async () => {
    const admin = await signUpUser(call, 'versions');
    await prisma.roleAssignment.create({ data: { userId: admin.id, role: 'admin' } });
    const id = suffix();
    const created = await call('POST', '/v1/apis', {
      token: admin.token,
      body: {
        slug: `ver-${id}`,
        name: 'Versions',
        basePath: `/ver-${id}`,
        upstreamUrl: 'http://127.0.0.1:9',
        ownerTeamId: admin.personalTeamId,
        scopes: [{ name: 'a:read' }],
      },
    });
    expect(created.body.version).toBe(1);
    const same = await call('PATCH', `/v1/apis/ver-${id}`, {
      token: admin.token,
      body: { name: 'Versions' },
    });
    expect(same.body.version).toBe(1);
    const changed = await call('PATCH', `/v1/apis/ver-${id}`, {
      token: admin.token,
      body: { description: 'Now described', version: 1 },
    });
    expect(changed.body.version).toBe(2);
    const stale = await call('PATCH', `/v1/apis/ver-${id}`, {
      token: admin.token,
      body: { description: 'Lost update', version: 1 },
    });
    expect(stale.status).toBe(409);
    const badRoute = await call('PATCH', `/v1/apis/ver-${id}`, {
      token: admin.token,
      body: { routes: [{ method: 'GET', pathPattern: '/x', requiredScopes: ['b:write'] }] },
    });
    expect(badRoute.status).toBe(400);
    expect(badRoute.body.errors[0]).toMatchObject({ path: 'routes.0.requiredScopes' });
    const clash = await call('POST', '/v1/apis', {
      token: admin.token,
      body: {
        slug: `other-${id}`,
        name: 'Other',
        basePath: `/ver-${id}`,
        upstreamUrl: 'http://127.0.0.1:9',
        ownerTeamId: admin.personalTeamId,
      },
    });
    expect(clash.status).toBe(409);
    const search = await call('GET', `/v1/apis?q=ver-${id}`, { token: admin.token });
    expect(search.body.items.map((api: { slug: string }) => api.slug)).toEqual([`ver-${id}`]);
    const badQuery = await call('GET', '/v1/apis?pageSize=1000', { token: admin.token });
    expect(badQuery.status).toBe(400);
  });
});
