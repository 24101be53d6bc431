import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, LOGGER } from '@portcullis/nest-service';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { IdentityConfig } from '../../config.js';

/** A source address may fail this many times more than one client id (many clients behind a NAT). */
const ADDRESS_FACTOR = 5;

/**
 * Counts failed client authentications per (client id, source address) and per source address in
 * Redis (shared by replicas; memory when Redis is down). Successful requests never touch Redis:
 * once a key is over its limit this replica remembers the block locally, so the hot path stays a
 * map lookup.
 *
 * Never per client id alone: the block is checked before the secret, so a count anyone can raise
 * by sending a client id (client ids are not secret) would lock the real client out from
 * everywhere. Guessing a secret from many addresses gains nothing: secrets carry 256 random bits.
 */
@Injectable()
export class ClientAuthThrottle implements OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly byClientAndAddress: RateLimiterRedis;
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
    this.byClientAndAddress = new RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: 'pcl:oauth:auth-fail:client-address',
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

  /** Seconds until this client id from this address may try again, or null when not blocked. */
  blockedFor(clientId: string | null, address: string): number | null {
    const now = Date.now();
    let until = 0;
    for (const key of keysFor(clientId, address)) {
      if (key === null) continue;
      const blocked = this.blockedUntil.get(key);
      if (blocked === undefined) continue;
      if (blocked <= now) this.blockedUntil.delete(key);
      else until = Math.max(until, blocked);
    }
    return until > now ? (until - now) / 1000 : null;
  }

  /** Counts a failure; returns the seconds to wait when a limit is now exceeded. */
  async recordFailure(clientId: string | null, address: string): Promise<number | null> {
    const [clientKey, addressKey] = keysFor(clientId, address);
    const attempts: [RateLimiterRedis, string][] = [[this.byAddress, addressKey]];
    if (clientKey) attempts.push([this.byClientAndAddress, clientKey]);
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
          this.blockedUntil.set(key, Date.now() + rejection.msBeforeNext);
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

/** The (client id, address) key (null without a client id) and the address key. */
function keysFor(clientId: string | null, address: string): [string | null, string] {
  // A space cannot occur in an address, so the pair cannot collide with another pair.
  return [clientId ? `client:${address} ${clientId}` : null, `address:${address}`];
}
