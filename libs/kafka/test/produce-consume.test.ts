import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EventProducer, createKafka, runConsumer } from '../src/index.js';
import { consumeAll, countMessages, toConsumed, type ConsumedMessage } from './support/consume.js';
import { openSharedBrokerTopics, type SharedBrokerTopics } from './support/shared-broker-topics.js';
import { events, seqsByApp, testEvent } from './support/test-events.js';

const run = randomUUID().slice(0, 8);
const topics = {
  main: `test.kafka.pc.${run}.main`,
  retry: `test.kafka.pc.${run}.retry`,
  stop: `test.kafka.pc.${run}.stop`,
  overflow: `test.kafka.pc.${run}.overflow`,
  replay: `test.kafka.pc.${run}.replay`,
  rejected: `test.kafka.pc.${run}.rejected`,
  concurrent: `test.kafka.pc.${run}.concurrent`,
};

async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (result?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

describe('EventProducer → runConsumer (shared broker)', () => {
  let shared: SharedBrokerTopics;
  let kafka: Kafka;
  let admin: Admin;
  let spoolDir: string;

  beforeAll(async () => {
    shared = await openSharedBrokerTopics('kafka-pc-test', Object.values(topics));
    ({ kafka, admin, spoolDir } = shared);
  });

  afterAll(() => shared.close());

  it('delivers each event once, in order per key, and the group commits its offsets', async () => {
    const producer = new EventProducer({ kafka, spoolDir, name: `pc-main-${run}` });
    await producer.start();
    const sent = events(120);
    for (const event of sent) producer.publish(topics.main, event.appId, event);
    await producer.flush(20_000);
    expect(producer.queueDepth).toBe(0);
    expect(producer.spoolDepth).toBe(0);
    await producer.stop();

    expect(await countMessages(kafka, topics.main)).toBe(sent.length);
    const groupId = `pc-main-${run}`;
    const received = await consumeAll(kafka, topics.main, groupId, sent.length);

    expect(received).toHaveLength(sent.length);
    for (const message of received) {
      const event = testEvent.parse(message.value);
      expect(message.key).toBe(event.appId);
      expect(message.eventId).toBe(event.id);
    }
    expect(new Set(received.map((m) => m.eventId)).size).toBe(sent.length);
    expect(seqsByApp(received.map((m) => m.value))).toEqual(seqsByApp(sent));
    // The group's committed offsets cover every message: a restart would not reprocess them.
    expect(await committedTotal(admin, groupId, topics.main)).toBe(sent.length);
  });

  it('commits nothing for a batch whose handler failed, and redelivers it', async () => {
    const producer = new EventProducer({ kafka, spoolDir, name: `pc-retry-${run}` });
    await producer.start();
    const sent = events(30, 1); // one key: one partition, one ordered stream
    for (const event of sent) producer.publish(topics.retry, event.appId, event);
    await producer.flush(20_000);
    await producer.stop();

    const groupId = `pc-retry-${run}`;
    const handled: ConsumedMessage[] = [];
    let committedWhenFailing: number | undefined;
    let failures = 0;
    let done: () => void = () => undefined;
    const complete = new Promise<void>((resolve) => (done = resolve));
    const consumer = await runConsumer({
      kafka,
      groupId,
      topics: [topics.retry],
      fromBeginning: true,
      eachBatch: async ({ batch }) => {
        if (failures === 0) {
          failures += 1;
          committedWhenFailing = await committedTotal(admin, groupId, topics.retry);
          throw new Error('handler failure (test)');
        }
        for (const message of batch.messages) handled.push(toConsumed(batch.partition, message));
        if (handled.length >= sent.length) done();
      },
    });
    await complete;
    await consumer.stop();

    expect(failures).toBe(1);
    expect(committedWhenFailing).toBe(0);
    expect(handled.map((m) => testEvent.parse(m.value).seq)).toEqual(sent.map((e) => e.seq));
    expect(await committedTotal(admin, groupId, topics.retry)).toBe(sent.length);
  });

  it('stop() lets the running batch finish and commits it', async () => {
    const producer = new EventProducer({ kafka, spoolDir, name: `pc-stop-${run}` });
    await producer.start();
    const sent = events(10, 1);
    for (const event of sent) producer.publish(topics.stop, event.appId, event);
    await producer.flush(20_000);
    await producer.stop();

    const groupId = `pc-stop-${run}`;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    let handled = 0;
    const consumer = await runConsumer({
      kafka,
      groupId,
      topics: [topics.stop],
      fromBeginning: true,
      eachBatch: async ({ batch }) => {
        entered();
        await gate;
        handled += batch.messages.length;
      },
    });
    await inHandler;
    const stopping = consumer.stop();
    release();
    await stopping;

    expect(handled).toBe(sent.length);
    expect(await committedTotal(admin, groupId, topics.stop)).toBe(sent.length);
  });

  it('runs batches of different partitions at the same time when asked to', async () => {
    // Ten events in each of the three partitions, placed explicitly.
    const sent = events(30, 3);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.concurrent,
      messages: sent.map((event) => ({
        partition: event.seq % 3,
        key: event.appId,
        value: JSON.stringify(event),
      })),
    });
    await producer.disconnect();

    const groupId = `pc-concurrent-${run}`;
    const handled: ConsumedMessage[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let secondEntered: () => void = () => undefined;
    const overlap = new Promise<void>((resolve) => (secondEntered = resolve));
    let done: () => void = () => undefined;
    const complete = new Promise<void>((resolve) => (done = resolve));
    const consumer = await runConsumer({
      kafka,
      groupId,
      topics: [topics.concurrent],
      fromBeginning: true,
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (inFlight >= 2) secondEntered();
        // The first batch waits (bounded) for another partition's batch to start beside it.
        await Promise.race([overlap, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        for (const message of batch.messages) handled.push(toConsumed(batch.partition, message));
        inFlight -= 1;
        if (handled.length >= sent.length) done();
      },
    });
    await complete;
    await consumer.stop();

    expect(maxInFlight).toBeGreaterThanOrEqual(2);
    expect(new Set(handled.map((m) => testEvent.parse(m.value).id)).size).toBe(sent.length);
    // Within a partition the order holds even with concurrency.
    for (const partition of [0, 1, 2]) {
      const seqs = handled
        .filter((m) => m.partition === partition)
        .map((m) => testEvent.parse(m.value).seq);
      expect(seqs).toEqual(sent.filter((e) => e.seq % 3 === partition).map((e) => e.seq));
    }
    expect(await committedTotal(admin, groupId, topics.concurrent)).toBe(sent.length);
  });

  it('spools past maxQueue and still delivers everything once, in order', async () => {
    const producer = new EventProducer({
      kafka,
      spoolDir,
      name: `pc-overflow-${run}`,
      maxQueue: 5,
    });
    await producer.start();
    const sent = events(60);
    for (const event of sent) producer.publish(topics.overflow, event.appId, event);
    // publish() is synchronous: the queue held 5, the 6th sent all of them to disk, and the rest
    // followed them there to keep the order.
    expect(producer.queueDepth).toBe(0);
    expect(producer.spoolDepth).toBe(sent.length);

    await producer.flush(20_000);
    expect(producer.spoolDepth).toBe(0);
    await producer.stop();

    expect(await countMessages(kafka, topics.overflow)).toBe(sent.length);
    const received = await consumeAll(kafka, topics.overflow, `pc-overflow-${run}`, sent.length);
    expect(new Set(received.map((m) => m.eventId)).size).toBe(sent.length);
    expect(seqsByApp(received.map((m) => m.value))).toEqual(seqsByApp(sent));
  });

  it('sets aside an event Kafka refuses, without holding up the events around it', async () => {
    // One big batch, so the refusal has to be isolated by splitting it.
    const producer = new EventProducer({
      kafka,
      spoolDir,
      name: `pc-rejected-${run}`,
      maxBatchBytes: 8 * 1024 * 1024,
    });
    await producer.start();
    // One key: one partition, so the order of arrival is defined.
    const [a, b, c, d] = events(4, 1);
    // Over the broker's default message.max.bytes (1 MiB).
    const huge = { ...events(1, 1)[0]!, seq: 99, padding: 'x'.repeat(1_200_000) };
    const sent = [a!, b!, huge, c!, d!];
    for (const event of sent) producer.publish(topics.rejected, event.appId, event);
    await producer.flush(30_000);
    expect(producer.queueDepth).toBe(0);
    expect(producer.spoolDepth).toBe(0);
    await producer.stop();

    const rejected = readFileSync(join(spoolDir, `pc-rejected-${run}.rejected.ndjson`), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => z.object({ rejected: z.string(), id: z.string() }).parse(JSON.parse(line)));
    expect(rejected).toEqual([{ rejected: 'MESSAGE_TOO_LARGE', id: huge.id }]);

    const delivered = [a!, b!, c!, d!];
    expect(await countMessages(kafka, topics.rejected)).toBe(delivered.length);
    const received = await consumeAll(kafka, topics.rejected, `pc-rejected-${run}`, 4);
    expect(received.map((m) => m.eventId)).toEqual(delivered.map((e) => e.id));
  });

  it('replays at start what an earlier run left in its spool', async () => {
    const name = `pc-replay-${run}`;
    // An earlier run that never reached Kafka (nothing listens on port 1) and stopped.
    const unreachable = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'kafka-pc-offline' });
    const offline = new EventProducer({ kafka: unreachable, spoolDir, name, maxBackoffMs: 500 });
    await expect(offline.start()).resolves.toBeUndefined();
    const sent = events(25);
    for (const event of sent) offline.publish(topics.replay, event.appId, event);
    await expect.poll(() => offline.spoolDepth, { timeout: 15_000 }).toBe(sent.length);
    await offline.stop();
    // Published after stop: straight to the spool for the next run.
    const late = { ...events(1)[0]!, seq: sent.length, appId: 'app-late' };
    offline.publish(topics.replay, late.appId, late);
    sent.push(late);

    const producer = new EventProducer({ kafka, spoolDir, name });
    await producer.start();
    expect(producer.spoolDepth).toBe(sent.length);
    await producer.flush(20_000);
    expect(producer.spoolDepth).toBe(0);
    await producer.stop();

    expect(await countMessages(kafka, topics.replay)).toBe(sent.length);
    const received = await consumeAll(kafka, topics.replay, `pc-replay-${run}`, sent.length);
    expect(new Set(received.map((m) => m.eventId))).toEqual(new Set(sent.map((e) => e.id)));
    expect(seqsByApp(received.map((m) => m.value))).toEqual(seqsByApp(sent));
  });
});
