import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, LOGGER, problems } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import type { IdentityConfig } from '../config.js';
import { FailureLimit, FailureLimitRedis } from './failure-limit.js';

/**
 * Adding a team member by e-mail says whether an account exists (404 or 201): any signed-up person
 * owns a team, so without a limit anyone could test a list of addresses. Each person may get
 * TEAM_MEMBER_LOOKUP_MAX_MISSES "no such user" answers per TEAM_MEMBER_LOOKUP_WINDOW_SECONDS;
 * past that every add is refused with 429 until the window ends, found or not (a 201 next to 429s
 * would answer the question anyway). Counted per person, not per address, so nobody can use it to
 * hold back anyone else.
 */
@Injectable()
export class MemberLookupLimit {
  readonly #limit: FailureLimit;

  constructor(
    @Inject(CONFIG) config: IdentityConfig,
    @Inject(LOGGER) logger: Logger,
    redis: FailureLimitRedis,
  ) {
    this.#limit = new FailureLimit(
      redis.client,
      {
        keyPrefix: 'pcl:team-member-lookup:miss',
        points: config.TEAM_MEMBER_LOOKUP_MAX_MISSES,
        durationSeconds: config.TEAM_MEMBER_LOOKUP_WINDOW_SECONDS,
      },
      logger,
    );
  }

  /** Refuses (429) while this person has used up their misses, on any replica. */
  async check(userId: string): Promise<void> {
    const wait = await this.#limit.blockedAnywhereFor(userId);
    if (wait !== null) throw tooManyMisses(wait);
  }

  /** Counts a "no such user"; refuses (429) instead when it is one too many. */
  async recordMiss(userId: string): Promise<void> {
    const wait = await this.#limit.recordFailure(userId);
    if (wait !== null) throw tooManyMisses(wait);
  }
}

function tooManyMisses(waitSeconds: number) {
  const minutes = Math.max(1, Math.ceil(waitSeconds / 60));
  return problems.tooManyRequests(
    `Too many e-mail addresses without an account were tried; adding members is paused for ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    Math.max(1, Math.ceil(waitSeconds)),
  );
}
