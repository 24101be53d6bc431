import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { gatewaySnapshotSchema, type GatewayPlan } from '@portcullis/contracts';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { SnapshotStore } from '../src/config-sync/snapshot-store.js';
import { Denial } from '../src/pipeline/denial.js';
import type { RequestContext } from '../src/pipeline/request-context.js';
import { RateLimitPolicy } from '../src/rate-limiting/rate-limit.policy.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function compiledApi(failureMode: 'open' | 'closed') {
  const store = new SnapshotStore();
  store.replace(
    gatewaySnapshotSchema.parse({
      configVersion: 1,
      generatedAt: new Date().toISOString(),
      issuer: 'http://identity',
      apis: [
        {
          id: 'api-1',
          slug: 'limited',
          name: 'Limited',
          basePath: '/limited',
          upstreamUrl: 'http://upstream',
          audience: 'urn:portcullis:api:limited',
          authMethods: ['api_key'],
          routes: [],
          plans: [],
          settings: { rateLimitFailureMode: failureMode },
        },
      ],
      applications: [],
      subscriptions: [],
      credentials: [],
      revokedTokens: [],
      blockedSources: [],
    }),
  );
  return store.apiFor('/limited/x')!.api;
}

function context(plan: GatewayPlan, subscriptionId: string, failureMode: 'open' | 'closed') {
  return {
    requestId: randomUUID(),
    trace: ROOT_CONTEXT,
    api: compiledApi(failureMode),
    plan,
    subscriptionId,
    responseHeaders: {},
  } as unknown as RequestContext;
}

/** Runs n requests through the policy; counts what was admitted and what was refused. */
async function send(policy: RateLimitPolicy, plan: GatewayPlan, subscription: string, n: number) {
  let allowed = 0;
  const refusals: Denial[] = [];
  await Promise.all(
    Array.from({ length: n }, async () => {
      try {
        await policy.run(context(plan, subscription, 'closed'));
        allowed += 1;
      } catch (error) {
        if (!(error instanceof Denial)) throw error;
        refusals.push(error);
      }
    }),
  );
  return { allowed, refusals };
}

/** Waits for a fresh window of `seconds` unless `needMs` are left in this one. */
async function windowWithRoom(seconds: number, needMs: number): Promise<void> {
  const length = seconds * 1000;
  const left = length - (Date.now() % length);
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 5));
}

describe('RateLimitPolicy (leases from the real Redis)', () => {
  const clients: Redis[] = [];
  const redis = () => {
    const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    clients.push(client);
    return client;
  };
  afterAll(() => {
    for (const client of clients) client.disconnect();
  });

  it('never lets several replicas together admit more than the plan in a window', async () => {
    const plan: GatewayPlan = {
      id: `plan-${randomUUID()}`,
      name: 'p',
      // The sustained window binds: 40/s over 10 s = 400 points, leased 20 at a time.
      ratePerSecond: 40,
      burst: 100_000,
      monthlyQuota: null,
    };
    const replicas = [new RateLimitPolicy(redis()), new RateLimitPolicy(redis())];
    const subscription = randomUUID();
    await windowWithRoom(10, 5_000);
    const results = await Promise.all(
      replicas.map((policy) => send(policy, plan, subscription, 300)),
    );
    const allowed = results.reduce((sum, result) => sum + result.allowed, 0);
    // At most 400, and at most one unused lease (19 points) per replica short of it.
    expect(allowed).toBeLessThanOrEqual(400);
    expect(allowed).toBeGreaterThanOrEqual(400 - 2 * 19);
    const refusal = results.flatMap((result) => result.refusals)[0]!;
    expect(refusal.status).toBe(429);
    expect(refusal.reason).toBe('rate_limited');
    const retryAfter = Number(refusal.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
  });

  it('counts small plans exactly and sets RateLimit headers', async () => {
    const plan: GatewayPlan = {
      id: `plan-${randomUUID()}`,
      name: 'p',
      ratePerSecond: 1,
      burst: 3,
      monthlyQuota: null,
    };
    const policy = new RateLimitPolicy(redis());
    await windowWithRoom(1, 700);
    const first = context(plan, 'sub-small', 'closed');
    await policy.run(first);
    expect(first.responseHeaders['ratelimit-limit']).toBe('3');
    expect(first.responseHeaders['ratelimit-remaining']).toBe('2');
    const { allowed, refusals } = await send(policy, plan, 'sub-small', 5);
    expect(allowed).toBe(2);
    expect(refusals).toHaveLength(3);
  });

  it('refuses past the monthly quota with quota_exceeded', async () => {
    const plan: GatewayPlan = {
      id: `plan-${randomUUID()}`,
      name: 'p',
      ratePerSecond: 100,
      burst: 100,
      monthlyQuota: 5,
    };
    const { allowed, refusals } = await send(new RateLimitPolicy(redis()), plan, 'sub-q', 8);
    expect(allowed).toBe(5);
    expect(refusals.map((refusal) => refusal.reason)).toEqual(Array(3).fill('quota_exceeded'));
  });

  it('falls back to memory (fail open) or refuses with 503 (fail closed) without Redis', async () => {
    const plan: GatewayPlan = {
      id: `plan-${randomUUID()}`,
      name: 'p',
      ratePerSecond: 1,
      burst: 2,
      monthlyQuota: null,
    };
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    clients.push(dead);
    const policy = new RateLimitPolicy(dead);
    const open = context(plan, 'sub-dead', 'open');
    await policy.run(open);
    expect(open.responseHeaders['ratelimit-remaining']).toBe('1');
    // The access event reports the fallback, so audit can alert on it.
    expect(open.rateLimitFallback).toBe(true);
    await policy.run(context(plan, 'sub-dead', 'open'));
    await expect(policy.run(context(plan, 'sub-dead', 'open'))).rejects.toMatchObject({
      status: 429,
    });
    await expect(policy.run(context(plan, 'sub-dead', 'closed'))).rejects.toMatchObject({
      status: 503,
      reason: 'rate_limiter_unavailable',
    });
  });
});
