import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TOPICS, type AccessEvent, type KnownEvent } from '@portcullis/contracts';
import { createKafka } from '@portcullis/kafka';
import type { Producer } from 'kafkajs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFlags, type AppProcess } from '../support/app-process.js';
import { Fixtures, type SeededApi, type SeededApp } from '../support/fixtures.js';
import { EventCollector } from '../support/kafka-events.js';
import { startGatewayProcess, startIdentityProcess } from '../support/stack.js';

/**
 * The gateway's edges against real processes: the per-API response cache, requests Node's HTTP
 * parser refuses, blocked source addresses (snapshot and config-change event), and the priority of
 * its event producer thread.
 */

/** Nice value of each thread of a process, by thread name (Linux /proc). */
function threadNiceness(pid: number): { name: string; niceness: number }[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return {
      name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(),
      // After the parenthesised name (which may hold spaces), nice is the 19th field.
      niceness: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]),
    };
  });
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  requestId: string;
}

/** An upstream whose Cache-Control comes from the `cc` query parameter; counts calls per URL. */
class CountingUpstream {
  readonly calls = new Map<string, number>();
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      req.resume();
      const url = req.url ?? '/';
      this.calls.set(url, (this.calls.get(url) ?? 0) + 1);
      const query = new URL(url, 'http://x').searchParams;
      const cc = query.get('cc');
      // `?hints=1`: a 103 Early Hints before the answer (the gateway passes only the final one).
      if (query.has('hints')) res.writeEarlyHints({ link: '</style.css>; rel=preload' });
      const body = JSON.stringify({
        url,
        n: this.calls.get(url),
        app: req.headers['x-portcullis-app-id'],
      });
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...(cc ? { 'cache-control': cc } : {}),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  count(pathAndQuery: string): number {
    return this.calls.get(pathAndQuery) ?? 0;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.#server ? this.#server.close(() => resolve()) : resolve(),
    );
  }
}

/** Sends raw bytes and reads until the server closes: for requests no HTTP client would send. */
async function raw(url: string, bytes: string | Buffer): Promise<Reply> {
  const { hostname, port } = new URL(url);
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.write(bytes);
  });
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body,
    requestId: headers['x-request-id'] ?? '',
  };
}

