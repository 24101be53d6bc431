import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SinkView } from '../../src/siem/siem-sinks.service.js';
import { FakeHec, type HecAttempt } from './fake-hec.js';
import { produceAccess, startSiem, waitFor, type SiemHarness } from './siem-harness.js';
import { access, suffix } from './siem-test-events.js';

const ACTOR = { type: 'user' as const, id: null, label: 'secops@example.com' };
/** Slow retries of configuration failures, far apart from the 0.5–1 s of transient ones. */
const CONFIG_RETRY_SECONDS = 5;

function gaps(attempts: readonly HecAttempt[]): number[] {
  return attempts.slice(1).map((attempt, index) => attempt.at - attempts[index]!.at);
}

/** First arrival of each of the app's events, in the order the HEC accepted them. */
function arrivals(hec: FakeHec, appId: string): string[] {
  const ids = hec.accepted
    .filter((entry) => entry.event.data?.appId === appId)
    .map((entry) => entry.event.id);
  return [...new Set(ids)];
}

/** Waits until each of the ids reached the HEC at least once. */
async function allArrive(hec: FakeHec, appId: string, ids: readonly string[]): Promise<void> {
  await waitFor(
    'the events to arrive',
    () => arrivals(hec, appId),
    (got) => ids.every((id) => got.includes(id)),
    30_000,
  );
}

describe('SIEM sink retries by the kind of failure (Splunk HEC through Kafka)', () => {
  let harness: SiemHarness;
  const token = `hec-retry-${suffix()}`;
  const sinks: SinkView[] = [];
  const hecs: FakeHec[] = [];

  beforeAll(async () => {
    harness = await startSiem({
      SIEM_RETRY_MAX_SECONDS: 1,
      SIEM_CONFIG_ERROR_RETRY_SECONDS: CONFIG_RETRY_SECONDS,
    });
  });

  afterAll(async () => {
    for (const sink of sinks) await harness.sinks.delete(sink.id, ACTOR).catch(() => undefined);
    await harness?.close();
    for (const hec of hecs) await hec.stop();
  });

  async function hecSinkFor(url: string): Promise<SinkView> {
    const sink = await harness.sinks.create(
      {
        name: `${harness.prefix}hec-${suffix()}`,
        kind: 'splunk_hec',
        config: { url, batchSize: 4 },
        secret: { token },
        eventTypes: ['gateway.access'],
        enabled: true,
        startFrom: 'latest',
      },
      ACTOR,
    );
    sinks.push(sink);
    return sink;
  }

  async function startHec(port = 0): Promise<FakeHec> {
    const hec = new FakeHec(token);
    await hec.start(port);
    hecs.push(hec);
    return hec;
  }

  it('retries a 400 "incorrect index" slowly, shows it as a configuration error, and delivers the same events once the HEC accepts them', async () => {
    const hec = await startHec();
    hec.refuse = () => ({ status: 400, body: { text: 'Incorrect index', code: 7 } });
    const sink = await hecSinkFor(hec.url);
    const appId = `app-retry-${suffix()}`;
    const events = Array.from({ length: 6 }, () => access({ appId }));
    await produceAccess(harness, events);

    const refused = () => hec.attempts.filter((attempt) => attempt.status === 400);
    await waitFor('three refused attempts', refused, (list) => list.length >= 3, 30_000);
    // Not hammered: the transient pace here would be 0.5 s, then 1 s.
    for (const gap of gaps(refused())) {
      expect(gap).toBeGreaterThanOrEqual(CONFIG_RETRY_SECONDS * 1000 - 300);
    }
    const status = await harness.sinks.status(sink.id);
    expect(status).toMatchObject({ healthy: false, errorKind: 'configuration' });
    expect(status.lastError).toMatch(/^configuration error: Splunk HEC answered 400/);
    expect(status.lastError).toContain('Incorrect index (code 7)');
    expect(status.lastError).toContain('no event is skipped');
    expect(status.lag).toBeGreaterThan(0);
    expect(arrivals(hec, appId)).toEqual([]);

    // The index now exists: the next slow retry gets the very same events through, in order.
    hec.refuse = null;
    const ids = events.map((event) => event.id);
    await allArrive(hec, appId, ids);
    expect(arrivals(hec, appId)).toEqual(ids);
    const recovered = await waitFor(
      'the sink to be healthy',
      () => harness.sinks.status(sink.id),
      (current) => current.healthy,
    );
    expect(recovered.errorKind).toBeNull();
  });

  it('retries 429 after its Retry-After and 503 "busy" at the transient pace', async () => {
    const hec = await startHec();
    hec.refuse = (attempt) =>
      attempt === 0
        ? { status: 429, body: { text: 'Too many requests' }, headers: { 'retry-after': '2' } }
        : attempt === 1
          ? { status: 503, body: { text: 'Server is busy', code: 9 } }
          : null;
    const sink = await hecSinkFor(hec.url);
    const appId = `app-busy-${suffix()}`;
    const events = Array.from({ length: 3 }, () => access({ appId }));
    await produceAccess(harness, events);
    const ids = events.map((event) => event.id);
    await allArrive(hec, appId, ids);
    expect(arrivals(hec, appId)).toEqual(ids);
    const [afterRetryAfter, afterBusy] = gaps(hec.attempts.slice(0, 3));
    expect(hec.attempts.slice(0, 2).map((attempt) => attempt.status)).toEqual([429, 503]);
    expect(afterRetryAfter).toBeGreaterThanOrEqual(1900);
    expect(afterBusy).toBeLessThan(CONFIG_RETRY_SECONDS * 1000 - 1000);
    const status = await harness.sinks.status(sink.id);
    expect(status.lastError).toContain('Server is busy (code 9)');
    expect(status.lastError).not.toContain('configuration error');
  });

  it('retries a refused connection until the HEC listens', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise((resolve) => probe.close(resolve));

    const sink = await hecSinkFor(`http://127.0.0.1:${port}`);
    const appId = `app-down-${suffix()}`;
    const events = Array.from({ length: 5 }, () => access({ appId }));
    await produceAccess(harness, events);
    const down = await waitFor(
      'the refused connection in the status',
      () => harness.sinks.status(sink.id),
      (status) => status.lastError !== null && /unreachable/.test(status.lastError),
    );
    expect(down).toMatchObject({ healthy: false, errorKind: 'delivery' });

    const hec = await startHec(port);
    const ids = events.map((event) => event.id);
    await allArrive(hec, appId, ids);
    expect(arrivals(hec, appId)).toEqual(ids);
  });
});
