import type { Kafka } from 'kafkajs';

/**
 * Gives a consumer group that has never committed a position one, before its own members join:
 * the topics' current ends ('latest') or starts ('earliest'), read now. Without this, kafkajs
 * picks the end only when a member first fetches, and events published in between are skipped.
 * A group that already has positions is left alone. (kafkajs' admin.setOffsets does the same per
 * topic with a consumer that waits out a full fetch each time; one join for all topics is faster.)
 */
export async function initGroupPosition(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
  from: 'latest' | 'earliest',
): Promise<void> {
  const admin = kafka.admin();
  const positions: { topic: string; partition: number; offset: string }[] = [];
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
    for (const { topic, partitions } of committed) {
      if (partitions.some((partition) => partition.offset !== '-1')) continue;
      for (const end of await admin.fetchTopicOffsets(topic)) {
        positions.push({
          topic,
          partition: end.partition,
          offset: from === 'latest' ? end.high : end.low,
        });
      }
    }
  } finally {
    await admin.disconnect();
  }
  if (positions.length === 0) return;
  const topicsToSet = [...new Set(positions.map((entry) => entry.topic))];
  // A join can meet a coordinator move or a rebalance on a busy broker: try again a few times.
  for (let attempt = 1; ; attempt += 1) {
    try {
      await commitAsMember(kafka, groupId, topicsToSet, positions);
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}

/** Joins the group with a member that never fetches, commits the positions, leaves. */
async function commitAsMember(
  kafka: Kafka,
  groupId: string,
  topics: string[],
  positions: { topic: string; partition: number; offset: string }[],
): Promise<void> {
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics });
    const joined = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => resolve());
      consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error));
      setTimeout(() => reject(new Error(`joining ${groupId} timed out`)), 30_000).unref();
    });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: false,
      // Paused below before anything is fetched; nothing here is ever resolved or committed.
      eachBatch: async () => undefined,
    });
    consumer.pause(topics.map((topic) => ({ topic })));
    await joined;
    await consumer.commitOffsets(positions);
  } catch (error) {
    // Another replica's member joined first: it has found its own position.
    if (!/rebalanc|not empty|coordinator/i.test(error instanceof Error ? error.message : '')) {
      throw error;
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/** Events a consumer group has not committed yet, summed over the topics' partitions. */
export async function groupLag(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
): Promise<number> {
  const lags = await groupsLag(kafka, [groupId], topics);
  return lags.get(groupId) ?? 0;
}

/**
 * The lag of several consumer groups over one admin connection: the topics' ends are read once,
 * then each group's committed positions (Kafka's offset fetch takes one group per request).
 */
export async function groupsLag(
  kafka: Kafka,
  groupIds: readonly string[],
  topics: readonly string[],
): Promise<Map<string, number>> {
  const lags = new Map<string, number>();
  if (groupIds.length === 0) return lags;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, Map<number, { low: string; high: string }>>();
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends.set(topic, new Map(offsets.map((end) => [end.partition, end])));
    }
    for (const groupId of groupIds) {
      const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
      let lag = 0;
      for (const { topic, partitions } of committed) {
        for (const partition of partitions) {
          const end = ends.get(topic)?.get(partition.partition);
          if (!end) continue;
          // A group that never committed is at the start of what the topic still holds.
          const position = partition.offset === '-1' ? Number(end.low) : Number(partition.offset);
          lag += Math.max(0, Number(end.high) - Math.max(position, Number(end.low)));
        }
      }
      lags.set(groupId, lag);
    }
    return lags;
  } finally {
    await admin.disconnect();
  }
}
