import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// As in the library: create-kafka.ts loads the grouping before kafkajs.
import '../src/create-kafka.js';
import {
  groupMessagesPerPartition,
  kafkajsLinearGroupingApplied,
  kafkajsOriginalGrouping,
  type Grouping,
} from '../src/kafkajs-linear-grouping.js';

function kafkajsOwn(): Grouping {
  const original = kafkajsOriginalGrouping();
  if (!original) throw new Error('the grouping was not installed');
  return original;
}

describe("kafkajs' grouping of a send's messages by partition", () => {
  it('is installed when the library is imported before kafkajs loads', () => {
    expect(kafkajsLinearGroupingApplied()).toBe(true);
  });

  it('groups exactly as kafkajs does, in one pass', () => {
    const partitionMetadata = [0, 1, 2, 3, 4, 5].map((partitionId) => ({ partitionId }));
    let seed = 7;
    const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
    for (const size of [0, 1, 2, 17, 500]) {
      const messages = Array.from({ length: size }, (_, index) => ({
        key: `app-${Math.floor(random() * 9)}`,
        value: `event ${index}`,
      }));
      const partitioner = ({ message }: { message: { key: string } }) =>
        Number(message.key.slice(4)) % partitionMetadata.length;
      const input = { topic: 'access', partitionMetadata, messages, partitioner };
      const ours = groupMessagesPerPartition(input);
      expect(ours).toEqual(kafkajsOwn()(input));
      expect(Object.keys(ours)).toEqual(Object.keys(kafkajsOwn()(input)));
      // Each message once, in the order sent.
      expect(Object.values(ours).flat().length).toBe(size);
    }
    const noMetadata = {
      topic: 'access',
      partitionMetadata: [],
      messages: [{}],
      partitioner: () => 0,
    };
    expect(groupMessagesPerPartition(noMetadata)).toEqual({});
  });

  it('is installed by the built library, as services import it', () => {
    const dist = resolve(import.meta.dirname, '../dist');
    const script = `
      await import(${JSON.stringify(`${dist}/index.js`)});
      const { kafkajsLinearGroupingApplied } = await import(${JSON.stringify(`${dist}/kafkajs-linear-grouping.js`)});
      const { createRequire } = await import('node:module');
      const require = createRequire(${JSON.stringify(`${dist}/index.js`)});
      const grouping = require('kafkajs/src/producer/groupMessagesPerPartition.js');
      process.stdout.write(JSON.stringify({ applied: kafkajsLinearGroupingApplied(), name: grouping.name }));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toEqual({ applied: true, name: 'groupMessagesPerPartition' });
  });
});
