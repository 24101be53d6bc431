import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.js';
import { Fixtures, type SeededApi, type SeededApp } from '../support/fixtures.js';
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
  let openApi: SeededApi;
  let blockingApi: SeededApi;
  let reportingApi: SeededApi;
  let closedApi: SeededApi;
  let app: SeededApp;
  let apiKey: string;

  beforeAll(async () => {
    await upstream.start();
    identity = await startIdentityProcess('gateway-degraded-identity');
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
    [noRedis, noIdentity] = await Promise.all([
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
    ]);
  });

  afterAll(async () => {
    await Promise.all([noRedis?.stop(), noIdentity?.stop(), identity?.stop()]);
    await Promise.all([upstream.stop(), fixtures.close()]);
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
