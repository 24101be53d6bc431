import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Importing the library installs the encoding into kafkajs (create-kafka.ts), before any producer.
import '../src/create-kafka.js';
import {
  applyKafkajsRecordEncoding,
  kafkajsEncodingOriginals,
  type KafkajsEncoder,
  type KafkajsEncodingOriginals,
  type KafkajsRecordEncoder,
  type KafkajsRecordInput,
} from '../src/kafkajs-record-encoding.js';
import { openSharedBrokerTopics, type SharedBrokerTopics } from './support/shared-broker-topics.js';

const require = createRequire(import.meta.url);
const Encoder = require('kafkajs/src/protocol/encoder.js') as {
  new (): KafkajsEncoder;
  prototype: KafkajsEncoder;
};
const installedRecordEncoder = (): KafkajsRecordEncoder =>
  require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as KafkajsRecordEncoder;

function kafkajsOwn(): KafkajsEncodingOriginals {
  const originals = kafkajsEncodingOriginals();
  if (!originals) throw new Error('the encoding was not installed');
  return originals;
}

/** Runs fn with kafkajs' own Encoder methods, as if the patch had never been applied. */
function withKafkajsOwnEncoder<T>(fn: () => T): T {
  const { prototype } = Encoder;
  const installed = {
    ensureAvailable: prototype.ensureAvailable,
    writeUVarInt: prototype.writeUVarInt,
    writeVarLong: prototype.writeVarLong,
  };
  const own = kafkajsOwn();
  Object.assign(prototype, {
    ensureAvailable: own.ensureAvailable,
    writeUVarInt: own.writeUVarInt,
    writeVarLong: own.writeVarLong,
  });
  try {
    return fn();
  } finally {
    Object.assign(prototype, installed);
  }
}

const multibyte = 'événement — ✓ 🚪';
const records: [string, KafkajsRecordInput][] = [
  [
    'an access event as EventProducer sends it',
    {
      key: 'app_01890000000000000000000',
      value: JSON.stringify({ id: 'e1', data: { path: '/v1/orders' } }),
      timestampDelta: 3,
      offsetDelta: 7,
      headers: { 'event-id': '01890000-0000-7000-8000-000000000001' },
    },
  ],
  ['no key, no headers, defaults', { value: 'v' }],
  ['null key and value', { key: null, value: null }],
  ['Buffers', { key: Buffer.from([0, 1, 2]), value: Buffer.from([255, 0, 128]) }],
  [
    'multi-byte UTF-8 everywhere',
    {
      key: multibyte,
      value: multibyte.repeat(40),
      headers: { [multibyte]: multibyte },
    },
  ],
  ['a value whose length needs a 3-byte varint', { key: 'k', value: 'x'.repeat(70_000) }],
  ['a value one byte past a 1-byte length', { key: 'k', value: 'x'.repeat(64) }],
  [
    'header arrays and Buffer header values',
    {
      key: 'k',
      value: 'v',
      headers: { a: ['1', '2', '3'], b: Buffer.from('bee'), d: [] },
    },
  ],
  ...[0, 1, 63, 64, 127, 128, 8191, 8192, 300_000, 2 ** 30 - 1, 2 ** 31 - 1].map(
    (offsetDelta): [string, KafkajsRecordInput] => [
      `offset delta ${offsetDelta}`,
      { key: 'k', value: 'v', offsetDelta },
    ],
  ),
  ...[
    -1,
    -64,
    -65,
    63,
    64,
    1_000,
    2 ** 30 - 1,
    -(2 ** 30),
    2 ** 30,
    -(2 ** 30) - 1,
    2 ** 40,
    -(2 ** 45),
  ].map((timestampDelta): [string, KafkajsRecordInput] => [
    `timestamp delta ${timestampDelta}`,
    { key: 'k', value: 'v', timestampDelta },
  ]),
];

