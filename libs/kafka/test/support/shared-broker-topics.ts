import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka, ensureTopics } from '../../src/index.js';
import { sharedBrokers } from './broker.js';

export interface SharedBrokerTopics {
  brokers: string[];
  kafka: Kafka;
  /** Connected. */
  admin: Admin;
  /** A fresh folder for spool files. */
  spoolDir: string;
  /** Deletes the topics and the spool folder, disconnects the admin. */
  close(): Promise<void>;
}

/** A test file's own topics (3 partitions each) on the shared broker, and a spool folder. */
export async function openSharedBrokerTopics(
  clientId: string,
  topics: readonly string[],
): Promise<SharedBrokerTopics> {
  const brokers = await sharedBrokers();
  const kafka = createKafka({ brokers, clientId });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(
    kafka,
    topics.map((name) => ({ name, partitions: 3, retentionMs: 3_600_000 })),
  );
  const spoolDir = mkdtempSync(join(tmpdir(), `portcullis-${clientId}-`));
  return {
    brokers,
    kafka,
    admin,
    spoolDir,
    async close() {
      await admin.deleteTopics({ topics: [...topics] }).catch(() => undefined);
      await admin.disconnect();
      rmSync(spoolDir, { recursive: true, force: true });
    },
  };
}
