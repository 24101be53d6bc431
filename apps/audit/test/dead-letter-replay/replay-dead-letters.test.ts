import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPLAYED_FROM_HEADER,
  replayDeadLetters,
  type ReplayOptions,
} from '../../src/dead-letter-replay/replay-dead-letters.js';
import { DEAD_LETTER_HEADERS } from '../../src/ingest/dead-letter.js';
import { startAudit, type AuditTestApp } from '../support/audit-test-app.js';
import {
  createTestTopic,
  produce,
  readTopic,
  testKafka,
  waitFor,
  waitUntilConsumed,
} from '../support/kafka-helpers.js';
import { countStored, testDb } from '../support/test-db.js';
import { managementEvent, unique } from '../support/test-events.js';

/**
 * A record an older audit refused (an event action it did not know yet) goes back to its topic
 * and is stored by today's audit; records today's audit refuses too stay dead-lettered.
 */
describe('replaying dead-lettered events', () => {
  let kafka: Kafka;
  let db: pg.Pool;
  let audit: AuditTestApp;
  let topic: string;
  let otherTopic: string;
  let deadLetterTopic: string;
  const groupId = unique('audit-store-replay');

  beforeAll(async () => {
    kafka = testKafka('audit-replay-test');
    db = testDb();
    [topic, otherTopic, deadLetterTopic] = await Promise.all([
      createTestTopic(kafka, 'replay-events', 2),
      createTestTopic(kafka, 'replay-other', 1),
      createTestTopic(kafka, 'replay-dead-letter', 2),
    ]);
    audit = await startAudit({
      AUDIT_INGEST_TOPICS: topic,
      AUDIT_DEAD_LETTER_TOPIC: deadLetterTopic,
      AUDIT_CONSUMER_GROUP: groupId,
    });
  });
  afterAll(async () => {
    await audit?.close();
    await db?.end();
  });

  const replay = (dryRun: boolean) =>
    replayDeadLetters({
      kafka,
      deadLetterTopic,
      ingestTopics: [topic],
      replayGroup: `${groupId}.dead-letter-replay`,
      dryRun,
      timeoutMs: 60_000,
      logger: pino({ level: 'silent' }),
    } satisfies ReplayOptions);

  const topicEnd = async (name: string) => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(name);
      return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
    } finally {
      await admin.disconnect();
    }
  };

  it('sends back what audit stores now, once, and leaves the rest counted', async () => {
    // Refused by this audit itself: not JSON.
    await produce(kafka, topic, [{ key: 'broken', value: '{"not json' }]);
    await waitUntilConsumed(kafka, groupId, topic);
    // As an older audit would have dead-lettered them: an event it did not know yet, and one
    // from a topic this audit does not store.
    const event = managementEvent();
    const stranger = managementEvent();
    const olderAudit = (from: string, id: string) => ({
      [DEAD_LETTER_HEADERS.reason]: 'data.action: Invalid option (an older audit)',
      [DEAD_LETTER_HEADERS.topic]: from,
      [DEAD_LETTER_HEADERS.partition]: '0',
      [DEAD_LETTER_HEADERS.offset]: '17',
      [DEAD_LETTER_HEADERS.consumerGroup]: groupId,
      [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
      [DEAD_LETTER_HEADERS.eventId]: id,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    await produce(kafka, deadLetterTopic, [
      { key: 'team-1', value: JSON.stringify(event), headers: olderAudit(topic, event.id) },
      {
        key: 'team-2',
        value: JSON.stringify(stranger),
        headers: olderAudit(otherTopic, stranger.id),
      },
    ]);
    await waitFor(async () => (await topicEnd(deadLetterTopic)) === 3);
    const topicBefore = await topicEnd(topic);

    const dryRun = await replay(true);
    expect(dryRun).toEqual({
      dryRun: true,
      read: 3,
      replayed: 1,
      replayedByTopic: { [topic]: 1 },
      stillRefused: { 'not JSON': 1 },
      otherTopics: 1,
    });
    expect(await topicEnd(topic)).toBe(topicBefore);

    const run = await replay(false);
    expect(run).toMatchObject({ dryRun: false, read: 3, replayed: 1, otherTopics: 1 });
    expect(await topicEnd(topic)).toBe(topicBefore + 1);
    await waitFor(async () => (await countStored(db, [event.id])).rows === 1, 30_000);
    expect((await countStored(db, [stranger.id])).rows).toBe(0);

    // On the topic again with its key and headers, without the dead-letter ones.
    const records = await readTopic(kafka, topic, 2);
    const replayed = records.find((record) => record.key?.toString() === 'team-1')!;
    expect(replayed.value?.toString()).toBe(JSON.stringify(event));
    expect(replayed.headers?.traceparent?.toString()).toMatch(/^00-0af76519/);
    expect(replayed.headers?.[REPLAYED_FROM_HEADER]?.toString()).toMatch(/^\d+:\d+$/);
    expect(
      Object.keys(replayed.headers ?? {}).filter((name) => name.startsWith('x-dead-letter-')),
    ).toEqual([]);

    // The next run starts where this one stopped: nothing is sent twice.
    expect(await replay(false)).toMatchObject({ read: 0, replayed: 0 });
    // Stored once, and the still-refused record is still in the dead-letter topic.
    await waitUntilConsumed(kafka, groupId, topic);
    expect(await countStored(db, [event.id])).toEqual({ rows: 1, distinct: 1 });
    expect(await topicEnd(deadLetterTopic)).toBe(3);
  });

  it('finishes at once when there is nothing new', async () => {
    const empty = await createTestTopic(kafka, 'replay-empty', 1);
    const report = await replayDeadLetters({
      kafka,
      deadLetterTopic: empty,
      ingestTopics: [topic],
      replayGroup: unique('replay-empty'),
      dryRun: false,
      logger: pino({ level: 'silent' }),
    });
    expect(report).toMatchObject({ read: 0, replayed: 0, otherTopics: 0 });
  });
});
