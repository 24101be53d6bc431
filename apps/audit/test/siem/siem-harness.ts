import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS, type AccessEvent } from '@portcullis/contracts';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { createKafka, EventProducer } from '@portcullis/kafka';
import { createLogger } from '@portcullis/telemetry';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { AuditManagementEvents } from '../../src/siem/sink-management-events.js';
import { SinkSecretCipher } from '../../src/siem/sink-secret-cipher.js';
import { SinkSupervisor } from '../../src/siem/sink-supervisor.js';
import { DEV_SINK_SECRET_KEY, type SiemConfig } from '../../src/siem/siem-env.js';
import { SiemSinksService } from '../../src/siem/siem-sinks.service.js';

export interface SiemHarness {
  prisma: PrismaClient;
  kafka: Kafka;
  producer: EventProducer;
  logger: Logger;
  supervisor: SinkSupervisor;
  sinks: SiemSinksService;
  /** Sink names must start with this: the harness runs only its own sinks. */
  prefix: string;
  close(): Promise<void>;
}

/** The SIEM services wired by hand against the test database and broker (no HTTP layer). */
export async function startSiem(overrides: Partial<SiemConfig> = {}): Promise<SiemHarness> {
  const logger = createLogger({ name: 'siem-test', level: process.env.LOG_LEVEL ?? 'warn' });
  const prisma = createPrismaClient({ databaseUrl: process.env.DATABASE_URL ?? '' });
  const kafka = createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
    clientId: 'siem-test',
  });
  const producer = new EventProducer({
    kafka,
    spoolDir: mkdtempSync(join(tmpdir(), 'siem-spool-')),
    name: 'siem-test',
  });
  await producer.start();
  const config: SiemConfig = {
    NODE_ENV: 'test',
    AUDIT_SINK_SECRET_KEY: DEV_SINK_SECRET_KEY,
    AUDIT_SINK_SECRET_KEY_PREVIOUS: [],
    SIEM_EXPORT_ENABLED: true,
    SIEM_RECONCILE_SECONDS: 3600,
    SIEM_RETRY_MAX_SECONDS: 2,
    SIEM_CONFIG_ERROR_RETRY_SECONDS: 3,
    ...overrides,
  };
  const cipher = new SinkSecretCipher(config.AUDIT_SINK_SECRET_KEY);
  // Tests share the database: each harness runs only the sinks it created.
  const prefix = `t${randomBytes(4).toString('hex')}-`;
  const supervisor = new SinkSupervisor(prisma, kafka, config, logger, cipher, {
    namePrefix: prefix,
  });
  const sinks = new SiemSinksService(
    prisma,
    kafka,
    cipher,
    supervisor,
    new AuditManagementEvents(producer),
  );
  return {
    prisma,
    kafka,
    producer,
    logger,
    supervisor,
    sinks,
    prefix,
    async close() {
      await supervisor.onApplicationShutdown();
      await producer.stop();
      await prisma.$disconnect();
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!accept(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await probe();
  }
  return last;
}

/** Produces access events to their topic, acknowledged by every replica. */
export async function produceAccess(harness: SiemHarness, events: AccessEvent[]): Promise<void> {
  const producer = harness.kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: TOPICS.accessEvents,
      acks: -1,
      messages: events.map((event) => ({
        key: event.data.appId ?? event.id,
        value: JSON.stringify(event),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}
