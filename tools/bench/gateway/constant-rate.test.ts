import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { constantRate } from './constant-rate.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((done) => server?.close(done));
  server = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('constantRate', () => {
  it('sends at the given rate, with the given headers, and counts each answer', async () => {
    const seen: (string | undefined)[] = [];
    const url = await serve((request, response) => {
      seen.push(request.headers.authorization);
      const status = request.url === '/items/1' ? 200 : 404;
      response.writeHead(status, { 'content-type': 'application/json' }).end('{"id":1}');
    });
    const result = await constantRate({
      url: `${url}/items/1`,
      headers: { authorization: 'Bearer t' },
      rate: 200,
      durationSeconds: 1,
      warmupSeconds: 0.5,
      connections: 4,
    });
    expect(result).toMatchObject({ rps: 200, total: 200, warmupTotal: 100, errors: 0, non2xx: 0 });
    // The warm-up's 100 requests are sent too, but not counted.
    expect(seen.length).toBe(300);
    expect(seen.every((value) => value === 'Bearer t')).toBe(true);
    expect(result.p50).toBeGreaterThan(0);
    expect(result.p99).toBeGreaterThanOrEqual(result.p50);
  });

  it('counts latency from when a request was due, so a stalled server shows in p99', async () => {
    let stalled = false;
    const url = await serve((_request, response) => {
      if (!stalled) {
        stalled = true;
        // Blocks this process' event loop (the driver's too): everything due meanwhile is late.
        const until = performance.now() + 300;
        while (performance.now() < until);
      }
      response.writeHead(503).end();
    });
    const result = await constantRate({
      url: `${url}/`,
      headers: {},
      rate: 200,
      durationSeconds: 1,
      warmupSeconds: 0,
      connections: 2,
    });
    expect(result.total).toBe(200);
    expect(result.non2xx).toBe(200);
    expect(result.p99).toBeGreaterThanOrEqual(250);
  });

  it('counts requests on connections the server drops as errors', async () => {
    let answered = 0;
    const url = await serve((request, response) => {
      answered += 1;
      if (answered % 10 === 0) request.socket.destroy();
      else response.end('ok');
    });
    const result = await constantRate({
      url: `${url}/`,
      headers: {},
      rate: 100,
      durationSeconds: 1,
      warmupSeconds: 0,
      connections: 20,
    });
    expect(result.errors).toBeGreaterThan(0);
    expect(result.total + result.errors).toBe(100);
  });
});
