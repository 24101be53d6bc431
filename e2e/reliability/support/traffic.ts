import { Pool } from 'undici';

export interface TrafficResult {
  /** The gateway's request id of every answered request (from `X-Request-Id`). */
  requestIds: string[];
  /** How many answers per status code. */
  statuses: Map<number, number>;
  /** Requests that got no HTTP answer at all (connection refused, reset, client timeout). */
  failures: number;
  /** A few of those failures' messages, for the report. */
  failureSamples: string[];
}

export interface TrafficOptions {
  /** The gateway's origin, e.g. http://127.0.0.1:1234. */
  origin: string;
  path: string;
  headers: Record<string, string>;
  concurrency: number;
  /** Stops issuing new requests when this says so (checked before each request). */
  stop: () => boolean;
  /** At most this many requests in total. */
  maxRequests?: number;
  /** Pause between two requests of one worker (paces the load on a small machine). */
  pauseMs?: number;
}

/**
 * Sends requests from `concurrency` loops over keep-alive connections until told to stop,
 * keeping every answer's request id (so stored audit events can be matched one by one).
 */
export class TrafficDriver {
  readonly result: TrafficResult = {
    requestIds: [],
    statuses: new Map(),
    failures: 0,
    failureSamples: [],
  };
  #issued = 0;

  constructor(private readonly options: TrafficOptions) {}

  async run(): Promise<TrafficResult> {
    const pool = new Pool(this.options.origin, {
      connections: this.options.concurrency,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    try {
      await Promise.all(Array.from({ length: this.options.concurrency }, () => this.#worker(pool)));
    } finally {
      await pool.close();
    }
    return this.result;
  }

  async #worker(pool: Pool): Promise<void> {
    const { stop, maxRequests, pauseMs } = this.options;
    while (!stop() && (maxRequests === undefined || this.#issued < maxRequests)) {
      this.#issued += 1;
      try {
        const response = await pool.request({
          method: 'GET',
          path: this.options.path,
          headers: this.options.headers,
        });
        await response.body.dump();
        const requestId = response.headers['x-request-id'];
        if (typeof requestId === 'string') this.result.requestIds.push(requestId);
        this.result.statuses.set(
          response.statusCode,
          (this.result.statuses.get(response.statusCode) ?? 0) + 1,
        );
      } catch (error) {
        this.result.failures += 1;
        if (this.result.failureSamples.length < 3) this.result.failureSamples.push(String(error));
      }
      if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}

/** `200×950, 503×50` */
export function describeStatuses(statuses: Map<number, number>): string {
  return [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}×${n}`)
    .join(', ');
}
