import { randomBytes } from 'node:crypto';
import {
  buildEvent,
  configChangeEventSchema,
  TOPICS,
  type ConfigChangeKind,
} from '@portcullis/contracts';
import {
  decodeHashKey,
  generateApiKey,
  generateClientId,
  generateClientSecret,
  keyedHash,
} from '@portcullis/crypto';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import type { Producer } from 'kafkajs';

/** identity's and the gateway's development defaults (apps/identity/src/config.ts). */
export const DEV_CREDENTIAL_HASH_KEY = 'ZGV2LW9ubHktY3JlZGVudGlhbC1oYXNoLWtleS1jaGFuZ2UtbWU=';
export const DEV_GATEWAY_TOKEN = 'pcl_svc_dev_gateway_token_change_me_0000000000';

const hashKey = decodeHashKey(DEV_CREDENTIAL_HASH_KEY);

export type Environment = 'sandbox' | 'production';
type AuthMethod = 'api_key' | 'oauth2_client_credentials' | 'basic';

export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

export interface SeededApi {
  id: string;
  slug: string;
  basePath: string;
  planId: string;
  teamId: string;
  userId: string;
}

export interface SeededApp {
  id: string;
  teamId: string;
  userId: string;
}

/**
 * Inserts catalog and access rows directly with Prisma, as identity's management API would
 * leave them, with unique slugs so tests never collide.
 */
export class Fixtures {
  readonly prisma: PrismaClient;

  constructor(databaseUrl = process.env.DATABASE_URL!) {
    this.prisma = createPrismaClient({ databaseUrl, applicationName: 'e2e-fixtures', poolMax: 3 });
  }

  async close(): Promise<void> {
    await this.prisma.$disconnect();
  }

  async team(): Promise<{ teamId: string; userId: string }> {
    const suffix = uniqueSuffix();
    const user = await this.prisma.user.create({
      data: {
        email: `e2e-${suffix}@example.test`,
        passwordHash: 'x',
        displayName: `E2E ${suffix}`,
      },
    });
    const team = await this.prisma.team.create({
      data: {
        slug: `e2e-${suffix}`,
        name: `E2E ${suffix}`,
        members: { create: { userId: user.id, role: 'owner' } },
      },
    });
    return { teamId: team.id, userId: user.id };
  }

  async api(options: {
    upstreamUrl: string;
    authMethods?: AuthMethod[];
    routes?: { method: string; pathPattern: string; requiredScopes?: string[] }[];
    plan?: { ratePerSecond: number; burst: number; monthlyQuota?: number | null };
    settings?: Record<string, unknown>;
    tokenLifetimeSeconds?: number;
    slugPrefix?: string;
  }): Promise<SeededApi> {
    const owner = await this.team();
    const slug = `${options.slugPrefix ?? 'api'}-${uniqueSuffix()}`;
    const api = await this.prisma.api.create({
      data: {
        slug,
        name: `E2E ${slug}`,
        basePath: `/${slug}`,
        upstreamUrl: options.upstreamUrl,
        ownerTeamId: owner.teamId,
        authMethods: options.authMethods ?? ['api_key', 'oauth2_client_credentials', 'basic'],
        settings: (options.settings ?? {}) as object,
        tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 900,
        scopes: { create: [{ name: 'items:read' }, { name: 'items:write' }] },
        routes: {
          create: (
            options.routes ?? [
              { method: 'GET', pathPattern: '/items/{id}', requiredScopes: ['items:read'] },
              { method: 'POST', pathPattern: '/items', requiredScopes: ['items:write'] },
              { method: '*', pathPattern: '/open/**' },
            ]
          ).map((route) => ({ ...route, requiredScopes: route.requiredScopes ?? [] })),
        },
        plans: {
          create: [
            {
              name: 'standard',
              ratePerSecond: options.plan?.ratePerSecond ?? 1000,
              burst: options.plan?.burst ?? 2000,
              monthlyQuota: options.plan?.monthlyQuota ?? null,
            },
          ],
        },
      },
      include: { plans: true },
    });
    await this.recordChange('api.changed', api.id);
    return { id: api.id, slug, basePath: api.basePath, planId: api.plans[0]!.id, ...owner };
  }

  async application(): Promise<SeededApp> {
    const owner = await this.team();
    const app = await this.prisma.application.create({
      data: { teamId: owner.teamId, name: `app-${uniqueSuffix()}`, createdById: owner.userId },
    });
    return { id: app.id, ...owner };
  }

  async subscribe(
    app: SeededApp,
    api: SeededApi,
    options: {
      environment?: Environment;
      scopes?: string[];
      status?: 'approved' | 'suspended' | 'pending';
    } = {},
  ): Promise<string> {
    const subscription = await this.prisma.subscription.create({
      data: {
        applicationId: app.id,
        apiId: api.id,
        planId: api.planId,
        environment: options.environment ?? 'sandbox',
        status: options.status ?? 'approved',
        grantedScopes: options.scopes ?? ['items:read'],
      },
    });
    await this.recordChange('subscription.changed', subscription.id);
    return subscription.id;
  }

  async apiKey(
    app: SeededApp,
    options: { environment?: Environment; expiresAt?: Date } = {},
  ): Promise<{ key: string; credentialId: string }> {
    const environment = options.environment ?? 'sandbox';
    const generated = generateApiKey(environment);
    const credential = await this.prisma.credential.create({
      data: {
        applicationId: app.id,
        environment,
        kind: 'api_key',
        keyId: generated.keyId,
        secretHash: keyedHash(generated.secret, hashKey),
        expiresAt: options.expiresAt ?? null,
      },
    });
    await this.recordChange('credential.changed', credential.id);
    return { key: generated.key, credentialId: credential.id };
  }

  async clientSecret(
    app: SeededApp,
    environment: Environment = 'sandbox',
  ): Promise<{ clientId: string; clientSecret: string; credentialId: string }> {
    const clientId = generateClientId(environment);
    const clientSecret = generateClientSecret();
    const credential = await this.prisma.credential.create({
      data: {
        applicationId: app.id,
        environment,
        kind: 'client_secret',
        clientId,
        keyId: `kid_${uniqueSuffix()}${uniqueSuffix()}`,
        secretHash: keyedHash(clientSecret, hashKey),
      },
    });
    await this.recordChange('credential.changed', credential.id);
    return { clientId, clientSecret, credentialId: credential.id };
  }

  /** A config change row, as identity's ConfigChanges.record writes; returns the version. */
  async recordChange(
    kind: ConfigChangeKind,
    entityId: string,
    until: Date | null = null,
  ): Promise<number> {
    const row = await this.prisma.configChange.create({ data: { kind, entityId, until } });
    return Number(row.id);
  }

  /** Records a change and announces it on Kafka, as identity does after commit. */
  async announceChange(
    producer: Producer,
    kind: ConfigChangeKind,
    entityId: string,
    until: Date | null = null,
  ): Promise<void> {
    const version = await this.recordChange(kind, entityId, until);
    const event = buildEvent(configChangeEventSchema, {
      source: 'identity',
      data: { kind, configVersion: version, entityId, until: until?.toISOString() ?? null },
    });
    await producer.send({
      topic: TOPICS.configChanges,
      messages: [
        { key: entityId, value: JSON.stringify(event), headers: { 'event-id': event.id } },
      ],
    });
  }
}
