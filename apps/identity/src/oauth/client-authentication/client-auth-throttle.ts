import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, LOGGER } from '@portcullis/nest-service';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { IdentityConfig } from '../../config.js';

/** A source address may fail this many times more than one client id (many clients behind a NAT). */
const ADDRESS_FACTOR = 5;

/**
 * Counts failed client authentications per client id and per source address in Redis (shared by
 * replicas; memory when Redis is down). Successful requests never touch Redis: once a key is over
 * its limit this replica remembers the block locally, so the hot path stays a map lookup.
 */
@Injectable()
export class ClientAuthThrottle implements OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly byClient: RateLimiterRedis;
  private readonly byAddress: RateLimiterRedis;
  private readonly blockedUntil = new Map<string, number>();
  private lastRedisErrorLog = 0;

  constructor(
    @Inject(CONFIG) config: IdentityConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.redis = new Redis(config.REDIS_URL, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
    });
    this.redis.on('error', (error: Error) => {
      // Reconnects are automatic; one line a minute is enough.
      if (Date.now() - this.lastRedisErrorLog > 60_000) {
        this.lastRedisErrorLog = Date.now();
        this.logger.warn(
          { err: error },
          'Redis unavailable; client-auth limits fall back to memory',
        );
      }
    });
    const points = config.CLIENT_AUTH_MAX_FAILURES;
    const duration = config.CLIENT_AUTH_FAILURE_WINDOW_SECONDS;
    this.byClient = new RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: 'pcl:oauth:auth-fail:client',
      points,
      duration,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points, duration }),
    });
    this.byAddress = new RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: 'pcl:oauth:auth-fail:address',
      points: points * ADDRESS_FACTOR,
      duration,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points: points * ADDRESS_FACTOR, duration }),
    });
  }

  /** Seconds until the client id or address may try again, or null when not blocked here. */
  blockedFor(clientId: string | null, address: string): number | null {
    const now = Date.now();
    let until = 0;
    for (const key of keysFor(clientId, address)) {
      const blocked = this.blockedUntil.get(key);
      if (blocked === undefined) continue;
      if (blocked <= now) this.blockedUntil.delete(key);
      else until = Math.max(until, blocked);
    }
    return until > now ? (until - now) / 1000 : null;
  }

  /** Counts a failure; returns the seconds to wait when a limit is now exceeded. */
  async recordFailure(clientId: string | null, address: string): Promise<number | null> {
    const attempts: [RateLimiterRedis, string][] = [[this.byAddress, address]];
    if (clientId) attempts.push([this.byClient, clientId]);
    let wait = 0;
    await Promise.all(
      attempts.map(async ([limiter, key]) => {
        try {
          await limiter.consume(key);
        } catch (rejection) {
          if (!(rejection instanceof RateLimiterRes)) {
            this.logger.warn({ err: rejection }, 'client-auth limiter failed');
            return;
          }
          const localKey = limiter === this.byClient ? `client:${key}` : `address:${key}`;
          this.blockedUntil.set(localKey, Date.now() + rejection.msBeforeNext);
          wait = Math.max(wait, rejection.msBeforeNext / 1000);
        }
      }),
    );
    if (this.blockedUntil.size > 100_000) this.blockedUntil.clear();
    return wait > 0 ? wait : null;
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

function keysFor(clientId: string | null, address: string): string[] {
  return clientId ? [`client:${clientId}`, `address:${address}`] : [`address:${address}`];
}
