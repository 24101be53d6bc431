import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { PrismaClient, SigningKey } from '@portcullis/db';
import { CONFIG, LOGGER, PRISMA } from '@portcullis/nest-service';
import type { JWK } from 'jose';
import type { Logger } from 'pino';
import { ConfigChanges, type PendingConfigChange } from '../audit-trail/config-changes.js';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { IdentityConfig } from '../config.js';
import {
  decryptPrivateKeyWithAny,
  deriveSigningKeyDataKey,
  encryptPrivateKey,
} from './private-key-encryption.js';
import {
  generateSigningKey,
  JwsSigner,
  publicJwkFields,
  type SigningAlgorithm,
} from './signing-key-material.js';

/** Advisory lock serialising rotation across identity replicas (any constant unique in this database). */
const ROTATION_LOCK = 7_401_101;
/** Cap on any access token's lifetime, so a retiring key is never kept for ever. */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;
/** Slack for clock skew and for replicas that still sign with the old key until their next check. */
const RETIRE_LEEWAY_SECONDS = 300;

interface PublishedKey {
  id: string;
  kid: string;
  alg: string;
  status: SigningKey['status'];
  activatesAt: Date;
  retiresAt: Date | null;
  publicJwk: JWK;
  signer: JwsSigner | null;
}

export interface RotationResult {
  created: string[];
  activated: string[];
  retiring: string[];
  retired: string[];
}

/**
 * The token-signing keys. Schedule (driven by `rotate`, on start-up and every check interval):
 * the next key is created `pending` and published ahead of its `activatesAt`; at that time it
 * becomes `active` and the previous one `retiring`, still published until every token it signed
 * has expired; then `retired`. The signer in memory is the newest key that is active, or
 * pending and due, so replicas switch together by the clock rather than by who rotated.
 */
