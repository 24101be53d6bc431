import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, LOGGER } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import type { IdentityConfig } from '../../config.js';
import { FailureLimit, FailureLimitRedis } from '../../failure-limits/failure-limit.js';

/** A source address may fail this many times more than one client id (many clients behind a NAT). */
const ADDRESS_FACTOR = 5;

/**
 * Counts failed client authentications per (client id, source address) and per source address
 * (FailureLimit: shared by the replicas through Redis).
 *
 * Never per client id alone: the block is checked before the secret, so a count anyone can raise
 * by sending a client id (client ids are not secret) would lock the real client out from
 * everywhere. Guessing a secret from many addresses gains nothing: secrets carry 256 random bits.
 */
@Injectable()
export class ClientAuthThrottle {
  private readonly byClientAndAddress: FailureLimit;
  private readonly byAddress: FailureLimit;

  constructor(
    @Inject(CONFIG) config: IdentityConfig,
    @Inject(LOGGER) logger: Logger,
    redis: FailureLimitRedis,
  ) {
    const points = config.CLIENT_AUTH_MAX_FAILURES;
    const durationSeconds = config.CLIENT_AUTH_FAILURE_WINDOW_SECONDS;
    this.byClientAndAddress = new FailureLimit(
      redis.client,
      { keyPrefix: 'pcl:oauth:auth-fail:client-address', points, durationSeconds },
      logger,
    );
    this.byAddress = new FailureLimit(
      redis.client,
      {
        keyPrefix: 'pcl:oauth:auth-fail:address',
        points: points * ADDRESS_FACTOR,
        durationSeconds,
      },
      logger,
    );
  }

  /** Seconds until this client id from this address may try again, or null when not blocked. */
  blockedFor(clientId: string | null, address: string): number | null {
    const [clientKey, addressKey] = keysFor(clientId, address);
    const waits = [
      this.byAddress.blockedFor(addressKey),
      clientKey === null ? null : this.byClientAndAddress.blockedFor(clientKey),
    ].filter((wait): wait is number => wait !== null);
    return waits.length === 0 ? null : Math.max(...waits);
  }

  /** Counts a failure; returns the seconds to wait when a limit is now exceeded. */
  async recordFailure(clientId: string | null, address: string): Promise<number | null> {
    const [clientKey, addressKey] = keysFor(clientId, address);
    const waits = (
      await Promise.all([
        this.byAddress.recordFailure(addressKey),
        clientKey === null ? null : this.byClientAndAddress.recordFailure(clientKey),
      ])
    ).filter((wait): wait is number => wait !== null);
    return waits.length === 0 ? null : Math.max(...waits);
  }
}

/** The (client id, address) key (null without a client id) and the address key. */
function keysFor(clientId: string | null, address: string): [string | null, string] {
  // A space cannot occur in an address, so the pair cannot collide with another pair.
  return [clientId ? `client:${address} ${clientId}` : null, `address:${address}`];
}
