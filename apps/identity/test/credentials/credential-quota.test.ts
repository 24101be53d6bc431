import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CREDENTIALS_PER_APPLICATION } from '../../src/credentials/credentials.service.js';
import type { IdentityTestApp } from '../support/identity-test-app.js';
import {
  basicAuth,
  createSession,
  createSubscribedApp,
  hashKeyOf,
  postForm,
  startOAuthIdentity,
  testPrisma,
  type SubscribedApp,
} from '../support/oauth-fixtures.js';

interface Issued {
  credential: { id: string; clientId: string | null };
  clientId?: string;
  clientSecret?: string;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Every usable credential reaches every gateway: an application holds a bounded number. */
describe('credential quota per application', () => {
  const cap = MAX_CREDENTIALS_PER_APPLICATION;
  let identity: IdentityTestApp;
  let prisma: PrismaClient;
  let session: string;

  beforeAll(async () => {
    identity = await startOAuthIdentity();
    prisma = testPrisma();
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
  });

  /** A fresh application, subscribed in both environments, and its owner's session. */
  async function freshApp(): Promise<SubscribedApp> {
    const app = await createSubscribedApp(prisma);
    await createSubscribedApp(prisma, { existing: app, environment: 'production' });
    session = await createSession(prisma, hashKeyOf(identity), app.userId);
    return app;
  }

  async function call(app: SubscribedApp, path: string, body: unknown = {}): Promise<Answer> {
    const response = await fetch(
      `${identity.url}/v1/applications/${app.appId}/credentials${path}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
    );
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  const create = (app: SubscribedApp, kind = 'client_secret', environment = 'sandbox') =>
    call(app, '', { kind, environment });

  /** Creates credentials one after the other (both kinds the gateway snapshot carries). */
  async function fill(app: SubscribedApp, count: number): Promise<Issued[]> {
    const issued: Issued[] = [];
    for (let index = 0; index < count; index++) {
      const created = await create(
        app,
        index % 2 === 0 ? 'client_secret' : 'api_key',
        index === 0 ? 'production' : 'sandbox',
      );
      expect(created.status).toBe(201);
      issued.push(created.body as unknown as Issued);
    }
    return issued;
  }

  const tokenWith = (clientId: string, secret: string) =>
    postForm(
      `${identity.url}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(clientId, secret) },
    );

  it('refuses a credential past the cap with a 409 problem; revoked and expired ones make room', async () => {
    const app = await freshApp();
    const issued = await fill(app, cap);

    // Both environments count together.
    for (const environment of ['sandbox', 'production']) {
      const refused = await create(app, 'api_key', environment);
      expect(refused.status).toBe(409);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body).toMatchObject({
        status: 409,
        type: expect.stringContaining('conflict'),
      });
      expect(refused.body.detail).toContain(`${cap} credentials in use at most`);
      expect(refused.body.detail).toContain('revoke ones it no longer uses');
    }
    expect(await prisma.credential.count({ where: { applicationId: app.appId } })).toBe(cap);

    expect((await call(app, `/${issued[1]!.credential.id}/revoke`)).status).toBe(200);
    expect((await create(app)).status).toBe(201);
    expect((await create(app)).status).toBe(409);

    // Past its expiry date a credential no longer counts, even before the sweep marks it.
    await prisma.credential.update({
      where: { id: issued[2]!.credential.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect((await create(app)).status).toBe(201);
    expect((await create(app)).status).toBe(409);
  });

  it('holds the cap against concurrent requests', async () => {
    const app = await freshApp();
    await fill(app, cap - 2);
    const answers = await Promise.all(Array.from({ length: 6 }, () => create(app, 'api_key')));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 201, 409, 409, 409, 409]);
    expect(await prisma.credential.count({ where: { applicationId: app.appId } })).toBe(cap);
  });

  it('rotates at the cap: both secrets work in the grace period; rotated-out ones are bounded too', async () => {
    const app = await freshApp();
    const issued = await fill(app, cap);
    const old = issued[0]!;

    const rotated = await call(app, `/${old.credential.id}/rotate`);
    expect(rotated.status).toBe(200);
    const next = rotated.body as unknown as Issued;
    expect(next.clientId).toBe(old.clientId);
    expect((await tokenWith(old.clientId!, old.clientSecret!)).status).toBe(200);
    expect((await tokenWith(next.clientId!, next.clientSecret!)).status).toBe(200);
    // The replacement took the old one's place: still no room for another.
    expect((await create(app)).status).toBe(409);

    // Chained rotations: each leaves one more old secret in its grace period, up to the cap.
    let current = next.credential.id;
    for (let rotation = 1; rotation < cap; rotation++) {
      const again = await call(app, `/${current}/rotate`);
      expect(again.status).toBe(200);
      current = (again.body as unknown as Issued).credential.id;
    }
    const inGrace = await prisma.credential.count({
      where: { applicationId: app.appId, graceUntil: { gt: new Date() } },
    });
    expect(inGrace).toBe(cap);
    const refused = await call(app, `/${current}/rotate`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.detail).toContain('rotated-out credentials still in their grace period');
    // Another credential may be rotated too, if its old secret ends now.
    const immediate = await call(app, `/${issued[1]!.credential.id}/rotate`, {
      graceUntil: new Date().toISOString(),
    });
    expect(immediate.status).toBe(200);

    // Ending a grace period early (revoking the old secret) makes room for a rotation again.
    expect((await call(app, `/${old.credential.id}/revoke`)).status).toBe(200);
    expect((await call(app, `/${current}/rotate`)).status).toBe(200);
  });
});
