import { randomBytes } from 'node:crypto';
import { TOPIC_SPECS } from '@portcullis/contracts';
import { createKafka, ensureTopics } from '@portcullis/kafka';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../../support/app-process.js';
import { DedicatedKafka } from '../../support/dedicated-kafka.js';
import { Fixtures, type SeededApi } from '../../support/fixtures.js';
import { restartablePort } from '../../support/ports.js';
import { startGatewayProcess, startIdentityProcess } from '../../support/stack.js';
import { UpstreamRecorder } from '../../support/upstream-recorder.js';
import {
  AuditStore,
  describeTally,
  eventually,
  readiness,
  startAuditReplica,
  findingRecorder,
} from '../support/fault-stack.js';
import { PrivateRedis } from '../support/private-services.js';
import { describeStatuses, TrafficDriver } from '../support/traffic.js';

/**
 * A gateway and an audit service on a Kafka broker of their own (so it can be stopped) and a
 * gateway on a Redis of its own (so it can be killed). The audit service runs its anomaly detector
 * on that broker only, so it never counts other tests' events.
 */
describe('Kafka broker and Redis outages', () => {
  const fixtures = new Fixtures();
  const store = new AuditStore();
  const upstream = new UpstreamRecorder();
  const redis = new PrivateRedis();
  const gatewayId = `faults-gw-${randomBytes(4).toString('hex')}`;
  let kafka: DedicatedKafka;
  let identity: AppProcess;
  let gateway: AppProcess;
  let audit: AppProcess;
  let api: SeededApi;
  let failOpenApi: SeededApi;
  let failClosedApi: SeededApi;
  let apiKey: string;

  beforeAll(async () => {
    kafka = new DedicatedKafka(await restartablePort(), await restartablePort());
    await Promise.all([upstream.start(), redis.start(), kafka.start()]);
    await ensureTopics(
      createKafka({ brokers: kafka.brokers, clientId: 'e2e-topics' }),
      TOPIC_SPECS,
    );
    identity = await startIdentityProcess('faults-outage-identity');
    api = await fixtures.api({ upstreamUrl: upstream.url, slugPrefix: 'kafka-outage' });
    failOpenApi = await fixtures.api({
      upstreamUrl: upstream.url,
      slugPrefix: 'redis-open',
      settings: { rateLimitFailureMode: 'open' },
    });
    failClosedApi = await fixtures.api({
      upstreamUrl: upstream.url,
      slugPrefix: 'redis-closed',
      settings: { rateLimitFailureMode: 'closed' },
    });
    const app = await fixtures.application();
    for (const each of [api, failOpenApi, failClosedApi]) await fixtures.subscribe(app, each);
    apiKey = (await fixtures.apiKey(app)).key;
    [gateway, audit] = await Promise.all([
      startGatewayProcess({
        name: 'faults-outage-gateway',
        identity,
        plainHttp: true,
        env: {
          KAFKA_BROKERS: kafka.brokers.join(','),
          REDIS_URL: redis.url,
          GATEWAY_ID: gatewayId,
        },
      }),
      startAuditReplica({
        name: 'faults-outage-audit',
        env: {
          KAFKA_BROKERS: kafka.brokers.join(','),
          ALERTS_ENABLED: 'true',
          ALERTS_CONSUMER_GROUP: `e2e-faults-alerts-${randomBytes(4).toString('hex')}`,
        },
      }),
    ]);
  }, 300_000);

  afterAll(async () => {
    await Promise.all([gateway?.stop(), audit?.stop(), identity?.stop()]);
    await Promise.all([
      kafka?.stop(),
      redis.kill(),
      upstream.stop(),
      fixtures.close(),
      store.close(),
    ]);
  });

  async function get(base: SeededApi) {
    const response = await request(`${gateway.url}${base.basePath}/items/1`, {
      headers: { 'x-api-key': apiKey },
    });
    const body = await response.body.text();
    return {
      status: response.statusCode,
      contentType: String(response.headers['content-type']),
      requestId: String(response.headers['x-request-id']),
      body,
    };
  }

  it('keeps serving while the broker is down and stores every event once it is back', async () => {
    const record = findingRecorder('fault', 'Kafka broker stopped under load');
    let stopTraffic = false;
    const traffic = new TrafficDriver({
      origin: gateway.url,
      path: `${api.basePath}/items/1`,
      headers: { 'x-api-key': apiKey },
      concurrency: 4,
      pauseMs: 20,
      stop: () => stopTraffic,
    });
    const running = traffic.run();
    const answered = () => traffic.result.requestIds.length;
    try {
      await eventually(
        'traffic before the outage',
        async () => answered() >= 100 || undefined,
        60_000,
      );
      await kafka.halt();
      const atOutage = answered();
      // The gateway itself notices: readiness names Kafka while it keeps answering.
      const during = await eventually(
        'gateway readiness naming Kafka as down',
        async () => {
          const ready = await readiness(gateway);
          return ready.body.checks.kafka?.status === 'down' ? ready : undefined;
        },
        60_000,
      );
      expect(during.status).toBe(503);
      await eventually(
        'traffic during the outage',
        async () => answered() - atOutage >= 300 || undefined,
        90_000,
      );
      await kafka.start();
      const afterReturn = answered();
      // Answered between the broker stopping and answering again (its restart included).
      const duringOutage = afterReturn - atOutage;
      await eventually(
        'traffic after the broker returned',
        async () => answered() - afterReturn >= 100 || undefined,
        60_000,
      );
      stopTraffic = true;
      const result = await running;

      const tally = await store.waitForAll(api.id, result.requestIds, 180_000);
      const detail =
        `${describeTally(result.requestIds.length, tally)}; ${duringOutage} answered while the broker was down; ` +
        `statuses ${describeStatuses(result.statuses)}; ${result.failures} without an answer`;
      const survived =
        result.failures === 0 &&
        result.statuses.size === 1 &&
        result.statuses.get(200) === result.requestIds.length &&
        tally.missing.length === 0 &&
        tally.duplicated.length === 0 &&
        tally.unexpected.length === 0;
      record({ kind: 'fault', name: 'Kafka broker stopped under load', survived, detail });

      expect(result.failures, result.failureSamples.join('\n')).toBe(0);
      expect(describeStatuses(result.statuses)).toBe(`200×${result.requestIds.length}`);
      expect(duringOutage).toBeGreaterThanOrEqual(300);
      expect(tally.missing).toEqual([]);
      expect(tally.duplicated).toEqual([]);
      expect(tally.unexpected).toEqual([]);
    } finally {
      stopTraffic = true;
      await running;
    }
  }, 360_000);

  it('follows each API’s failure mode when Redis dies, raises an alert and recovers', async () => {
    const record = findingRecorder('fault', 'Redis killed (one fail-open, one fail-closed API)');
    expect((await get(failOpenApi)).status).toBe(200);
    expect((await get(failClosedApi)).status).toBe(200);

    await redis.kill();
    await eventually(
      'gateway readiness naming Redis as down',
      async () =>
        (await readiness(gateway)).body.checks.redis?.status === 'down' ? true : undefined,
      30_000,
    );
    // A replica spends points it already leased from Redis until their window ends (at most
    // 1 s for the burst window): then a fail-closed API has nothing left to admit with.
    let admittedFromLease = 0;
    const firstRefusal = await eventually(
      'the fail-closed API refusing',
      async () => {
        const result = await get(failClosedApi);
        if (result.status === 503) return result;
        if (result.status === 200) admittedFromLease += 1;
        return undefined;
      },
      30_000,
      50,
    );
    const closed = [
      firstRefusal,
      ...(await Promise.all(Array.from({ length: 5 }, () => get(failClosedApi)))),
    ];
    const open = await Promise.all(Array.from({ length: 5 }, () => get(failOpenApi)));
    const closedReachedUpstream = closed.filter((each) => upstream.byRequestId(each.requestId));

    // The detector joins its group from the latest offset: keep refusing until it has seen one.
    const dedupKey = `rate_limiter_unavailable:gateway:${gatewayId}`;
    let refusalsUntilAlert = 0;
    const alert = await eventually(
      'a rate_limiter_unavailable alert',
      async () => {
        const found = await store.prisma.alert.findFirst({ where: { dedupKey } });
        if (found) return found;
        refusalsUntilAlert += 1;
        await get(failClosedApi);
        return undefined;
      },
      90_000,
      1_000,
    );

    // The fail-open API's requests were admitted by in-memory limits: their events say so.
    const openEvents = await eventually(
      'the fail-open requests stored',
      async () => {
        const stored = await store.accessData(open.map((each) => each.requestId));
        return stored.size === open.length ? stored : undefined;
      },
      90_000,
    );
    const countedInMemory = [...openEvents.values()].filter(
      (data) => data.rateLimitFallback === true,
    ).length;

    await redis.start();
    const recovered = await eventually(
      'the fail-closed API serving again after Redis returned',
      async () => {
        const result = await get(failClosedApi);
        return result.status === 200 ? result : undefined;
      },
      60_000,
    );

    const survived =
      open.every((each) => each.status === 200) &&
      closed.every((each) => each.status === 503 && each.contentType.includes('problem+json')) &&
      admittedFromLease < 100 &&
      closedReachedUpstream.length === 0 &&
      countedInMemory === open.length &&
      alert.rule === 'rate_limiter_unavailable' &&
      recovered.status === 200;
    record({
      kind: 'fault',
      name: 'Redis killed (one fail-open, one fail-closed API)',
      survived,
      detail:
        `fail-open API: ${open.map((each) => each.status).join(',')} (${countedInMemory} of ` +
        `${open.length} events marked rateLimitFallback); fail-closed API: ` +
        `${admittedFromLease} admitted from its Redis lease, then ${closed.map((each) => each.status).join(',')} ` +
        `(${closedReachedUpstream.length} refusals reached the upstream); ` +
        `alert ${alert.rule} (${alert.severity}, ${alert.status}) after ${refusalsUntilAlert} extra refusals; ` +
        `fail-closed API back to ${recovered.status} once Redis returned`,
    });

    expect(open.map((each) => each.status)).toEqual([200, 200, 200, 200, 200]);
    for (const each of closed) {
      expect(each.status).toBe(503);
      expect(each.contentType).toContain('application/problem+json');
      expect(JSON.parse(each.body)).toMatchObject({ status: 503 });
    }
    expect(closedReachedUpstream).toEqual([]);
    expect(countedInMemory).toBe(open.length);
    // Bounded by the lease: 1/20 of the plan's burst window (2000 in the fixtures).
    expect(admittedFromLease).toBeLessThan(100);
    expect(alert).toMatchObject({ rule: 'rate_limiter_unavailable', status: 'open' });
    expect(recovered.status).toBe(200);
  }, 240_000);
});
