import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessEvent, KnownEvent } from '@portcullis/contracts';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { createKafka, ensureTopics, EventProducer } from '@portcullis/kafka';
import { createLogger } from '@portcullis/telemetry';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { AlertDetector } from '../../src/alerts/alert-detector.js';
import { AlertNotifier } from '../../src/alerts/alert-notifier.js';
import { AlertRules } from '../../src/alerts/alert-rules.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import {
  alertThresholdsSchema,
  type AlertThresholdsInput,
} from '../../src/alerts/alert-thresholds.js';
import type { AlertsConfig } from '../../src/alerts/alerts-env.js';
import { RedisWindows } from '../../src/alerts/redis-windows.js';
import { groupLag } from '../../src/siem/consumer-start-position.js';

export interface AlertsHarness {
  prisma: PrismaClient;
  kafka: Kafka;
  store: AlertStore;
  groupId: string;
  produce(events: KnownEvent[]): Promise<void>;
  /** Resolves once the detector has processed everything on its topics (lag 0). */
  caughtUp(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export function hex(bytes = 5): string {
  return randomBytes(bytes).toString('hex');
}

/** A random address in 10.0.0.0/8, so no other test's events share its counters. */
export function randomIp(): string {
  const bytes = randomBytes(3);
  return `10.${bytes[0]}.${bytes[1]}.${bytes[2]}`;
}

/** The detector, store and notifier wired by hand with test thresholds, on the real stack. */
export async function startAlerts(
  thresholds: AlertThresholdsInput,
  extra: Partial<AlertsConfig> = {},
): Promise<AlertsHarness> {
  const logger = createLogger({ name: 'alerts-test', level: process.env.LOG_LEVEL ?? 'warn' });
  const prisma = createPrismaClient({ databaseUrl: process.env.DATABASE_URL ?? '' });
  const kafka = createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
    clientId: 'alerts-test',
  });
  const producer = new EventProducer({
    kafka,
    spoolDir: mkdtempSync(join(tmpdir(), 'alerts-spool-')),
    name: 'alerts-test',
    lingerMs: 1,
  });
  await producer.start();
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const config: AlertsConfig = {
    NODE_ENV: 'test',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ALERTS_ENABLED: true,
    ALERTS_CONSUMER_GROUP: `audit-alerts-test-${hex()}`,
    ALERT_RULES: alertThresholdsSchema.parse(thresholds),
    ...extra,
  };
  const store = new AlertStore(prisma, new AlertNotifier(producer, config, logger));
  const rules = new AlertRules(
    new RedisWindows(redis, `portcullis:alerts-test:${hex()}:`),
    config.ALERT_RULES,
  );
  // Topics of this harness's own: detectors of tests running side by side never see each
  // other's events (with default thresholds they would count them).
  const topics = {
    access: `audit-test.alerts-access-${hex()}`,
    management: `audit-test.alerts-management-${hex()}`,
  };
  await ensureTopics(
    kafka,
    [topics.access, topics.management].map((name) => ({
      name,
      partitions: 3,
      retentionMs: 3_600_000,
      cleanupPolicy: 'delete' as const,
    })),
  );
  const detector = new AlertDetector({
    kafka,
    groupId: config.ALERTS_CONSUMER_GROUP,
    topics: [topics.access, topics.management],
    rules,
    store,
    logger,
  });
  await detector.start();
  const sender = kafka.producer();
  await sender.connect();
  return {
    prisma,
    kafka,
    store,
    groupId: config.ALERTS_CONSUMER_GROUP,
    async produce(events) {
      await sender.send({
        topic: topics.access,
        acks: -1,
        messages: events
          .filter((event) => event.type === 'gateway.access')
          .map((event) => ({
            key: (event as AccessEvent).data.appId ?? event.id,
            value: JSON.stringify(event),
          })),
      });
      const management = events.filter((event) => event.type === 'identity.management');
      if (management.length > 0) {
        await sender.send({
          topic: topics.management,
          acks: -1,
          messages: management.map((event) => ({ key: event.id, value: JSON.stringify(event) })),
        });
      }
    },
    async caughtUp(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const lag = await groupLag(kafka, config.ALERTS_CONSUMER_GROUP, [
          topics.access,
          topics.management,
        ]);
        if (lag === 0) return;
        if (Date.now() > deadline) throw new Error(`detector still ${lag} events behind`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await detector.stop();
      await sender.disconnect();
      await producer.stop();
      redis.disconnect();
      await prisma.$disconnect();
    },
  };
}
