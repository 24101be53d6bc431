import { Inject, Injectable } from '@nestjs/common';
import {
  apiAudience,
  gatewayApiSettingsSchema,
  gatewaySnapshotSchema,
  type GatewayAuthMethod,
  type GatewaySnapshot,
} from '@portcullis/contracts';
import type { PrismaClient } from '@portcullis/db';
import { CONFIG, LOGGER, PRISMA } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import type { IdentityConfig } from '../config.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../signing-keys/signing-keys.service.js';

/** How long credentials the sweep marked expired stay in the snapshot (as `expired`). */
const EXPIRED_VISIBLE_MS = 7 * 24 * 60 * 60 * 1000;

function expiredSince(now: Date): Date {
  return new Date(now.getTime() - EXPIRED_VISIBLE_MS);
}

/** Blocks without an end date still need an instant in the snapshot. */
const FOREVER = '9999-12-31T23:59:59.999Z';

const AUTH_METHODS: Record<string, GatewayAuthMethod> = {
  api_key: 'api_key',
  oauth2_client_credentials: 'oauth2',
  basic: 'basic',
};

/**
 * Builds what gateways need to decide without calling identity. Read in one repeatable-read
 * transaction, version first: a change committed after the version read is either in the data
 * (harmless: its event triggers another refresh) or announced later, never silently skipped.
 */
@Injectable()
export class GatewaySnapshotBuilder {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) private readonly config: IdentityConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async build(): Promise<GatewaySnapshot> {
    const now = new Date();
    const data = await this.prisma.$transaction(
      async (tx) => {
        const latest = await tx.configChange.findFirst({
          orderBy: { id: 'desc' },
          select: { id: true },
        });
        const [apis, subscriptions, credentials, revokedTokens, blocks, withdrawn] =
          await Promise.all([
            tx.api.findMany({ include: { routes: true, plans: true }, orderBy: { id: 'asc' } }),
            tx.subscription.findMany({
              where: { status: { in: ['approved', 'suspended'] } },
              orderBy: { id: 'asc' },
            }),
            tx.credential.findMany({
              where: {
                kind: { in: ['api_key', 'client_secret'] },
                secretHash: { not: null },
                OR: [
                  { status: 'active' },
                  // Swept to `expired` recently: gateways still name the reason (expired_credential)
                  // instead of treating the key as unknown.
                  {
                    status: 'expired',
                    OR: [
                      { expiresAt: { gt: expiredSince(now) } },
                      { graceUntil: { gt: expiredSince(now) } },
                    ],
                  },
                ],
              },
              orderBy: { id: 'asc' },
            }),
            tx.revokedToken.findMany({ where: { expiresAt: { gt: now } } }),
            tx.sourceBlock.findMany({
              where: { liftedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
            }),
            // Tokens live at most MAX_TOKEN_LIFETIME_SECONDS: older revocations cannot matter.
            tx.credential.findMany({
              where: {
                OR: [
                  { status: 'suspended' },
                  {
                    status: 'revoked',
                    revokedAt: { gt: new Date(now.getTime() - MAX_TOKEN_LIFETIME_SECONDS * 1000) },
                  },
                ],
              },
              select: { id: true },
              orderBy: { id: 'asc' },
            }),
          ]);
        const appIds = [...new Set(subscriptions.map((s) => s.applicationId))];
        const applications = await tx.application.findMany({
          where: { id: { in: appIds } },
          select: { id: true, teamId: true, name: true, createdById: true },
        });
        return {
          version: latest ? Number(latest.id) : 0,
          apis,
          subscriptions,
          credentials,
          revokedTokens,
          blocks,
          withdrawn,
          applications,
        };
      },
      { isolationLevel: 'RepeatableRead' },
    );

    const snapshot: GatewaySnapshot = {
      configVersion: data.version,
      generatedAt: now.toISOString(),
      issuer: this.config.IDENTITY_ISSUER,
      apis: data.apis.map((api) => ({
        id: api.id,
        slug: api.slug,
        name: api.name,
        basePath: api.basePath,
        upstreamUrl: api.upstreamUrl,
        audience: apiAudience(api.slug),
        authMethods: api.authMethods.map((method) => AUTH_METHODS[method]!),
        routes: api.routes.map((route) => ({
          method: route.method,
          pathPattern: route.pathPattern,
          requiredScopes: route.requiredScopes,
        })),
        plans: api.plans.map((plan) => ({
          id: plan.id,
          name: plan.name,
          ratePerSecond: plan.ratePerSecond,
          burst: plan.burst,
          monthlyQuota: plan.monthlyQuota,
        })),
        settings: this.settingsOf(api.id, api.settings),
      })),
      applications: data.applications,
      subscriptions: data.subscriptions.map((s) => ({
        id: s.id,
        appId: s.applicationId,
        apiId: s.apiId,
        planId: s.planId,
        environment: s.environment,
        status: s.status,
        scopes: s.grantedScopes,
      })),
      credentials: data.credentials
        .filter((c) => c.kind === 'api_key' || c.clientId !== null)
        .map((c) => ({
          id: c.id,
          kind: c.kind as 'api_key' | 'client_secret',
          lookupId: c.kind === 'api_key' ? c.keyId : c.clientId!,
          secretHash: c.secretHash!,
          appId: c.applicationId,
          environment: c.environment,
          // Suspended (and revoked) credentials are left out: unknown to gateways until restored.
          status: c.status === 'expired' ? ('expired' as const) : ('active' as const),
          // A rotated-out credential works until its grace period ends: that is its expiry here.
          expiresAt: earliest(c.expiresAt, c.graceUntil)?.toISOString() ?? null,
        })),
      revokedTokens: data.revokedTokens.map((t) => ({
        jti: t.jti,
        expiresAt: t.expiresAt.toISOString(),
      })),
      blockedSources: blockedSources(data.blocks),
      withdrawnCredentialIds: data.withdrawn.map((c) => c.id),
    };
    // Validate what leaves: a gateway must never receive something it cannot parse.
    return gatewaySnapshotSchema.parse(snapshot);
  }

  private settingsOf(apiId: string, raw: unknown) {
    const parsed = gatewayApiSettingsSchema.safeParse(raw ?? {});
    if (parsed.success) return parsed.data;
    this.logger.warn({ apiId }, 'API settings are invalid; gateways get the defaults');
    return gatewayApiSettingsSchema.parse({});
  }
}

/**
 * One entry per address (gateways key blocks by address): overlapping blocks of one address
 * become the latest end among them.
 */
function blockedSources(blocks: { source: string; expiresAt: Date | null }[]) {
  const ends = new Map<string, number>();
  for (const block of blocks) {
    const end = block.expiresAt?.getTime() ?? Date.parse(FOREVER);
    ends.set(block.source, Math.max(ends.get(block.source) ?? 0, end));
  }
  return [...ends].map(([address, end]) => ({ address, until: new Date(end).toISOString() }));
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}
