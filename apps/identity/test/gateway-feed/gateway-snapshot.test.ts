import { randomBytes } from 'node:crypto';
import { apiAudience, gatewaySnapshotSchema, type GatewaySnapshot } from '@portcullis/contracts';
import { decodeHashKey, generateApiKey, keyedHash } from '@portcullis/crypto';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';

const GATEWAY_TOKEN = 'pcl_svc_dev_gateway_token_change_me_0000000000';
const AUDIT_TOKEN = 'pcl_svc_dev_audit_token_change_me_00000000000';

describe('GET /v1/gateway/snapshot', () => {
  let identity: IdentityTestApp;
  let prisma: PrismaClient;
  const suffix = randomBytes(4).toString('hex');
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    identity = await startIdentity();
    prisma = createPrismaClient({ databaseUrl: process.env.DATABASE_URL! });
    const hashKey = decodeHashKey(identity.config.CREDENTIAL_HASH_KEY);
    const user = await prisma.user.create({
      data: { email: `feed-${suffix}@example.test`, passwordHash: 'x', displayName: 'Feed' },
    });
    const team = await prisma.team.create({ data: { slug: `feed-${suffix}`, name: 'Feed' } });
    const api = await prisma.api.create({
      data: {
        slug: `feed-${suffix}`,
        name: 'Feed API',
        basePath: `/feed-${suffix}`,
        upstreamUrl: 'http://127.0.0.1:9/',
        ownerTeamId: team.id,
        authMethods: ['api_key', 'oauth2_client_credentials'],
        settings: { maxBodyBytes: 2048 },
        routes: {
          create: [{ method: 'GET', pathPattern: '/items/{id}', requiredScopes: ['items:read'] }],
        },
        plans: { create: [{ name: 'basic', ratePerSecond: 5, burst: 10, monthlyQuota: 1000 }] },
      },
      include: { plans: true },
    });
    const app = await prisma.application.create({
      data: { teamId: team.id, name: 'feed app', createdById: user.id },
    });
    const other = await prisma.application.create({
      data: { teamId: team.id, name: 'pending app', createdById: user.id },
    });
    const subscription = await prisma.subscription.create({
      data: {
        applicationId: app.id,
        apiId: api.id,
        planId: api.plans[0]!.id,
        environment: 'sandbox',
        status: 'approved',
        grantedScopes: ['items:read'],
      },
    });
    const pending = await prisma.subscription.create({
      data: {
        applicationId: other.id,
        apiId: api.id,
        planId: api.plans[0]!.id,
        environment: 'sandbox',
        status: 'pending',
      },
    });
    const key = generateApiKey('sandbox');
    const credential = await prisma.credential.create({
      data: {
        applicationId: app.id,
        environment: 'sandbox',
        kind: 'api_key',
        keyId: key.keyId,
        secretHash: keyedHash(key.secret, hashKey),
      },
    });
    const revokedKey = generateApiKey('sandbox');
    const revokedCredential = await prisma.credential.create({
      data: {
        applicationId: app.id,
        environment: 'sandbox',
        kind: 'api_key',
        keyId: revokedKey.keyId,
        secretHash: keyedHash(revokedKey.secret, hashKey),
        status: 'revoked',
        revokedAt: new Date(),
      },
    });
    await prisma.revokedToken.createMany({
      data: [
        { jti: `live-${suffix}`, expiresAt: new Date(Date.now() + 600_000) },
        { jti: `old-${suffix}`, expiresAt: new Date(Date.now() - 1_000) },
      ],
    });
    await prisma.sourceBlock.createMany({
      data: [
        { source: `192.0.2.${Number.parseInt(suffix.slice(0, 2), 16)}`, reason: 'test' },
        { source: '198.51.100.7', reason: 'lifted', liftedAt: new Date() },
      ],
    });
    const change = await prisma.configChange.create({
      data: { kind: 'api.changed', entityId: api.id },
    });
    Object.assign(ids, {
      api: api.id,
      app: app.id,
      subscription: subscription.id,
      pending: pending.id,
      credential: credential.id,
      revokedCredential: revokedCredential.id,
      secretHash: credential.secretHash!,
      keyId: key.keyId,
      secret: key.secret,
      fullKey: key.key,
      version: String(change.id),
      block: `192.0.2.${Number.parseInt(suffix.slice(0, 2), 16)}`,
    });
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await identity?.close();
  });

  async function fetchSnapshot(token: string | null) {
    return fetch(`${identity.url}/v1/gateway/snapshot`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  }

  it('refuses callers without the gateway service token', async () => {
    const anonymous = await fetchSnapshot(null);
    expect(anonymous.status).toBe(401);
    const audit = await fetchSnapshot(AUDIT_TOKEN);
    expect(audit.status).toBe(403);
    const wrong = await fetchSnapshot('pcl_svc_not_a_real_token_0000000000000000');
    expect(wrong.status).toBe(401);
  });

  it('returns a valid snapshot with what gateways need', async () => {
    const response = await fetchSnapshot(GATEWAY_TOKEN);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const snapshot: GatewaySnapshot = gatewaySnapshotSchema.parse(await response.json());
    expect(snapshot.configVersion).toBeGreaterThanOrEqual(Number(ids.version));
    expect(snapshot.issuer).toBe(identity.config.IDENTITY_ISSUER);

    const api = snapshot.apis.find((candidate) => candidate.id === ids.api);
    expect(api).toMatchObject({
      audience: apiAudience(`feed-${suffix}`),
      basePath: `/feed-${suffix}`,
      authMethods: ['api_key', 'oauth2'],
      routes: [{ method: 'GET', pathPattern: '/items/{id}', requiredScopes: ['items:read'] }],
      plans: [{ name: 'basic', ratePerSecond: 5, burst: 10, monthlyQuota: 1000 }],
    });
    expect(api?.settings.maxBodyBytes).toBe(2048);
    expect(api?.settings.rateLimitFailureMode).toBe('open');

    const subscriptionIds = snapshot.subscriptions.map((s) => s.id);
    expect(subscriptionIds).toContain(ids.subscription);
    expect(subscriptionIds).not.toContain(ids.pending);
    expect(snapshot.applications.map((a) => a.id)).toContain(ids.app);

    const credential = snapshot.credentials.find((c) => c.id === ids.credential);
    expect(credential).toEqual({
      id: ids.credential,
      kind: 'api_key',
      lookupId: ids.keyId,
      secretHash: ids.secretHash,
      appId: ids.app,
      environment: 'sandbox',
      status: 'active',
      expiresAt: null,
    });
    expect(snapshot.credentials.map((c) => c.id)).not.toContain(ids.revokedCredential);

    const jtis = snapshot.revokedTokens.map((t) => t.jti);
    expect(jtis).toContain(`live-${suffix}`);
    expect(jtis).not.toContain(`old-${suffix}`);
    const blocked = snapshot.blockedSources.map((b) => b.address);
    expect(blocked).toContain(ids.block);
    expect(blocked).not.toContain('198.51.100.7');
  });

  it('never includes a secret in clear', async () => {
    const text = await (await fetchSnapshot(GATEWAY_TOKEN)).text();
    expect(text).toContain(ids.keyId);
    expect(text).not.toContain(ids.secret);
    expect(text).not.toContain(ids.fullKey);
  });
});
