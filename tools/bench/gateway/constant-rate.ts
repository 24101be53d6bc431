/**
 * Open-loop load at a constant arrival rate, for latency at a given load (what wrk2 and k6's
 * constant-arrival-rate executor do). Request i is due at start + i / rate and is sent then on an
 * idle connection, whether or not earlier ones have finished; its latency counts from when it was
 * due, so a server that stalls shows up in the latency instead of quietly lowering the rate
 * (coordinated omission).
 *
 * autocannon's `overallRate` cannot be used for this: each connection sends its quota for the
 * second as fast as it can as soon as the second starts, then waits for the next one, so the
 * latencies it reports at "half load" are those of bursts at full load.
 *
 * Plain sockets and a minimal HTTP/1.1 response reader rather than undici: the driver shares two
 * cores with the targets, and undici's pool, promises and body streams cost about 250 µs of CPU per
 * request here — more than the upstream it measures — which crowded every target's tail latency.
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadResult } from './load-result.ts';
import { ResponseReader } from './response-reader.ts';

export interface ConstantRateOptions {
  url: string;
  headers: Record<string, string>;
  /** Requests per second. */
  rate: number;
  durationSeconds: number;
  /** Sent first at the same rate and not counted: connections open, code warms up (default 2). */
  warmupSeconds?: number;
  /** Connections kept open to the target (requests wait for one when all are busy). */
  connections: number;
}

interface Connection {
  socket: Socket;
  reader: ResponseReader;
  /** When the request in flight was due; NaN when idle. */
  dueAt: number;
}

export async function constantRate(options: ConstantRateOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const headerLines = Object.entries({ host: target.host, ...options.headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const request = Buffer.from(
    `GET ${target.pathname}${target.search} HTTP/1.1\r\n${headerLines}\r\n`,
  );
  const intervalMs = 1000 / options.rate;
  const start = performance.now();
  const dueTime = (index: number): number => start + index * intervalMs;
  // Requests are counted by index, and the boundary is computed like every due time: summing
  // milliseconds instead let float rounding put one request more or fewer into the window.
  const warmupRequests = Math.round((options.warmupSeconds ?? 2) * options.rate);
  const measuredRequests = Math.round(options.durationSeconds * options.rate);
  const measureFrom = dueTime(warmupRequests);
  // Preallocated so that recording a latency allocates nothing.
  const latencies = new Float64Array(measuredRequests);
  let recorded = 0;
  let warmupAnswered = 0;
  let errors = 0;
  let non2xx = 0;
  let outstanding = 0;
  const connections: Connection[] = [];
  const idle: Connection[] = [];
  /** Due times of requests waiting for an idle connection, oldest first. */
  const waiting: number[] = [];
  let allAnswered: (() => void) | undefined;

  const finish = (dueAt: number, status: number | 'error'): void => {
    outstanding -= 1;
    if (dueAt < measureFrom) {
      if (status !== 'error') warmupAnswered += 1;
    } else {
      if (status === 'error') errors += 1;
      else {
        latencies[recorded++] = performance.now() - dueAt;
        if (status < 200 || status > 299) non2xx += 1;
      }
    }
    if (outstanding === 0) allAnswered?.();
  };

  const send = (connection: Connection, dueAt: number): void => {
    connection.dueAt = dueAt;
    connection.socket.write(request);
  };

  const release = (connection: Connection): void => {
    connection.dueAt = Number.NaN;
    const next = waiting.shift();
    if (next === undefined) idle.push(connection);
    else send(connection, next);
  };

  const open = (): Promise<void> =>
    new Promise((ready, failed) => {
      const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
      const connection: Connection = { socket, reader: new ResponseReader(), dueAt: Number.NaN };
      connections.push(connection);
      socket.once('connect', () => {
        idle.push(connection);
        ready();
      });
      socket.on('data', (chunk: Buffer) => {
        let statuses: number[];
        try {
          statuses = connection.reader.read(chunk);
        } catch {
          socket.destroy(); // unreadable: its request counts as an error when it closes
          return;
        }
        for (const status of statuses) {
          const dueAt = connection.dueAt;
          if (Number.isNaN(dueAt)) continue;
          finish(dueAt, status);
          release(connection);
        }
      });
      socket.on('error', (error) => failed(error));
      socket.on('close', () => {
        const index = idle.indexOf(connection);
        if (index >= 0) idle.splice(index, 1);
        // The server closed it: its request (if any) failed; carry on with one connection fewer.
        if (!Number.isNaN(connection.dueAt)) finish(connection.dueAt, 'error');
        connection.dueAt = Number.NaN;
      });
    });

  await Promise.all(Array.from({ length: options.connections }, open));

  let next = 0;
  for (;;) {
    const now = performance.now();
    // Everything due by now goes out; a late timer makes a small burst, counted from its due times.
    while (next < warmupRequests + measuredRequests && dueTime(next) <= now) {
      const dueAt = dueTime(next);
      outstanding += 1;
      const connection = idle.pop();
      if (connection) send(connection, dueAt);
      else waiting.push(dueAt);
      next += 1;
    }
    if (next === warmupRequests + measuredRequests) break;
    await sleep(Math.max(0, dueTime(next) - performance.now()));
  }
  if (outstanding > 0) {
    await new Promise<void>((done) => {
      allAnswered = done;
      // Requests that will never be answered (every connection gone) are errors, not a hang.
      setTimeout(done, 30_000).unref();
    });
  }
  errors += outstanding;
  for (const connection of connections) connection.socket.destroy();

  const sorted = latencies.subarray(0, recorded).sort();
  const percentile = (p: number) =>
    recorded === 0
      ? Number.NaN
      : Math.round(sorted[Math.min(recorded - 1, Math.ceil(p * recorded) - 1)]! * 10) / 10;
  return {
    rps: Math.round(recorded / options.durationSeconds),
    p50: percentile(0.5),
    p99: percentile(0.99),
    errors,
    non2xx,
    total: recorded,
    warmupTotal: warmupAnswered,
  };
}
