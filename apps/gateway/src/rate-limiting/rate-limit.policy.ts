import type { GatewayPlan } from '@portcullis/contracts';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { Denial } from '../pipeline/denial.js';
import type { RequestContext } from '../pipeline/request-context.js';

const SUSTAINED_WINDOW_SECONDS = 10;
/** A replica leases at most this share of a window's points at a time... */
const LEASE_SHARE = 1 / 20;
/** ...and at most this many (per-second windows), or this many of the monthly quota. */
const MAX_LEASE = 1000;
const MAX_QUOTA_LEASE = 100;

/**
 * Adds ARGV[1] points to the window's counter (created with a TTL of ARGV[2] ms) and returns the
 * new total. Atomic in Redis, so replicas never hand out the same points twice.
 */
const LEASE_SCRIPT = `
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
if used == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return used`;

type WindowKind = 'burst' | 'sustained' | 'quota';

interface WindowSpec {
  kind: WindowKind;
  points: number;
  lease: number;
}

/** One replica's share of one window of one subscription. */
interface WindowState {
  /** Which window (its start in ms); a new window starts from nothing. */
  windowStart: number;
  windowEnd: number;
  /** Points leased from Redis and not used yet. */
  local: number;
  /** Points Redis still had after this replica's last lease (for the RateLimit headers). */
  shared: number;
  /** Redis has no points left in this window: refuse until it ends. */
  exhausted: boolean;
  leasing: Promise<void> | null;
}

interface Refusal {
  kind: WindowKind;
  msBeforeNext: number;
}

type RedisWithLease = Redis & {
  portcullisLease(key: string, points: number, ttlMs: number): Promise<number>;
};

/**
 * Plan limits shared by all replicas through Redis: a burst window (burst per second), a
 * sustained window (ratePerSecond averaged over 10 s) and the calendar-month quota, each a fixed
 * window counted in Redis.
 *
 * Replicas do not ask Redis on every request: each leases a block of points (1/20 of the window,
 * at most 1000; 1 for small limits) with one atomic INCRBY and spends it locally, so most requests
 * are a map lookup. Redis hands out each point once, so all replicas together never admit more
 * than the plan allows in a window; what a replica leased and did not use by the window's end is
 * lost, so the plan may refuse up to (replicas × (lease − 1)) points early. See the README.
 *
 * When Redis is down the API's `rateLimitFailureMode` decides: `open` counts in this replica's
 * memory (rate-limiter-flexible's memory limiter), `closed` refuses with 503.
 */
export class RateLimitPolicy {
  readonly #windows = new Map<string, WindowState>();
  readonly #fallback = new Map<
    string,
    { burst: RateLimiterMemory; sustained: RateLimiterMemory }
  >();
  readonly #redis: RedisWithLease;

  constructor(redis: Redis) {
    redis.defineCommand('portcullisLease', { numberOfKeys: 1, lua: LEASE_SCRIPT });
    this.#redis = redis as RedisWithLease;
  }

  /** Synchronous (undefined) when this replica still holds points for every window. */
  run(context: RequestContext): Promise<void> | undefined {
    const plan = context.plan;
    if (!plan || !context.subscriptionId) return undefined;
    const now = Date.now();
    const specs = windowSpecs(plan);
    const states = specs.map((spec) => this.#state(plan, context.subscriptionId!, spec, now));
    if (states.every((state) => state.local > 0)) {
      for (const state of states) state.local -= 1;
      this.#admit(context, plan, states, now);
      return undefined;
    }
    return this.#slow(context, plan, specs, states);
  }

  async #slow(
    context: RequestContext,
    plan: GatewayPlan,
    specs: WindowSpec[],
    states: WindowState[],
  ): Promise<void> {
    const key = context.subscriptionId!;
    let refusal: Refusal | null = null;
    try {
      for (let index = 0; index < specs.length; index += 1) {
        const taken = await this.#take(plan, key, specs[index]!, states[index]!);
        if (taken) refusal ??= taken;
      }
    } catch {
      if (context.api!.api.settings.rateLimitFailureMode === 'closed') {
        throw new Denial(
          503,
          'rate_limiter_unavailable',
          'unavailable',
          'Service unavailable',
          'Rate limiting is unavailable; this API refuses requests until it is back.',
          { 'retry-after': '1' },
        );
      }
      return this.#fallbackRun(context, plan, key);
    }
    if (refusal) throw refused(plan, refusal);
    this.#admit(context, plan, states, Date.now());
  }

