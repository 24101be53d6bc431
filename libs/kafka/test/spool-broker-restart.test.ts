import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EventProducer, createKafka, ensureTopics } from '../src/index.js';
import { repoRoot, startBroker, stopBroker, type BrokerInstance } from './support/broker.js';
import { consumeAll, countMessages, type ConsumedMessage } from './support/consume.js';

const runChild = promisify(execFile);

// A broker of its own: this test stops and starts it, which the shared one must never see.
const broker: BrokerInstance = {
  port: 19192,
  controllerPort: 19193,
  dir: resolve(repoRoot, '.var/kafka-spool-test'),
};
const brokers = [`127.0.0.1:${broker.port}`];

const testEvent = z.object({
  id: z.uuid(),
  type: z.literal('test.event'),
  seq: z.number().int().nonnegative(),
  appId: z.string(),
});
type TestEvent = z.infer<typeof testEvent>;

function events(count: number, from = 0): TestEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    type: 'test.event' as const,
    seq: from + i,
    appId: `app-${(from + i) % 5}`,
  }));
}

function spooledIds(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => z.object({ id: z.string() }).parse(JSON.parse(line)).id);
}

/** Within each partition, events must appear in the order they were published. */
function expectPublishOrderPerPartition(received: ConsumedMessage[], sent: TestEvent[]): void {
  const position = new Map(sent.map((event, index) => [event.id, index]));
  const partitions = new Map<number, ConsumedMessage[]>();
  for (const message of received) {
    partitions.set(message.partition, [...(partitions.get(message.partition) ?? []), message]);
  }
  for (const messages of partitions.values()) {
    const order = messages
      .sort((a, b) => Number(a.offset) - Number(b.offset))
      .map((message) => position.get(message.eventId ?? '') ?? -1);
    expect(order).not.toContain(-1);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  }
}

describe(
  'EventProducer spool across a broker outage (dedicated broker)',
  { timeout: 180_000 },
  () => {
    const topic = `test.kafka.spool.${randomUUID().slice(0, 8)}`;
    let kafka: Kafka;
    let spoolDir: string;

    beforeAll(async () => {
      // A run that died half-way may have left its broker running: start from a clean one.
      await stopBroker(broker);
      rmSync(broker.dir, { recursive: true, force: true });
      await startBroker(broker);
      kafka = createKafka({ brokers, clientId: 'kafka-spool-test' });
      await ensureTopics(kafka, [{ name: topic, partitions: 3, retentionMs: 3_600_000 }]);
      spoolDir = mkdtempSync(join(tmpdir(), 'portcullis-kafka-spool-'));
    });

    afterAll(async () => {
      await stopBroker(broker);
      rmSync(broker.dir, { recursive: true, force: true });
      if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
    });

    it('spools while the broker is down, then delivers every event once and in order', async () => {
      const producer = new EventProducer({ kafka, spoolDir, name: 'outage', maxBackoffMs: 1000 });
      await producer.start();
      const before = events(10);
      for (const event of before) producer.publish(topic, event.appId, event);
      await producer.flush(20_000);
      expect(producer.spoolDepth).toBe(0);

      await stopBroker(broker);
      const during = events(300, before.length);
      for (const event of during) producer.publish(topic, event.appId, event);
      await expect.poll(() => producer.spoolDepth, { timeout: 30_000 }).toBe(during.length);
      expect(producer.queueDepth).toBe(0);
      // On disk, in publish order.
      expect(spooledIds(producer.spoolPath)).toEqual(during.map((event) => event.id));

      await startBroker(broker);
      await producer.flush(60_000);
      expect(producer.spoolDepth).toBe(0);
      expect(statSync(producer.spoolPath).size).toBe(0);
      await producer.stop();

      const sent = [...before, ...during];
      expect(await countMessages(kafka, topic)).toBe(sent.length);
      const received = await consumeAll(kafka, topic, `spool-outage-${randomUUID()}`, sent.length);
      expect(received.map((m) => m.eventId).sort()).toEqual(sent.map((e) => e.id).sort());
      for (const message of received)
        expect(testEvent.parse(message.value).id).toBe(message.eventId);
      expectPublishOrderPerPartition(received, sent);
    });

    it('replays after a crash what the crashed process had spooled', async () => {
      const crashTopic = `${topic}.crash`;
      await ensureTopics(kafka, [{ name: crashTopic, partitions: 3, retentionMs: 3_600_000 }]);
      await stopBroker(broker);

      const child = await runChild(
        process.execPath,
        [
          '--import',
          resolve(import.meta.dirname, 'support/resolve-ts.ts'),
          resolve(import.meta.dirname, 'support/crashing-producer.ts'),
          brokers.join(','),
          spoolDir,
          'crash',
          crashTopic,
          '40',
        ],
        { timeout: 60_000 },
      );
      const crashed = z
        .object({ spoolDepth: z.number(), sent: z.array(testEvent) })
        .parse(JSON.parse(child.stdout));
      expect(crashed.spoolDepth).toBe(40);
      // It died holding the lock: the next producer must take the stale lock over.
      expect(existsSync(join(spoolDir, 'crash.spool.lock'))).toBe(true);

      await startBroker(broker);
      const producer = new EventProducer({ kafka, spoolDir, name: 'crash' });
      await producer.start();
      expect(producer.spoolDepth).toBe(40);
      await producer.flush(60_000);
      expect(producer.spoolDepth).toBe(0);
      await producer.stop();

      expect(await countMessages(kafka, crashTopic)).toBe(40);
      const received = await consumeAll(kafka, crashTopic, `spool-crash-${randomUUID()}`, 40);
      expect(received.map((m) => m.eventId).sort()).toEqual(crashed.sent.map((e) => e.id).sort());
      expectPublishOrderPerPartition(received, crashed.sent);
    });
  },
);
