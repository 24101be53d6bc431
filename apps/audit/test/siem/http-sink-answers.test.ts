import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { splunkHecConfigSchema, webhookConfigSchema } from '../../src/siem/sink-config.js';
import { SinkDeliveryError } from '../../src/siem/sink-delivery.js';
import { SplunkHecSink } from '../../src/siem/splunk-hec-sink.js';
import { WebhookSink } from '../../src/siem/webhook-sink.js';
import { FakeHec, type HecAnswer } from './fake-hec.js';
import { access, suffix } from './siem-test-events.js';

const TOKEN = 'hec-answers-token';
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startHec(path?: string): Promise<FakeHec> {
  const hec = new FakeHec(TOKEN, path);
  await hec.start();
  cleanups.push(() => hec.stop());
  return hec;
}

function hecSink(url: string, token = TOKEN): SplunkHecSink {
  const sink = new SplunkHecSink(splunkHecConfigSchema.parse({ url }), { token });
  cleanups.push(() => sink.close());
  return sink;
}

/** The delivery's failure (it must fail). */
async function failureOf(delivery: Promise<void>): Promise<SinkDeliveryError> {
  const error = await delivery.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SinkDeliveryError);
  return error as SinkDeliveryError;
}

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('Splunk HEC answers', () => {
  it.each<[string, HecAnswer]>([
    ['400 incorrect index', { status: 400, body: { text: 'Incorrect index', code: 7 } }],
    [
      '400 data channel missing',
      { status: 400, body: { text: 'Data channel is missing', code: 10 } },
    ],
    ['403 token disabled', { status: 403, body: { text: 'Token disabled', code: 1 } }],
    ['404 not a collector', { status: 404, body: { text: 'Not found', code: 404 } }],
  ])('reports %s as a configuration failure with its text and code', async (_name, answer) => {
    const hec = await startHec();
    hec.refuse = () => answer;
    const failure = await failureOf(hecSink(hec.url).deliver([access()]));
    expect(failure.kind).toBe('configuration');
    const { text, code } = answer.body as { text: string; code: number };
    expect(failure.message).toBe(`Splunk HEC answered ${answer.status}: ${text} (code ${code})`);
    expect(failure.delivered).toBe(0);
  });

  it('reports a wrong token (401/403 codes 2, 3, 4) as a configuration failure, never quoting it', async () => {
    const hec = await startHec();
    const failure = await failureOf(hecSink(hec.url, 'not-the-token').deliver([access()]));
    expect(failure).toMatchObject({ kind: 'configuration' });
    expect(failure.message).toBe('Splunk HEC answered 403: Invalid token (code 4)');
  });

  it.each<[string, HecAnswer, number | undefined]>([
    ['503 busy', { status: 503, body: { text: 'Server is busy', code: 9 } }, undefined],
    ['busy as a 400', { status: 400, body: { text: 'Server is busy', code: 9 } }, undefined],
    ['500', { status: 500, body: { text: 'Internal server error', code: 8 } }, undefined],
    ['408', { status: 408, body: { text: 'Request timeout' } }, undefined],
    [
      '429 with Retry-After',
      { status: 429, body: { text: 'Too many requests' }, headers: { 'retry-after': '7' } },
      7,
    ],
    [
      '503 with an HTTP-date Retry-After',
      {
        status: 503,
        body: { text: 'Maintenance' },
        headers: { 'retry-after': new Date(Date.now() + 20_000).toUTCString() },
      },
      20,
    ],
  ])('retries %s soon', async (_name, answer, retryAfter) => {
    const hec = await startHec();
    hec.refuse = () => answer;
    const failure = await failureOf(hecSink(hec.url).deliver([access()]));
    expect(failure.kind).toBe('transient');
    if (retryAfter === undefined) expect(failure.retryAfterSeconds).toBeUndefined();
    else expect(failure.retryAfterSeconds).toBeGreaterThanOrEqual(retryAfter - 2);
    if (retryAfter !== undefined) expect(failure.retryAfterSeconds).toBeLessThanOrEqual(retryAfter);
  });

  it('retries a refused connection', async () => {
    const port = await closedPort();
    const failure = await failureOf(hecSink(`http://127.0.0.1:${port}`).deliver([access()]));
    expect(failure.kind).toBe('transient');
    expect(failure.message).toMatch(/^Splunk HEC unreachable: /);
  });

  it('splits a batch answered 413 until it fits, delivering every event once and in order', async () => {
    const hec = await startHec();
    const events = Array.from({ length: 7 }, () => access());
    const sink = hecSink(hec.url);
    // Room for two events per request, not three.
    const one = Buffer.byteLength(sink.body([events[0]!]));
    hec.maxBodyBytes = one * 2 + 100;
    await sink.deliver(events);
    expect(hec.accepted.map((entry) => entry.event.id)).toEqual(events.map((event) => event.id));
    const statuses = hec.attempts.map((attempt) => attempt.status);
    expect(statuses.filter((status) => status === 413).length).toBeGreaterThan(0);
    expect(hec.attempts.filter((attempt) => attempt.status === 200).map((a) => a.events)).toEqual([
      2, 2, 2, 1,
    ]);
  });

  it('fails an event that alone is too large as a configuration problem, after the ones before it', async () => {
    const hec = await startHec();
    const small = [access(), access()];
    const big = access({ path: `/${'x'.repeat(2000)}`, userAgent: 'y'.repeat(1000) });
    const sink = hecSink(hec.url);
    hec.maxBodyBytes = Buffer.byteLength(sink.body(small)) + 10;
    const failure = await failureOf(sink.deliver([...small, big, access()]));
    expect(failure.kind).toBe('configuration');
    expect(failure.delivered).toBe(2);
    expect(failure.message).toContain('Splunk HEC answered 413');
    expect(failure.message).toContain(`event ${big.id} alone is larger than it accepts`);
    // Nothing after the oversized event went ahead of it.
    expect(hec.accepted.map((entry) => entry.event.id)).toEqual(small.map((event) => event.id));
  });
});

