import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkKafka,
  closeKafkaCheck,
  createKafka,
  ensureTopics,
  type TopicSpec,
} from '../src/index.js';
import { sharedBrokers } from './support/broker.js';

const run = randomUUID().slice(0, 8);
const HOUR_MS = 60 * 60 * 1000;
const specs: TopicSpec[] = [
  { name: `test.kafka.admin.${run}.a`, partitions: 2, retentionMs: 3 * HOUR_MS },
  {
    name: `test.kafka.admin.${run}.b`,
    partitions: 5,
    retentionMs: 7 * 24 * HOUR_MS,
    cleanupPolicy: 'compact',
  },
];

describe('ensureTopics and checkKafka (shared broker)', () => {
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = createKafka({ brokers: await sharedBrokers(), clientId: 'kafka-admin-test' });
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: specs.map((spec) => spec.name) }).catch(() => undefined);
    await admin.disconnect();
    await closeKafkaCheck(kafka);
  });

  async function describeTopics() {
    const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: specs.map((spec) => ({
        type: ConfigResourceTypes.TOPIC,
        name: spec.name,
        configNames: ['retention.ms', 'cleanup.policy'],
      })),
    });
    return specs.map((spec) => {
      const config = resources.find((r) => r.resourceName === spec.name)?.configEntries ?? [];
      const value = (name: string) =>
        config.find((entry) => entry.configName === name)?.configValue;
      const metadata = topics.find((topic) => topic.name === spec.name);
      return {
        name: spec.name,
        partitions: metadata?.partitions.length,
        leaders: metadata?.partitions.every((p) => p.leader >= 0),
        retentionMs: value('retention.ms'),
        cleanupPolicy: value('cleanup.policy'),
      };
    });
  }

  const expected = [
    {
      name: specs[0]!.name,
      partitions: 2,
      leaders: true,
      retentionMs: String(3 * HOUR_MS),
      cleanupPolicy: 'delete',
    },
    {
      name: specs[1]!.name,
      partitions: 5,
      leaders: true,
      retentionMs: String(7 * 24 * HOUR_MS),
      cleanupPolicy: 'compact',
    },
  ];

  it('creates missing topics with their partitions, retention and cleanup policy', async () => {
    expect(await admin.listTopics()).not.toContain(specs[0]!.name);
    await ensureTopics(kafka, specs);
    expect(await describeTopics()).toEqual(expected);
  });

  it('is idempotent and leaves existing topics as they are', async () => {
    await ensureTopics(kafka, specs);
    // A changed spec for an existing topic does not repartition it.
    await ensureTopics(kafka, [{ ...specs[0]!, partitions: 7, retentionMs: HOUR_MS }]);
    expect(await describeTopics()).toEqual(expected);
  });

  it('survives concurrent callers racing to create the same topic', async () => {
    const raced: TopicSpec = {
      name: `test.kafka.admin.${run}.race`,
      partitions: 3,
      retentionMs: HOUR_MS,
    };
    specs.push(raced);
    await Promise.all([ensureTopics(kafka, [raced]), ensureTopics(kafka, [raced])]);
    const { topics } = await admin.fetchTopicMetadata({ topics: [raced.name] });
    expect(topics[0]?.partitions).toHaveLength(3);
  });

  it('checkKafka answers for a live broker, repeatedly on one connection', async () => {
    await expect(checkKafka(kafka)).resolves.toBeUndefined();
    await expect(checkKafka(kafka)).resolves.toBeUndefined();
  });

  it('checkKafka throws when nothing listens', async () => {
    const down = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'kafka-admin-test-down' });
    await expect(checkKafka(down, 1500)).rejects.toThrow();
    await closeKafkaCheck(down);
  });
});
