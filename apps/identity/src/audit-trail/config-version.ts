import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { PrismaClient } from '@portcullis/db';
import { CONFIG, LOGGER, PRISMA } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import type { IdentityConfig } from '../config.js';

interface Waiter {
  resolve(version: string): void;
  reject(error: unknown): void;
}

/**
 * The committed config version (the newest `config_changes` id). Every change to credentials,
 * subscriptions and APIs records one, so a cache entry loaded at version v is current while the
 * version is still v.
 *
 * The token endpoint must not wait on the database for every token, so the version is polled in
 * the background (three times per TOKEN_CACHE_MAX_STALENESS_MS) and answered from memory while that fresh.
 * Changes made on this replica call `invalidate()` and are seen by the very next request; other
 * replicas see them within the staleness bound. With a bound of 0 (or a stale poll) callers read
 * the version themselves, batched: one query in flight, and a caller waits for a query that
 * started after it asked, so the answer is never older than the request.
 */
@Injectable()
export class ConfigVersion implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  private waiting: Waiter[] = [];
  private known: string | null = null;
  private knownAt = 0;
  /** Bumped by `invalidate()`: reads that began before it must not refresh the cached answer. */
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) private readonly config: IdentityConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const bound = this.config.TOKEN_CACHE_MAX_STALENESS_MS;
    if (bound === 0) return;
    // Poll well inside the bound, so a slow answer does not push requests onto the database.
    const interval = Math.max(20, Math.floor(bound / 3));
    this.timer = setInterval(() => {
      this.read().catch((error: unknown) =>
        this.logger.debug({ err: error }, 'config version poll failed'),
      );
    }, interval);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  current(): Promise<string> {
    const maxAge = this.config.TOKEN_CACHE_MAX_STALENESS_MS;
    if (this.known !== null && maxAge > 0 && Date.now() - this.knownAt <= maxAge) {
      return Promise.resolve(this.known);
    }
    return this.read();
  }

  /** A change was committed on this replica: the next caller reads the version afresh. */
  invalidate(): void {
    this.generation += 1;
    this.knownAt = 0;
  }

  private read(): Promise<string> {
    const asked = Date.now();
    const generation = this.generation;
    return new Promise<string>((resolve, reject) => {
      this.waiting.push({
        resolve: (version) => {
          if (generation === this.generation && asked >= this.knownAt) {
            this.known = version;
            this.knownAt = asked;
          }
          resolve(version);
        },
        reject,
      });
      if (!this.running) this.run();
    });
  }

  private run(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.running = true;
    this.prisma.$queryRaw<{ version: string | null }[]>`
        SELECT max(id)::text AS version FROM identity.config_changes`
      .then(
        (rows) => {
          const version = rows[0]?.version ?? '0';
          for (const waiter of batch) waiter.resolve(version);
        },
        (error: unknown) => {
          for (const waiter of batch) waiter.reject(error);
        },
      )
      .finally(() => {
        this.running = false;
        if (this.waiting.length > 0) this.run();
      });
  }
}
