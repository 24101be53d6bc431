import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 encodes every record into its own zero-filled 512-byte buffer, grows it (a new
 * zero-filled buffer and a copy) for a 1 KB access event, gives each header a 512-byte buffer of
 * its own and each varint a small Buffer from an array. In the gateway's producer thread that
 * garbage was about 40 % of the thread's CPU: allocating it and collecting it
 * (`tools/bench/event-producer/record-encoding.ts`). This writes varints in place, grows encoders
 * without zero-filling (only the written bytes are ever read: `Encoder#buffer` ends at the offset),
 * and encodes a record into one buffer of its exact size, byte for byte what kafkajs writes
 * (`libs/kafka/test/kafkajs-record-encoding.test.ts` compares them, and a real broker reads them).
 *
 * Applied once, to exactly the version it was written against. The record encoder is read by
 * kafkajs' produce request when that is first required (at the first produce), so it is only
 * swapped while that request is not loaded yet; the Encoder methods can change at any time.
 */
const PATCHED_VERSION = '2.2.4';
const ENCODER_MODULE = 'kafkajs/src/protocol/encoder.js';
const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
const PRODUCE_REQUEST_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request.js';

/** The part of kafkajs' Encoder this relies on (kafkajs ships no types for its internals). */
export interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  ensureAvailable(length: number): void;
  writeInt8(value: number): KafkajsEncoder;
  writeVarInt(value: number): KafkajsEncoder;
  writeUVarInt(value: number): KafkajsEncoder;
  writeVarLong(value: unknown): KafkajsEncoder;
  writeVarIntString(value: string): KafkajsEncoder;
  writeVarIntBytes(value: unknown): KafkajsEncoder;
}

interface KafkajsEncoderClass {
  prototype: KafkajsEncoder;
  sizeOfVarInt(value: number): number;
  sizeOfVarLong(value: unknown): number;
  sizeOfVarIntBytes(value: unknown): number;
  nextPowerOfTwo(value: number): number;
}

type HeaderValue = string | Buffer | null;
export interface KafkajsRecordInput {
  offsetDelta?: number;
  timestampDelta?: unknown;
  key?: unknown;
  value?: unknown;
  headers?: Record<string, HeaderValue | HeaderValue[] | undefined>;
}
export type KafkajsRecordEncoder = (record: KafkajsRecordInput) => KafkajsEncoder;

/** What the patch replaced, for the comparison test and the benchmark. */
export interface KafkajsEncodingOriginals {
  encodeRecord: KafkajsRecordEncoder;
  ensureAvailable: KafkajsEncoder['ensureAvailable'];
  writeUVarInt: KafkajsEncoder['writeUVarInt'];
  writeVarLong: KafkajsEncoder['writeVarLong'];
}

const MORE_BITS = 0xffffff80;
// Within ±2^30 a 64-bit zigzag value is the 32-bit one and fits writeUVarInt's unsigned 32 bits.
const SMALL_LONG = 2 ** 30;

function isSmallInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < SMALL_LONG;
}

/** Set once the patch is applied. */
let originals: KafkajsEncodingOriginals | undefined;

/** The replaced functions, once applyKafkajsRecordEncoding() has run (else undefined). */
export function kafkajsEncodingOriginals(): KafkajsEncodingOriginals | undefined {
  return originals;
}

/**
 * True when kafkajs' records are encoded by this module from now on. False (and kafkajs left as it
 * is) for another kafkajs version, or when a producer already loaded kafkajs' own record encoder.
 */
