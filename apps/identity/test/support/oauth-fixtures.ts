import { randomBytes, randomUUID } from 'node:crypto';
import {
  decodeHashKey,
  generateClientId,
  generateClientSecret,
  generateOpaqueToken,
  keyedHash,
  randomBase62,
} from '@portcullis/crypto';
import { apiAudience } from '@portcullis/contracts';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { Agent } from 'undici';
import { startIdentity, type IdentityTestApp } from './identity-test-app.js';

/**
 * Data and clients for the OAuth and credential tests, created straight in the database (the
 * catalog and subscription APIs belong to other modules). Every name carries a random suffix so
 * tests sharing one database never collide.
 */

export type Environment = 'sandbox' | 'production';

/** Starts identity and makes its issuer the URL it actually listens on (clients check it). */
export async function startOAuthIdentity(
  env: Record<string, string> = {},
): Promise<IdentityTestApp> {
  const identity = await startIdentity(env);
  identity.config.IDENTITY_ISSUER = identity.url;
  return identity;
}

export function testPrisma(databaseUrl = process.env.DATABASE_URL!): PrismaClient {
  return createPrismaClient({ databaseUrl, applicationName: 'oauth-tests', poolMax: 3 });
}

export function hashKeyOf(identity: IdentityTestApp): Buffer {
  return decodeHashKey(identity.config.CREDENTIAL_HASH_KEY);
}

export function suffix(): string {
  return randomBase62(10).toLowerCase();
}

export interface SubscribedApp {
  userId: string;
  teamId: string;
  appId: string;
  apiId: string;
  apiSlug: string;
  audience: string;
  planId: string;
  subscriptionId: string;
  environment: Environment;
  grantedScopes: string[];
}

export interface SubscribedAppOptions {
  environment?: Environment;
  apiScopes?: string[];
  grantedScopes?: string[];
  tokenLifetimeSeconds?: number;
  status?: 'approved' | 'pending';
  /** Reuse this application instead of creating one (adds another subscription). */
  existing?: { userId: string; teamId: string; appId: string };
}

/** A team, a member, an application, an API with scopes and a plan, and a subscription. */
export async function createSubscribedApp(
  prisma: PrismaClient,
  options: SubscribedAppOptions = {},
): Promise<SubscribedApp> {
  const id = suffix();
  const environment = options.environment ?? 'sandbox';
  const apiScopes = options.apiScopes ?? ['orders:read', 'orders:write', 'orders:admin'];
  const grantedScopes = options.grantedScopes ?? ['orders:read', 'orders:write'];
  let owner = options.existing;
  if (!owner) {
    const user = await prisma.user.create({
      data: { email: `dev-${id}@example.test`, passwordHash: 'not-used', displayName: `Dev ${id}` },
    });
    const team = await prisma.team.create({ data: { slug: `team-${id}`, name: `Team ${id}` } });
    await prisma.teamMember.create({ data: { teamId: team.id, userId: user.id, role: 'owner' } });
    const app = await prisma.application.create({
      data: { teamId: team.id, name: `app-${id}`, createdById: user.id },
    });
    owner = { userId: user.id, teamId: team.id, appId: app.id };
  }
  const api = await prisma.api.create({
    data: {
      slug: `orders-${id}`,
      name: `Orders ${id}`,
      basePath: `/orders-${id}`,
      upstreamUrl: 'http://127.0.0.1:9/',
      ownerTeamId: owner.teamId,
      authMethods: ['oauth2_client_credentials', 'api_key'],
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 600,
      scopes: { create: apiScopes.map((name) => ({ name })) },
    },
  });
  const plan = await prisma.plan.create({
    data: { apiId: api.id, name: 'standard', ratePerSecond: 10, burst: 20 },
  });
  const subscription = await prisma.subscription.create({
    data: {
      applicationId: owner.appId,
      apiId: api.id,
      planId: plan.id,
      environment,
      status: options.status ?? 'approved',
      grantedScopes,
      requestedById: owner.userId,
    },
  });
  return {
    ...owner,
    apiId: api.id,
    apiSlug: api.slug,
    audience: apiAudience(api.slug),
    planId: plan.id,
    subscriptionId: subscription.id,
    environment,
    grantedScopes,
  };
}

