import { createRequire } from 'node:module';
import crc32c from 'crc-32/crc32c.js';

/**
 * kafkajs 2.2.4 checksums every record batch it produces with a byte-at-a-time table loop (3.6 µs
 * per access event in the producer's thread); crc-32's CRC-32C gives the same values in 0.4
 * (`tools/bench/event-producer/record-batch-crc.ts`). kafkajs reads the
 * function once, when its record batch encoder is first required (at the first produce), so this
 * swaps the module's export before that. Applied once, to exactly the version it was written
 * against, and only while the encoder is not loaded yet.
 */
const PATCHED_VERSION = '2.2.4';
const CRC32C_MODULE = 'kafkajs/src/protocol/recordBatch/crc32C/index.js';
const RECORD_BATCH_ENCODER = 'kafkajs/src/protocol/recordBatch/v0/index.js';

/** kafkajs' contract for the function: the checksum as an unsigned 32-bit integer. */
export function fastCrc32c(buffer: Buffer): number {
  return crc32c.buf(buffer) >>> 0;
}

/** True when kafkajs' record batches are checksummed with fastCrc32c from now on. */
export function applyKafkajsFastCrc32c(): boolean {
  const require = createRequire(import.meta.url);
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== PATCHED_VERSION) return false;
  const modulePath = require.resolve(CRC32C_MODULE);
  require(modulePath);
  const loaded = require.cache[modulePath];
  if (!loaded) return false;
  if (loaded.exports === fastCrc32c) return true;
  // An encoder loaded earlier holds the original function: leave everything as it is.
  if (require.cache[require.resolve(RECORD_BATCH_ENCODER)]) return false;
  loaded.exports = fastCrc32c;
  return true;
}
