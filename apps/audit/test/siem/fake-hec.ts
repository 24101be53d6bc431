import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface HecEvent {
  time: number;
  host: string;
  source: string;
  sourcetype: string;
  index?: string;
  event: { id: string; type: string; data: Record<string, unknown> };
}

export interface HecAnswer {
  status: number;
  body: object;
  headers?: Record<string, string>;
}

/** One request as the peer saw it, with what it answered. */
export interface HecAttempt {
  at: number;
  path: string;
  status: number;
  events: number;
}

/**
 * A peer implementing the Splunk HEC contract: POST /services/collector/event with
 * `Authorization: Splunk <token>`, a body of concatenated JSON event objects; answers like
 * Splunk (`{"text":"Success","code":0}`, 401 code 2/4, 400 code 6, 503 "Server is busy" code 9,
 * 413 above `maxBodyBytes`). `refuse` makes it answer something else before accepting anything.
 */
export class FakeHec {
  /** Every event accepted (answered 200), in order, duplicates included. */
  readonly accepted: HecEvent[] = [];
  /** Every request that reached the handler, in order. */
  readonly attempts: HecAttempt[] = [];
  requests = 0;
  mode: 'ok' | 'busy' = 'ok';
  /** Like Splunk's max_content_length: a larger body is answered 413. */
  maxBodyBytes = Number.POSITIVE_INFINITY;
  /** Answers a request (after authentication) instead of accepting it; null accepts. */
  refuse: ((attempt: number) => HecAnswer | null) | null = null;
  #server: Server | undefined;

  constructor(
    private readonly token: string,
    /** The collector path behind the listener (a proxy may put it under a prefix). */
    private readonly path = '/services/collector/event',
  ) {}

  get url(): string {
    const address = this.#server?.address();
    if (!address || typeof address !== 'object') throw new Error('not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(port = 0): Promise<void> {
    const server = createServer((request, response) => {
      void this.#handle(request).then(({ status, body, headers }) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  async #handle(request: IncomingMessage): Promise<HecAnswer> {
    this.requests += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const answer = this.#answer(request, body);
    this.attempts.push({
      at: Date.now(),
      path: request.url ?? '',
      status: answer.status,
      events: answer.status === 200 ? parseConcatenatedJson(body.toString('utf8')).length : 0,
    });
    return answer;
  }

  #answer(request: IncomingMessage, raw: Buffer): HecAnswer {
    // The query (a channel) is not part of the collector's path.
    const path = new URL(request.url ?? '/', 'http://hec.invalid').pathname;
    if (request.method !== 'POST' || path !== this.path) {
      return { status: 404, body: { text: 'The requested URL was not found', code: 404 } };
    }
    const auth = request.headers.authorization;
    if (!auth) return { status: 401, body: { text: 'Token is required', code: 2 } };
    if (auth !== `Splunk ${this.token}`) {
      return { status: 403, body: { text: 'Invalid token', code: 4 } };
    }
    if (this.mode === 'busy') return { status: 503, body: { text: 'Server is busy', code: 9 } };
    const refusal = this.refuse?.(this.attempts.length);
    if (refusal) return refusal;
    if (raw.length > this.maxBodyBytes) {
      const text = `Content-Length of ${raw.length} too large (maximum is ${this.maxBodyBytes})`;
      return { status: 413, body: { text } };
    }
    let events: HecEvent[];
    try {
      events = parseConcatenatedJson(raw.toString('utf8')) as HecEvent[];
    } catch {
      return { status: 400, body: { text: 'Invalid data format', code: 6 } };
    }
    if (events.some((event) => event.event === undefined)) {
      return { status: 400, body: { text: 'Event field is required', code: 12 } };
    }
    this.accepted.push(...events);
    return { status: 200, body: { text: 'Success', code: 0 } };
  }
}

/** HEC bodies are JSON objects one after another, optionally separated by whitespace. */
export function parseConcatenatedJson(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{') {
      if (depth === 0) start = index;
      depth += 1;
    } else if (char === '}') {
      depth -= 1;
      if (depth === 0) values.push(JSON.parse(text.slice(start, index + 1)));
      if (depth < 0) throw new Error('unbalanced');
    } else if (depth === 0 && !/\s/.test(char ?? '')) {
      throw new Error('garbage between events');
    }
  }
  if (depth !== 0) throw new Error('truncated');
  return values;
}
