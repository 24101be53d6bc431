import type { ITopicConfig, Kafka } from 'kafkajs';
import type { TopicSpec } from './topic-spec.js';

const LEADER_WAIT_MS = 30_000;

/**
 * Creates the topics that do not exist yet, with their partitions and retention, and waits until
 * every partition has a leader. Existing topics are left as they are: changing the partition count
 * would move keys to other partitions, so that stays an operator's decision.
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  if (specs.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.name));
    if (missing.length > 0) {
      // Returns false instead of throwing when another process created them first.
      await admin.createTopics({
        waitForLeaders: true,
        timeout: LEADER_WAIT_MS,
        topics: missing.map(toTopicConfig),
      });
    }
    await waitForLeaders(
      admin,
      specs.map((spec) => spec.name),
    );
  } finally {
    await admin.disconnect();
  }
}

export function toTopicConfig(spec: TopicSpec): ITopicConfig {
  return {
    topic: spec.name,
    numPartitions: spec.partitions,
    replicationFactor: -1, // the broker's default.replication.factor
    configEntries: [
      { name: 'retention.ms', value: String(spec.retentionMs) },
      { name: 'cleanup.policy', value: spec.cleanupPolicy ?? 'delete' },
    ],
  };
}

// createTopics skips its own wait when it lost a creation race, so wait here in every case.
async function waitForLeaders(admin: ReturnType<Kafka['admin']>, topics: string[]): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const ready = metadata.every(
        (topic) =>
          topic.partitions.length > 0 &&
          topic.partitions.every((partition) => partition.leader >= 0),
      );
      if (ready) return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out waiting for leaders of topics ${topics.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
