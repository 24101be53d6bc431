/**
 * What encoding a record batch costs per access event: kafkajs' own record encoder and Encoder
 * methods against the ones libs/kafka installs (`kafkajs-record-encoding.ts`), over the same
 * events, taking turns in one process (the patch's methods are swapped in and out between runs).
 * Both sides use the installed CRC-32C, so the difference is the encoding and its garbage. The time
 * includes the garbage collection each side causes. CPU-bound and in-process, so the ratio holds on
 * a noisy machine.
 *
 * usage: node tools/bench/event-producer/record-encoding.ts
 */
import { createRequire } from 'node:module';
import { applyKafkajsFastCrc32c } from '../../../libs/kafka/src/kafkajs-crc32c.ts';
import {
  applyKafkajsRecordEncoding,
  kafkajsEncodingOriginals,
  type KafkajsEncoder,
  type KafkajsEncodingOriginals,
  type KafkajsRecordEncoder,
} from '../../../libs/kafka/src/kafkajs-record-encoding.ts';
import { median } from '../median.ts';

const require = createRequire(import.meta.url);
if (!applyKafkajsFastCrc32c() || !applyKafkajsRecordEncoding()) {
  throw new Error('libs/kafka could not patch this kafkajs version');
}
const kafkajs = kafkajsEncodingOriginals() as KafkajsEncodingOriginals;
const { prototype } = require('kafkajs/src/protocol/encoder.js') as {
  prototype: KafkajsEncoder;
};
const installed: KafkajsEncodingOriginals = {
  encodeRecord:
    require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as KafkajsRecordEncoder,
  ensureAvailable: prototype.ensureAvailable,
  writeUVarInt: prototype.writeUVarInt,
  writeVarLong: prototype.writeVarLong,
};
const { RecordBatch: encodeRecordBatch } =
  require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
    RecordBatch: (options: {
      records: unknown[];
      firstTimestamp: number;
      maxTimestamp: number;
    }) => Promise<{ buffer: Buffer }>;
  };

const EVENTS_PER_BATCH = 250; // 50 ms of linger at 5,000 events/s
const BATCHES = 200;
const ROUNDS = 7;
const EVENT_BYTES = 820; // an access event's JSON
const FIRST_TIMESTAMP = Date.now();

// What EventProducer hands kafkajs: string key and value, a millisecond timestamp, one header.
const messages = Array.from({ length: EVENTS_PER_BATCH }, (_, index) => ({
  key: `app_${String(index % 20).padStart(21, '0')}`,
  value: `{"id":"${index}","data":"${'x'.repeat(EVENT_BYTES - 24)}"}`,
  timestampDelta: index % 7,
  headers: { 'event-id': `01890000-0000-7000-8000-${String(index).padStart(12, '0')}` },
}));

function use(side: KafkajsEncodingOriginals): void {
  prototype.ensureAvailable = side.ensureAvailable;
  prototype.writeUVarInt = side.writeUVarInt;
  prototype.writeVarLong = side.writeVarLong;
}

async function encodeBatch(side: KafkajsEncodingOriginals): Promise<Buffer> {
  const records = messages.map((message, offsetDelta) =>
    side.encodeRecord({ ...message, offsetDelta }),
  );
  // Fixed timestamps (kafkajs' default is the clock), so the two sides' batches can be compared.
  return (
    await encodeRecordBatch({
      records,
      firstTimestamp: FIRST_TIMESTAMP,
      maxTimestamp: FIRST_TIMESTAMP + 6,
    })
  ).buffer;
}

async function microsPerEvent(side: KafkajsEncodingOriginals): Promise<number> {
  use(side);
  const started = process.hrtime.bigint();
  for (let batch = 0; batch < BATCHES; batch += 1) await encodeBatch(side);
  return Number(process.hrtime.bigint() - started) / 1000 / (BATCHES * EVENTS_PER_BATCH);
}

use(kafkajs);
const expected = await encodeBatch(kafkajs);
use(installed);
const actual = await encodeBatch(installed);
if (!actual.equals(expected)) throw new Error('the two encoders disagree');

const original: number[] = [];
const patched: number[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
  // Alternate which goes first, so warm-up and a slow moment do not favour one side.
  if (round % 2 === 0) {
    original.push(await microsPerEvent(kafkajs));
    patched.push(await microsPerEvent(installed));
  } else {
    patched.push(await microsPerEvent(installed));
    original.push(await microsPerEvent(kafkajs));
  }
}
use(installed);
const format = (value: number) => value.toFixed(2);
console.log(
  `batch of ${EVENTS_PER_BATCH} events, ${expected.length} bytes; µs per event (records + batch, CRC included), median of ${ROUNDS} rounds:`,
);
console.log(
  `  kafkajs' encoding:   ${format(median(original))}   (${original.map(format).join(' / ')})`,
);
console.log(
  `  installed encoding:  ${format(median(patched))}   (${patched.map(format).join(' / ')})`,
);
console.log(`  ratio:               ${(median(original) / median(patched)).toFixed(1)}×`);