export interface CredentialTimes {
  expiresAt?: Date | null;
  graceUntil?: Date | null;
}

export async function createClientSecret(
  prisma: PrismaClient,
  hashKey: Buffer,
  app: SubscribedApp,
  times: CredentialTimes & { clientId?: string } = {},
): Promise<{ credentialId: string; clientId: string; secret: string }> {
  const clientId = times.clientId ?? generateClientId(app.environment);
  const secret = generateClientSecret();
  const credential = await prisma.credential.create({
    data: {
      applicationId: app.appId,
      environment: app.environment,
      kind: 'client_secret',
      clientId,
      keyId: `sec_${randomBase62(20)}`,
      secretHash: keyedHash(secret, hashKey),
      expiresAt: times.expiresAt ?? null,
      graceUntil: times.graceUntil ?? null,
    },
  });
  return { credentialId: credential.id, clientId, secret };
}

export async function createPrivateKeyJwtClient(
  prisma: PrismaClient,
  app: SubscribedApp,
  alg: 'ES256' | 'RS256' | 'EdDSA' = 'ES256',
): Promise<{
  credentialId: string;
  clientId: string;
  privateKey: CryptoKey;
  kid: string;
  jwk: JWK;
}> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const clientId = generateClientId(app.environment);
  const credential = await prisma.credential.create({
    data: {
      applicationId: app.appId,
      environment: app.environment,
      kind: 'private_key_jwt',
      clientId,
      keyId: `jwk_${randomBase62(20)}`,
      jwks: { keys: [jwk] },
    },
  });
  return { credentialId: credential.id, clientId, privateKey, kid, jwk };
}

export async function createTlsClient(
  prisma: PrismaClient,
  app: SubscribedApp,
  certificateThumbprint: string,
): Promise<{ credentialId: string; clientId: string }> {
  const clientId = generateClientId(app.environment);
  const credential = await prisma.credential.create({
    data: {
      applicationId: app.appId,
      environment: app.environment,
      kind: 'tls_client_auth',
      clientId,
      keyId: `crt_${randomBase62(20)}`,
      certificateThumbprint,
    },
  });
  return { credentialId: credential.id, clientId };
}

/** A signed-in portal session for a user, as the sessions module would create it. */
export async function createSession(
  prisma: PrismaClient,
  hashKey: Buffer,
  userId: string,
): Promise<string> {
  const token = generateOpaqueToken('pcl_sess');
  await prisma.session.create({
    data: {
      userId,
      tokenHash: keyedHash(token, hashKey),
      mfaVerified: true,
      expiresAt: new Date(Date.now() + 3_600_000),
    },
  });
  return token;
}

/** A developer in a team of their own (not the application's team). */
export async function createOutsider(prisma: PrismaClient): Promise<{ userId: string }> {
  const id = suffix();
  const user = await prisma.user.create({
    data: {
      email: `outsider-${id}@example.test`,
      passwordHash: 'not-used',
      displayName: 'Outsider',
    },
  });
  const team = await prisma.team.create({ data: { slug: `other-${id}`, name: `Other ${id}` } });
  await prisma.teamMember.create({ data: { teamId: team.id, userId: user.id } });
  return { userId: user.id };
}

/**
 * An HTTP agent that connects from a random loopback address (127.x.y.z), so per-address
 * failure limits in one test do not spill into others sharing Redis.
 */
export function loopbackAgent(): { agent: Agent; address: string } {
  const bytes = randomBytes(3);
  const address = `127.${(bytes[0]! % 250) + 2}.${bytes[1]}.${(bytes[2]! % 250) + 2}`;
  return { agent: new Agent({ localAddress: address }), address };
}

export function basicAuth(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replaceAll('%20', '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

export async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
  dispatcher?: Agent,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const { fetch } = await import('undici');
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
    ...(dispatcher ? { dispatcher } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers as unknown as Headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}
