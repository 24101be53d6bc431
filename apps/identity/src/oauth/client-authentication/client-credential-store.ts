import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@portcullis/db';
import { LOGGER, PRISMA } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { ConfigVersion } from '../../audit-trail/config-version.js';

export interface ClientCredential {
  id: string;
  applicationId: string;
  teamId: string;
  environment: 'sandbox' | 'production';
  kind: 'api_key' | 'client_secret' | 'private_key_jwt' | 'tls_client_auth';
  clientId: string;
  secretHash: string | null;
  jwks: unknown;
  certificateThumbprint: string | null;
  expiresAt: Date | null;
  graceUntil: Date | null;
  lastUsedAt: Date | null;
}

/** An API the application may get tokens for in one environment. */
export interface SubscribedApi {
  apiId: string;
  slug: string;
  tokenLifetimeSeconds: number;
  authMethods: string[];
  grantedScopes: string[];
}

interface CredentialRow {
  id: string;
  application_id: string;
  team_id: string;
  environment: ClientCredential['environment'];
  kind: ClientCredential['kind'];
  client_id: string;
  secret_hash: string | null;
  jwks: unknown;
  certificate_thumbprint: string | null;
  expires_at: Date | null;
  grace_until: Date | null;
  last_used_at: Date | null;
}

interface SubscribedApiRow {
  api_id: string;
  slug: string;
  token_lifetime_seconds: number;
  auth_methods: string[];
  granted_scopes: string[];
}

interface Cached<T> {
  version: string;
  value: T;
}

/** lastUsedAt is informational: write it at most this often per credential and replica. */
const LAST_USED_WRITE_INTERVAL_MS = 60_000;
const MAX_CACHED = 50_000;

/**
 * The token endpoint's reads: a client's active credentials and its application's approved
 * subscriptions. Both are cached per config version (see ConfigVersion), so the hot path costs
 * one batched version check instead of two queries, and a revocation, rotation or suspension is
 * seen by the next request on every replica. Expiry and grace periods are checked by the clock.
 */
@Injectable()
export class ClientCredentialStore {
  private readonly lastWrites = new Map<string, number>();
  private readonly credentials = new Map<string, Cached<ClientCredential[]>>();
  private readonly subscriptions = new Map<string, Cached<SubscribedApi[]>>();

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly configVersion: ConfigVersion,
  ) {}

  /**
   * Active credentials of the client that are not expired and not past their grace period, and
   * the config version they are current at (pass it on to `subscribedApis`).
   */
  async usableCredentials(
    clientId: string,
    now = new Date(),
  ): Promise<{ version: string; credentials: ClientCredential[] }> {
    const version = await this.configVersion.current();
    let cached = this.credentials.get(clientId);
    if (cached?.version !== version) {
      cached = { version, value: await this.loadCredentials(clientId) };
      remember(this.credentials, clientId, cached);
    }
    const credentials = cached.value.filter(
      (credential) =>
        (credential.expiresAt === null || credential.expiresAt > now) &&
        (credential.graceUntil === null || credential.graceUntil > now),
    );
    return { version, credentials };
  }

  /** Approved subscriptions of the application in the environment, with their APIs. */
  async subscribedApis(
    applicationId: string,
    environment: string,
    version: string,
  ): Promise<SubscribedApi[]> {
    const key = `${applicationId}|${environment}`;
    let cached = this.subscriptions.get(key);
    if (cached?.version !== version) {
      cached = { version, value: await this.loadSubscriptions(applicationId, environment) };
      remember(this.subscriptions, key, cached);
    }
    return cached.value;
  }

  private async loadCredentials(clientId: string): Promise<ClientCredential[]> {
    const rows = await this.prisma.$queryRaw<CredentialRow[]>`
      SELECT c.id, c.application_id, a.team_id, c.environment::text AS environment,
             c.kind::text AS kind, c.client_id, c.secret_hash, c.jwks,
             c.certificate_thumbprint, c.expires_at, c.grace_until, c.last_used_at
        FROM identity.credentials c
        JOIN identity.applications a ON a.id = c.application_id
       WHERE c.client_id = ${clientId} AND c.status = 'active'`;
    return rows.map((row) => ({
      id: row.id,
      applicationId: row.application_id,
      teamId: row.team_id,
      environment: row.environment,
      kind: row.kind,
      clientId: row.client_id,
      secretHash: row.secret_hash,
      jwks: row.jwks,
      certificateThumbprint: row.certificate_thumbprint,
      expiresAt: row.expires_at,
      graceUntil: row.grace_until,
      lastUsedAt: row.last_used_at,
    }));
  }

  private async loadSubscriptions(
    applicationId: string,
    environment: string,
  ): Promise<SubscribedApi[]> {
    const rows = await this.prisma.$queryRaw<SubscribedApiRow[]>`
      SELECT a.id AS api_id, a.slug, a.token_lifetime_seconds,
             a.auth_methods::text[] AS auth_methods, s.granted_scopes
        FROM identity.subscriptions s
        JOIN identity.apis a ON a.id = s.api_id
       WHERE s.application_id = ${applicationId}::uuid
         AND s.environment = ${environment}::identity.environment
         AND s.status = 'approved'`;
    return rows.map((row) => ({
      apiId: row.api_id,
      slug: row.slug,
      tokenLifetimeSeconds: row.token_lifetime_seconds,
      authMethods: row.auth_methods,
      grantedScopes: row.granted_scopes,
    }));
  }

  /** Throttled, fire-and-forget: the token response never waits for this write. */
  touch(credential: ClientCredential): void {
    const now = Date.now();
    const last = Math.max(
      this.lastWrites.get(credential.id) ?? 0,
      credential.lastUsedAt?.getTime() ?? 0,
    );
    if (now - last < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastWrites.set(credential.id, now);
    if (this.lastWrites.size > MAX_CACHED) this.lastWrites.clear();
    this.prisma.credential
      .update({ where: { id: credential.id }, data: { lastUsedAt: new Date(now) } })
      .catch((error: unknown) =>
        this.logger.warn({ err: error, credentialId: credential.id }, 'lastUsedAt not updated'),
      );
  }
}

function remember<T>(map: Map<string, Cached<T>>, key: string, value: Cached<T>): void {
  if (map.size >= MAX_CACHED) map.clear();
  map.set(key, value);
}