describe('Splunk HEC URL', () => {
  const cases: [string, string, string][] = [
    ['a base URL', '', '/services/collector/event'],
    ['a proxy prefix', '/splunk', '/splunk/services/collector/event'],
    ['a proxy prefix with a slash', '/splunk/', '/splunk/services/collector/event'],
    ['the collector itself', '/splunk/services/collector', '/splunk/services/collector'],
    ['the event endpoint', '/splunk/services/collector/event', '/splunk/services/collector/event'],
    ['the event endpoint with no prefix', '/services/collector/event', '/services/collector/event'],
    [
      'the versioned event endpoint',
      '/services/collector/event/1.0',
      '/services/collector/event/1.0',
    ],
  ];
  it.each(cases)('keeps the path of %s', async (_name, configured, expected) => {
    const hec = await startHec(expected);
    const event = access();
    await hecSink(`${hec.url}${configured}`).deliver([event]);
    expect(hec.attempts.map((attempt) => attempt.path)).toEqual([expected]);
    expect(hec.accepted.map((entry) => entry.event.id)).toEqual([event.id]);
  });

  it('refuses the raw endpoint, which would index each batch of event JSON as text', () => {
    for (const path of ['/services/collector/raw', '/splunk/services/collector/raw/1.0/']) {
      const parsed = splunkHecConfigSchema.safeParse({ url: `https://splunk.example${path}` });
      expect(parsed.success, path).toBe(false);
      expect(parsed.error?.issues[0]?.message, path).toMatch(
        /raw endpoint.*services\/collector\/event/,
      );
    }
    expect(
      splunkHecConfigSchema.safeParse({ url: 'https://splunk.example/services/collector/event' })
        .success,
    ).toBe(true);
  });

  it('keeps the query (a channel)', async () => {
    const hec = await startHec('/splunk/services/collector/event');
    await hecSink(`${hec.url}/splunk?channel=${suffix()}`).deliver([access()]);
    expect(hec.attempts[0]?.path).toMatch(/^\/splunk\/services\/collector\/event\?channel=\w+$/);
    expect(hec.accepted).toHaveLength(1);
  });
});

/** A webhook receiver answering each request with `answer(body)`; keeps the ids of 2xx bodies. */
async function startWebhook(answer: (body: Buffer) => number) {
  const received: string[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const status = answer(body);
      statuses.push(status);
      if (status < 300) {
        const { events } = JSON.parse(body.toString('utf8')) as { events: { id: string }[] };
        received.push(...events.map((event) => event.id));
      }
      response.writeHead(status, status === 429 ? { 'retry-after': '3' } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/hook`, received, statuses };
}

function webhookSink(url: string): WebhookSink {
  const sink = new WebhookSink(webhookConfigSchema.parse({ url }), {
    secret: 'webhook-answers-secret',
  });
  cleanups.push(() => sink.close());
  return sink;
}

describe('webhook answers', () => {
  it('reports 401 (our signature refused) and 400 as configuration failures', async () => {
    for (const status of [400, 401, 403, 404, 410]) {
      const hook = await startWebhook(() => status);
      const failure = await failureOf(webhookSink(hook.url).deliver([access()]));
      expect(failure, String(status)).toMatchObject({ kind: 'configuration' });
      expect(failure.message).toBe(`webhook answered ${status}`);
    }
  });

  it('retries 429 (with its Retry-After), 408, 502, 503 and a refused connection', async () => {
    for (const status of [408, 429, 502, 503]) {
      const hook = await startWebhook(() => status);
      const failure = await failureOf(webhookSink(hook.url).deliver([access()]));
      expect(failure, String(status)).toMatchObject({ kind: 'transient' });
      expect(failure.retryAfterSeconds).toBe(status === 429 ? 3 : undefined);
    }
    const port = await closedPort();
    const failure = await failureOf(webhookSink(`http://127.0.0.1:${port}/`).deliver([access()]));
    expect(failure).toMatchObject({ kind: 'transient' });
    expect(failure.message).toMatch(/^webhook unreachable: /);
  });

  it('splits a batch answered 413 and delivers it in order', async () => {
    const events = Array.from({ length: 9 }, () => access());
    const limit = Buffer.byteLength(JSON.stringify({ events: events.slice(0, 3) })) + 50;
    const hook = await startWebhook((body) => (body.length > limit ? 413 : 204));
    await webhookSink(hook.url).deliver(events);
    expect(hook.received).toEqual(events.map((event) => event.id));
    expect(hook.statuses.filter((status) => status === 413).length).toBeGreaterThan(0);
  });
});
