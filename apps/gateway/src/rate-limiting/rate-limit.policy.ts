import type { GatewayPlan } from '@portcullis/contracts';
import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { Denial } from '../pipeline/denial.js';
import type { RequestContext } from '../pipeline/request-context.js';

const SUSTAINED_WINDOW_SECONDS = 10;
const QUOTA_DURATION_SECONDS = 32 * 24 * 60 * 60;

interface PlanLimiters {
  burst: RateLimiterAbstract;
  sustained: RateLimiterAbstract;
  quota: RateLimiterAbstract | null;
}

/**
 * Plan limits counted in Redis, so replicas share them: a burst window (burst per second), a
 * sustained window (ratePerSecond averaged over 10 s) and the calendar-month quota. When Redis is
 * down the API's `rateLimitFailureMode` decides: `open` counts in this replica's memory
 * (insurance limiter), `closed` refuses with 503.
 */
export class RateLimitPolicy {
  readonly #limiters = new Map<string, PlanLimiters>();

  constructor(private readonly redis: Redis) {}

  async run(context: RequestContext): Promise<void> {
    const plan = context.plan;
    if (!plan || !context.subscriptionId) return;
    const mode = context.api!.api.settings.rateLimitFailureMode;
    const limiters = this.#limitersFor(plan, mode);
    const key = context.subscriptionId;
    let remaining = plan.burst;
    let resetMs = 1000;
    try {
      // One round trip to Redis for all windows (the commands pipeline on one connection).
      const [burst, sustained] = await Promise.all([
        limiters.burst.consume(key),
        limiters.sustained.consume(key),
        limiters.quota?.consume(`${key}:${monthOf(new Date())}`),
      ]);
      remaining = Math.min(burst.remainingPoints, sustained.remainingPoints);
      resetMs = burst.msBeforeNext;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        const quota = rejection.msBeforeNext > SUSTAINED_WINDOW_SECONDS * 1000;
        throw new Denial(
          429,
          quota ? 'quota_exceeded' : 'rate_limited',
          'too-many-requests',
          'Too many requests',
          quota ? 'The monthly quota of this plan is used up.' : 'The plan rate limit is exceeded.',
          {
            ...headersFor(plan, 0, rejection.msBeforeNext),
            'retry-after': String(retryAfter),
          },
        );
      }
      throw new Denial(
        503,
        'rate_limiter_unavailable',
        'unavailable',
        'Service unavailable',
        'Rate limiting is unavailable; this API refuses requests until it is back.',
        { 'retry-after': '1' },
      );
    }
    Object.assign(context.responseHeaders, headersFor(plan, remaining, resetMs));
  }

  #limitersFor(plan: GatewayPlan, mode: 'open' | 'closed'): PlanLimiters {
    const id = `${plan.id}:${plan.ratePerSecond}:${plan.burst}:${plan.monthlyQuota ?? '-'}:${mode}`;
    let limiters = this.#limiters.get(id);
    if (!limiters) {
      const make = (prefix: string, points: number, duration: number) =>
        new RateLimiterRedis({
          storeClient: this.redis,
          keyPrefix: `pcl:rl:${prefix}:${plan.id}`,
          points,
          duration,
          rejectIfRedisNotReady: true,
          insuranceLimiter:
            mode === 'open' ? new RateLimiterMemory({ points, duration }) : undefined,
        });
      limiters = {
        burst: make('b', plan.burst, 1),
        sustained: make(
          's',
          plan.ratePerSecond * SUSTAINED_WINDOW_SECONDS,
          SUSTAINED_WINDOW_SECONDS,
        ),
        quota: plan.monthlyQuota ? make('q', plan.monthlyQuota, QUOTA_DURATION_SECONDS) : null,
      };
      this.#limiters.set(id, limiters);
    }
    return limiters;
  }
}

/** IETF draft RateLimit headers (the `RateLimit-*` trio plus the policy). */
function headersFor(plan: GatewayPlan, remaining: number, resetMs: number): Record<string, string> {
  return {
    'ratelimit-limit': String(plan.burst),
    'ratelimit-remaining': String(Math.max(0, remaining)),
    'ratelimit-reset': String(Math.max(0, Math.ceil(resetMs / 1000))),
    'ratelimit-policy': `${plan.burst};w=1, ${plan.ratePerSecond * SUSTAINED_WINDOW_SECONDS};w=${SUSTAINED_WINDOW_SECONDS}`,
  };
}

function monthOf(date: Date): string {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}
