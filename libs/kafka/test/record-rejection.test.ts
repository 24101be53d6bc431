import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { recordRejection } from '../src/record-rejection.js';

// kafkajs' error classes are on its CommonJS export object, not named ESM exports.
const { KafkaJSAggregateError, KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } = kafkajs;
const { KafkaJSProtocolError } = kafkajs;

function protocolError(type: string, code: number, retriable: boolean) {
  return new KafkaJSProtocolError(Object.assign(new Error(type), { type, code, retriable }));
}

describe('recordRejection', () => {
  it('names a refusal of the records themselves, however deeply kafkajs wraps it', () => {
    const tooLarge = protocolError('MESSAGE_TOO_LARGE', 10, false);
    expect(recordRejection(tooLarge)).toBe('MESSAGE_TOO_LARGE');
    const retried = new KafkaJSNumberOfRetriesExceeded(protocolError('CORRUPT_MESSAGE', 2, true), {
      retryCount: 3,
      retryTime: 100,
    });
    expect(recordRejection(retried)).toBe('CORRUPT_MESSAGE');
    const aggregate = new KafkaJSAggregateError('some partitions failed', [
      protocolError('NOT_LEADER_FOR_PARTITION', 6, true),
      protocolError('RECORD_LIST_TOO_LARGE', 18, false),
    ]);
    expect(recordRejection(aggregate)).toBe('RECORD_LIST_TOO_LARGE');
  });

  it('does not treat an unavailable or unready Kafka as a refusal', () => {
    const refused = new KafkaJSConnectionError('connect ECONNREFUSED 127.0.0.1:9092', {
      broker: '127.0.0.1:9092',
      code: 'ECONNREFUSED',
    });
    expect(
      recordRejection(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 3, retryTime: 1 })),
    ).toBeUndefined();
    expect(recordRejection(protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3, true))).toBeUndefined();
    expect(recordRejection(protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false))).toBeUndefined();
    expect(recordRejection(new Error('anything else'))).toBeUndefined();
    expect(recordRejection(undefined)).toBeUndefined();
  });

  it('survives an error that wraps itself', () => {
    const loop: Error & { cause?: unknown } = new Error('loop');
    loop.cause = loop;
    expect(recordRejection(loop)).toBeUndefined();
  });
});
