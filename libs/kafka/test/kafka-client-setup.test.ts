import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { pinoLogCreator } from '../src/kafka-log.js';
import {
  applyKafkajsRequestQueueFix,
  scheduleCheckPendingRequests,
} from '../src/kafkajs-request-queue-fix.js';

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('pinoLogCreator', () => {
  it('writes kafkajs entries through pino at the matching level', async () => {
    const { logger, lines } = memoryLogger();
    const log = pinoLogCreator(logger)(logLevel.INFO);
    log({
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: { timestamp: 'x', logger: 'kafkajs', message: 'Connection error', broker: 'b:9092' },
    });
    log({
      namespace: 'Producer',
      level: logLevel.WARN,
      label: 'WARN',
      log: {
        timestamp: 'x',
        logger: 'kafkajs',
        message: 'Limiting retries for the idempotent producer may invalidate EoS guarantees',
      },
    });
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'Connection error',
      kafkajs: 'Connection',
      broker: 'b:9092',
    });
    expect(lines[0]).not.toHaveProperty('timestamp');
  });
});

describe('kafkajs request queue fix', () => {
  function queue(pending: unknown[], throttledUntil = -1) {
    return {
      pending,
      throttledUntil,
      throttleCheckTimeoutId: null as NodeJS.Timeout | null,
      checkPendingRequests: vi.fn(),
      scheduleCheckPendingRequests,
    };
  }

  it('arms no timer when nothing waits and nothing throttles', () => {
    const idle = queue([]);
    idle.scheduleCheckPendingRequests();
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('still checks again for pending requests and after a throttle', async () => {
    const busy = queue([{}]);
    busy.scheduleCheckPendingRequests();
    expect(busy.throttleCheckTimeoutId).not.toBeNull();
    await vi.waitFor(() => expect(busy.checkPendingRequests).toHaveBeenCalledTimes(1));
    expect(busy.throttleCheckTimeoutId).toBeNull();

    const throttled = queue([], Date.now() + 20);
    throttled.scheduleCheckPendingRequests();
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    await vi.waitFor(() => expect(throttled.checkPendingRequests).toHaveBeenCalledTimes(1));
  });

  it('is installed on the kafkajs version it was written for', () => {
    expect(applyKafkajsRequestQueueFix()).toBe(true);
    const require = createRequire(import.meta.url);
    const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
      prototype: { scheduleCheckPendingRequests: unknown };
    };
    expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(scheduleCheckPendingRequests);
  });
});
