import type { EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

export interface RunConsumerOptions {
  kafka: Kafka;
  groupId: string;
  /** Must exist already (ensureTopics): KRaft brokers refuse subscriptions to missing topics. */
  topics: string[];
  /** Where a group without committed offsets starts (default: only new events). */
  fromBeginning?: boolean;
  /**
   * Handles one batch of one partition. When it resolves, the whole batch counts as processed
   * and its offsets are committed; when it throws, nothing past what it resolved itself (with
   * batch.resolveOffset) is committed and kafkajs redelivers the rest (at least once).
   */
  eachBatch: (batch: EachBatchPayload) => Promise<void>;
  /**
   * How many partitions' batches run at the same time in this member (kafkajs
   * `partitionsConsumedConcurrently`, default 1). Batches of one partition stay in order; raising
   * it lets one batch's CPU work overlap another's I/O. The handler must be safe to run
   * concurrently for different partitions.
   */
  partitionsConsumedConcurrently?: number;
  /**
   * Most bytes one fetch returns per partition (kafkajs `maxBytesPerPartition`, default 1 MiB):
   * the upper bound of a batch. Larger batches spread per-batch costs over more records.
   */
  maxBytesPerPartition?: number;
  logger?: Logger;
}

export interface RunningConsumer {
  /** Lets the current batch finish and commit, leaves the group, disconnects. */
  stop(): Promise<void>;
}

/** Runs a consumer group member that commits offsets only after the handler succeeded. */
export async function runConsumer(options: RunConsumerOptions): Promise<RunningConsumer> {
  const logger = options.logger?.child({ groupId: options.groupId });
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    ...(options.maxBytesPerPartition === undefined
      ? {}
      : { maxBytesPerPartition: options.maxBytesPerPartition }),
  });
  consumer.on(consumer.events.CRASH, (event) => {
    logger?.error(
      { err: event.payload.error, restart: event.payload.restart },
      'Kafka consumer crashed',
    );
  });

  await consumer.connect();
  try {
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning });
    await consumer.run({
      eachBatchAutoResolve: false,
      // Threshold 1: commitOffsetsIfNecessary commits whatever was resolved, once per batch.
      autoCommitThreshold: 1,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async (payload) => {
        await options.eachBatch(payload);
        // After a rebalance this partition may belong to another member: leave its offsets alone.
        if (payload.isStale()) return;
        if (payload.batch.messages.length > 0) payload.resolveOffset(payload.batch.lastOffset());
        await payload.commitOffsetsIfNecessary();
        await payload.heartbeat();
      },
    });
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      // kafkajs' disconnect waits for the running batch, commits what was resolved, leaves.
      stopping ??= consumer.disconnect();
      return stopping;
    },
  };
}
