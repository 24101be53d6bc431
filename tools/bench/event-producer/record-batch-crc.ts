/**
 * What the record batch checksum costs per access event: kafkajs' own CRC-32C (a table loop, byte
 * at a time) against the one libs/kafka installs in its place (`kafkajs-crc32c.ts`), over the same
 * encoded batches, taking turns in one process. Beside them, kafkajs' whole record batch encoding
 * per event, for scale. CPU-bound and in-process, so the ratio holds on a noisy machine where the
 * producer benchmark's per-event CPU moves ±20 % between runs.
 *
 * usage: node tools/bench/event-producer/record-batch-crc.ts   (after building libs/kafka)
 */
import { createRequire } from 'node:module';
// Importing the library installs its CRC-32C into kafkajs (create-kafka.ts).
import '@portcullis/kafka';
import { median } from '../median.ts';

const require = createRequire(import.meta.url);
const installedCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (
  buffer: Buffer,
) => number;
const tableCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (
  buffer: Buffer,
) => number;
const { RecordBatch: encodeRecordBatch } =
  require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
    RecordBatch: (options: { records: unknown[] }) => Promise<{ buffer: Buffer }>;
  };
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: {
  key: Buffer;
  value: Buffer;
  offsetDelta: number;
  headers: Record<string, string>;
}) => unknown;

const EVENTS_PER_BATCH = 250; // 50 ms of linger at 5,000 events/s
const BATCHES = 400;
const ROUNDS = 5;
const EVENT_BYTES = 820; // an access event's JSON

function records(): unknown[] {
  return Array.from({ length: EVENTS_PER_BATCH }, (_, index) =>
    encodeRecord({
      key: Buffer.from(`app_${String(index % 20).padStart(21, '0')}`),
      value: Buffer.from(`{"id":"${index}","data":"${'x'.repeat(EVENT_BYTES - 24)}"}`),
      offsetDelta: index,
      headers: { 'event-id': `01890000-0000-7000-8000-${String(index).padStart(12, '0')}` },
    }),
  );
}

function microsPerEvent(run: () => void): number {
  const started = process.hrtime.bigint();
  for (let batch = 0; batch < BATCHES; batch += 1) run();
  return Number(process.hrtime.bigint() - started) / 1000 / (BATCHES * EVENTS_PER_BATCH);
}

const batch = (await encodeRecordBatch({ records: records() })).buffer;
// The checksum covers the batch from its attributes on: after firstOffset, length, epoch, magic, CRC.
const body = batch.subarray(21);
if (installedCrc32c.name !== 'fastCrc32c')
  throw new Error('libs/kafka did not install its CRC-32C');
if (installedCrc32c(body) !== tableCrc32c(body)) throw new Error('the two CRC-32C disagree');

const table: number[] = [];
const fast: number[] = [];
const encode: number[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
  table.push(microsPerEvent(() => tableCrc32c(body)));
  fast.push(microsPerEvent(() => installedCrc32c(body)));
  const started = process.hrtime.bigint();
  for (let index = 0; index < 40; index += 1) await encodeRecordBatch({ records: records() });
  encode.push(Number(process.hrtime.bigint() - started) / 1000 / (40 * EVENTS_PER_BATCH));
}
const format = (value: number) => value.toFixed(2);
console.log(
  `batch of ${EVENTS_PER_BATCH} events, ${batch.length} bytes; µs per event, median of ${ROUNDS} rounds:`,
);
console.log(`  kafkajs' table CRC-32C: ${format(median(table))}`);
console.log(`  installed CRC-32C:      ${format(median(fast))}`);
console.log(`  ratio:                  ${(median(table) / median(fast)).toFixed(1)}×`);
console.log(
  `  record encoding + batch (kafkajs, with the installed CRC): ${format(median(encode))}`,
);
