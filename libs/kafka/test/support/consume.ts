import type { Kafka, KafkaMessage } from 'kafkajs';
import { runConsumer } from '../../src/index.js';

export interface ConsumedMessage {
  partition: number;
  offset: string;
  key: string;
  value: unknown;
  eventId: string | undefined;
}

/** Total messages in a topic, from its offsets: what consumers must end up with. */
export async function countMessages(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Reads a topic from the beginning in a fresh group until `expected` messages arrived. */
export async function consumeAll(
  kafka: Kafka,
  topic: string,
  groupId: string,
  expected: number,
  timeoutMs = 60_000,
): Promise<ConsumedMessage[]> {
  const messages: ConsumedMessage[] = [];
  let done: () => void = () => undefined;
  const complete = new Promise<void>((resolve) => {
    done = resolve;
  });
  const consumer = await runConsumer({
    kafka,
    groupId,
    topics: [topic],
    fromBeginning: true,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) messages.push(toConsumed(batch.partition, message));
      if (messages.length >= expected) done();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      complete,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`got ${messages.length} of ${expected} messages`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.stop();
  }
  return messages;
}

export function toConsumed(partition: number, message: KafkaMessage): ConsumedMessage {
  const header = message.headers?.['event-id'];
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? '',
    value: JSON.parse(message.value?.toString('utf8') ?? 'null'),
    eventId: header === undefined ? undefined : String(header),
  };
}
