import { TOPIC_SPECS, TOPICS, type AccessEvent, type KnownEvent } from '@portcullis/contracts';
import { createKafka, ensureTopics } from '@portcullis/kafka';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.js';
import { DedicatedKafka } from '../support/dedicated-kafka.js';
import { Fixtures, type SeededApi, type SeededApp } from '../support/fixtures.js';
import { EventCollector } from '../support/kafka-events.js';
import { freePort, restartablePort } from '../support/ports.js';
import { startGatewayProcess, startIdentityProcess } from '../support/stack.js';
import { UpstreamRecorder } from '../support/upstream-recorder.js';

/**
 * A gateway whose Kafka is away at first (its broker is a dedicated one, started later), over
 * plain HTTP: traffic keeps flowing, events wait in the spool and arrive once Kafka is back.
 */
describe('gateway resilience', () => {
  const fixtures = new Fixtures();
  const upstream = new UpstreamRecorder();
  let kafka: DedicatedKafka;
  let identity: AppProcess;
  let gateway: AppProcess;
  let api: SeededApi;
  let deadApi: SeededApi;
  let app: SeededApp;
  let apiKey: string;

  async function call(
    path: string,
    headers: Record<string, string> = {},
    method = 'GET',
    body?: string,
  ) {
    const response = await request(`${gateway.url}${path}`, {
      method: method as 'GET',
      headers,
      body,
    });
    const text = await response.body.text();
    return {
      status: response.statusCode,
      headers: response.headers,
      body: text,
      requestId: String(response.headers['x-request-id']),
    };
  }

  beforeAll(async () => {
    await upstream.start();
    kafka = new DedicatedKafka(await restartablePort(), await restartablePort());
    identity = await startIdentityProcess('gateway-resilience-identity');
    api = await fixtures.api({
      upstreamUrl: upstream.url,
      settings: {
        maxBodyBytes: 64,
        cors: {
          allowedOrigins: ['https://portal.example'],
          allowedHeaders: ['x-trace'],
          maxAgeSeconds: 60,
        },
      },
    });
    deadApi = await fixtures.api({ upstreamUrl: `http://127.0.0.1:${await freePort()}` });
    app = await fixtures.application();
    await fixtures.subscribe(app, api, { scopes: ['items:read', 'items:write'] });
    await fixtures.subscribe(app, deadApi);
    apiKey = (await fixtures.apiKey(app)).key;
    gateway = await startGatewayProcess({
      name: 'gateway-resilience',
      identity,
      plainHttp: true,
      env: { KAFKA_BROKERS: kafka.brokers.join(','), GATEWAY_CIRCUIT_FAILURES: '3' },
      // Kafka is down on purpose: ready enough once the snapshot is in.
      accept: (readiness) => readiness.checks.snapshot?.status === 'up',
    });
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), identity?.stop()]);
    await Promise.all([kafka?.stop(), upstream.stop(), fixtures.close()]);
  });

  const requestIds: string[] = [];

  it('reports Kafka as down in readiness but serves traffic', async () => {
    const readiness = await request(`${gateway.url}/readyz`);
    const body = (await readiness.body.json()) as { checks: Record<string, { status: string }> };
    expect(readiness.statusCode).toBe(503);
    expect(body.checks.kafka?.status).toBe('down');
    expect(body.checks.redis?.status).toBe('up');
    const result = await call(`${api.basePath}/items/1`, { 'x-api-key': apiKey });
    expect(result.status).toBe(200);
    requestIds.push(result.requestId);
  });

  it('answers CORS preflights itself and refuses unknown origins', async () => {
    const before = upstream.requests.length;
    const allowed = await call(
      `${api.basePath}/items/1`,
      {
        origin: 'https://portal.example',
        'access-control-request-method': 'GET',
      },
      'OPTIONS',
    );
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://portal.example');
    expect(allowed.headers['access-control-allow-headers']).toContain('x-trace');
    const refused = await call(
      `${api.basePath}/items/1`,
      {
        origin: 'https://evil.example',
        'access-control-request-method': 'GET',
      },
      'OPTIONS',
    );
    expect(refused.status).toBe(403);
    expect(upstream.requests.length).toBe(before);
    requestIds.push(allowed.requestId, refused.requestId);
  });

  it("keeps the upstream's own CORS headers from widening the API's policy", async () => {
    const allowed = await call(`${api.basePath}/items/1?cors=1`, {
      'x-api-key': apiKey,
      origin: 'https://portal.example',
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://portal.example');
    expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
    expect(allowed.headers.vary).toBe('Accept-Encoding, Origin');
    const refused = await call(`${api.basePath}/items/1?cors=1`, {
      'x-api-key': apiKey,
      origin: 'https://evil.example',
    });
    expect(refused.status).toBe(200);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(refused.headers['access-control-allow-credentials']).toBeUndefined();
    requestIds.push(allowed.requestId, refused.requestId);
  });

  it('refuses bodies over the API limit with 413', async () => {
    const result = await call(
      `${api.basePath}/items`,
      { 'x-api-key': apiKey, 'content-type': 'application/json' },
      'POST',
      JSON.stringify({ data: 'x'.repeat(100) }),
    );
    expect(result.status).toBe(413);
    const small = await call(
      `${api.basePath}/items`,
      { 'x-api-key': apiKey, 'content-type': 'application/json' },
      'POST',
      '{"a":1}',
    );
    expect(small.status).toBe(200);
    expect(upstream.byRequestId(small.requestId)?.body).toBe('{"a":1}');
    requestIds.push(result.requestId, small.requestId);
  });

  it('answers 502 for an unreachable upstream, then 503 once its circuit opens', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const result = await call(`${deadApi.basePath}/items/1`, { 'x-api-key': apiKey });
      statuses.push(result.status);
      requestIds.push(result.requestId);
    }
    expect(statuses).toEqual([502, 502, 502, 503]);
  });

  it('delivers every spooled access event once Kafka is back', async () => {
    await kafka.start();
    await ensureTopics(
      createKafka({ brokers: kafka.brokers, clientId: 'e2e-topics' }),
      TOPIC_SPECS,
    );
    // A fresh broker creates its offsets topic on the first group join, which a loaded machine
    // may not finish before kafkajs gives up: start over with a new group rather than hang.
    const isFirst = (candidate: KnownEvent) =>
      candidate.type === 'gateway.access' && candidate.data.requestId === requestIds[0];
    let collector: EventCollector | undefined;
    for (let attempt = 0; attempt < 3 && !collector; attempt += 1) {
      const candidate = await new EventCollector(kafka.brokers, TOPICS.accessEvents)
        .start()
        .catch(() => undefined);
      if (!candidate) continue;
      try {
        await candidate.waitFor(isFirst, 45_000);
        collector = candidate;
      } catch {
        await candidate.stop().catch(() => undefined);
      }
    }
    if (!collector) throw new Error('no consumer could read the access events from the broker');
    try {
      for (const requestId of requestIds) {
        const event = (await collector.waitFor(
          (candidate) =>
            candidate.type === 'gateway.access' && candidate.data.requestId === requestId,
          90_000,
        )) as AccessEvent;
        expect(event.data.gatewayId).toContain('gateway-resilience');
      }
      const reasons = collector.events
        .filter((event): event is AccessEvent => event.type === 'gateway.access')
        .filter((event) => requestIds.includes(event.data.requestId))
        .map((event) => event.data.reason);
      expect(reasons).toEqual(
        expect.arrayContaining([
          'ok',
          'cors_rejected',
          'payload_too_large',
          'upstream_error',
          'circuit_open',
        ]),
      );
    } finally {
      await collector.stop();
    }
  }, 240_000);
});
