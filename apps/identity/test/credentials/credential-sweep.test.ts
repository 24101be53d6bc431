import { newEventId } from '@portcullis/contracts';
import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialSweeper } from '../../src/credentials/credential-sweeper.js';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import { caller, createAdmin, ManagementEventReader } from '../support/management-fixtures.js';
import {
  basicAuth,
  createClientSecret,
  createSubscribedApp,
  hashKeyOf,
  postForm,
  testPrisma,
} from '../support/oauth-fixtures.js';

const past = () => new Date(Date.now() - 60_000);
const future = () => new Date(Date.now() + 3_600_000);

describe('credential sweep', () => {
  // Two replicas on one database, sweeping by hand (interval 0), and a third on a 1 s timer.
  let first: IdentityTestApp;
  let second: IdentityTestApp;
  let prisma: PrismaClient;
  let events: ManagementEventReader;

  beforeAll(async () => {
    [first, second] = await Promise.all([
      startIdentity({ CREDENTIAL_SWEEP_INTERVAL_SECONDS: '0' }),
      startIdentity({ CREDENTIAL_SWEEP_INTERVAL_SECONDS: '0' }),
    ]);
    prisma = testPrisma();
    events = new ManagementEventReader();
    await events.start();
  });
  afterAll(async () => {
    await events?.stop();
    await Promise.all([first?.close(), second?.close()]);
    await prisma?.$disconnect();
  });

  it('expires credentials past expiry or grace exactly once across replicas', async () => {
    const app = await createSubscribedApp(prisma);
    const key = hashKeyOf(first);
    const expired = await createClientSecret(prisma, key, app, { expiresAt: past() });
    const rotatedOut = await createClientSecret(prisma, key, app, { graceUntil: past() });
    const current = await createClientSecret(prisma, key, app, {
      expiresAt: future(),
      graceUntil: future(),
    });
    const many = await Promise.all(
      Array.from({ length: 30 }, () => createClientSecret(prisma, key, app, { expiresAt: past() })),
    );
    const swept = [expired, rotatedOut, ...many].map((client) => client.credentialId);

    await Promise.all([
      first.app.get(CredentialSweeper).sweep(),
      second.app.get(CredentialSweeper).sweep(),
    ]);

    const rows = await prisma.credential.findMany({
      where: { id: { in: [...swept, current.credentialId] } },
    });
    for (const row of rows) {
      expect(row.status).toBe(row.id === current.credentialId ? 'active' : 'expired');
    }
    // One config change and one event per credential, whichever replica claimed it.
    const changes = await prisma.configChange.groupBy({
      by: ['entityId'],
      where: { entityId: { in: swept }, kind: 'credential.changed' },
      _count: true,
    });
    expect(changes).toHaveLength(swept.length);
    expect(changes.every((change) => change._count === 1)).toBe(true);
    const published = await events.waitFor(
      (event) =>
        event.data.action === 'credential.expired' && swept.includes(event.data.target.id!),
      swept.length,
    );
    expect(new Set(published.map((event) => event.data.target.id)).size).toBe(swept.length);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(
      events.events.filter(
        (event) =>
          event.data.action === 'credential.expired' && swept.includes(event.data.target.id!),
      ),
    ).toHaveLength(swept.length);
    const byId = new Map(published.map((event) => [event.data.target.id, event.data]));
    expect(byId.get(expired.credentialId)).toMatchObject({
      actor: { type: 'system' },
      appId: app.appId,
      teamId: app.teamId,
      details: { reason: 'expired', kind: 'client_secret', clientId: expired.clientId },
    });
    expect(byId.get(rotatedOut.credentialId)!.details.reason).toBe('grace_period_ended');
    expect(await prisma.configChange.count({ where: { entityId: current.credentialId } })).toBe(0);
  });

  it('keeps swept credentials in the gateway snapshot as expired for a while', async () => {
    const app = await createSubscribedApp(prisma);
    const recent = await createClientSecret(prisma, hashKeyOf(first), app, { expiresAt: past() });
    const old = await createClientSecret(prisma, hashKeyOf(first), app, {
      expiresAt: new Date(Date.now() - 8 * 24 * 3_600_000),
    });
    await first.app.get(CredentialSweeper).sweep();
    const response = await caller(first)('GET', '/v1/gateway/snapshot', {
      token: first.config.IDENTITY_SERVICE_TOKENS.get('gateway')!,
    });
    const listed = response.body.credentials as { id: string; status: string }[];
    // Gateways keep answering `expired_credential` (not "unknown key") for recent expiries.
    expect(listed.find((c) => c.id === recent.credentialId)?.status).toBe('expired');
    expect(listed.map((c) => c.id)).not.toContain(old.credentialId);
  });

  it('keeps showing a rotated-out credential as rotated after the sweep', async () => {
    const call = caller(first);
    const admin = await createAdmin(call, prisma);
    const app = await createSubscribedApp(prisma);
    const rotatedOut = await createClientSecret(prisma, hashKeyOf(first), app, {
      graceUntil: past(),
      expiresAt: future(),
    });
    const expiredFirst = await createClientSecret(prisma, hashKeyOf(first), app, {
      graceUntil: new Date(Date.now() - 1_000),
      expiresAt: new Date(Date.now() - 120_000),
    });
    await first.app.get(CredentialSweeper).sweep();
    const listed = await call('GET', `/v1/applications/${app.appId}/credentials`, {
      token: admin.token,
    });
    const statusOf = (id: string) =>
      listed.body.items.find((item: { id: string }) => item.id === id)?.status;
    expect(statusOf(rotatedOut.credentialId)).toBe('rotated');
    expect(statusOf(expiredFirst.credentialId)).toBe('expired');
  });

  it('ends lapsed suspensions and lets the credential work again', async () => {
    const app = await createSubscribedApp(prisma);
    const client = await createClientSecret(prisma, hashKeyOf(first), app);
    const audit = first.config.IDENTITY_SERVICE_TOKENS.get('audit')!;
    const call = caller(first);
    const responseId = newEventId();
    const applied = await call('PUT', `/v1/security/responses/${responseId}`, {
      token: audit,
      body: {
        action: 'suspend_credential',
        target: client.credentialId,
        until: new Date(Date.now() + 1_500).toISOString(),
        reason: 'short suspension',
      },
    });
    expect(applied.status).toBe(201);
    const token = () =>
      postForm(
        `${first.url}/oauth2/token`,
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(client.clientId, client.secret) },
      );
    expect((await token()).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    // Lapsed responses are gone from the API's point of view (audit treats 404 as done).
    expect(
      (await call('DELETE', `/v1/security/responses/${responseId}`, { token: audit })).status,
    ).toBe(404);
    await Promise.all([
      first.app.get(CredentialSweeper).sweep(),
      second.app.get(CredentialSweeper).sweep(),
    ]);
    const row = await prisma.credential.findUniqueOrThrow({ where: { id: client.credentialId } });
    expect(row).toMatchObject({ status: 'active', suspendedUntil: null });
    // Either replica may have lifted it; the other sees the change within its cache's staleness
    // bound (TOKEN_CACHE_MAX_STALENESS_MS), so poll for a little longer than that.
    let status = (await token()).status;
    for (let attempt = 0; status !== 200 && attempt < 20; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await token()).status;
    }
    expect(status).toBe(200);
    const lifted = await events.waitFor(
      (event) =>
        event.data.action === 'credential.suspension_lifted' &&
        event.data.target.id === client.credentialId,
    );
    expect(lifted[0]!.data.details).toMatchObject({ reason: 'lapsed', credentialStatus: 'active' });
  });

  it('sweeps on its own timer', async () => {
    const timed = await startIdentity({ CREDENTIAL_SWEEP_INTERVAL_SECONDS: '1' });
    try {
      const app = await createSubscribedApp(prisma);
      const client = await createClientSecret(prisma, hashKeyOf(timed), app, {
        expiresAt: past(),
      });
      const deadline = Date.now() + 15_000;
      let status = 'active';
      while (status !== 'expired' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = (await prisma.credential.findUniqueOrThrow({ where: { id: client.credentialId } }))
          .status;
      }
      expect(status).toBe('expired');
    } finally {
      await timed.close();
    }
  });
});
