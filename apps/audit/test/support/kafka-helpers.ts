import { createKafka, ensureTopics } from '@portcullis/kafka';
import type { Kafka, KafkaMessage, Message } from 'kafkajs';
import { unique } from './test-events.js';

export function testKafka(clientId = 'audit-test'): Kafka {
  return createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
    clientId,
  });
}

/** A topic of this test's own, so nobody else's records arrive in it. */
export async function createTestTopic(
  kafka: Kafka,
  prefix: string,
  partitions = 3,
): Promise<string> {
  const name = unique(`audit-test.${prefix}`);
  await ensureTopics(kafka, [{ name, partitions, retentionMs: 24 * 60 * 60 * 1000 }]);
  return name;
}

export async function produce(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let index = 0; index < messages.length; index += 500) {
      await producer.send({ topic, acks: -1, messages: messages.slice(index, index + 500) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Resolves once the group has committed offsets up to the end of every partition of `topic`. */
export async function waitUntilConsumed(
  kafka: Kafka,
  groupId: string,
  topic: string,
  timeoutMs = 60_000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(async () => {
      const ends = await admin.fetchTopicOffsets(topic);
      // A broker still loading the offsets topic answers "not the coordinator": ask again.
      const offsets = await admin
        .fetchOffsets({ groupId, topics: [topic] })
        .catch((error: unknown) => {
          if ((error as { retriable?: boolean }).retriable) return null;
          throw error;
        });
      if (offsets === null) return false;
      const [committed] = offsets;
      return ends.every((end) => {
        if (end.high === end.low) return true;
        const done = committed?.partitions.find((p) => p.partition === end.partition)?.offset;
        return done !== undefined && Number(done) >= Number(end.high);
      });
    }, timeoutMs);
  } finally {
    await admin.disconnect();
  }
}

/** Reads `count` records of a topic from the beginning. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: unique('audit-test-reader') });
  const received: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push(message);
      },
    });
    await waitFor(() => received.length >= count, timeoutMs);
  } finally {
    await consumer.disconnect();
  }
  return received;
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