export function applyKafkajsRecordEncoding(): boolean {
  if (originals) return true;
  const require = createRequire(import.meta.url);
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== PATCHED_VERSION) return false;
  if (require.cache[require.resolve(PRODUCE_REQUEST_MODULE)]) return false;

  const Encoder = require(ENCODER_MODULE) as KafkajsEncoderClass;
  const recordPath = require.resolve(RECORD_MODULE);
  require(recordPath);
  const recordModule = require.cache[recordPath];
  if (!recordModule) return false;

  const prototype = Encoder.prototype;
  originals = {
    encodeRecord: recordModule.exports as KafkajsRecordEncoder,
    ensureAvailable: prototype.ensureAvailable,
    writeUVarInt: prototype.writeUVarInt,
    writeVarLong: prototype.writeVarLong,
  };
  const writeLongVarLong = originals.writeVarLong;

  prototype.ensureAvailable = function ensureAvailable(this: KafkajsEncoder, length: number) {
    if (this.offset + length <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(this.offset + length));
    this.buf.copy(grown, 0, 0, this.offset);
    this.buf = grown;
  };

  prototype.writeUVarInt = function writeUVarInt(this: KafkajsEncoder, value: number) {
    // Exactly the bytes it needs, so a record's buffer sized in advance never grows.
    let length = 1;
    for (let rest = value; (rest & MORE_BITS) !== 0; rest >>>= 7) length += 1;
    this.ensureAvailable(length);
    const buf = this.buf;
    let offset = this.offset;
    let rest = value;
    while ((rest & MORE_BITS) !== 0) {
      buf[offset++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    buf[offset++] = rest & 0x7f;
    this.offset = offset;
    return this;
  };

  prototype.writeVarLong = function writeVarLong(this: KafkajsEncoder, value: unknown) {
    if (!isSmallInteger(value)) return writeLongVarLong.call(this, value);
    return this.writeUVarInt(((value << 1) ^ (value >> 31)) >>> 0);
  };

  const sizeOfVarLong = (value: unknown): number =>
    isSmallInteger(value) ? Encoder.sizeOfVarInt(value) : Encoder.sizeOfVarLong(value);

  const encodeRecord: KafkajsRecordEncoder = ({
    offsetDelta = 0,
    timestampDelta = 0,
    key,
    value,
    headers = {},
  }) => {
    // kafkajs' order: each header key once, an array value as one header per element.
    const headerKeys: string[] = [];
    const headerValues: HeaderValue[] = [];
    for (const headerKey of Object.keys(headers)) {
      const headerValue = headers[headerKey];
      for (const one of Array.isArray(headerValue) ? headerValue : [headerValue]) {
        headerKeys.push(headerKey);
        headerValues.push(one ?? null);
      }
    }
    let headersSize = Encoder.sizeOfVarInt(headerKeys.length);
    for (let index = 0; index < headerKeys.length; index += 1) {
      headersSize +=
        Encoder.sizeOfVarIntBytes(headerKeys[index]) +
        Encoder.sizeOfVarIntBytes(headerValues[index]);
    }
    const sizeOfBody =
      1 + // attributes
      sizeOfVarLong(timestampDelta) +
      Encoder.sizeOfVarInt(offsetDelta) +
      Encoder.sizeOfVarIntBytes(key) +
      Encoder.sizeOfVarIntBytes(value) +
      headersSize;

    // An Encoder without its constructor's zero-filled 512 bytes: one buffer of the record's size.
    const encoder = Object.create(prototype) as KafkajsEncoder;
    encoder.buf = Buffer.allocUnsafe(Encoder.sizeOfVarInt(sizeOfBody) + sizeOfBody);
    encoder.offset = 0;
    encoder
      .writeVarInt(sizeOfBody)
      .writeInt8(0) // no record attributes are used
      .writeVarLong(timestampDelta)
      .writeVarInt(offsetDelta)
      .writeVarIntBytes(key)
      .writeVarIntBytes(value)
      .writeVarInt(headerKeys.length);
    for (let index = 0; index < headerKeys.length; index += 1) {
      encoder.writeVarIntString(headerKeys[index] as string).writeVarIntBytes(headerValues[index]);
    }
    return encoder;
  };
  recordModule.exports = encodeRecord;
  return true;
}
