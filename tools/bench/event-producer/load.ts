/**
 * One peer of the event-producer benchmark, in a process of its own so its CPU time is its own:
 * publishes access-event-shaped events at a fixed rate for a while, waits until Kafka has them
 * all, and prints one JSON line. Run by run.ts; see README.md.
 *
 * usage: node load.ts <peer> <events per second> <seconds> <topic>
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccessEvent } from '@portcullis/contracts';
import {
  createKafka,
  EventProducer,
  EventProducerThread,
  type EventPublisher,
} from '@portcullis/kafka';
import type { Message } from 'kafkajs';
import { mainThreadCpuMs, processCpuMs } from '../process-cpu.ts';

type Peer = 'serialise-only' | 'kafkajs' | 'event-producer' | 'event-producer-thread';

const [peer, rateArg, secondsArg, topic] = process.argv.slice(2) as [Peer, string, string, string];
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const LINGER_MS = 50;
const TICK_MS = 10;
const APPS = 20;

/** What the gateway publishes per request, with values of realistic length. */
function accessEvent(sequence: number): AccessEvent {
  const app = sequence % APPS;
  return {
    id: randomUUID(),
    type: 'gateway.access',
    version: 1,
    time: new Date().toISOString(),
    source: 'gateway',
    traceId: randomUUID().replaceAll('-', ''),
    data: {
      requestId: randomUUID(),
      gatewayId: 'gateway-bench-host-4711',
      appId: `app_${String(app).padStart(21, '0')}`,
      teamId: 'team_0000000000000000000001',
      developerId: 'dev_00000000000000000000001',
      clientId: `pc_client_${String(app).padStart(24, '0')}`,
      credentialId: null,
      apiId: 'api_00000000000000000000001',
      apiSlug: 'bench',
      planId: 'plan_0000000000000000000001',
      environment: 'production',
      authMethod: 'bearer_jwt',
      method: 'GET',
      route: '/bench/items/{id}',
      path: `/bench/items/${sequence}`,
      status: 200,
      decision: 'allow',
      reason: 'ok',
      latencyMs: { total: 1.482, upstream: 0.913 },
      bytesIn: 0,
      bytesOut: 42,
      sourceIp: '10.20.30.40',
      userAgent: 'autocannon',
      tokenJti: randomUUID(),
      scopes: ['items:read'],
    },
  };
}

interface Sink {
  publish(key: string, event: AccessEvent): void;
  /** Resolves once Kafka acknowledged everything published. */
  drain(): Promise<void>;
}

/** The floor: kafkajs alone, with the same batching (linger), idempotence and acks as ours. */
async function rawKafkajs(): Promise<Sink> {
  const producer = createKafka({ brokers, clientId: 'bench-kafkajs' }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  let pending: Message[] = [];
  let sending = Promise.resolve();
  const send = () => {
    const messages = pending;
    pending = [];
    if (messages.length === 0) return;
    sending = sending.then(async () => {
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
    });
  };
  const timer = setInterval(send, LINGER_MS);
  return {
    publish(key, event) {
      pending.push({
        key,
        value: JSON.stringify(event),
        timestamp: String(Date.now()),
        headers: { 'event-id': event.id },
      });
    },
    async drain() {
      clearInterval(timer);
      send();
      await sending;
      await producer.disconnect();
    },
  };
}

async function ours(publisher: EventPublisher): Promise<Sink> {
  await publisher.start();
  return {
    publish: (key, event) => publisher.publish(topic, key, event),
    async drain() {
      await publisher.flush(60_000);
      await publisher.stop();
    },
  };
}

async function sinkFor(kind: Peer): Promise<Sink> {
  const common = { spoolDir: mkdtempSync(join(tmpdir(), 'bench-producer-')), name: kind };
  switch (kind) {
    case 'serialise-only':
      // The load loop and JSON.stringify, no Kafka: what every other peer pays on top of this.
      return { publish: (_key, event) => void JSON.stringify(event), drain: async () => {} };
    case 'kafkajs':
      return rawKafkajs();
    case 'event-producer':
      return ours(
        new EventProducer({
          ...common,
          kafka: createKafka({ brokers, clientId: kind }),
          lingerMs: LINGER_MS,
        }),
      );
    case 'event-producer-thread':
      return ours(
        new EventProducerThread({
          ...common,
          kafka: { brokers, clientId: kind },
          lingerMs: LINGER_MS,
        }),
      );
  }
}

const sink = await sinkFor(peer);
const cpuBefore = processCpuMs(process.pid);
const mainBefore = mainThreadCpuMs(process.pid);
const started = Date.now();
let published = 0;
// Open loop: each tick publishes what the rate owes so far, however late the tick fires.
while (Date.now() - started < seconds * 1000) {
  const owed = Math.floor(((Date.now() - started) / 1000) * rate);
  while (published < owed) {
    const event = accessEvent(published);
    sink.publish(event.data.appId ?? event.id, event);
    published += 1;
  }
  await sleep(TICK_MS);
}
await sink.drain();
const cpuMs = (processCpuMs(process.pid) ?? NaN) - (cpuBefore ?? NaN);
const mainMs = (mainThreadCpuMs(process.pid) ?? NaN) - (mainBefore ?? NaN);
console.log(
  JSON.stringify({
    peer,
    events: published,
    cpuMicrosPerEvent: Math.round((cpuMs * 1000) / published),
    mainThreadCpuMicrosPerEvent: Math.round((mainMs * 1000) / published),
  }),
);
