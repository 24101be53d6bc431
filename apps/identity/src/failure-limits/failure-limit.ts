import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, LOGGER } from '@portcullis/nest-service';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { IdentityConfig } from '../config.js';

/**
 * Where failure counts live: Redis shared by the replicas. One connection for every limit in the
 * process (client authentication, sign-ins per address), warning once a minute while it is away.
 */
@Injectable()
export class FailureLimitRedis implements OnApplicationShutdown {
  readonly client: Redis;

  constructor(@Inject(CONFIG) config: IdentityConfig, @Inject(LOGGER) logger: Logger) {
    this.client = new Redis(config.REDIS_URL, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
    });
    let lastErrorLog = 0;
    this.client.on('error', (error: Error) => {
      // Reconnects are automatic; one line a minute is enough.
      if (Date.now() - lastErrorLog > 60_000) {
        lastErrorLog = Date.now();
        logger.warn({ err: error }, 'Redis unavailable; failure limits fall back to memory');
      }
    });
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
  }
}

/**
 * Counts failures per key in Redis (memory while Redis is down) and refuses a key for the rest of
 * the window once it has `points` of them. Successes never touch Redis: once a key is over its
 * limit this replica remembers the block itself, so checking stays a map lookup.
 */
export class FailureLimit {
  readonly #limiter: RateLimiterRedis;
  readonly #points: number;
  readonly #blockedUntil = new Map<string, number>();

  constructor(
    redis: Redis,
    options: { keyPrefix: string; points: number; durationSeconds: number },
    private readonly logger: Logger,
  ) {
    const { points, durationSeconds: duration } = options;
    this.#points = points;
    this.#limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: options.keyPrefix,
      points,
      duration,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points, duration }),
    });
  }

  /** Seconds until `key` may try again, or null when it is not blocked. */
  blockedFor(key: string): number | null {
    const blocked = this.#blockedUntil.get(key);
    if (blocked === undefined) return null;
    const now = Date.now();
    if (blocked > now) return (blocked - now) / 1000;
    this.#blockedUntil.delete(key);
    return null;
  }

  /**
   * Like blockedFor, but also asks Redis, so a key over its limit on another replica is blocked
   * here too (one Redis read: for checks next to slow work, such as a password hash, not for the
   * token endpoint's client authentication).
   */
  async blockedAnywhereFor(key: string): Promise<number | null> {
    const local = this.blockedFor(key);
    if (local !== null) return local;
    try {
      const counted = await this.#limiter.get(key);
      if (!counted || counted.consumedPoints <= this.#points) return null;
      this.#blockedUntil.set(key, Date.now() + counted.msBeforeNext);
      return counted.msBeforeNext / 1000;
    } catch (error) {
      this.logger.warn({ err: error }, 'failure limiter failed');
      return null;
    }
  }

  /** Counts a failure; returns the seconds to wait when the key is now over its limit. */
  async recordFailure(key: string): Promise<number | null> {
    try {
      await this.#limiter.consume(key);
      return null;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        this.logger.warn({ err: rejection }, 'failure limiter failed');
        return null;
      }
      if (this.#blockedUntil.size > 100_000) this.#blockedUntil.clear();
      this.#blockedUntil.set(key, Date.now() + rejection.msBeforeNext);
      return rejection.msBeforeNext / 1000;
    }
  }
}
