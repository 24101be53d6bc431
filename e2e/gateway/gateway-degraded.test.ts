import { setTimeout as sleep } from 'node:timers/promises';
import { apiAudience, type AccessEvent, TOPICS } from '@portcullis/contracts';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.js';
import { Fixtures, type SeededApi, type SeededApp } from '../support/fixtures.js';
import { EventCollector } from '../support/kafka-events.js';
import { freePort } from '../support/ports.js';
import { startGatewayProcess, startIdentityProcess } from '../support/stack.js';
import { UpstreamRecorder } from '../support/upstream-recorder.js';

async function call(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body: text };
}

describe('gateway with a dependency missing', () => {
  const fixtures = new Fixtures();
  const upstream = new UpstreamRecorder();
  let identity: AppProcess;
  let noRedis: AppProcess;
  let noIdentity: AppProcess;
  let noJwks: AppProcess;
  let events: EventCollector;
  let openApi: SeededApi;
  let blockingApi: SeededApi;
  let reportingApi: SeededApi;
  let closedApi: SeededApi;
  let app: SeededApp;
  let apiKey: string;

  beforeAll(async () => {
    await upstream.start();
    [identity, events] = await Promise.all([
      startIdentityProcess('gateway-degraded-identity'),
      new EventCollector(process.env.KAFKA_BROKERS!.split(','), TOPICS.accessEvents).start(),
    ]);
    openApi = await fixtures.api({
      upstreamUrl: upstream.url,
      settings: { rateLimitFailureMode: 'open' },
    });
    closedApi = await fixtures.api({
      upstreamUrl: upstream.url,
      settings: { rateLimitFailureMode: 'closed' },
    });
    blockingApi = await fixtures.api({
      upstreamUrl: upstream.url,
      settings: { threatProtection: { mode: 'block', maxJsonDepth: 3 } },
    });
    reportingApi = await fixtures.api({
      upstreamUrl: upstream.url,
      settings: { threatProtection: { mode: 'report', maxJsonDepth: 3 } },
    });
    app = await fixtures.application();
    await fixtures.subscribe(app, blockingApi, { scopes: ['items:write'] });
    await fixtures.subscribe(app, reportingApi, { scopes: ['items:write'] });
    await fixtures.subscribe(app, openApi);
    await fixtures.subscribe(app, closedApi);
    apiKey = (await fixtures.apiKey(app)).key;
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const deadJwks = `http://127.0.0.1:${await freePort()}/.well-known/jwks.json`;
    [noRedis, noIdentity, noJwks] = await Promise.all([
      startGatewayProcess({
        name: 'gateway-no-redis',
        identity,
        plainHttp: true,
        env: { REDIS_URL: deadRedis },
        accept: (readiness) => readiness.checks.snapshot?.status === 'up',
      }),
      startGatewayProcess({
        name: 'gateway-no-identity',
        identity: { ...identity, url: `http://127.0.0.1:${await freePort()}` },
        plainHttp: true,
        accept: (readiness) => readiness.checks.snapshot?.status === 'down',
      }),
      // Identity serves the snapshot; its keys are where nothing listens (connection refused).
      startGatewayProcess({
        name: 'gateway-no-jwks',
        identity,
        plainHttp: true,
        env: { IDENTITY_JWKS_URL: deadJwks },
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([noRedis?.stop(), noIdentity?.stop(), noJwks?.stop(), identity?.stop()]);
    await Promise.all([events?.stop(), upstream.stop(), fixtures.close()]);
  });

  it('answers 503 with Retry-After, not 401, when the token keys cannot be fetched', async () => {
    const client = await fixtures.clientSecret(app);
    const basic = Buffer.from(
      `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`,
    ).toString('base64');
    const issued = await request(`${identity.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${basic}`,
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        resource: apiAudience(openApi.slug),
      }).toString(),
    });
    const { access_token: accessToken } = (await issued.body.json()) as { access_token: string };
    expect(issued.statusCode).toBe(200);
    // Twice: the second is not a kept refusal either (the next request tries the keys again).
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const result = await call(`${noJwks.url}${openApi.basePath}/items/1`, {
        authorization: `Bearer ${accessToken}`,
      });
      expect(result.status).toBe(503);
      expect(result.headers['retry-after']).toBe('5');
      expect(result.headers['www-authenticate']).toBeUndefined();
      expect(result.headers['content-type']).toContain('application/problem+json');
      expect(JSON.parse(result.body)).toMatchObject({ status: 503 });
      const requestId = String(result.headers['x-request-id']);
      const event = (await events.waitFor(
        (candidate) =>
          candidate.type === 'gateway.access' && candidate.data.requestId === requestId,
      )) as AccessEvent;
      // Not an authentication failure: audit must not count it against the caller's address.
      expect(event.data).toMatchObject({
        status: 503,
        decision: 'deny',
        reason: 'jwks_unavailable',
      });
    }
    // API keys do not need the JWKS.
    expect(
      (await call(`${noJwks.url}${openApi.basePath}/items/1`, { 'x-api-key': apiKey })).status,
    ).toBe(200);
  });

  it('refuses traffic with a 503 problem until the snapshot is loaded', async () => {
    const result = await call(`${noIdentity.url}${openApi.basePath}/items/1`, {
      'x-api-key': apiKey,
    });
    expect(result.status).toBe(503);
    expect(result.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(result.body)).toMatchObject({ status: 503 });
    expect(result.body).not.toContain('    at ');
  });

  it('counts in memory when Redis is down and the API fails open', async () => {
    const result = await call(`${noRedis.url}${openApi.basePath}/items/1`, { 'x-api-key': apiKey });
    expect(result.status).toBe(200);
    expect(result.headers['ratelimit-limit']).toBeDefined();
  });

  it('refuses with 503 when Redis is down and the API fails closed', async () => {
    const result = await call(`${noRedis.url}${closedApi.basePath}/items/1`, {
      'x-api-key': apiKey,
    });
    expect(result.status).toBe(503);
    expect(JSON.parse(result.body)).toMatchObject({ status: 503 });
  });

  it('screens bodies with the threat protection policy (block and report)', async () => {
    const post = async (api: SeededApi, contentType: string, body: string) => {
      const response = await request(`${noRedis.url}${api.basePath}/items`, {
        method: 'POST',
        headers: { 'x-api-key': apiKey, 'content-type': contentType },
        body,
      });
      await response.body.dump();
      return { status: response.statusCode, requestId: String(response.headers['x-request-id']) };
    };
    const deep = JSON.stringify({ a: { b: { c: { d: { e: 1 } } } } });
    expect((await post(blockingApi, 'text/plain', 'hello')).status).toBe(415);
    expect((await post(blockingApi, 'application/json', deep)).status).toBe(400);
    expect((await post(blockingApi, 'application/json', '{"name":"x\' OR 1=1 --"}')).status).toBe(
      400,
    );
    expect((await post(blockingApi, 'application/json', '{"name":')).status).toBe(400);
    const fine = await post(blockingApi, 'application/json', '{"name":"widget"}');
    expect(fine.status).toBe(200);
    expect(upstream.byRequestId(fine.requestId)?.body).toBe('{"name":"widget"}');
    const reported = await post(reportingApi, 'application/json', deep);
    expect(reported.status).toBe(200);
    expect(upstream.byRequestId(reported.requestId)?.body).toBe(deep);
  });

  it('drains in-flight requests on SIGTERM and exits cleanly', async () => {
    const inFlight = call(`${noRedis.url}${openApi.basePath}/open/slow?delay=1500`, {
      'x-api-key': apiKey,
    });
    await sleep(400);
    const exit = noRedis.stop();
    const result = await inFlight;
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ ok: true });
    expect(await exit).toBe(0);
  });
});