describe('kafkajs record encoding', () => {
  it('is installed on the kafkajs version it was written for', () => {
    expect(applyKafkajsRecordEncoding()).toBe(true);
    expect(installedRecordEncoder()).not.toBe(kafkajsOwn().encodeRecord);
    expect(Encoder.prototype.writeUVarInt).not.toBe(kafkajsOwn().writeUVarInt);
  });

  it.each(records)('writes what kafkajs writes: %s', (_name, record) => {
    const expected = withKafkajsOwnEncoder(() => kafkajsOwn().encodeRecord(record).buffer);
    const encoded = installedRecordEncoder()(record);
    expect(encoded.buffer.equals(expected)).toBe(true);
    // Sized exactly: one buffer, nothing to grow or copy.
    expect(encoded.buf.length).toBe(expected.length);
  });

  it('writes a null header value as Kafka’s null (length -1), where kafkajs throws', () => {
    const record = { key: 'k', value: 'v', headers: { gone: null } };
    expect(() => withKafkajsOwnEncoder(() => kafkajsOwn().encodeRecord(record))).toThrow(TypeError);
    const encoded = installedRecordEncoder()(record).buffer;
    // The end: 1 header (zigzag 2), key length 4 (zigzag 8), "gone", value length -1 (zigzag 1).
    expect([...encoded.subarray(-7)]).toEqual([2, 8, ...Buffer.from('gone'), 1]);
  });

  it('writes varints and varlongs as kafkajs does', () => {
    const values = [0, 1, -1, 63, -64, 64, 2 ** 21, -(2 ** 28), 2 ** 30 - 1, -(2 ** 30), 2 ** 30];
    values.push(2 ** 31 - 1, -(2 ** 31), 2 ** 35, -(2 ** 52), Number.MAX_SAFE_INTEGER);
    const encode = (encoder: KafkajsEncoder) => {
      for (const value of values) {
        if (Math.abs(value) < 2 ** 31) encoder.writeVarInt(value);
        encoder.writeVarLong(value);
      }
      encoder.writeVarLong('1700000000000');
      return encoder.buffer;
    };
    const expected = withKafkajsOwnEncoder(() => encode(new Encoder()));
    expect(encode(new Encoder()).equals(expected)).toBe(true);
  });

  it('grows an encoder without losing what it held', () => {
    const encoder = new Encoder();
    const chunk = Buffer.alloc(300, 7);
    for (let index = 0; index < 20; index += 1) encoder.writeVarIntBytes(chunk).writeVarInt(index);
    const expected = withKafkajsOwnEncoder(() => {
      const own = new Encoder();
      for (let index = 0; index < 20; index += 1) own.writeVarIntBytes(chunk).writeVarInt(index);
      return own.buffer;
    });
    expect(encoder.buffer.equals(expected)).toBe(true);
  });
});

describe('kafkajs record encoding against the broker', () => {
  const topic = `test.kafka.encoding.${randomUUID().slice(0, 8)}`;
  let shared: SharedBrokerTopics;

  beforeAll(async () => {
    shared = await openSharedBrokerTopics('kafka-encoding-test', [topic]);
  });
  afterAll(() => shared.close());

  it('produces batches the broker accepts and a consumer reads back as sent', async () => {
    const sent = [
      { key: 'app_a', value: JSON.stringify({ id: 'e1' }), headers: { 'event-id': 'e1' } },
      { key: multibyte, value: multibyte.repeat(500), headers: { [multibyte]: multibyte } },
      { key: 'app_a', value: 'x'.repeat(200_000), headers: { many: ['1', '2'] } },
      { key: 'app_b', value: Buffer.from([0, 255, 10, 13]) },
      ...Array.from({ length: 300 }, (_, index) => ({
        key: `app_${index % 7}`,
        value: `{"n":${index}}`,
        headers: { 'event-id': `e${index}` },
      })),
    ];
    const producer = shared.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const timestamp = Date.now() - 5_000;
    await producer.send({
      topic,
      acks: -1,
      messages: sent.map((message, index) => ({
        ...message,
        timestamp: String(timestamp + index),
      })),
    });
    await producer.disconnect();

    const received: KafkaMessage[] = [];
    const consumer = shared.kafka.consumer({ groupId: `encoding-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push(message);
          if (received.length === sent.length) resolve();
        },
      });
    });
    await done;
    await consumer.disconnect();

    const byTimestamp = new Map(received.map((message) => [Number(message.timestamp), message]));
    sent.forEach((message, index) => {
      const got = byTimestamp.get(timestamp + index);
      expect(got?.key?.toString()).toBe(message.key);
      expect(got?.value?.equals(Buffer.from(message.value))).toBe(true);
      for (const [name, value] of Object.entries(message.headers ?? {})) {
        const header = got?.headers?.[name];
        const values = (Array.isArray(header) ? header : [header]).map(String);
        expect(values).toEqual(Array.isArray(value) ? value : [value]);
      }
    });
  }, 60_000);
});
