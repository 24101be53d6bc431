import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '../../src/ingest/dead-letter.js';
import { IngestService } from '../../src/ingest/ingest.service.js';
import { verifyChains } from '../../src/integrity/chain-verifier.js';
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
import { accessEvent, managementEvent, unique } from '../support/test-events.js';

describe('audit ingest', () => {
  let kafka: Kafka;
  let db: pg.Pool;
  beforeAll(() => {
    kafka = testKafka();
    db = testDb();
  });
  afterAll(async () => {
    await db.end();
  });

  async function ingestEnv(
    topic: string,
    deadLetterTopic: string,
    groupId = unique('audit-store-test'),
  ) {
    return {
      AUDIT_INGEST_TOPICS: topic,
      AUDIT_DEAD_LETTER_TOPIC: deadLetterTopic,
      AUDIT_CONSUMER_GROUP: groupId,
    };
  }

  /** Waits until the group is stable with `members` members, all holding partitions. */
  async function groupStable(groupId: string, members: number) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitFor(async () => {
        const { groups } = await admin.describeGroups([groupId]);
        return groups[0]?.state === 'Stable' && groups[0].members.length === members;
      }, 60_000);
    } finally {
      await admin.disconnect();
    }
  }

  /** 400 access events spread evenly over the topic's 4 partitions. */
  async function produceAcrossPartitions(topic: string) {
    const events = Array.from({ length: 400 }, () => accessEvent());
    await produce(
      kafka,
      topic,
      events.map((event, index) => ({
        partition: index % 4,
        key: event.id,
        value: JSON.stringify(event),
      })),
    );
    return events;
  }

  it('stores redelivered events once', async () => {
    const topic = await createTestTopic(kafka, 'access');
    const deadLetter = await createTestTopic(kafka, 'dead-letter', 1);
    const env = await ingestEnv(topic, deadLetter);
    const events = [
      ...Array.from({ length: 20 }, () => accessEvent()),
      ...Array.from({ length: 5 }, () => managementEvent()),
    ];
    const messages = events.map((event) => ({ key: event.id, value: JSON.stringify(event) }));
    // Every event twice, as an at-least-once producer may deliver it.
    await produce(kafka, topic, [...messages, ...messages]);
    const audit = await startAudit(env);
    try {
      await waitUntilConsumed(kafka, env.AUDIT_CONSUMER_GROUP, topic);
      // And once more after they were stored.
      await produce(kafka, topic, messages.slice(0, 10));
      await waitUntilConsumed(kafka, env.AUDIT_CONSUMER_GROUP, topic);
    } finally {
      await audit.close();
    }
    expect(
      await countStored(
        db,
        events.map((event) => event.id),
      ),
    ).toEqual({ rows: 25, distinct: 25 });
  });

  it('dead-letters poison records with the reason and goes on with the rest', async () => {
    const topic = await createTestTopic(kafka, 'access', 1);
    const deadLetter = await createTestTopic(kafka, 'dead-letter', 1);
    const env = await ingestEnv(topic, deadLetter);
    const before = accessEvent();
    const after = accessEvent();
    const invalid = { ...accessEvent(), data: { ...accessEvent().data, status: 'teapot' } };
    await produce(kafka, topic, [
      { value: JSON.stringify(before) },
      { value: '{not json', headers: { origin: 'test' } },
      { value: JSON.stringify(invalid) },
      { value: JSON.stringify(after) },
    ]);
    const audit = await startAudit(env);
    try {
      await waitUntilConsumed(kafka, env.AUDIT_CONSUMER_GROUP, topic);
    } finally {
      await audit.close();
    }
    expect(await countStored(db, [before.id, after.id])).toEqual({ rows: 2, distinct: 2 });
    expect(await countStored(db, [invalid.id])).toEqual({ rows: 0, distinct: 0 });

    const dead = await readTopic(kafka, deadLetter, 2);
    expect(dead).toHaveLength(2);
    const header = (index: number, name: string) => dead[index]!.headers?.[name]?.toString();
    expect(dead[0]!.value?.toString()).toBe('{not json');
    expect(header(0, DEAD_LETTER_HEADERS.reason)).toBe('not JSON');
    expect(header(0, DEAD_LETTER_HEADERS.topic)).toBe(topic);
    expect(header(0, DEAD_LETTER_HEADERS.partition)).toBe('0');
    expect(header(0, DEAD_LETTER_HEADERS.offset)).toBe('1');
    expect(header(0, 'origin')).toBe('test');
    expect(dead[1]!.value?.toString()).toBe(JSON.stringify(invalid));
    expect(header(1, DEAD_LETTER_HEADERS.reason)).toContain('status');
    expect(header(1, DEAD_LETTER_HEADERS.offset)).toBe('2');
    expect(header(1, DEAD_LETTER_HEADERS.eventId)).toBe(invalid.id);
  });

  it('loses nothing and stores nothing twice when stopped mid-stream and restarted', async () => {
    const topic = await createTestTopic(kafka, 'access', 3);
    const deadLetter = await createTestTopic(kafka, 'dead-letter', 1);
    const env = await ingestEnv(topic, deadLetter);
    const events = Array.from({ length: 6_000 }, () => accessEvent());
    const ids = events.map((event) => event.id);
    await produce(
      kafka,
      topic,
      events.map((event) => ({ key: event.id, value: JSON.stringify(event) })),
    );

    let audit: AuditTestApp = await startAudit(env);
    await waitFor(async () => (await countStored(db, ids)).rows > 0, 60_000, 20);
    await audit.close();
    const afterStop = await countStored(db, ids);

    audit = await startAudit(env);
    try {
      await waitUntilConsumed(kafka, env.AUDIT_CONSUMER_GROUP, topic, 120_000);
    } finally {
      await audit.close();
    }
    expect(afterStop.rows).toBeGreaterThan(0);
    expect(await countStored(db, ids)).toEqual({ rows: events.length, distinct: events.length });

    // The chains of the days written stay intact through the restart.
    const now = new Date();
    const report = await verifyChains(db, now, now);
    expect(report.firstBrokenLink).toBeNull();
  });

  it('shares the partitions between replicas of the same group', async () => {
    const topic = await createTestTopic(kafka, 'access', 4);
    const deadLetter = await createTestTopic(kafka, 'dead-letter', 1);
    const env = await ingestEnv(topic, deadLetter);
    const replicas = [await startAudit(env), await startAudit(env)];
    try {
      // Both members hold partitions before anything is produced.
      await groupStable(env.AUDIT_CONSUMER_GROUP, 2);
      const events = await produceAcrossPartitions(topic);
      await waitUntilConsumed(kafka, env.AUDIT_CONSUMER_GROUP, topic);
      const stored = replicas.map((replica) => replica.app.get(IngestService).counters.stored);
      expect(stored.every((count) => count > 0)).toBe(true);
      expect(stored[0]! + stored[1]!).toBe(400);
      expect(
        await countStored(
          db,
          events.map((event) => event.id),
        ),
      ).toEqual({
        rows: 400,
        distinct: 400,
      });
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });

  it('runs AUDIT_INGEST_MEMBERS members of the group in one replica, storing each event once', async () => {
    const topic = await createTestTopic(kafka, 'access', 4);
    const deadLetter = await createTestTopic(kafka, 'dead-letter', 1);
    const env = { ...(await ingestEnv(topic, deadLetter)), AUDIT_INGEST_MEMBERS: '2' };
    const audit = await startAudit(env);
    try {
      await groupStable(env.AUDIT_CONSUMER_GROUP, 2);
      const events = await produceAcrossPartitions(topic);
      await waitUntilConsumed(kafka, env.AUDIT_CONSUMER_GROUP, topic);
      expect(audit.app.get(IngestService).counters.stored).toBe(400);
      expect(
        await countStored(
          db,
          events.map((event) => event.id),
        ),
      ).toEqual({ rows: 400, distinct: 400 });
      const now = new Date();
      expect((await verifyChains(db, now, now)).firstBrokenLink).toBeNull();
    } finally {
      await audit.close();
    }
  });

  it('reports the consumer in readiness', async () => {
    const topic = await createTestTopic(kafka, 'access', 1);
    const deadLetter = await createTestTopic(kafka, 'dead-letter', 1);
    const audit = await startAudit(await ingestEnv(topic, deadLetter));
    try {
      await waitFor(async () => {
        const response = await fetch(`${audit.url}/readyz`);
        return response.status === 200;
      });
      const body = (await (await fetch(`${audit.url}/readyz`)).json()) as {
        checks: Record<string, { status: string }>;
      };
      expect(body.checks.ingest).toEqual({ status: 'up' });
      expect(body.checks.postgres).toEqual({ status: 'up' });
    } finally {
      await audit.close();
    }
  });
});
