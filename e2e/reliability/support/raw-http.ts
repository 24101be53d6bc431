import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface RawExchange {
  /** Status codes of every response the server wrote on the connection, in order. */
  statuses: number[];
  /** Everything the server wrote. */
  raw: string;
  /** How the exchange ended: a response came, the server closed without one, or neither. */
  outcome: 'answered' | 'closed' | 'hung';
}

/**
 * Writes `bytes` as they are onto a fresh TCP connection (no HTTP client in between, so framing
 * errors reach the server unaltered) and reads what comes back: a response, a close, or, if
 * neither within `waitMs` and again after half-closing, 'hung'.
 */
export async function rawExchange(
  port: number,
  bytes: string | Buffer,
  waitMs = 4_000,
): Promise<RawExchange> {
  const socket: Socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(bytes);
  const text = () => Buffer.concat(chunks).toString('latin1');
  const answered = () => /^HTTP\/1\.[01] \d{3}[^\r\n]*\r\n[\s\S]*?\r\n\r\n/.test(text());
  const until = async (done: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline) {
      await Promise.race([closedPromise, new Promise((resolve) => setTimeout(resolve, 25))]);
    }
  };
  await until(() => closed || answered(), waitMs);
  if (!closed && answered()) {
    // Pipelined (smuggled) requests would be answered right after the first: give them a moment.
    await until(() => closed, 400);
  } else if (!closed) {
    socket.end();
    await until(() => closed || answered(), waitMs);
  }
  const wasAnswered = answered();
  socket.destroy();
  const raw = text();
  const statuses = [...raw.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((match) => Number(match[1]));
  return { statuses, raw, outcome: wasAnswered ? 'answered' : closed ? 'closed' : 'hung' };
}

export interface Arrival {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  /** Set once the whole body arrived. */
  body?: string;
}

/**
 * An upstream that records each request the moment its head arrives (not when its body ends, so
 * an aborted stream still counts as having reached it) and every byte the gateway sent it, to
 * look for smuggled requests in the raw stream.
 */
export class ArrivalRecorder {
  readonly arrivals: Arrival[] = [];
  #rawBytes: Buffer[] = [];
  #server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.#server = createServer((request, response) => {
      const arrival: Arrival = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        rawHeaders: request.rawHeaders,
      };
      this.arrivals.push(arrival);
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('error', () => undefined);
      request.on('end', () => {
        arrival.body = Buffer.concat(chunks).toString('utf8');
        const body = JSON.stringify({ ok: true });
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        response.end(body);
      });
    });
    this.#server.on('connection', (socket: Socket) => {
      socket.on('data', (chunk: Buffer) => this.#rawBytes.push(chunk));
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  /** Everything any connection to this upstream carried so far. */
  rawStream(): string {
    return Buffer.concat(this.#rawBytes).toString('latin1');
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.#server ? this.#server.close(() => resolve()) : resolve(),
    );
  }
}
