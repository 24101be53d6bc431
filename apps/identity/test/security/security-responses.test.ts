import { randomInt } from 'node:crypto';
import { newEventId } from '@portcullis/contracts';
import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  createAdmin,
  grantRole,
  ManagementEventReader,
  signUpUser,
  type Call,
  type TestUser,
} from '../support/management-fixtures.js';
import {
  basicAuth,
  createClientSecret,
  createSubscribedApp,
  hashKeyOf,
  postForm,
  startOAuthIdentity,
  testPrisma,
} from '../support/oauth-fixtures.js';

/** A documentation address (RFC 5737) no other test uses. */
function testAddress(): string {
  return `198.51.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

function inMinutes(minutes: number): string {
  return new Date(Date.now() + minutes * 60_000).toISOString();
}

describe('security responses and source blocks', () => {
  let identity: IdentityTestApp;
  let prisma: PrismaClient;
  let call: Call;
  let events: ManagementEventReader;
  let admin: TestUser;
  let security: TestUser;
  let developer: TestUser;
  let audit: string;

  beforeAll(async () => {
    identity = await startOAuthIdentity();
    prisma = testPrisma();
    call = caller(identity);
    events = new ManagementEventReader();
    await events.start();
    admin = await createAdmin(call, prisma);
    security = await signUpUser(call, 'security');
    await grantRole(prisma, security.id, 'security');
    developer = await signUpUser(call, 'developer');
    audit = identity.config.IDENTITY_SERVICE_TOKENS.get('audit')!;
  });
  afterAll(async () => {
    await events?.stop();
    await identity?.close();
    await prisma?.$disconnect();
  });

  async function latestChange(entityId: string) {
    return prisma.configChange.findFirst({ where: { entityId }, orderBy: { id: 'desc' } });
  }

  function respond(id: string, body: Record<string, unknown>, token = audit) {
    return call('PUT', `/v1/security/responses/${id}`, { token, body });
  }

  async function token(clientId: string, secret: string) {
    return postForm(
      `${identity.url}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(clientId, secret) },
    );
  }

  it('blocks an address for the audit service, idempotently, and lifts it', async () => {
    const address = testAddress();
    const id = newEventId();
    const alertId = newEventId();
    const body = {
      action: 'block_ip',
      target: address,
      until: inMinutes(60),
      reason: 'auth failure burst',
      source: { service: 'audit', alertId },
    };
    const first = await respond(id, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id, action: 'block_ip', target: address, active: true });
    expect(first.body.source).toEqual({ service: 'audit', alertId });
    expect(first.body.requestedBy).toBe('service:audit');

    const later = inMinutes(120);
    const again = await respond(id, { ...body, until: later });
    expect(again.status).toBe(200);
    expect(again.body.until).toBe(later);
    const blocks = await prisma.sourceBlock.findMany({ where: { source: address } });
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.expiresAt?.toISOString()).toBe(later);

    // Gateways key blocks by address: the announced entity is the address, with the block's end.
    const blocked = await latestChange(address);
    expect(blocked).toMatchObject({ kind: 'source.blocked' });
    expect(blocked!.until?.toISOString()).toBe(later);

    const listed = await call('GET', '/v1/security/blocks', { token: security.token });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toContainEqual(
      expect.objectContaining({ source: address, responseId: id, active: true, until: later }),
    );
    const snapshot = await call('GET', '/v1/gateway/snapshot', {
      token: identity.config.IDENTITY_SERVICE_TOKENS.get('gateway')!,
    });
    expect(snapshot.body.blockedSources).toContainEqual({ address, until: later });

    expect((await call('DELETE', `/v1/security/responses/${id}`, { token: audit })).status).toBe(
      204,
    );
    expect((await call('DELETE', `/v1/security/responses/${id}`, { token: audit })).status).toBe(
      404,
    );
    expect(await latestChange(address)).toMatchObject({ kind: 'source.unblocked' });
    const after = await call('GET', '/v1/security/blocks', { token: security.token });
    expect(after.body.items.map((item: { source: string }) => item.source)).not.toContain(address);
    const lifted = await call('GET', `/v1/security/responses/${id}`, { token: audit });
    expect(lifted.body).toMatchObject({ active: false, liftedBy: 'service:audit' });

    // A lifted response is not applied again under the same id.
    expect((await respond(id, body)).status).toBe(409);

    const published = await events.waitFor(
      (event) =>
        ['source.blocked', 'source.unblocked'].includes(event.data.action) &&
        event.data.details.source === address,
      3,
    );
    expect(published.map((event) => event.data.action)).toEqual([
      'source.blocked',
      'source.blocked',
      'source.unblocked',
    ]);
    expect(published[0]!.data.actor).toMatchObject({ type: 'service', id: 'audit' });
    expect(published[0]!.data.details).toMatchObject({ responseId: id, alertId, reapplied: false });
  });

  it('keeps an address blocked while another block still covers it', async () => {
    const address = testAddress();
    const manual = await call('POST', '/v1/security/blocks', {
      token: admin.token,
      body: { source: address, reason: 'seen scanning', until: inMinutes(30) },
    });
    expect(manual.status).toBe(201);
    expect(manual.body).toMatchObject({ source: address, active: true, responseId: null });
    const responseId = newEventId();
    const longer = inMinutes(90);
    expect(
      (
        await respond(responseId, {
          action: 'block_ip',
          target: address,
          until: longer,
          reason: 'alert',
        })
      ).status,
    ).toBe(201);
    expect((await latestChange(address))!.until?.toISOString()).toBe(longer);

    // Lifting the longer one leaves the manual block: still blocked, until its end.
    expect(
      (await call('DELETE', `/v1/security/responses/${responseId}`, { token: security.token }))
        .status,
    ).toBe(204);
    const remaining = await latestChange(address);
    expect(remaining).toMatchObject({ kind: 'source.blocked' });
    expect(remaining!.until?.toISOString()).toBe(manual.body.until);

    expect(
      (await call('DELETE', `/v1/security/blocks/${manual.body.id}`, { token: security.token }))
        .status,
    ).toBe(204);
    expect(await latestChange(address)).toMatchObject({ kind: 'source.unblocked' });
    expect(
      (await call('DELETE', `/v1/security/blocks/${manual.body.id}`, { token: security.token }))
        .status,
    ).toBe(404);

    const history = await call('GET', '/v1/security/blocks?includeInactive=true', {
      token: admin.token,
    });
    expect(history.body.items).toContainEqual(
      expect.objectContaining({ id: manual.body.id, active: false }),
    );
  });

  it('normalises targets and refuses what it cannot apply', async () => {
    const v6 = await respond(newEventId(), {
      action: 'block_ip',
      target: `2001:DB8:0:0:0:0:${randomInt(1, 65535).toString(16)}:1`,
      until: inMinutes(5),
      reason: 'x',
    });
    expect(v6.status).toBe(201);
    expect(v6.body.target).toMatch(/^2001:db8::[0-9a-f]+:1$/);
    const range = await call('POST', '/v1/security/blocks', {
      token: admin.token,
      body: { source: `10.${randomInt(0, 256)}.7.9/16`, reason: 'range' },
    });
    expect(range.status).toBe(201);
    expect(range.body.source).toMatch(/^10\.\d+\.0\.0\/16$/);
    expect(range.body.until).toBeNull();
    await call('DELETE', `/v1/security/blocks/${range.body.id}`, { token: admin.token });

    const refused = async (body: Record<string, unknown>) =>
      (
        await respond(newEventId(), {
          action: 'block_ip',
          until: inMinutes(5),
          reason: 'x',
          target: testAddress(),
          ...body,
        })
      ).status;
    expect(await refused({ target: 'not-an-address' })).toBe(400);
    expect(await refused({ target: '0.0.0.0/0' })).toBe(400);
    expect(await refused({ target: '10.0.0.0/33' })).toBe(400);
    expect(await refused({ until: new Date(Date.now() - 1000).toISOString() })).toBe(400);
    expect(await refused({ action: 'suspend_credential', target: 'abc' })).toBe(400);
    expect(await refused({ action: 'suspend_credential', target: newEventId() })).toBe(404);
    expect(await refused({ action: 'delete_everything' })).toBe(400);
    expect(await refused({ extra: true })).toBe(400);
    expect(
      (await call('PUT', '/v1/security/responses/not-a-uuid', { token: audit, body: {} })).status,
    ).toBe(400);

    // The same id for another target is a conflict, not a silent overwrite.
    const id = newEventId();
    expect(
      (
        await respond(id, {
          action: 'block_ip',
          target: testAddress(),
          until: inMinutes(5),
          reason: 'x',
        })
      ).status,
    ).toBe(201);
    expect(await refusedWithId(id)).toBe(409);
    async function refusedWithId(responseId: string) {
      return (
        await respond(responseId, {
          action: 'block_ip',
          target: testAddress(),
          until: inMinutes(5),
          reason: 'x',
        })
      ).status;
    }
    expect(
      (await call('DELETE', `/v1/security/responses/${newEventId()}`, { token: audit })).status,
    ).toBe(404);
  });

  it('lets only the audit service, security and admins respond, and only people block by hand', async () => {
    const body = { action: 'block_ip', target: testAddress(), until: inMinutes(5), reason: 'x' };
    const gateway = identity.config.IDENTITY_SERVICE_TOKENS.get('gateway')!;
    const portal = identity.config.IDENTITY_SERVICE_TOKENS.get('portal')!;
    expect((await respond(newEventId(), body, null as never)).status).toBe(401);
    expect((await respond(newEventId(), body, developer.token)).status).toBe(403);
    expect((await respond(newEventId(), body, gateway)).status).toBe(403);
    expect((await respond(newEventId(), body, portal)).status).toBe(403);
    const bySecurity = await respond(newEventId(), body, security.token);
    expect(bySecurity.status).toBe(201);
    expect(bySecurity.body.requestedBy).toBe(`user:${security.id}`);
    expect((await respond(newEventId(), body, admin.token)).status).toBe(201);

    for (const token of [developer.token, audit, gateway]) {
      expect((await call('GET', '/v1/security/blocks', { token })).status).toBe(403);
      expect(
        (
          await call('POST', '/v1/security/blocks', {
            token,
            body: { source: testAddress(), reason: 'x' },
          })
        ).status,
      ).toBe(403);
    }
  });

  it('suspends a credential at the token endpoint until the response is lifted', async () => {
    const app = await createSubscribedApp(prisma);
    const client = await createClientSecret(prisma, hashKeyOf(identity), app);
    expect((await token(client.clientId, client.secret)).status).toBe(200);

    const id = newEventId();
    const alertId = newEventId();
    const until = inMinutes(60);
    const applied = await respond(id, {
      action: 'suspend_credential',
      target: client.credentialId,
      until,
      reason: 'revoked credential used',
      source: { service: 'audit', alertId },
    });
    expect(applied.status).toBe(201);
    const suspended = await prisma.credential.findUniqueOrThrow({
      where: { id: client.credentialId },
    });
    expect(suspended.status).toBe('suspended');
    expect(suspended.suspendedUntil?.toISOString()).toBe(until);
    expect(await latestChange(client.credentialId)).toMatchObject({ kind: 'credential.changed' });

    const refused = await token(client.clientId, client.secret);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
    // The gateway snapshot carries active credentials only.
    const snapshot = await call('GET', '/v1/gateway/snapshot', {
      token: identity.config.IDENTITY_SERVICE_TOKENS.get('gateway')!,
    });
    expect(snapshot.body.credentials.map((c: { id: string }) => c.id)).not.toContain(
      client.credentialId,
    );

    // A second, shorter suspension does not shorten it; lifting the first leaves the second.
    const second = newEventId();
    expect(
      (
        await respond(second, {
          action: 'suspend_credential',
          target: client.credentialId,
          until: inMinutes(10),
          reason: 'again',
        })
      ).status,
    ).toBe(201);
    expect((await call('DELETE', `/v1/security/responses/${id}`, { token: audit })).status).toBe(
      204,
    );
    const still = await prisma.credential.findUniqueOrThrow({ where: { id: client.credentialId } });
    expect(still.status).toBe('suspended');
    expect(still.suspendedUntil!.getTime()).toBeLessThan(Date.parse(until));
    expect((await token(client.clientId, client.secret)).status).toBe(401);

    expect(
      (await call('DELETE', `/v1/security/responses/${second}`, { token: security.token })).status,
    ).toBe(204);
    const restored = await prisma.credential.findUniqueOrThrow({
      where: { id: client.credentialId },
    });
    expect(restored).toMatchObject({ status: 'active', suspendedUntil: null });
    expect((await token(client.clientId, client.secret)).status).toBe(200);

    const published = await events.waitFor(
      (event) =>
        event.data.target.id === client.credentialId &&
        event.data.action.startsWith('credential.suspen'),
      4,
    );
    expect(published.map((event) => event.data.action)).toEqual([
      'credential.suspended',
      'credential.suspended',
      'credential.suspension_lifted',
      'credential.suspension_lifted',
    ]);
    expect(published[0]!.data).toMatchObject({ appId: app.appId, teamId: app.teamId });
    expect(published[0]!.data.details).toMatchObject({ responseId: id, alertId, until });
    expect(published[3]!.data.details).toMatchObject({ credentialStatus: 'active' });
  });

  it('records a suspension of a revoked credential without reviving it', async () => {
    const app = await createSubscribedApp(prisma);
    const client = await createClientSecret(prisma, hashKeyOf(identity), app);
    await prisma.credential.update({
      where: { id: client.credentialId },
      data: { status: 'revoked', revokedAt: new Date() },
    });
    const id = newEventId();
    const applied = await respond(id, {
      action: 'suspend_credential',
      target: client.credentialId,
      until: inMinutes(60),
      reason: 'revoked credential used',
    });
    expect(applied.status).toBe(201);
    expect((await call('DELETE', `/v1/security/responses/${id}`, { token: audit })).status).toBe(
      204,
    );
    const credential = await prisma.credential.findUniqueOrThrow({
      where: { id: client.credentialId },
    });
    expect(credential.status).toBe('revoked');
  });

  it('shows a suspended credential as suspended to its team', async () => {
    const app = await createSubscribedApp(prisma);
    const client = await createClientSecret(prisma, hashKeyOf(identity), app);
    await respond(newEventId(), {
      action: 'suspend_credential',
      target: client.credentialId,
      until: inMinutes(60),
      reason: 'x',
    });
    const credentials = await call('GET', `/v1/applications/${app.appId}/credentials`, {
      token: admin.token,
    });
    expect(credentials.body.items).toContainEqual(
      expect.objectContaining({ id: client.credentialId, status: 'suspended' }),
    );
    const rotate = await call(
      'POST',
      `/v1/applications/${app.appId}/credentials/${client.credentialId}/rotate`,
      { token: admin.token, body: {} },
    );
    expect(rotate.status).toBe(409);
  });
});
