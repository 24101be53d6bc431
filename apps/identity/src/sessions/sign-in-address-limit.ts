import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, LOGGER } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import type { IdentityConfig } from '../config.js';
import { FailureLimit, FailureLimitRedis } from '../failure-limits/failure-limit.js';

/**
 * Failed sign-ins per source address, against credential stuffing: one guess for each of many
 * e-mail addresses never locks any account, so the address that sends them is counted instead.
 * Over the limit, that address may not sign in from new devices for the rest of the window; known
 * devices (a device token from an earlier sign-in) are neither counted nor held back, so a
 * stranger who shares an address with people (the portal without a trusted proxy, an office NAT)
 * cannot keep them out.
 */
@Injectable()
export class SignInAddressLimit {
  private readonly limit: FailureLimit;

  constructor(
    @Inject(CONFIG) config: IdentityConfig,
    @Inject(LOGGER) logger: Logger,
    redis: FailureLimitRedis,
  ) {
    this.limit = new FailureLimit(
      redis.client,
      {
        keyPrefix: 'pcl:sign-in:fail:address',
        points: config.SIGN_IN_MAX_FAILURES_PER_ADDRESS,
        durationSeconds: config.SIGN_IN_ADDRESS_WINDOW_SECONDS,
      },
      logger,
    );
  }

  /**
   * Seconds until new devices may sign in from this address again, or null. Asks Redis when this
   * replica knows no block, so an address over the limit on one replica gets no extra guesses on
   * the others (one read per new-device sign-in, next to an argon2 verification).
   */
  async blockedFor(address: string | null): Promise<number | null> {
    return address ? this.limit.blockedAnywhereFor(address) : null;
  }

  async recordFailure(address: string | null): Promise<void> {
    if (address) await this.limit.recordFailure(address);
  }
}
