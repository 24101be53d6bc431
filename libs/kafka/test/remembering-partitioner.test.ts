import { randomUUID } from 'node:crypto';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { RememberingPartitioner } from '../src/remembering-partitioner.js';

function partitions(count: number, leaderless: number[] = []): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 0,
    replicas: [0],
    isr: [0],
  }));
}

describe('RememberingPartitioner', () => {
  it('answers as kafkajs DefaultPartitioner for every key and partition count, first and again', () => {
    const remembering = RememberingPartitioner();
    const reference = Partitioners.DefaultPartitioner();
    const keys = [
      ...Array.from({ length: 300 }, () => randomUUID()),
      '',
      'source:203.0.113.9',
      'ключ',
      '🛡️',
    ];
    const spread = new Set<number>();
    for (const count of [1, 2, 3, 6, 7, 12]) {
      for (const key of [...keys, ...keys]) {
        const args = {
          topic: 't',
          partitionMetadata: partitions(count),
          message: { key, value: 'v' },
        };
        const expected = reference(args);
        expect(remembering(args)).toBe(expected);
        if (count === 6) spread.add(expected);
      }
    }
    // The keys really spread over the partitions (the comparison above is not trivially 0 = 0).
    expect(spread.size).toBe(6);
  });

  it('keeps explicit partitions and spreads unkeyed messages over partitions with a leader', () => {
    const remembering = RememberingPartitioner();
    const metadata = partitions(4, [1]);
    expect(
      remembering({
        topic: 't',
        partitionMetadata: metadata,
        message: { key: 'k', value: 'v', partition: 3 },
      }),
    ).toBe(3);
    const unkeyed = new Set(
      Array.from({ length: 40 }, () =>
        remembering({ topic: 't', partitionMetadata: metadata, message: { value: 'v' } }),
      ),
    );
    expect([...unkeyed].sort()).toEqual([0, 2, 3]);
  });

  it('tells topics and partition counts apart for the same key', () => {
    const remembering = RememberingPartitioner();
    const reference = Partitioners.DefaultPartitioner();
    const key = 'app-42';
    for (const count of [5, 6, 7, 6, 5]) {
      const args = {
        topic: `topic-${count}`,
        partitionMetadata: partitions(count),
        message: { key, value: 'v' },
      };
      expect(remembering(args)).toBe(reference(args));
    }
  });
});
