import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventProducerThread } from '../src/index.js';
import { crashWorkerForTests } from '../src/event-producer-thread.js';
import { consumeAll, countMessages } from './support/consume.js';
import { openSharedBrokerTopics, type SharedBrokerTopics } from './support/shared-broker-topics.js';
import { events, seqsByApp, testEvent } from './support/test-events.js';

const run = randomUUID().slice(0, 8);
const topics = {
  main: `test.kafka.thread.${run}.main`,
  spooled: `test.kafka.thread.${run}.spooled`,
  crash: `test.kafka.thread.${run}.crash`,
  lowered: `test.kafka.thread.${run}.lowered`,
};
/** Nothing listens here: a broker that is down. */
const DOWN_BROKER = '127.0.0.1:1';

/** A pino logger whose lines land in an array. */
function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

/** Ids of this process's threads named `event-producer` (Linux /proc). */
function producerThreadIds(): Set<string> {
  const found = new Set<string>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'event-producer') {
        found.add(tid);
      }
    } catch {
      // The thread ended while we looked.
    }
  }
  return found;
}

function threadNiceness(tid: string | number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: nice is the 19th.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('EventProducerThread (the producer in a worker thread)', () => {
  let shared: SharedBrokerTopics;
  let brokers: string[];
  let kafka: Kafka;
  let spoolDir: string;

  beforeAll(async () => {
    shared = await openSharedBrokerTopics('kafka-thread-test', Object.values(topics));
    ({ brokers, kafka, spoolDir } = shared);
  });

  afterAll(() => shared.close());

  it('delivers every event once, in order per key, with its id header', async () => {
    const producer = new EventProducerThread({
      kafka: { brokers, clientId: 'thread-main' },
      spoolDir,
      name: `thread-main-${run}`,
    });
    await producer.start();
    // More than one hand-over message's worth, published in one event-loop turn.
    const sent = events(1500);
    for (const event of sent) producer.publish(topics.main, event.appId, event);
    expect(producer.queueDepth).toBeGreaterThan(0);
    await producer.flush(30_000);
    expect(producer.queueDepth).toBe(0);
    expect(producer.spoolDepth).toBe(0);
    await producer.stop();

    expect(await countMessages(kafka, topics.main)).toBe(sent.length);
    const received = await consumeAll(kafka, topics.main, `thread-main-${run}`, sent.length);
    for (const message of received) {
      const event = testEvent.parse(message.value);
      expect(message.key).toBe(event.appId);
      expect(message.eventId).toBe(event.id);
    }
    expect(new Set(received.map((m) => m.eventId)).size).toBe(sent.length);
    expect(seqsByApp(received.map((m) => m.value))).toEqual(seqsByApp(sent));
  });

  it('spools while Kafka is down, keeps what is published after stop(), and a later start sends it all', async () => {
    const name = `thread-spool-${run}`;
    const { logger, lines } = recordingLogger();
    const offline = new EventProducerThread({
      kafka: { brokers: [DOWN_BROKER], clientId: 'thread-spool' },
      spoolDir,
      name,
      logger,
      maxBackoffMs: 300,
      stopTimeoutMs: 500,
    });
    await offline.start();
    const sent = events(40, 2);
    for (const event of sent.slice(0, 30)) offline.publish(topics.spooled, event.appId, event);
    await until(() => offline.spoolDepth === 30);
    await offline.stop();
    // After stop() the calling thread appends to the spool itself.
    for (const event of sent.slice(30)) offline.publish(topics.spooled, event.appId, event);
    const spoolLines = readFileSync(offline.spoolPath, 'utf8').trim().split('\n');
    expect(spoolLines.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(
      sent.map((event) => event.id),
    );
    // The worker's log lines come out of this thread's logger, with the producer's name.
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        producer: name,
        msg: 'stopped with undelivered events in the spool; the next start sends them',
      }),
    );

    const online = new EventProducerThread({
      kafka: { brokers, clientId: 'thread-spool' },
      spoolDir,
      name,
    });
    await online.start();
    expect(online.spoolDepth).toBe(sent.length);
    await online.flush(30_000);
    expect(online.spoolDepth).toBe(0);
    await online.stop();
    const received = await consumeAll(kafka, topics.spooled, `thread-spool-${run}`, sent.length);
    expect(received.map((m) => m.eventId).sort()).toEqual(sent.map((e) => e.id).sort());
    expect(seqsByApp(received.map((m) => m.value))).toEqual(seqsByApp(sent));
  });

  it('replaces a worker that died and delivers what was published meanwhile', async () => {
    const { logger, lines } = recordingLogger();
    const producer = new EventProducerThread({
      kafka: { brokers, clientId: 'thread-crash' },
      spoolDir,
      name: `thread-crash-${run}`,
      logger,
      restartDelayMs: 200,
    });
    await producer.start();
    const before = events(20, 2);
    for (const event of before) producer.publish(topics.crash, event.appId, event);
    await producer.flush(30_000);

    await producer[crashWorkerForTests]();
    const during = events(25, 2, before.length);
    for (const event of during) producer.publish(topics.crash, event.appId, event);
    await until(() =>
      lines.some((line) => line.msg === 'event producer thread restarted' && line.level === 30),
    );
    await producer.flush(30_000);
    await producer.stop();

    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 50,
        msg: 'event producer thread exited; events it held in memory are lost; starting a new one',
      }),
    );
    const sent = [...before, ...during];
    const received = await consumeAll(kafka, topics.crash, `thread-crash-${run}`, sent.length);
    expect(received.map((m) => m.eventId).sort()).toEqual(sent.map((e) => e.id).sort());
  });

  it('refuses a second producer on the same spool, and publish() before start()', async () => {
    const options = {
      kafka: { brokers, clientId: 'thread-twice' },
      spoolDir,
      name: `thread-twice-${run}`,
    };
    const first = new EventProducerThread(options);
    const second = new EventProducerThread(options);
    expect(() => second.publish(topics.main, 'app-0', events(1)[0]!)).toThrow(/before start/);
    await first.start();
    await expect(second.start()).rejects.toThrow(/already open in this process/);
    await first.stop();
    // Stopped, the spool is free again.
    await second.start();
    await second.stop();
    expect(existsSync(join(spoolDir, `thread-twice-${run}.spool.lock`))).toBe(false);
  });

  it('lowers its worker thread by the niceness asked for, and leaves the event loop alone', async () => {
    const eventLoopBefore = threadNiceness(process.pid);
    const before = producerThreadIds();
    const lowered = new EventProducerThread({
      kafka: { brokers, clientId: 'thread-nice' },
      spoolDir,
      name: `thread-nice-${run}`,
      niceness: 7,
    });
    const inherited = new EventProducerThread({
      kafka: { brokers, clientId: 'thread-inherited' },
      spoolDir,
      name: `thread-inherited-${run}`,
    });
    await lowered.start();
    const afterLowered = producerThreadIds();
    const loweredThread = [...afterLowered].filter((tid) => !before.has(tid));
    await inherited.start();
    const inheritedThread = [...producerThreadIds()].filter(
      (tid) => !before.has(tid) && !afterLowered.has(tid),
    );
    try {
      expect(loweredThread).toHaveLength(1);
      expect(inheritedThread).toHaveLength(1);
      expect(threadNiceness(loweredThread[0]!)).toBe(Math.min(19, eventLoopBefore + 7));
      expect(threadNiceness(inheritedThread[0]!)).toBe(eventLoopBefore);
      expect(threadNiceness(process.pid)).toBe(eventLoopBefore);
      // Lowered, it still delivers.
      const sent = events(20);
      for (const event of sent) lowered.publish(topics.lowered, event.appId, event);
      await lowered.flush();
      expect(lowered.queueDepth).toBe(0);
    } finally {
      await Promise.all([lowered.stop(), inherited.stop()]);
    }
    expect(await countMessages(kafka, topics.lowered)).toBe(20);
  });

  it('refuses a niceness outside 0 to 19', () => {
    for (const niceness of [-1, 20, 1.5]) {
      expect(
        () =>
          new EventProducerThread({
            kafka: { brokers, clientId: 'thread-bad-nice' },
            spoolDir,
            name: `thread-bad-nice-${run}`,
            niceness,
          }),
      ).toThrow(/niceness must be an integer from 0 to 19/);
    }
  });
});
