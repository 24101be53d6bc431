import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendFetch, BackendError } from './backend';

// A real HTTP server standing in for audit: its headers come at once, its body over 600 ms.
describe('backendFetch time limits', () => {
  let server: Server;
  const chunks = ['{"id":1}\n', '{"id":2}\n', '{"id":3}\n'];

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url?.startsWith('/silent')) return; // never answers
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      chunks.forEach((chunk, index) => setTimeout(() => response.write(chunk), index * 200));
      setTimeout(() => response.end(), chunks.length * 200);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    process.env.IDENTITY_URL = `http://127.0.0.1:${port}`;
    process.env.AUDIT_URL = `http://127.0.0.1:${port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });

  it('lets a streamed answer take longer than the limit once its headers are in', async () => {
    const response = await backendFetch('audit', '/export', {
      token: 'pcl_sess_test',
      stream: true,
      timeoutMs: 250,
    });
    expect(await response.text()).toBe(chunks.join(''));
  });

  it('cuts a whole answer off at the limit when it is not streamed', async () => {
    const response = await backendFetch('audit', '/export', {
      token: 'pcl_sess_test',
      timeoutMs: 250,
    });
    await expect(response.text()).rejects.toThrow();
  });

  it('still gives up on a service that sends no headers, streamed or not', async () => {
    for (const stream of [true, false]) {
      const call = backendFetch('audit', '/silent', {
        token: 'pcl_sess_test',
        stream,
        timeoutMs: 250,
      });
      await expect(call).rejects.toBeInstanceOf(BackendError);
    }
  });
});
