import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../../support/app-process.js';
import { Fixtures, type SeededApi } from '../../support/fixtures.js';
import { startGatewayProcess, startIdentityProcess } from '../../support/stack.js';
import {
  AuditStore,
  describeTally,
  eventually,
  processFootprint,
  startAuditReplica,
  findingRecorder,
} from '../support/fault-stack.js';
import { FlakyUpstream } from '../support/flaky-upstream.js';
import { describeStatuses, TrafficDriver } from '../support/traffic.js';

/** Bounded by default so CI on 2 cores stays quick; `SOAK_SECONDS=600` for a long soak. */
const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 25);
const WARMUP_REQUESTS = 300;
/** Paced loops: about 150 requests/s on loopback, a few thousand in the default run. */
const CONCURRENCY = 4;
const PAUSE_MS = 20;
/** Generous: a leak of a few kB per request over thousands of requests would still show. */
const RSS_GROWTH_LIMIT_KB = 96 * 1024;
const FD_GROWTH_LIMIT = 20;

describe('soak: sustained traffic through the gateway with audit consuming', () => {
  const fixtures = new Fixtures();
  const store = new AuditStore();
  const upstream = new FlakyUpstream();
  let identity: AppProcess;
  let gateway: AppProcess;
  let audit: AppProcess;
  let api: SeededApi;
  let apiKey: string;

  beforeAll(async () => {
    await upstream.start();
    identity = await startIdentityProcess('faults-soak-identity');
    api = await fixtures.api({ upstreamUrl: upstream.url, slugPrefix: 'soak' });
    const app = await fixtures.application();
    await fixtures.subscribe(app, api);
    apiKey = (await fixtures.apiKey(app)).key;
    [gateway, audit] = await Promise.all([
      startGatewayProcess({ name: 'faults-soak-gateway', identity, plainHttp: true }),
      startAuditReplica({ name: 'faults-soak-audit' }),
    ]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([gateway?.stop(), audit?.stop(), identity?.stop()]);
    await Promise.all([upstream.stop(), fixtures.close(), store.close()]);
  });

  const drive = (stop: () => boolean, maxRequests?: number) =>
    new TrafficDriver({
      origin: gateway.url,
      path: `${api.basePath}/items/1`,
      headers: { 'x-api-key': apiKey },
      concurrency: CONCURRENCY,
      pauseMs: PAUSE_MS,
      stop,
      maxRequests,
    }).run();

  it(
    'keeps memory and open handles stable and stores one event per request',
    async () => {
      const record = findingRecorder('load', `Soak ${SOAK_SECONDS} s through the gateway`);
      const pid = gateway.child.pid!;
      const warmup = await drive(() => false, WARMUP_REQUESTS);
      const baseline = processFootprint(pid);

      const deadline = Date.now() + SOAK_SECONDS * 1000;
      let peak = baseline;
      const sampler = setInterval(() => {
        const now = processFootprint(pid);
        if (now.rssKb > peak.rssKb) peak = { ...peak, rssKb: now.rssKb };
        if (now.openFds > peak.openFds) peak = { ...peak, openFds: now.openFds };
      }, 1_000);
      const soak = await drive(() => Date.now() >= deadline).finally(() => clearInterval(sampler));
      // Closed client connections leave the gateway's table asynchronously: let them settle.
      const end = await eventually(
        'open handles back near the baseline',
        async () => {
          const now = processFootprint(pid);
          return now.openFds <= baseline.openFds + FD_GROWTH_LIMIT ? now : undefined;
        },
        15_000,
      ).catch(() => processFootprint(pid));

      const requestIds = [...warmup.requestIds, ...soak.requestIds];
      const sent = requestIds.length + warmup.failures + soak.failures;
      const tally = await store.waitForAll(api.id, requestIds, 180_000);
      const rssGrowthKb = end.rssKb - baseline.rssKb;
      const fdGrowth = end.openFds - baseline.openFds;
      const mb = (kb: number) => (kb / 1024).toFixed(1);
      const detail =
        `${SOAK_SECONDS} s, ${soak.requestIds.length} soak + ${warmup.requestIds.length} warm-up requests ` +
        `(${describeStatuses(soak.statuses)}, ${soak.failures + warmup.failures} without an answer); gateway RSS ` +
        `${mb(baseline.rssKb)} MB after warm-up, peak ${mb(peak.rssKb)} MB, ${mb(end.rssKb)} MB at the end ` +
        `(limit +${mb(RSS_GROWTH_LIMIT_KB)} MB); open fds ${baseline.openFds} → peak ${peak.openFds} → ` +
        `${end.openFds} (limit +${FD_GROWTH_LIMIT}); ${describeTally(requestIds.length, tally)}`;
      record({
        kind: 'load',
        name: `Soak ${SOAK_SECONDS} s through the gateway`,
        requestsSent: sent,
        eventsStored: tally.stored,
        detail,
      });

      expect(soak.failures + warmup.failures, soak.failureSamples.join('\n')).toBe(0);
      expect(describeStatuses(soak.statuses)).toBe(`200×${soak.requestIds.length}`);
      expect(rssGrowthKb, detail).toBeLessThanOrEqual(RSS_GROWTH_LIMIT_KB);
      expect(fdGrowth, detail).toBeLessThanOrEqual(FD_GROWTH_LIMIT);
      expect(tally.missing).toEqual([]);
      expect(tally.duplicated).toEqual([]);
      expect(tally.unexpected).toEqual([]);
      expect(tally.stored).toBe(sent);
    },
    SOAK_SECONDS * 1000 + 300_000,
  );
});