  /** Takes one point of one window, leasing from Redis when this replica has none left. */
  async #take(
    plan: GatewayPlan,
    key: string,
    spec: WindowSpec,
    state: WindowState,
  ): Promise<Refusal | null> {
    for (;;) {
      const now = Date.now();
      if (now >= state.windowEnd) resetWindow(state, spec, now);
      if (state.local > 0) {
        state.local -= 1;
        return null;
      }
      if (state.exhausted) return { kind: spec.kind, msBeforeNext: state.windowEnd - now };
      state.leasing ??= this.#lease(plan, key, spec, state).finally(() => {
        state.leasing = null;
      });
      await state.leasing;
    }
  }

  async #lease(plan: GatewayPlan, key: string, spec: WindowSpec, state: WindowState) {
    const windowStart = state.windowStart;
    const redisKey = `pcl:rl:${spec.kind[0]}:${plan.id}:${key}:${windowStart}`;
    const ttlMs = state.windowEnd - windowStart + 60_000;
    const used = await this.#redis.portcullisLease(redisKey, spec.lease, ttlMs);
    // The window may have ended while Redis answered: those points belonged to the old one.
    if (state.windowStart !== windowStart) return;
    const granted = Math.max(0, Math.min(spec.lease, spec.points - (used - spec.lease)));
    state.local += granted;
    state.shared = Math.max(0, spec.points - used);
    if (granted === 0) state.exhausted = true;
  }

  #state(plan: GatewayPlan, key: string, spec: WindowSpec, now: number): WindowState {
    const id = `${spec.kind}:${plan.id}:${spec.points}:${key}`;
    let state = this.#windows.get(id);
    if (!state) {
      state = {
        windowStart: 0,
        windowEnd: 0,
        local: 0,
        shared: spec.points,
        exhausted: false,
        leasing: null,
      };
      this.#windows.set(id, state);
    }
    if (now >= state.windowEnd) resetWindow(state, spec, now);
    return state;
  }

  #admit(context: RequestContext, plan: GatewayPlan, states: WindowState[], now: number): void {
    const [burst, sustained] = states;
    const remaining = Math.min(burst!.local + burst!.shared, sustained!.local + sustained!.shared);
    Object.assign(context.responseHeaders, headersFor(plan, remaining, burst!.windowEnd - now));
  }

  /** Redis is unreachable and the API fails open: this replica counts alone, in memory. */
  async #fallbackRun(context: RequestContext, plan: GatewayPlan, key: string): Promise<void> {
    // Reported in the access event, so audit can alert on a limiter that is no longer shared.
    context.rateLimitFallback = true;
    const id = `${plan.id}:${plan.ratePerSecond}:${plan.burst}`;
    let limiters = this.#fallback.get(id);
    if (!limiters) {
      limiters = {
        burst: new RateLimiterMemory({ points: plan.burst, duration: 1 }),
        sustained: new RateLimiterMemory({
          points: plan.ratePerSecond * SUSTAINED_WINDOW_SECONDS,
          duration: SUSTAINED_WINDOW_SECONDS,
        }),
      };
      this.#fallback.set(id, limiters);
    }
    try {
      const [burst, sustained] = await Promise.all([
        limiters.burst.consume(key),
        limiters.sustained.consume(key),
      ]);
      Object.assign(
        context.responseHeaders,
        headersFor(
          plan,
          Math.min(burst.remainingPoints, sustained.remainingPoints),
          burst.msBeforeNext,
        ),
      );
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw refused(plan, {
        kind: rejection.msBeforeNext > 1000 ? 'sustained' : 'burst',
        msBeforeNext: rejection.msBeforeNext,
      });
    }
  }
}

function windowSpecs(plan: GatewayPlan): WindowSpec[] {
  const lease = (points: number, max: number) =>
    Math.max(1, Math.min(max, Math.floor(points * LEASE_SHARE)));
  const sustained = plan.ratePerSecond * SUSTAINED_WINDOW_SECONDS;
  const specs: WindowSpec[] = [
    { kind: 'burst', points: plan.burst, lease: lease(plan.burst, MAX_LEASE) },
    { kind: 'sustained', points: sustained, lease: lease(sustained, MAX_LEASE) },
  ];
  if (plan.monthlyQuota) {
    specs.push({
      kind: 'quota',
      points: plan.monthlyQuota,
      lease: lease(plan.monthlyQuota, MAX_QUOTA_LEASE),
    });
  }
  return specs;
}

/** Fixed windows aligned to the clock (seconds) or the calendar (UTC months). */
function resetWindow(state: WindowState, spec: WindowSpec, now: number): void {
  if (spec.kind === 'quota') {
    const date = new Date(now);
    state.windowStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    state.windowEnd = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  } else {
    const length = (spec.kind === 'burst' ? 1 : SUSTAINED_WINDOW_SECONDS) * 1000;
    state.windowStart = now - (now % length);
    state.windowEnd = state.windowStart + length;
  }
  state.local = 0;
  state.shared = spec.points;
  state.exhausted = false;
}

function refused(plan: GatewayPlan, refusal: Refusal): Denial {
  const quota = refusal.kind === 'quota';
  const retryAfter = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
  return new Denial(
    429,
    quota ? 'quota_exceeded' : 'rate_limited',
    'too-many-requests',
    'Too many requests',
    quota ? 'The monthly quota of this plan is used up.' : 'The plan rate limit is exceeded.',
    {
      ...headersFor(plan, 0, refusal.msBeforeNext),
      'retry-after': String(retryAfter),
    },
  );
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
