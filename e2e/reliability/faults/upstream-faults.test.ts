import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../../support/app-process.js';
import { Fixtures, type SeededApi } from '../../support/fixtures.js';
import { freePort } from '../../support/ports.js';
import { startGatewayProcess, startIdentityProcess } from '../../support/stack.js';
import { eventually, findingRecorder } from '../support/fault-stack.js';
import { FlakyUpstream } from '../support/flaky-upstream.js';

const CONNECT_TIMEOUT_MS = 1_000;
const RESPONSE_TIMEOUT_MS = 1_500;
const CIRCUIT_FAILURES = 3;
const CIRCUIT_COOLDOWN_MS = 2_000;
/** Room for a loaded 2-core CI machine on top of what the configuration promises. */
const SLACK_MS = 8_000;

/**
 * Upstreams that refuse connections, hang past the response timeout or reset connections.
 * (e2e/gateway/gateway-resilience.test.ts covers refused → 502 → circuit open once; this
 * covers the timeouts, resets and the circuit closing again.)
 */
describe('upstream faults', () => {
  const fixtures = new Fixtures();
  const hanging = new FlakyUpstream();
  const resetting = new FlakyUpstream();
  const recovering = new FlakyUpstream();
  let identity: AppProcess;
  let gateway: AppProcess;
  let refusedApi: SeededApi;
  let slowApi: SeededApi;
  let resetApi: SeededApi;
  let circuitApi: SeededApi;
  let apiKey: string;

  beforeAll(async () => {
    await Promise.all([hanging.start(), resetting.start(), recovering.start()]);
    hanging.mode = 'hang';
    resetting.mode = 'reset';
    identity = await startIdentityProcess('faults-upstream-identity');
    const settings = {
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      responseTimeoutMs: RESPONSE_TIMEOUT_MS,
    };
    refusedApi = await fixtures.api({
      upstreamUrl: `http://127.0.0.1:${await freePort()}`,
      settings,
    });
    slowApi = await fixtures.api({ upstreamUrl: hanging.url, settings });
    resetApi = await fixtures.api({ upstreamUrl: resetting.url, settings });
    circuitApi = await fixtures.api({ upstreamUrl: recovering.url, settings });
    const app = await fixtures.application();
    for (const api of [refusedApi, slowApi, resetApi, circuitApi])
      await fixtures.subscribe(app, api);
    apiKey = (await fixtures.apiKey(app)).key;
    gateway = await startGatewayProcess({
      name: 'faults-upstream-gateway',
      identity,
      plainHttp: true,
      env: {
        GATEWAY_CIRCUIT_FAILURES: String(CIRCUIT_FAILURES),
        GATEWAY_CIRCUIT_COOLDOWN_MS: String(CIRCUIT_COOLDOWN_MS),
      },
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.all([gateway?.stop(), identity?.stop()]);
    await Promise.all([hanging.stop(), resetting.stop(), recovering.stop(), fixtures.close()]);
  });

  async function call(api: SeededApi) {
    const started = performance.now();
    const response = await request(`${gateway.url}${api.basePath}/items/1`, {
      headers: { 'x-api-key': apiKey },
      headersTimeout: 60_000,
    });
    const text = await response.body.text();
    return {
      status: response.statusCode,
      elapsedMs: Math.round(performance.now() - started),
      contentType: String(response.headers['content-type']),
      retryAfter: response.headers['retry-after'],
      problem: (response.headers['content-type'] ?? '').includes('problem+json')
        ? (JSON.parse(text) as { status?: number; detail?: string })
        : undefined,
      text,
    };
  }

  it('answers refused, hanging and resetting upstreams with problems within the timeouts', async () => {
    const record = findingRecorder(
      'fault',
      'Upstream refusing, hanging past the timeout, resetting connections',
    );
    const refused = await call(refusedApi);
    const slow = await call(slowApi);
    const reset = await call(resetApi);
    const outcomes = { refused, slow, reset };
    const ok =
      refused.status === 502 &&
      refused.elapsedMs < CONNECT_TIMEOUT_MS + SLACK_MS &&
      slow.status === 504 &&
      slow.elapsedMs >= RESPONSE_TIMEOUT_MS - 100 &&
      slow.elapsedMs < RESPONSE_TIMEOUT_MS + SLACK_MS &&
      reset.status === 502 &&
      [refused, slow, reset].every((each) => each.problem?.status === each.status);
    record({
      kind: 'fault',
      name: 'Upstream refusing, hanging past the timeout, resetting connections',
      survived: ok,
      detail: Object.entries(outcomes)
        .map(
          ([name, each]) =>
            `${name}: ${each.status} ${each.contentType.split(';')[0]} in ${each.elapsedMs} ms`,
        )
        .join('; ')
        .concat(
          ` (connect timeout ${CONNECT_TIMEOUT_MS} ms, response timeout ${RESPONSE_TIMEOUT_MS} ms)`,
        ),
    });
    for (const each of Object.values(outcomes)) {
      expect(each.contentType).toContain('application/problem+json');
      expect(each.problem?.status).toBe(each.status);
      expect(each.text).not.toContain('    at ');
    }
    expect(refused.status).toBe(502);
    expect(refused.elapsedMs).toBeLessThan(CONNECT_TIMEOUT_MS + SLACK_MS);
    expect(slow.status).toBe(504);
    expect(slow.elapsedMs).toBeGreaterThanOrEqual(RESPONSE_TIMEOUT_MS - 100);
    expect(slow.elapsedMs).toBeLessThan(RESPONSE_TIMEOUT_MS + SLACK_MS);
    expect(reset.status).toBe(502);
  }, 120_000);

  it('opens the circuit after repeated failures and closes it once the upstream recovers', async () => {
    const record = findingRecorder(
      'fault',
      'Circuit opens on a failing upstream and closes after recovery',
    );
    recovering.mode = 'reset';
    const failing = [];
    for (let attempt = 0; attempt < CIRCUIT_FAILURES; attempt += 1)
      failing.push(await call(circuitApi));
    const reachedBeforeOpen = recovering.received.reset;
    const open = await call(circuitApi);
    const reachedWhileOpen = recovering.received.reset - reachedBeforeOpen;

    recovering.mode = 'ok';
    // After the cool-down one trial goes through; its success closes the circuit.
    const firstSuccess = await eventually(
      'a request through the closed circuit',
      async () => {
        const result = await call(circuitApi);
        return result.status === 200 ? result : undefined;
      },
      CIRCUIT_COOLDOWN_MS + 30_000,
      250,
    );
    const afterClose = await Promise.all(Array.from({ length: 5 }, () => call(circuitApi)));

    const survived =
      failing.every((each) => each.status === 502) &&
      open.status === 503 &&
      reachedWhileOpen === 0 &&
      firstSuccess.status === 200 &&
      afterClose.every((each) => each.status === 200);
    record({
      kind: 'fault',
      name: 'Circuit opens on a failing upstream and closes after recovery',
      survived,
      detail:
        `${failing.map((each) => each.status).join(',')} then ${open.status} (Retry-After ${String(open.retryAfter)}, ` +
        `${reachedWhileOpen} reached the upstream while open); after recovery ${firstSuccess.status} then ` +
        `${afterClose.map((each) => each.status).join(',')} (threshold ${CIRCUIT_FAILURES}, cool-down ${CIRCUIT_COOLDOWN_MS} ms)`,
    });
    expect(failing.map((each) => each.status)).toEqual([502, 502, 502]);
    expect(open.status).toBe(503);
    expect(open.problem?.status).toBe(503);
    expect(Number(open.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(reachedWhileOpen).toBe(0);
    expect(afterClose.map((each) => each.status)).toEqual([200, 200, 200, 200, 200]);
  }, 120_000);
});
