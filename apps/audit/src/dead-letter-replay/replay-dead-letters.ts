import type { IHeaders, Kafka, KafkaMessage, Message } from 'kafkajs';
import type { Logger } from 'pino';
import { classifyRecords } from '../ingest/classify-records.js';
import { DEAD_LETTER_HEADERS } from '../ingest/dead-letter.js';

/** Header on a replayed record: where in the dead-letter topic it came from (`partition:offset`). */
export const REPLAYED_FROM_HEADER = 'x-replayed-from-dead-letter';

/** Groups still-refused records by the start of their reason (zod messages can be long). */
const REASON_KEY_LENGTH = 120;

export interface ReplayOptions {
  kafka: Kafka;
  deadLetterTopic: string;
  /** The topics audit stores (AUDIT_INGEST_TOPICS): only records refused from these go back. */
  ingestTopics: readonly string[];
  /** Remembers how far earlier runs got, so each record is replayed once. */
  replayGroup: string;
  /** Report what a run would do; publish nothing, remember nothing. */
  dryRun: boolean;
  /** Give up when the topic's end is not reached in this time. */
  timeoutMs?: number;
  logger: Logger;
}

export interface ReplayReport {
  dryRun: boolean;
  /** Dead-lettered records read in this run (up to the end the topic had when it started). */
  read: number;
  /** Valid now and sent back to their topic (in a dry run: would be). */
  replayed: number;
  replayedByTopic: Record<string, number>;
  /** Still refused by today's audit, by reason: they stay where they are. */
  stillRefused: Record<string, number>;
  /** Refused from a topic audit does not store here (AUDIT_INGEST_TOPICS), or with no topic header. */
  otherTopics: number;
}

/**
 * Sends dead-lettered records that today's audit would store back to the topic they came from,
 * with their key, value and original headers. An audit upgraded after the producers that
 * outran it (a new event field or action it refused) gets those events after all; the store keeps
 * each event once, so a record replayed twice (a run stopped between publishing and remembering)
 * is still stored once. Records it would still refuse are counted, not moved: the dead-letter
 * topic keeps them. Reads up to the end the topic had at the start, so a run always finishes.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayReport> {
  const report: ReplayReport = {
    dryRun: options.dryRun,
    read: 0,
    replayed: 0,
    replayedByTopic: {},
    stillRefused: {},
    otherTopics: 0,
  };
  const remaining = await partitionsToRead(options);
  if (remaining.size === 0) return report;

  const producer = options.kafka.producer({ allowAutoTopicCreation: false });
  const consumer = options.kafka.consumer({
    groupId: options.replayGroup,
    allowAutoTopicCreation: false,
  });
  await Promise.all([options.dryRun ? undefined : producer.connect(), consumer.connect()]);
  try {
    let finish!: () => void;
    let fail!: (error: Error) => void;
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const timer = setTimeout(
      () => fail(new Error('the dead-letter topic’s end was not reached in time')),
      options.timeoutMs ?? 300_000,
    );
    consumer.on(consumer.events.CRASH, (event) => fail(event.payload.error));
    await consumer.subscribe({ topics: [options.deadLetterTopic], fromBeginning: true });
    await consumer.run({
      autoCommit: !options.dryRun,
      eachBatchAutoResolve: false,
      autoCommitThreshold: 1,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        const end = remaining.get(batch.partition);
        if (end === undefined) return;
        const wanted = batch.messages.filter((message) => BigInt(message.offset) < end);
        const outgoing = new Map<string, Message[]>();
        for (const message of wanted) {
          report.read += 1;
          const replay = replayable(message, batch.partition, options.ingestTopics);
          if (replay.kind === 'other-topic') report.otherTopics += 1;
          else if (replay.kind === 'refused') {
            const key = replay.reason.slice(0, REASON_KEY_LENGTH);
            report.stillRefused[key] = (report.stillRefused[key] ?? 0) + 1;
          } else {
            report.replayed += 1;
            report.replayedByTopic[replay.topic] = (report.replayedByTopic[replay.topic] ?? 0) + 1;
            const messages = outgoing.get(replay.topic) ?? [];
            messages.push(replay.message);
            outgoing.set(replay.topic, messages);
          }
        }
        if (!options.dryRun) {
          // Published (acknowledged by every in-sync replica) before the offsets move on.
          if (outgoing.size > 0) {
            await producer.sendBatch({
              acks: -1,
              topicMessages: [...outgoing].map(([topic, messages]) => ({ topic, messages })),
            });
          }
          for (const message of wanted) resolveOffset(message.offset);
          await commitOffsetsIfNecessary();
        }
        const last = wanted.at(-1) ?? batch.messages.at(-1);
        if (last && BigInt(last.offset) + 1n >= end) {
          remaining.delete(batch.partition);
          if (remaining.size === 0) finish();
        }
      },
    });
    await finished.finally(() => clearTimeout(timer));
  } finally {
    await Promise.all([consumer.disconnect(), options.dryRun ? undefined : producer.disconnect()]);
  }
  options.logger.info({ report }, 'dead-letter replay finished');
  return report;
}

/** Partitions with records this group has not replayed yet, each with the offset to stop at. */
async function partitionsToRead(options: ReplayOptions): Promise<Map<number, bigint>> {
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(options.deadLetterTopic),
      admin.fetchOffsets({ groupId: options.replayGroup, topics: [options.deadLetterTopic] }),
    ]);
    const remaining = new Map<number, bigint>();
    for (const { partition, high, low } of ends) {
      const done = committed?.partitions.find((entry) => entry.partition === partition)?.offset;
      const start = done === undefined || Number(done) < 0 ? BigInt(low) : BigInt(done);
      if (start < BigInt(high) && BigInt(low) < BigInt(high))
        remaining.set(partition, BigInt(high));
    }
    return remaining;
  } finally {
    await admin.disconnect();
  }
}

type Replay =
  | { kind: 'other-topic' }
  | { kind: 'refused'; reason: string }
  | { kind: 'replay'; topic: string; message: Message };

/** Whether today's audit would store the record: the same classification the ingest applies. */
function replayable(
  record: KafkaMessage,
  deadLetterPartition: number,
  ingestTopics: readonly string[],
): Replay {
  const topic = headerText(record.headers, DEAD_LETTER_HEADERS.topic);
  if (!topic || !ingestTopics.includes(topic)) return { kind: 'other-topic' };
  const partition = Number(headerText(record.headers, DEAD_LETTER_HEADERS.partition) ?? 0);
  const { rejected } = classifyRecords(topic, partition, [record]);
  if (rejected[0]) return { kind: 'refused', reason: rejected[0].reason };
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    if (!name.startsWith('x-dead-letter-') && value !== undefined) headers[name] = value;
  }
  headers[REPLAYED_FROM_HEADER] = `${deadLetterPartition}:${record.offset}`;
  return { kind: 'replay', topic, message: { key: record.key, value: record.value, headers } };
}

function headerText(headers: IHeaders | undefined, name: string): string | null {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : first.toString();
}
