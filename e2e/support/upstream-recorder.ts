import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

/** A real upstream HTTP server that records what reaches it and answers 200 with JSON. */
export class UpstreamRecorder {
  readonly requests: RecordedRequest[] = [];
  #server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          rawHeaders: request.rawHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const body = JSON.stringify({ ok: true, path: request.url });
        const query = new URL(request.url ?? '/', 'http://x').searchParams;
        // `?delay=<ms>` answers late: in-flight requests for shutdown and timeout tests.
        const delay = Number(query.get('delay') ?? 0);
        // `?cors=1` answers with a permissive CORS policy of its own, as some backends do.
        const ownCors = query.has('cors')
          ? {
              'access-control-allow-origin': '*',
              'access-control-allow-credentials': 'true',
              vary: 'Accept-Encoding',
            }
          : {};
        setTimeout(() => {
          response.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-upstream': 'recorder',
            ...ownCors,
          });
          response.end(body);
        }, delay);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  /** Requests whose gateway request id is `requestId`. */
  byRequestId(requestId: string): RecordedRequest | undefined {
    return this.requests.find(
      (request) => request.headers['x-portcullis-request-id'] === requestId,
    );
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.#server ? this.#server.close(() => resolve()) : resolve(),
    );
  }
}
