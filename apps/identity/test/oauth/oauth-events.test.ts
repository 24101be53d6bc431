import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityTestApp } from '../support/identity-test-app.js';
import { ManagementEventReader } from '../support/management-fixtures.js';
import {
  basicAuth,
  createClientSecret,
  createSession,
  createSubscribedApp,
  hashKeyOf,
  loopbackAgent,
  postForm,
  startOAuthIdentity,
  testPrisma,
  type SubscribedApp,
} from '../support/oauth-fixtures.js';

describe('management events of the OAuth server and credentials', () => {
  let identity: IdentityTestApp;
  let prisma: PrismaClient;
  let app: SubscribedApp;
  const reader = new ManagementEventReader();

  beforeAll(async () => {
    identity = await startOAuthIdentity();
    prisma = testPrisma();
    app = await createSubscribedApp(prisma);
    await reader.start();
  });
  afterAll(async () => {
    await reader.stop();
    await identity?.close();
    await prisma?.$disconnect();
  });

  it('reports failed client authentication without the presented secret', async () => {
    const client = await createClientSecret(prisma, hashKeyOf(identity), app);
    const { agent, address } = loopbackAgent();
    const guess = 'pcls_not_the_secret_guess_000';
    const response = await postForm(
      `${identity.url}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(client.clientId, guess) },
      agent,
    );
    expect(response.status).toBe(401);
    const [event] = await reader.waitFor(
      (candidate) =>
        candidate.data.action === 'client_auth.failed' &&
        candidate.data.actor.id === client.clientId,
    );
    expect(event!.data).toMatchObject({
      outcome: 'failure',
      actor: { type: 'client', id: client.clientId },
      details: { method: 'client_secret_basic', rateLimited: false },
    });
    expect((event!.data as unknown as { sourceIp: string }).sourceIp).toBe(address);
    expect(JSON.stringify(event)).not.toContain(guess);
    expect(JSON.stringify(event)).not.toContain(client.secret);
    await agent.close();
  });

  it('reports token revocation, and credential creation, rotation and revocation', async () => {
    const client = await createClientSecret(prisma, hashKeyOf(identity), app);
    const token = (
      await postForm(
        `${identity.url}/oauth2/token`,
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(client.clientId, client.secret) },
      )
    ).body.access_token as string;
    const revoked = await postForm(
      `${identity.url}/oauth2/revoke`,
      { token },
      { authorization: basicAuth(client.clientId, client.secret) },
    );
    expect(revoked.status).toBe(200);
    const [tokenEvent] = await reader.waitFor(
      (event) => event.data.action === 'token.revoked' && event.data.actor.id === client.clientId,
    );
    expect(tokenEvent!.data).toMatchObject({ appId: app.appId, teamId: app.teamId });

    const session = await createSession(prisma, hashKeyOf(identity), app.userId);
    const base = `${identity.url}/v1/applications/${app.appId}/credentials`;
    const headers = { authorization: `Bearer ${session}`, 'content-type': 'application/json' };
    const created = (await (
      await fetch(base, {
        method: 'POST',
        headers,
        body: JSON.stringify({ kind: 'client_secret', environment: 'sandbox' }),
      })
    ).json()) as { credential: { id: string }; clientSecret: string };
    const rotated = (await (
      await fetch(`${base}/${created.credential.id}/rotate`, {
        method: 'POST',
        headers,
        body: '{}',
      })
    ).json()) as { credential: { id: string }; clientSecret: string };
    await fetch(`${base}/${rotated.credential.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session}` },
    });
    const events = await reader.waitFor(
      (event) => event.data.appId === app.appId && event.data.action.startsWith('credential.'),
      3,
    );
    expect(events.map((event) => event.data.action).sort()).toEqual([
      'credential.created',
      'credential.revoked',
      'credential.rotated',
    ]);
    for (const event of events) {
      expect(event.data.actor).toMatchObject({ type: 'user', id: app.userId });
      expect(JSON.stringify(event)).not.toContain(created.clientSecret);
      expect(JSON.stringify(event)).not.toContain(rotated.clientSecret);
    }
  });
});