@Injectable()
export class SigningKeys implements OnApplicationBootstrap, OnApplicationShutdown {
  /** The current master key's data key first (it encrypts), then earlier keys' (they decrypt). */
  private readonly dataKeys: Buffer[];
  private keys: PublishedKey[] = [];
  private jwks: { keys: JWK[] } = { keys: [] };
  private timer: NodeJS.Timeout | undefined;
  private initialLoad: Promise<void> | undefined;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) private readonly config: IdentityConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly configChanges: ConfigChanges,
    private readonly events: ManagementEvents,
  ) {
    this.dataKeys = [config.IDENTITY_MASTER_KEY, ...config.IDENTITY_MASTER_KEY_PREVIOUS].map(
      deriveSigningKeyDataKey,
    );
  }

  onApplicationBootstrap(): void {
    // Not awaited: identity must start (and report not-ready) even when PostgreSQL is down.
    this.initialLoad = this.check();
    this.timer = setInterval(
      () => void this.check(),
      this.config.SIGNING_KEY_CHECK_INTERVAL_SECONDS * 1000,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The key to sign with now; loads the keys first if this replica has none yet. */
  async signer(): Promise<JwsSigner> {
    const current = this.currentSigner();
    if (current) return current;
    await this.initialLoad;
    if (!this.currentSigner()) await this.check();
    const loaded = this.currentSigner();
    if (!loaded) throw new Error('no signing key is available');
    return loaded;
  }

  /** Synchronous fast path for the token endpoint. */
  currentSigner(now = Date.now()): JwsSigner | null {
    let best: PublishedKey | null = null;
    for (const key of this.keys) {
      const due =
        key.status === 'active' || (key.status === 'pending' && key.activatesAt.getTime() <= now);
      if (due && key.signer && (!best || key.activatesAt > best.activatesAt)) best = key;
    }
    return best?.signer ?? null;
  }

  /** Public keys of pending, active and retiring keys (RFC 7517). */
  async publicKeys(): Promise<{ keys: JWK[] }> {
    if (this.keys.length === 0) {
      await this.initialLoad;
      if (this.keys.length === 0) await this.check();
    }
    return this.jwks;
  }

  /** Public keys that may verify a token now (the same set verifiers see). */
  verificationKeys(): JWK[] {
    return this.jwks.keys;
  }

  private async check(): Promise<void> {
    try {
      await this.rotate();
    } catch (error) {
      this.logger.warn({ err: error }, 'signing-key check failed; will retry');
    }
  }

  /**
   * Applies the schedule as of `now` (a parameter so the schedule can be exercised without
   * waiting days), then reloads the keys. Safe to run on every replica at once.
   */
  async rotate(now = new Date()): Promise<RotationResult> {
    const result: RotationResult = { created: [], activated: [], retiring: [], retired: [] };
    const changes = await this.prisma.$transaction(
      async (transaction) => {
        await transaction.$executeRaw`SELECT pg_advisory_xact_lock(${ROTATION_LOCK})`;
        const live = await transaction.signingKey.findMany({
          where: { status: { in: ['pending', 'active', 'retiring'] } },
          orderBy: { activatesAt: 'asc' },
        });
        const pending = live.filter((key) => key.status === 'pending');
        let active = live.filter((key) => key.status === 'active').at(-1) ?? null;
        const maxLifetime = await this.maxTokenLifetimeSeconds(transaction);
        const retireAfterMs =
          (maxLifetime + RETIRE_LEEWAY_SECONDS + this.config.SIGNING_KEY_CHECK_INTERVAL_SECONDS) *
          1000;

        if (!active && pending.length === 0) {
          // First start: nothing has been published yet, so the first key signs at once.
          const key = await this.createKey(transaction, 'active', now);
          result.created.push(key.kid);
          result.activated.push(key.kid);
          active = key;
        }
        for (const key of pending) {
          if (key.activatesAt > now) continue;
          await transaction.signingKey.update({
            where: { id: key.id },
            data: { status: 'active' },
          });
          result.activated.push(key.kid);
          if (active) {
            await transaction.signingKey.update({
              where: { id: active.id },
              data: { status: 'retiring', retiresAt: new Date(now.getTime() + retireAfterMs) },
            });
            result.retiring.push(active.kid);
          }
          active = key;
        }
        const stillPending = pending.some((key) => key.activatesAt > now);
        const rotationMs = this.config.SIGNING_KEY_ROTATION_DAYS * 86_400_000;
        const publishAheadMs = this.config.SIGNING_KEY_PUBLISH_AHEAD_SECONDS * 1000;
        if (active && !stillPending) {
          const nextActivation = new Date(
            Math.max(active.activatesAt.getTime() + rotationMs, now.getTime() + publishAheadMs),
          );
          if (nextActivation.getTime() - publishAheadMs <= now.getTime()) {
            const key = await this.createKey(transaction, 'pending', nextActivation);
            result.created.push(key.kid);
          }
        }
        for (const key of live) {
          if (key.status === 'retiring' && key.retiresAt && key.retiresAt <= now) {
            await transaction.signingKey.update({
              where: { id: key.id },
              data: { status: 'retired' },
            });
            result.retired.push(key.kid);
          }
        }
        const recorded: PendingConfigChange[] = [];
        for (const kid of new Set([...result.created, ...result.activated, ...result.retired])) {
          recorded.push(await this.configChanges.record(transaction, 'signing_keys.changed', kid));
        }
        return recorded;
      },
      { timeout: 30_000 },
    );
    this.configChanges.announce(...changes);
    if (result.activated.length > 0 || result.retired.length > 0 || result.created.length > 0) {
      this.logger.info({ ...result }, 'signing keys rotated');
      this.events.publish({
        action: 'signing_key.rotated',
        outcome: 'success',
        actor: { type: 'system', id: null, label: 'signing-key schedule' },
        target: {
          type: 'signing_key',
          id: result.activated.at(-1) ?? result.created.at(-1) ?? null,
        },
        details: { ...result },
      });
    }
    await this.reload();
    return result;
  }

  private async maxTokenLifetimeSeconds(
    transaction: Parameters<Parameters<PrismaClient['$transaction']>[0]>[0],
  ): Promise<number> {
    const aggregate = await transaction.api.aggregate({ _max: { tokenLifetimeSeconds: true } });
    const longest = Math.max(
      aggregate._max.tokenLifetimeSeconds ?? 0,
      this.config.ACCESS_TOKEN_TTL_SECONDS,
    );
    return Math.min(longest, MAX_TOKEN_LIFETIME_SECONDS);
  }

  private async createKey(
    transaction: Parameters<Parameters<PrismaClient['$transaction']>[0]>[0],
    status: 'pending' | 'active',
    activatesAt: Date,
  ): Promise<SigningKey> {
    const generated = await generateSigningKey(this.config.SIGNING_ALG as SigningAlgorithm);
    return transaction.signingKey.create({
      data: {
        kid: generated.kid,
        alg: generated.alg,
        publicJwk: generated.publicJwk as object,
        privateKeyEncrypted: encryptPrivateKey(
          generated.privateKeyPem,
          generated.kid,
          this.dataKeys[0]!,
        ),
        status,
        activatesAt,
      },
    });
  }

  /** Reads the published keys and decrypts the ones that sign now or next. */
  async reload(): Promise<void> {
    const rows = await this.prisma.signingKey.findMany({
      where: { status: { in: ['pending', 'active', 'retiring'] } },
      orderBy: { activatesAt: 'asc' },
    });
    const previous = new Map(this.keys.map((key) => [key.kid, key.signer]));
    const keys: PublishedKey[] = [];
    for (const row of rows) {
      const needsSigner = row.status === 'active' || row.status === 'pending';
      const signer = needsSigner
        ? (previous.get(row.kid) ??
          (await JwsSigner.load(
            row.kid,
            row.alg as SigningAlgorithm,
            decryptPrivateKeyWithAny(row.privateKeyEncrypted, row.kid, this.dataKeys).pkcs8Pem,
          )))
        : null;
      keys.push({
        id: row.id,
        kid: row.kid,
        alg: row.alg,
        status: row.status,
        activatesAt: row.activatesAt,
        retiresAt: row.retiresAt,
        publicJwk: publicJwkFields(row.publicJwk as JWK),
        signer,
      });
    }
    this.keys = keys;
    // Newest first, so verifiers that try keys in order usually hit the current one.
    this.jwks = { keys: [...this.keys].reverse().map((key) => key.publicJwk) };
  }
}
