/**
 * Open-loop load at a constant arrival rate, for latency at a given load (what wrk2 and k6's
 * constant-arrival-rate executor do). Request i is due at start + i / rate and is sent then,
 * whether or not earlier ones have finished; its latency counts from when it was due, so a server
 * that stalls shows up in the latency instead of quietly lowering the rate (coordinated omission).
 *
 * autocannon's `overallRate` cannot be used for this: each connection sends its quota for the
 * second as fast as it can as soon as the second starts, then waits for the next one, so the
 * latencies it reports at "half load" are those of bursts at full load.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { LoadResult } from './load-result.ts';

export interface ConstantRateOptions {
  url: string;
  headers: Record<string, string>;
  /** Requests per second. */
  rate: number;
  durationSeconds: number;
  /** Sent first at the same rate and not counted: connections open, code warms up (default 2). */
  warmupSeconds?: number;
  /** Connections kept open to the target (requests queue for one when all are busy). */
  connections: number;
}

export async function constantRate(options: ConstantRateOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1 });
  const path = `${target.pathname}${target.search}`;
  const intervalMs = 1000 / options.rate;
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let errors = 0;
  let non2xx = 0;

  const send = (dueAt: number, counted: boolean): void => {
    const done = pool
      .request({ path, method: 'GET', headers: options.headers })
      .then(async ({ statusCode, body }) => {
        await body.dump();
        if (!counted) return;
        latencies.push(performance.now() - dueAt);
        if (statusCode < 200 || statusCode > 299) non2xx += 1;
      })
      .catch(() => {
        if (counted) errors += 1;
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };

  const start = performance.now();
  const measureFrom = start + (options.warmupSeconds ?? 2) * 1000;
  const end = measureFrom + options.durationSeconds * 1000;
  let next = 0;
  for (;;) {
    const now = performance.now();
    // Everything due by now goes out; a late timer makes a small burst, counted from its due times.
    while (start + next * intervalMs <= now && start + next * intervalMs < end) {
      const dueAt = start + next * intervalMs;
      send(dueAt, dueAt >= measureFrom);
      next += 1;
    }
    const dueAt = start + next * intervalMs;
    if (dueAt >= end) break;
    await sleep(Math.max(0, dueAt - performance.now()));
  }
  while (inFlight.size > 0) await Promise.all(inFlight);
  await pool.close();

  latencies.sort((a, b) => a - b);
  const percentile = (p: number) =>
    latencies.length === 0
      ? Number.NaN
      : Math.round(
          latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)]! * 10,
        ) / 10;
  return {
    rps: Math.round(latencies.length / options.durationSeconds),
    p50: percentile(0.5),
    p99: percentile(0.99),
    errors,
    non2xx,
    total: latencies.length,
  };
}
