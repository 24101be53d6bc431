import type { PrismaClient } from '@portcullis/db';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, JwsSigner } from '../../src/signing-keys/signing-key-material.js';
import { SigningKeys } from '../../src/signing-keys/signing-keys.service.js';
import type { IdentityTestApp } from '../support/identity-test-app.js';
import { isolatedDatabase, type IsolatedDatabase } from '../support/isolated-database.js';
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
 * Signing keys are global to a database, so this file works in a database of its own: moving
 * the schedule forward here cannot retire a key other tests' tokens depend on.
 */
describe('signing-key rotation', () => {
  let database: IsolatedDatabase;
  let identity: IdentityTestApp;
  let replica: IdentityTestApp;
  let prisma: PrismaClient;
  let app: SubscribedApp;
  let client: { clientId: string; secret: string };

  beforeAll(async () => {
    database = await isolatedDatabase('keys');
    // Two replicas start at once on an empty key table: the advisory lock lets only one create a key.
    [identity, replica] = await Promise.all([
      startOAuthIdentity({ DATABASE_URL: database.url }),
      startOAuthIdentity({ DATABASE_URL: database.url }),
    ]);
    prisma = testPrisma(database.url);
    app = await createSubscribedApp(prisma);
    client = await createClientSecret(prisma, hashKeyOf(identity), app);
  });
  afterAll(async () => {
    await identity?.close();
    await replica?.close();
    await prisma?.$disconnect();
    await database?.drop();
  });

  async function token(): Promise<string> {
    const response = await postForm(
      `${identity.url}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(client.clientId, client.secret) },
    );
    expect(response.status).toBe(200);
    return response.body.access_token as string;
  }

  async function publishedKids(): Promise<string[]> {
    const response = await fetch(`${identity.url}/.well-known/jwks.json`);
    return ((await response.json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
  }

  const verifyFresh = (accessToken: string) =>
    // A fresh key set each time: what a verifier that refetches the JWKS would see.
    jwtVerify(accessToken, createRemoteJWKSet(new URL(`${identity.url}/.well-known/jwks.json`)), {
      issuer: identity.url,
      typ: 'at+jwt',
    });

  it('creates exactly one first key even when replicas start together', async () => {
    await identity.app.get(SigningKeys).signer();
    await replica.app.get(SigningKeys).signer();
    const keys = await prisma.signingKey.findMany();
    expect(keys).toHaveLength(1);
    expect(keys[0]!.status).toBe('active');
  });

  it('stores private keys encrypted, never in plaintext', async () => {
    const [key] = await prisma.signingKey.findMany();
    expect(key!.privateKeyEncrypted).toMatch(/^v1\./);
    expect(key!.privateKeyEncrypted).not.toContain('PRIVATE KEY');
    const decoded = key!.privateKeyEncrypted
      .split('.')
      .map((part) => Buffer.from(part, 'base64url').toString('latin1'))
      .join('');
    expect(decoded).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(key!.publicJwk)).not.toMatch(/"d"/);
  });

  it('publishes the next key before it signs, and keeps the old one until its tokens expire', async () => {
    const signingKeys = identity.app.get(SigningKeys);
    const [first] = await prisma.signingKey.findMany();
    const oldToken = await token();
    expect(decodeProtectedHeader(oldToken).kid).toBe(first!.kid);

    // Just inside the publish-ahead window before the next rotation is due.
    const rotationMs = identity.config.SIGNING_KEY_ROTATION_DAYS * 86_400_000;
    const aheadMs = identity.config.SIGNING_KEY_PUBLISH_AHEAD_SECONDS * 1000;
    const prepared = await signingKeys.rotate(
      new Date(first!.activatesAt.getTime() + rotationMs - aheadMs + 1000),
    );
    expect(prepared.created).toHaveLength(1);
    const nextKid = prepared.created[0]!;
    expect(await publishedKids()).toEqual(expect.arrayContaining([first!.kid, nextKid]));
    // Published, but not signing yet.
    expect(decodeProtectedHeader(await token()).kid).toBe(first!.kid);

    const next = await prisma.signingKey.findUniqueOrThrow({ where: { kid: nextKid } });
    const activated = await signingKeys.rotate(next.activatesAt);
    expect(activated.activated).toEqual([nextKid]);
    expect(activated.retiring).toEqual([first!.kid]);
    const newToken = await token();
    expect(decodeProtectedHeader(newToken).kid).toBe(nextKid);
    // Tokens of the old key still verify while it is retiring.
    await expect(verifyFresh(oldToken)).resolves.toBeTruthy();
    await expect(verifyFresh(newToken)).resolves.toBeTruthy();

    const retiring = await prisma.signingKey.findUniqueOrThrow({ where: { kid: first!.kid } });
    expect(retiring.status).toBe('retiring');
    // Retired only after every token it signed has expired (the longest lifetime plus leeway).
    expect(retiring.retiresAt!.getTime() - next.activatesAt.getTime()).toBeGreaterThanOrEqual(
      600_000,
    );
    const retired = await signingKeys.rotate(new Date(retiring.retiresAt!.getTime() + 1));
    expect(retired.retired).toEqual([first!.kid]);
    expect(await publishedKids()).not.toContain(first!.kid);
    await expect(verifyFresh(oldToken)).rejects.toThrow();
    await expect(verifyFresh(newToken)).resolves.toBeTruthy();

    const changes = await prisma.configChange.count({ where: { kind: 'signing_keys.changed' } });
    expect(changes).toBeGreaterThanOrEqual(3);
  });
});

describe('signing algorithms', () => {
  it.each(['ES256', 'EdDSA', 'RS256'] as const)(
    '%s keys sign tokens jose verifies',
    async (alg) => {
      const generated = await generateSigningKey(alg);
      expect(generated.publicJwk).not.toHaveProperty('d');
      const signer = await JwsSigner.load(generated.kid, alg, generated.privateKeyPem);
      const now = Math.floor(Date.now() / 1000);
      const token = await signer.sign('at+jwt', { iss: 'x', iat: now, exp: now + 60 });
      const { protectedHeader } = await jwtVerify(
        token,
        createLocalJWKSet({ keys: [generated.publicJwk] }),
        {
          typ: 'at+jwt',
        },
      );
      expect(protectedHeader).toMatchObject({ alg, kid: generated.kid });
    },
  );
});
