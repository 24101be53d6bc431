import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 groups a send's messages by partition with `[...current, message]` for every
 * message: a copy of the partition's list each time, quadratic in the messages a partition gets in
 * one send. The gateway's producer thread sends access events in batches of up to 500, mostly to
 * few partitions: about 1 µs and 2 KB of garbage per event, against 0.005 µs for the same grouping
 * in one pass (tools/bench/gateway/RESULTS.md, 29 November, night). Same result, same key order.
 *
 * kafkajs' `sendMessages.js` takes the grouping function when kafkajs first loads, so this must run
 * before that: it patches on import, and `create-kafka.ts` imports it ahead of `kafkajs` (ES
 * modules evaluate their imports in order). Loaded too late (kafkajs already in the require cache)
 * or for another kafkajs version, it leaves kafkajs as it is.
 */
const PATCHED_VERSION = '2.2.4';
const GROUPING_MODULE = 'kafkajs/src/producer/groupMessagesPerPartition.js';
const SEND_MESSAGES_MODULE = 'kafkajs/src/producer/sendMessages.js';

export interface GroupingInput<Message> {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly Message[];
  partitioner: (args: {
    topic: string;
    partitionMetadata: readonly unknown[];
    message: Message;
  }) => number;
}
export type Grouping = <Message>(input: GroupingInput<Message>) => Record<number, Message[]>;

export const groupMessagesPerPartition: Grouping = ({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}) => {
  if (partitionMetadata.length === 0) return {};
  const grouped: Record<number, (typeof messages)[number][]> = {};
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (grouped[partition] ??= []).push(message);
  }
  return grouped;
};

let original: Grouping | undefined;
let applied = false;

/** Whether kafkajs groups with groupMessagesPerPartition above in this process. */
export function kafkajsLinearGroupingApplied(): boolean {
  return applied;
}

/** kafkajs' own grouping, for the comparison test (undefined until the patch is applied). */
export function kafkajsOriginalGrouping(): Grouping | undefined {
  return original;
}

function applyKafkajsLinearGrouping(): void {
  const require = createRequire(import.meta.url);
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== PATCHED_VERSION) return;
  if (require.cache[require.resolve(SEND_MESSAGES_MODULE)]) return;
  const path = require.resolve(GROUPING_MODULE);
  original = require(path) as Grouping;
  const cached = require.cache[path];
  if (!cached) return;
  cached.exports = groupMessagesPerPartition;
  applied = true;
}

applyKafkajsLinearGrouping();
