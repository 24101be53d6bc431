import { newEventId } from '@portcullis/contracts';
import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityTestApp } from '../support/identity-test-app.js';
import { caller, type Call } from '../support/management-fixtures.js';
import {
  basicAuth,
  createClientSecret,
  createSubscribedApp,
  hashKeyOf,
  postForm,
  startOAuthIdentity,
  testPrisma,
  type SubscribedApp,
} from '../support/oauth-fixtures.js';

/**
 * RFC 7662 introspection answers for what a token was issued for, not only for the token: a
 * revoked or suspended credential, a subscription no longer approved or a deleted application
 * make it inactive at once.
 */
describe('introspection follows the credential, subscription and application', () => {
  let identity: IdentityTestApp;
  let prisma: PrismaClient;
  let call: Call;
  let serviceToken: string;

  beforeAll(async () => {
    identity = await startOAuthIdentity();
    prisma = testPrisma();
    call = caller(identity);
    serviceToken = identity.config.IDENTITY_SERVICE_TOKENS.get('gateway')!;
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
  });

  async function issued(app: SubscribedApp) {
    const client = await createClientSecret(prisma, hashKeyOf(identity), app);
    const response = await postForm(
      `${identity.url}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(client.clientId, client.secret) },
    );
    expect(response.status).toBe(200);
    return { ...client, token: response.body.access_token as string };
  }

  async function active(token: string, auth = `Bearer ${serviceToken}`): Promise<boolean> {
    const response = await postForm(
      `${identity.url}/oauth2/introspect`,
      { token },
      { authorization: auth },
    );
    expect(response.status).toBe(200);
    return response.body.active as boolean;
  }

  it('answers only for the token as issued: whitespace or stray characters make it inactive', async () => {
    const client = await issued(await createSubscribedApp(prisma));
    expect(await active(client.token)).toBe(true);
    const [header, payload, signature] = client.token.split('.') as [string, string, string];
    const spelled = [
      // jose's base64url decoding skips these: each would verify as the issued token.
      `${header}.${payload}.${signature.slice(0, 8)} ${signature.slice(8)}`,
      `${header}.${payload}.${signature}\n`,
      `${header}.${payload}.${signature.slice(0, 8)}=${signature.slice(8)}`,
    ];
    for (const token of spelled) expect(await active(token), JSON.stringify(token)).toBe(false);
  });

  it('is inactive while the credential is suspended, and active again once lifted', async () => {
    const app = await createSubscribedApp(prisma);
    const client = await issued(app);
    expect(await active(client.token)).toBe(true);
    // The client itself sees the same answer.
    expect(await active(client.token, basicAuth(client.clientId, client.secret))).toBe(true);
    const id = newEventId();
    const audit = identity.config.IDENTITY_SERVICE_TOKENS.get('audit')!;
    const suspended = await call('PUT', `/v1/security/responses/${id}`, {
      token: audit,
      body: {
        action: 'suspend_credential',
        target: client.credentialId,
        until: new Date(Date.now() + 600_000).toISOString(),
        reason: 'test',
      },
    });
    expect(suspended.status).toBe(201);
    expect(await active(client.token)).toBe(false);
    await call('DELETE', `/v1/security/responses/${id}`, { token: audit });
    expect(await active(client.token)).toBe(true);
  });

  it('is inactive once the credential is revoked or expired', async () => {
    const revoked = await issued(await createSubscribedApp(prisma));
    await prisma.credential.update({
      where: { id: revoked.credentialId },
      data: { status: 'revoked', revokedAt: new Date() },
    });
    expect(await active(revoked.token)).toBe(false);

    const expired = await issued(await createSubscribedApp(prisma));
    await prisma.credential.update({
      where: { id: expired.credentialId },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await active(expired.token)).toBe(false);
  });

  it("is inactive once the credential that obtained it is revoked, though its client's new secret is active", async () => {
    const app = await createSubscribedApp(prisma);
    const old = await createClientSecret(prisma, hashKeyOf(identity), app);
    // A rotation: a second secret under the same client id.
    const rotated = await createClientSecret(prisma, hashKeyOf(identity), app, {
      clientId: old.clientId,
    });
    const tokenFor = async (secret: string) => {
      const response = await postForm(
        `${identity.url}/oauth2/token`,
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(old.clientId, secret) },
      );
      expect(response.status).toBe(200);
      return response.body.access_token as string;
    };
    const oldToken = await tokenFor(old.secret);
    const newToken = await tokenFor(rotated.secret);
    // The old secret leaked, so it is revoked.
    await prisma.credential.update({
      where: { id: old.credentialId },
      data: { status: 'revoked', revokedAt: new Date() },
    });
    expect(await active(oldToken)).toBe(false);
    expect(await active(newToken)).toBe(true);
  });

  it('is inactive while the subscription is suspended or after it is revoked', async () => {
    const app = await createSubscribedApp(prisma);
    const client = await issued(app);
    await prisma.subscription.update({
      where: { id: app.subscriptionId },
      data: { status: 'suspended' },
    });
    expect(await active(client.token)).toBe(false);
    await prisma.subscription.update({
      where: { id: app.subscriptionId },
      data: { status: 'approved' },
    });
    expect(await active(client.token)).toBe(true);
    await prisma.subscription.update({
      where: { id: app.subscriptionId },
      data: { status: 'revoked' },
    });
    expect(await active(client.token)).toBe(false);
  });

  it('is inactive when only another API of the application stays subscribed', async () => {
    const app = await createSubscribedApp(prisma);
    const client = await issued(app);
    await createSubscribedApp(prisma, {
      existing: { userId: app.userId, teamId: app.teamId, appId: app.appId },
    });
    await prisma.subscription.update({
      where: { id: app.subscriptionId },
      data: { status: 'suspended' },
    });
    expect(await active(client.token)).toBe(false);
  });

  it('is inactive once the application is deleted', async () => {
    const app = await createSubscribedApp(prisma);
    const client = await issued(app);
    await prisma.application.delete({ where: { id: app.appId } });
    expect(await active(client.token)).toBe(false);
  });
});