describe('gateway edges: response cache, parser rejections, blocked sources', () => {
  const fixtures = new Fixtures();
  const upstream = new CountingUpstream();
  let identity: AppProcess;
  let gateway: AppProcess;
  let events: EventCollector;
  let producer: Producer;
  let cached: SeededApi;
  let uncached: SeededApi;
  let appA: SeededApp;
  let appB: SeededApp;
  let keyA: string;
  let keyB: string;

  async function call(
    path: string,
    key: string | null,
    options: { method?: string; headers?: Record<string, string>; from?: string } = {},
  ): Promise<Reply> {
    if (options.from) return callFrom(options.from, path, key);
    const response = await request(`${gateway.url}${path}`, {
      method: (options.method ?? 'GET') as 'GET',
      headers: { ...(key ? { 'x-api-key': key } : {}), ...options.headers },
    });
    const body = await response.body.text();
    return {
      status: response.statusCode,
      headers: response.headers,
      body,
      requestId: String(response.headers['x-request-id']),
    };
  }

  /** A call from another loopback source address (the block tests refuse 127.0.0.2). */
  async function callFrom(localAddress: string, path: string, key: string | null): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        `${gateway.url}${path}`,
        { localAddress, headers: key ? { 'x-api-key': key } : {}, agent: false },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              requestId: String(response.headers['x-request-id']),
            }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  async function accessEvent(requestId: string): Promise<AccessEvent> {
    return (await events.waitFor(
      (event) => event.type === 'gateway.access' && event.data.requestId === requestId,
    )) as AccessEvent;
  }

  beforeAll(async () => {
    await upstream.start();
    producer = createKafka({
      brokers: process.env.KAFKA_BROKERS!.split(','),
      clientId: 'e2e-edge-identity-sim',
    }).producer();
    [identity, events] = await Promise.all([
      startIdentityProcess('gateway-edge-identity'),
      new EventCollector(process.env.KAFKA_BROKERS!.split(','), TOPICS.accessEvents).start(),
      producer.connect(),
    ]).then(([started, collector]) => [started, collector] as const);
    const routes = [
      { method: 'GET', pathPattern: '/items/{id}' },
      { method: 'GET', pathPattern: '/items/export', requiredScopes: ['items:export'] },
    ];
    cached = await fixtures.api({
      upstreamUrl: upstream.url,
      routes,
      settings: { cache: { ttlSeconds: 60, maxEntries: 100 } },
    });
    uncached = await fixtures.api({ upstreamUrl: upstream.url, routes });
    appA = await fixtures.application();
    appB = await fixtures.application();
    for (const app of [appA, appB]) {
      await fixtures.subscribe(app, cached);
      await fixtures.subscribe(app, uncached);
    }
    keyA = (await fixtures.apiKey(appA)).key;
    keyB = (await fixtures.apiKey(appB)).key;
    gateway = await startGatewayProcess({ name: 'gateway-edge', identity, plainHttp: true });
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), identity?.stop()]);
    await Promise.all([events?.stop(), producer?.disconnect(), upstream.stop(), fixtures.close()]);
  });

  describe('response cache', () => {
    it('serves a repeated GET from the cache with Age and X-Cache, and still records it', async () => {
      const path = `/items/1?cc=${encodeURIComponent('max-age=60')}`;
      const first = await call(`${cached.basePath}${path}`, keyA);
      expect(first.status).toBe(200);
      expect(first.headers['x-cache']).toBe('MISS');
      await sleep(1_100);
      const second = await call(`${cached.basePath}${path}`, keyA);
      expect(second.status).toBe(200);
      expect(second.headers['x-cache']).toBe('HIT');
      expect(Number(second.headers.age)).toBeGreaterThanOrEqual(1);
      expect(second.body).toBe(first.body);
      expect(second.headers['ratelimit-limit']).toBeDefined();
      expect(second.requestId).not.toBe(first.requestId);
      expect(upstream.count(path)).toBe(1);
      const hit = await accessEvent(second.requestId);
      expect(hit.data).toMatchObject({
        status: 200,
        decision: 'allow',
        reason: 'ok',
        appId: appA.id,
      });
      expect(hit.data.latencyMs.upstream).toBeNull();
      expect(hit.data.bytesOut).toBe(Buffer.byteLength(first.body));
    });

    it("never serves one application's response to another unless it is public", async () => {
      const privatePath = `/items/2?cc=${encodeURIComponent('max-age=60')}`;
      await call(`${cached.basePath}${privatePath}`, keyA);
      const other = await call(`${cached.basePath}${privatePath}`, keyB);
      expect(other.headers['x-cache']).toBe('MISS');
      expect(JSON.parse(other.body)).toMatchObject({ app: appB.id });
      expect(upstream.count(privatePath)).toBe(2);

      const markedPrivate = `/items/3?cc=${encodeURIComponent('private, max-age=60')}`;
      await call(`${cached.basePath}${markedPrivate}`, keyA);
      expect((await call(`${cached.basePath}${markedPrivate}`, keyB)).headers['x-cache']).toBe(
        'MISS',
      );
      expect((await call(`${cached.basePath}${markedPrivate}`, keyA)).headers['x-cache']).toBe(
        'HIT',
      );

      const publicPath = `/items/4?cc=${encodeURIComponent('public, max-age=60')}`;
      await call(`${cached.basePath}${publicPath}`, keyA);
      const shared = await call(`${cached.basePath}${publicPath}`, keyB);
      expect(shared.headers['x-cache']).toBe('HIT');
      expect(upstream.count(publicPath)).toBe(1);
    });

    it('honours no-store, expiry and a client asking for a fresh answer', async () => {
      const noStore = `/items/5?cc=no-store`;
      await call(`${cached.basePath}${noStore}`, keyA);
      expect((await call(`${cached.basePath}${noStore}`, keyA)).headers['x-cache']).toBe('MISS');
      expect(upstream.count(noStore)).toBe(2);

      const short = `/items/6?cc=${encodeURIComponent('max-age=1')}`;
      await call(`${cached.basePath}${short}`, keyA);
      expect((await call(`${cached.basePath}${short}`, keyA)).headers['x-cache']).toBe('HIT');
      await sleep(1_200);
      expect((await call(`${cached.basePath}${short}`, keyA)).headers['x-cache']).toBe('MISS');
      expect(upstream.count(short)).toBe(2);

      const fresh = `/items/7?cc=${encodeURIComponent('max-age=60')}`;
      await call(`${cached.basePath}${fresh}`, keyA);
      const forced = await call(`${cached.basePath}${fresh}`, keyA, {
        headers: { 'cache-control': 'no-cache' },
      });
      expect(forced.headers['x-cache']).toBe('MISS');
      expect(upstream.count(fresh)).toBe(2);
    });

    it('caches HEAD apart from GET, and leaves APIs without a cache setting alone', async () => {
      const path = `/items/8?cc=${encodeURIComponent('max-age=60')}`;
      await call(`${cached.basePath}${path}`, keyA, { method: 'HEAD' });
      const head = await call(`${cached.basePath}${path}`, keyA, { method: 'HEAD' });
      expect(head.headers['x-cache']).toBe('HIT');
      expect(head.body).toBe('');
      expect((await call(`${cached.basePath}${path}`, keyA)).headers['x-cache']).toBe('MISS');

      const plain = `/items/9?cc=${encodeURIComponent('max-age=60')}`;
      await call(`${uncached.basePath}${plain}`, keyA);
      const again = await call(`${uncached.basePath}${plain}`, keyA);
      expect(again.headers['x-cache']).toBeUndefined();
      expect(upstream.count(plain)).toBe(2);
    });

    it('refuses before the cache: an unauthenticated caller never gets a cached response', async () => {
      const path = `/items/10?cc=${encodeURIComponent('public, max-age=60')}`;
      await call(`${cached.basePath}${path}`, keyA);
      const anonymous = await call(`${cached.basePath}${path}`, null);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['x-cache']).toBeUndefined();
    });
  });

  it('runs its access-event producer thread below the event loop (nice 10 by default)', () => {
    const threads = threadNiceness(gateway.child.pid!);
    const mainThread = threads.find((thread) => thread.name === 'MainThread');
    expect(mainThread).toBeDefined();
    expect(threads.filter((thread) => thread.name === 'event-producer')).toEqual([
      { name: 'event-producer', niceness: Math.min(19, mainThread!.niceness + 10) },
    ]);
  });

  it('runs with the V8 flags the gateway starts with everywhere (apps/gateway/node-flags.txt)', () => {
    const flags = nodeFlags('gateway');
    const commandLine = readFileSync(`/proc/${gateway.child.pid!}/cmdline`, 'utf8').split('\0');
    expect(flags).toContain('--no-allocation-site-pretenuring');
    expect(commandLine.slice(1, 1 + flags.length)).toEqual(flags);
  });

  it('passes the final answer after an informational 103 from the upstream', async () => {
    const reply = await call(`${uncached.basePath}/items/11?hints=1`, keyA);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ url: '/items/11?hints=1' });
  });

  describe('routes and letter case', () => {
    it('refuses a path that would take a weaker route only because its case differs', async () => {
      // A case-insensitive backend would serve /items/EXPORT as /items/export, whose scope the
      // caller lacks; /items/{id} must not carry it there.
      const refused = await call(`${uncached.basePath}/items/EXPORT`, keyA);
      expect(refused.status).toBe(400);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(JSON.parse(refused.body).detail).toContain('only in letter case');
      expect(upstream.count('/items/EXPORT')).toBe(0);
      expect((await accessEvent(refused.requestId)).data).toMatchObject({
        decision: 'deny',
        reason: 'bad_request',
        status: 400,
      });
      // The route's own spelling is judged on its scope; another id is served as ever.
      expect((await call(`${uncached.basePath}/items/export`, keyA)).status).toBe(403);
      expect((await call(`${uncached.basePath}/items/EXP0RT`, keyA)).status).toBe(200);
    });
  });

  describe('requests the HTTP parser refuses', () => {
    it('answers a NUL byte in a header with 400 problem+json and records it without the header', async () => {
      const reply = await raw(
        gateway.url,
        `GET ${cached.basePath}/items/1?token=query-secret HTTP/1.1\r\nHost: x\r\nX-Api-Key: secret-in-header\r\nX-Evil: a\0b\r\n\r\n`,
      );
      expect(reply.status).toBe(400);
      expect(reply.headers['content-type']).toContain('application/problem+json');
      expect(reply.headers.connection).toBe('close');
      expect(JSON.parse(reply.body)).toMatchObject({ status: 400, requestId: reply.requestId });
      const event = await accessEvent(reply.requestId);
      expect(event.data).toMatchObject({
        status: 400,
        decision: 'deny',
        reason: 'bad_request',
        method: 'GET',
        path: `${cached.basePath}/items/1`,
        sourceIp: '127.0.0.1',
        appId: null,
      });
      const recorded = JSON.stringify(event);
      expect(recorded).not.toContain('secret-in-header');
      expect(recorded).not.toContain('query-secret');
    });

    it('answers oversized headers with 431 and an access event', async () => {
      const reply = await raw(
        gateway.url,
        `GET ${cached.basePath}/items/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      expect(reply.status).toBe(431);
      expect(JSON.parse(reply.body)).toMatchObject({ status: 431 });
      expect((await accessEvent(reply.requestId)).data).toMatchObject({
        status: 431,
        reason: 'bad_request',
      });
    });

    it('records a request whose chunked body breaks mid-way once, as bad_request', async () => {
      const path = `${uncached.basePath}/items/${randomUUID()}`;
      await raw(
        gateway.url,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${keyA}\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n`,
      );
      const forPath = (event: KnownEvent) =>
        event.type === 'gateway.access' && event.data.path === path;
      const first = (await events.waitFor(forPath)) as AccessEvent;
      expect(first.data).toMatchObject({ status: 400, reason: 'bad_request', decision: 'deny' });
      // A second event (the parser error's own, as before) would follow within the linger.
      await sleep(2_000);
      expect(events.events.filter(forPath)).toHaveLength(1);
    });

    it('answers a malformed request line with 400 and an access event', async () => {
      const reply = await raw(gateway.url, 'THIS IS NOT HTTP\r\n\r\n');
      expect(reply.status).toBe(400);
      const event = await accessEvent(reply.requestId);
      expect(event.data).toMatchObject({ status: 400, reason: 'bad_request', decision: 'deny' });
    });
  });

  describe('blocked source addresses', () => {
    const address = '127.0.0.2';

    it('refuses a source blocked by a config-change event, and serves it again once unblocked', async () => {
      const path = `${uncached.basePath}/items/1`;
      expect((await call(path, keyA, { from: address })).status).toBe(200);
      const block = await fixtures.prisma.sourceBlock.create({
        data: { source: address, reason: 'e2e: credential stuffing' },
      });
      await fixtures.announceChange(producer, 'source.blocked', address);
      await sleep(1_000);
      const refused = await call(path, keyA, { from: address });
      expect(refused.status).toBe(403);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(JSON.parse(refused.body)).toMatchObject({ status: 403, requestId: refused.requestId });
      expect((await accessEvent(refused.requestId)).data).toMatchObject({
        status: 403,
        decision: 'deny',
        reason: 'blocked_source',
        sourceIp: address,
      });
      // Other addresses are unaffected.
      expect((await call(path, keyA)).status).toBe(200);

      await fixtures.prisma.sourceBlock.update({
        where: { id: block.id },
        data: { liftedAt: new Date() },
      });
      await fixtures.announceChange(producer, 'source.unblocked', address);
      await sleep(1_000);
      expect((await call(path, keyA, { from: address })).status).toBe(200);
    });

    it('matches a block written as IPv4-mapped IPv6, and lifts it under yet another spelling', async () => {
      const path = `${uncached.basePath}/items/3`;
      const mapped = '::ffff:127.0.0.2';
      const block = await fixtures.prisma.sourceBlock.create({
        data: { source: mapped, reason: 'e2e: spelled as IPv6' },
      });
      await fixtures.announceChange(producer, 'source.blocked', mapped);
      await sleep(1_000);
      const refused = await call(path, keyA, { from: address });
      expect(refused.status).toBe(403);
      expect((await accessEvent(refused.requestId)).data).toMatchObject({
        reason: 'blocked_source',
        sourceIp: address,
      });
      expect((await call(path, keyA)).status).toBe(200);
      // A snapshot carrying the row as written keeps the block.
      await fixtures.announceChange(producer, 'api.changed', uncached.id);
      await sleep(1_000);
      expect((await call(path, keyA, { from: address })).status).toBe(403);

      await fixtures.prisma.sourceBlock.update({
        where: { id: block.id },
        data: { liftedAt: new Date() },
      });
      await fixtures.announceChange(producer, 'source.unblocked', '0:0:0:0:0:FFFF:7F00:0002');
      await sleep(1_000);
      expect((await call(path, keyA, { from: address })).status).toBe(200);
    });

    it('refuses a source (CIDR range) that arrives with a fresh snapshot', async () => {
      const path = `${uncached.basePath}/items/2`;
      const block = await fixtures.prisma.sourceBlock.create({
        data: { source: '127.0.0.2/32', reason: 'e2e: range' },
      });
      // Any change makes the gateway re-read the snapshot, which carries the block.
      await fixtures.announceChange(producer, 'api.changed', uncached.id);
      await sleep(1_000);
      const refused = await call(path, keyA, { from: address });
      expect(refused.status).toBe(403);
      expect((await accessEvent(refused.requestId)).data.reason).toBe('blocked_source');

      await fixtures.prisma.sourceBlock.update({
        where: { id: block.id },
        data: { liftedAt: new Date() },
      });
      await fixtures.announceChange(producer, 'api.changed', uncached.id);
      await sleep(1_000);
      expect((await call(path, keyA, { from: address })).status).toBe(200);
    });
  });
});
