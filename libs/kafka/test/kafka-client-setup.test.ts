import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import '../src/create-kafka.js';
import { pinoLogCreator } from '../src/kafka-log.js';
import { applyKafkajsFastCrc32c, fastCrc32c } from '../src/kafkajs-crc32c.js';
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

describe('kafkajs record batch checksum', () => {
  const require = createRequire(import.meta.url);
  // kafkajs' own table loop, which the patch leaves in place under its wrapper module.
  const kafkajsTableCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (
    buffer: Buffer,
  ) => number;

  it('gives the CRC-32C check value and kafkajs’ own checksums', () => {
    // The standard check value of CRC-32C (Castagnoli).
    expect(fastCrc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    for (const length of [0, 1, 7, 8, 9, 63, 1000, 65_539]) {
      const buffer = Buffer.alloc(length);
      for (let index = 0; index < length; index += 1) buffer[index] = (index * 7919 + length) & 255;
      expect(fastCrc32c(buffer)).toBe(kafkajsTableCrc32c(buffer));
    }
  });

  it('is what kafkajs checksums produced record batches with', async () => {
    // Importing create-kafka (above) installs it, before any producer exists.
    expect(require('kafkajs/src/protocol/recordBatch/crc32C/index.js')).toBe(fastCrc32c);
    expect(applyKafkajsFastCrc32c()).toBe(true);

    const { RecordBatch: encodeRecordBatch } =
      require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
        RecordBatch: (options: { records: unknown[] }) => Promise<{ buffer: Buffer }>;
      };
    const encodeRecord =
      require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: {
        key: Buffer;
        value: Buffer;
      }) => unknown;
    const { buffer } = await encodeRecordBatch({
      records: [encodeRecord({ key: Buffer.from('app'), value: Buffer.from('{"id":"e1"}') })],
    });
    // firstOffset (8), byte length (4), partitionLeaderEpoch (4), magic (1), then the CRC of the rest.
    expect(buffer.readUInt32BE(17)).toBe(kafkajsTableCrc32c(buffer.subarray(21)));
  });
});
