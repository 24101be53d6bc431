import { Pool } from 'undici';
import { CircuitBreaker } from './circuit-breaker.js';

export interface Upstream {
  pool: Pool;
  breaker: CircuitBreaker;
}

/** One connection pool and one circuit per upstream origin (and connect timeout). */
export class UpstreamPools {
  readonly #upstreams = new Map<string, Upstream>();

  constructor(
    private readonly circuitFailures: number,
    private readonly circuitCooldownMs: number,
  ) {}

  get(origin: string, connectTimeoutMs: number): Upstream {
    const key = `${origin}|${connectTimeoutMs}`;
    let upstream = this.#upstreams.get(key);
    if (!upstream) {
      upstream = {
        pool: new Pool(origin, {
          connections: 128,
          pipelining: 1,
          keepAliveTimeout: 30_000,
          connect: { timeout: connectTimeoutMs },
        }),
        breaker: new CircuitBreaker(this.circuitFailures, this.circuitCooldownMs),
      };
      this.#upstreams.set(key, upstream);
    }
    return upstream;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#upstreams.values()].map((upstream) => upstream.pool.close()));
    this.#upstreams.clear();
  }
}
