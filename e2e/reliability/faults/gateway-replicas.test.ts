import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../../support/app-process.js';
import { Fixtures, type SeededApi } from '../../support/fixtures.js';
import { startGatewayProcess, startIdentityProcess } from '../../support/stack.js';
import { UpstreamRecorder } from '../../support/upstream-recorder.js';
import { eventually, findingRecorder } from '../support/fault-stack.js';
import { describeStatuses, TrafficDriver, type TrafficResult } from '../support/traffic.js';

const REQUESTS_PER_REPLICA = 60;
const MONTHLY_QUOTA = 25;
const RATE_PER_SECOND = 2;
/** rate-limit.policy.ts: the sustained window is ratePerSecond × 10 over 10 s, clock-aligned. */
const SUSTAINED_WINDOW_MS = 10_000;

/** Two gateway replicas sharing one Redis, driven at the same time against one subscription. */
describe('two gateway replicas share rate limits', () => {
  const fixtures = new Fixtures();
  const upstream = new UpstreamRecorder();
  let identity: AppProcess;
  let replicas: AppProcess[] = [];
  let quotaApi: SeededApi;
  let rateApi: SeededApi;
  let apiKey: string;

  beforeAll(async () => {
    await upstream.start();
    identity = await startIdentityProcess('faults-replicas-identity');
    quotaApi = await fixtures.api({
      upstreamUrl: upstream.url,
      plan: { ratePerSecond: 1000, burst: 1000, monthlyQuota: MONTHLY_QUOTA },
    });
    rateApi = await fixtures.api({
      upstreamUrl: upstream.url,
      plan: { ratePerSecond: RATE_PER_SECOND, burst: 1000 },
    });
    const app = await fixtures.application();
    await fixtures.subscribe(app, quotaApi);
    await fixtures.subscribe(app, rateApi);
    apiKey = (await fixtures.apiKey(app)).key;
    replicas = await Promise.all(
      ['a', 'b'].map((name) =>
        startGatewayProcess({ name: `faults-replica-${name}`, identity, plainHttp: true }),
      ),
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all([...replicas.map((replica) => replica.stop()), identity?.stop()]);
    await Promise.all([upstream.stop(), fixtures.close()]);
  });

  /** Drives both replicas at once; returns each one's result and how long the drive took. */
  async function driveBoth(
    api: SeededApi,
  ): Promise<{ results: TrafficResult[]; startedAt: number; endedAt: number }> {
    const startedAt = Date.now();
    const results = await Promise.all(
      replicas.map((replica) =>
        new TrafficDriver({
          origin: replica.url,
          path: `${api.basePath}/items/1`,
          headers: { 'x-api-key': apiKey },
          concurrency: 4,
          maxRequests: REQUESTS_PER_REPLICA,
          stop: () => false,
        }).run(),
      ),
    );
    return { results, startedAt, endedAt: Date.now() };
  }

  const allowed = (result: TrafficResult) => result.statuses.get(200) ?? 0;

  it('keeps the sum of both replicas within the monthly quota and the sustained rate', async () => {
    const record = findingRecorder('fault', 'Two gateway replicas driven at once against one plan');
    const quota = await driveBoth(quotaApi);
    const quotaAllowed = quota.results.reduce((sum, result) => sum + allowed(result), 0);

    // Windows are aligned to the clock (rate-limit.policy.ts): start just after a boundary so
    // the drive fits in one window, and count every window it touches in case it does not.
    await eventually(
      'the start of a sustained window',
      async () => (Date.now() % SUSTAINED_WINDOW_MS < 500 ? true : undefined),
      SUSTAINED_WINDOW_MS + 5_000,
      20,
    );
    const rate = await driveBoth(rateApi);
    const rateAllowed = rate.results.reduce((sum, result) => sum + allowed(result), 0);
    const windows =
      Math.floor(rate.endedAt / SUSTAINED_WINDOW_MS) -
      Math.floor(rate.startedAt / SUSTAINED_WINDOW_MS) +
      1;
    const rateBound = RATE_PER_SECOND * 10 * windows;

    const onlyAllowedOrLimited = [...quota.results, ...rate.results].every(
      (result) =>
        result.failures === 0 &&
        [...result.statuses.keys()].every((status) => status === 200 || status === 429),
    );
    const survived =
      onlyAllowedOrLimited && quotaAllowed <= MONTHLY_QUOTA && rateAllowed <= rateBound;
    record({
      kind: 'fault',
      name: 'Two gateway replicas driven at once against one plan',
      survived,
      detail:
        `quota ${MONTHLY_QUOTA}: ${2 * REQUESTS_PER_REPLICA} sent, allowed ${quota.results.map(allowed).join('+')} = ${quotaAllowed} ` +
        `(${quota.results.map((result) => describeStatuses(result.statuses)).join(' | ')}); ` +
        `sustained ${RATE_PER_SECOND * 10}/10 s: allowed ${rate.results.map(allowed).join('+')} = ${rateAllowed} ` +
        `in ${rate.endedAt - rate.startedAt} ms across ${windows} window(s) (bound ${rateBound})`,
    });
    expect(onlyAllowedOrLimited).toBe(true);
    // Each replica alone would have allowed the whole quota: the sum proves they share it.
    expect(quotaAllowed).toBeLessThanOrEqual(MONTHLY_QUOTA);
    expect(quotaAllowed).toBeGreaterThan(0);
    expect(rateAllowed).toBeLessThanOrEqual(rateBound);
    expect(rateAllowed).toBeGreaterThan(0);
  }, 120_000);
});
