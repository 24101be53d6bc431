import { parseApiKey, keyedHash } from '@portcullis/crypto';
import type { PrismaClient } from '@portcullis/db';
import { exportJWK, generateKeyPair } from 'jose';
import { generate } from 'selfsigned';
import { createHash, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigVersion } from '../../src/audit-trail/config-version.js';
import type { IdentityTestApp } from '../support/identity-test-app.js';
import {
  basicAuth,
  createOutsider,
  createSession,
  createSubscribedApp,
  hashKeyOf,
  postForm,
  startOAuthIdentity,
  testPrisma,
  type SubscribedApp,
} from '../support/oauth-fixtures.js';

interface Issued {
  credential: { id: string; clientId: string | null; keyId: string; status: string; kind: string };
  clientId?: string;
  clientSecret?: string;
  apiKey?: string;
}

describe('credential lifecycle (management API)', () => {
  let identity: IdentityTestApp;
  let prisma: PrismaClient;
  let app: SubscribedApp;
  let session: string;

  beforeAll(async () => {
    identity = await startOAuthIdentity();
    prisma = testPrisma();
    app = await createSubscribedApp(prisma);
    session = await createSession(prisma, hashKeyOf(identity), app.userId);
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
  });

  async function call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    token = session,
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
    const response = await fetch(
      `${identity.url}/v1/applications/${app.appId}/credentials${path}`,
      {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      },
    );
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  const tokenWith = (clientId: string, secret: string) =>
    postForm(
      `${identity.url}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(clientId, secret) },
    );

  it('creates a client secret shown once; listing never shows it', async () => {
    const created = await call('POST', '', { kind: 'client_secret', environment: 'sandbox' });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const issued = created.body as unknown as Issued;
    expect(issued.clientSecret).toMatch(/^pcls_/);
    expect(issued.clientId).toMatch(/^pcl_test_client_/);
    expect(issued.credential).toMatchObject({
      kind: 'client_secret',
      status: 'active',
      clientId: issued.clientId,
    });

    const stored = await prisma.credential.findUniqueOrThrow({
      where: { id: issued.credential.id },
    });
    expect(stored.secretHash).toBe(keyedHash(issued.clientSecret!, hashKeyOf(identity)));
    expect(stored.secretHash).not.toContain(issued.clientSecret);

    const listed = await call('GET', '');
    expect(listed.status).toBe(200);
    const text = JSON.stringify(listed.body);
    expect(text).toContain(issued.credential.id);
    expect(text).not.toContain(issued.clientSecret);
    expect(text).not.toContain('secretHash');
    expect(text).not.toContain(stored.secretHash!);

    expect((await tokenWith(issued.clientId!, issued.clientSecret!)).status).toBe(200);
  });

  it('rotates with an overlap: both secrets work during the grace period, then only the new one', async () => {
    const issued = (await call('POST', '', { kind: 'client_secret', environment: 'sandbox' }))
      .body as unknown as Issued;
    const rotated = await call('POST', `/${issued.credential.id}/rotate`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const next = rotated.body as unknown as Issued;
    expect(next.clientId).toBe(issued.clientId);
    expect(next.clientSecret).not.toBe(issued.clientSecret);
    const old = await prisma.credential.findUniqueOrThrow({ where: { id: issued.credential.id } });
    expect(old.graceUntil!.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);

    expect((await tokenWith(issued.clientId!, issued.clientSecret!)).status).toBe(200);
    expect((await tokenWith(next.clientId!, next.clientSecret!)).status).toBe(200);

    // A second rotation of the same credential is refused; rotating the new one ends the old at once.
    expect((await call('POST', `/${issued.credential.id}/rotate`, {})).status).toBe(409);
    const third = await call('POST', `/${next.credential.id}/rotate`, {
      graceUntil: new Date().toISOString(),
    });
    expect(third.status).toBe(200);
    expect((await tokenWith(next.clientId!, next.clientSecret!)).status).toBe(401);
    const thirdIssued = third.body as unknown as Issued;
    expect((await tokenWith(thirdIssued.clientId!, thirdIssued.clientSecret!)).status).toBe(200);

    const tooLong = await call('POST', `/${thirdIssued.credential.id}/rotate`, {
      graceUntil: new Date(Date.now() + 31 * 86_400_000).toISOString(),
    });
    expect(tooLong.status).toBe(400);
  });

  it('revokes at once and tells the gateways', async () => {
    const issued = (await call('POST', '', { kind: 'client_secret', environment: 'sandbox' }))
      .body as unknown as Issued;
    expect((await tokenWith(issued.clientId!, issued.clientSecret!)).status).toBe(200);
    const revoked = await call('POST', `/${issued.credential.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    expect((await tokenWith(issued.clientId!, issued.clientSecret!)).status).toBe(401);
    const change = await prisma.configChange.findFirst({
      where: { kind: 'credential.revoked', entityId: issued.credential.id },
    });
    expect(change).not.toBeNull();
  });

  it('refuses an expired credential and shows it as expired', async () => {
    const issued = (
      await call('POST', '', {
        kind: 'client_secret',
        environment: 'sandbox',
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      })
    ).body as unknown as Issued;
    expect((await tokenWith(issued.clientId!, issued.clientSecret!)).status).toBe(200);
    await prisma.credential.update({
      where: { id: issued.credential.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    // Changes made through identity record a config change and refresh this replica's view;
    // this direct edit does both by hand.
    await prisma.configChange.create({
      data: { kind: 'credential.changed', entityId: issued.credential.id },
    });
    identity.app.get(ConfigVersion).invalidate();
    expect((await tokenWith(issued.clientId!, issued.clientSecret!)).status).toBe(401);
    const listed = (await call('GET', '')).body as { items: { id: string; status: string }[] };
    expect(listed.items.find((item) => item.id === issued.credential.id)?.status).toBe('expired');
  });

  it('issues environment-tagged API keys stored as keyed hashes', async () => {
    const created = await call('POST', '', { kind: 'api_key', environment: 'sandbox' });
    expect(created.status).toBe(201);
    const issued = created.body as unknown as Issued;
    const parsed = parseApiKey(issued.apiKey!);
    expect(parsed).toMatchObject({ environment: 'sandbox', keyId: issued.credential.keyId });
    const stored = await prisma.credential.findUniqueOrThrow({
      where: { id: issued.credential.id },
    });
    expect(stored.secretHash).toBe(keyedHash(parsed!.secret, hashKeyOf(identity)));
    expect(stored.clientId).toBeNull();
  });

  it('needs an approved subscription in that environment (409 problem)', async () => {
    const response = await call('POST', '', { kind: 'api_key', environment: 'production' });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ status: 409, type: expect.stringContaining('conflict') });
  });

  it('refuses developers of another team (403) and anonymous callers (401)', async () => {
    const outsider = await createOutsider(prisma);
    const token = await createSession(prisma, hashKeyOf(identity), outsider.userId);
    expect((await call('GET', '', undefined, token)).status).toBe(403);
    expect(
      (await call('POST', '', { kind: 'client_secret', environment: 'sandbox' }, token)).status,
    ).toBe(403);
    const anonymous = await fetch(`${identity.url}/v1/applications/${app.appId}/credentials`);
    expect(anonymous.status).toBe(401);
  });

  it('registers private_key_jwt public keys and refuses private ones', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const created = await call('POST', '', {
      kind: 'private_key_jwt',
      environment: 'sandbox',
      jwks: { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'k1' }] },
    });
    expect(created.status).toBe(201);
    const issued = created.body as unknown as Issued;
    expect(issued.clientId).toMatch(/^pcl_test_client_/);
    expect(issued.clientSecret).toBeUndefined();

    const leaked = await call('POST', '', {
      kind: 'private_key_jwt',
      environment: 'sandbox',
      jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'ES256' }] },
    });
    expect(leaked.status).toBe(400);
    const missing = await call('POST', '', { kind: 'private_key_jwt', environment: 'sandbox' });
    expect(missing.status).toBe(400);
  });

  it('registers a client certificate by its SHA-256 thumbprint', async () => {
    const pems = await generate([{ name: 'commonName', value: 'client.example' }], {
      keySize: 2048,
      algorithm: 'sha256',
    });
    const created = await call('POST', '', {
      kind: 'tls_client_auth',
      environment: 'sandbox',
      certificatePem: pems.cert,
    });
    expect(created.status).toBe(201);
    const issued = created.body as unknown as Issued & {
      credential: { certificateThumbprint: string };
    };
    const expected = createHash('sha256')
      .update(new X509Certificate(pems.cert).raw)
      .digest('base64url');
    expect(issued.credential.certificateThumbprint).toBe(expected);
  });
});
