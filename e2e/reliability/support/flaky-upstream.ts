import { createServer, type Server } from 'node:http';

/** How the upstream treats the next requests. */
export type UpstreamMode = 'ok' | 'reset' | 'hang';

/**
 * A real upstream HTTP server whose behaviour the test switches: answer 200, reset the
 * connection as soon as a request arrives, or hang without answering (until stopped).
 */
export class FlakyUpstream {
  mode: UpstreamMode = 'ok';
  /** Requests that reached this upstream, per mode at the time they arrived. */
  readonly received: Record<UpstreamMode, number> = { ok: 0, reset: 0, hang: 0 };
  #server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.#server = createServer((request, response) => {
      const mode = this.mode;
      this.received[mode] += 1;
      if (mode === 'reset') {
        request.socket.resetAndDestroy();
        return;
      }
      if (mode === 'hang') return;
      const body = JSON.stringify({ ok: true });
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.#server ? this.#server.close(() => resolve()) : resolve(),
    );
  }
}
