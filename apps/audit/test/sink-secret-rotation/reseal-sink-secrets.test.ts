import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { TOPICS, type ManagementEvent } from '@portcullis/contracts';
import { EventProducer } from '@portcullis/kafka';
import type { KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditManagementEvents } from '../../src/siem/sink-management-events.js';
import { SinkSecretCipher } from '../../src/siem/sink-secret-cipher.js';
import { resealSinkSecrets } from '../../src/sink-secret-rotation/reseal-sink-secrets.js';
import { testKafka, waitFor } from '../support/kafka-helpers.js';
import { unique } from '../support/test-events.js';

const newKey = () => randomBytes(32).toString('base64');

/**
 * Rotating AUDIT_SINK_SECRET_KEY. In a database of its own: re-encrypting touches every sink row,
 * and other tests' sinks run on the development key.
 */
describe('rotating the sink secret key', () => {
  const databaseName = `portcullis_test_sinkkey_${randomBytes(4).toString('hex')}`;
  const databaseUrl = (() => {
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${databaseName}`;
    return url.toString();
  })();
  let prisma: PrismaClient;
  let producer: EventProducer;
  const oldKey = newKey();
  const currentKey = newKey();

  beforeAll(async () => {
    const engine = (await import(
      resolve(import.meta.dirname, '../../../../tools/db/schema-engine.ts')
    )) as { resetDatabase(url: string, options?: { force?: boolean }): Promise<void> };
    await engine.resetDatabase(databaseUrl, { force: true });
    prisma = createPrismaClient({ databaseUrl, applicationName: 'sink-key-test', poolMax: 2 });
    producer = new EventProducer({
      kafka: testKafka('sink-key-test'),
      spoolDir: mkdtempSync(join(tmpdir(), 'sink-key-spool-')),
      name: 'sink-key-test',
    });
    await producer.start();
  });
  afterAll(async () => {
    await producer?.stop();
    await prisma?.$disconnect();
    const maintenance = new URL(process.env.DATABASE_URL!);
    maintenance.pathname = '/postgres';
    const client = new pg.Client({ connectionString: maintenance.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await client.end();
  });

  async function sinkWith(cipher: SinkSecretCipher | null, secret = { token: 'hec-token' }) {
    const id = randomUUID();
    await prisma.siemSink.create({
      data: {
        id,
        name: unique('rotation-sink'),
        kind: 'splunk_hec',
        config: { url: 'https://splunk.example.test:8088/services/collector/event' },
        secretEncrypted: cipher ? cipher.encrypt(id, secret) : null,
      },
    });
    return id;
  }

  it('re-encrypts what an earlier key encrypted, leaves the rest, and then needs only the new key', async () => {
    const oldOnly = new SinkSecretCipher(oldKey);
    const rotating = new SinkSecretCipher(currentKey, [oldKey]);
    const [old1, old2, current, stray] = [
      await sinkWith(oldOnly, { token: 'old-1' }),
      await sinkWith(oldOnly, { token: 'old-2' }),
      await sinkWith(new SinkSecretCipher(currentKey), { token: 'current' }),
      await sinkWith(new SinkSecretCipher(newKey()), { token: 'stray' }),
    ];
    await sinkWith(null);
    const strayBefore = (await prisma.siemSink.findUniqueOrThrow({ where: { id: stray } }))
      .secretEncrypted;

    const report = await resealSinkSecrets(
      prisma,
      rotating,
      1,
      new AuditManagementEvents(producer),
    );
    expect(report).toEqual({ resealed: 2, current: 1, unreadable: [stray] });
    const newOnly = new SinkSecretCipher(currentKey);
    for (const [id, token] of [
      [old1, 'old-1'],
      [old2, 'old-2'],
      [current, 'current'],
    ] as const) {
      const row = await prisma.siemSink.findUniqueOrThrow({ where: { id } });
      expect(newOnly.decrypt(id, row.secretEncrypted!)).toEqual({ token });
      expect(() => oldOnly.decrypt(id, row.secretEncrypted!)).toThrow('unreadable sink secret');
    }
    expect(
      (await prisma.siemSink.findUniqueOrThrow({ where: { id: stray } })).secretEncrypted,
    ).toBe(strayBefore);
    // Nothing left under the old key: a second run re-encrypts nothing.
    expect(
      await resealSinkSecrets(prisma, rotating, 1, new AuditManagementEvents(producer)),
    ).toEqual({
      resealed: 0,
      current: 3,
      unreadable: [stray],
    });

    // Published (counts only) for the audit trail.
    const kafka = testKafka('sink-key-reader');
    const consumer = kafka.consumer({ groupId: unique('sink-key-reader') });
    const seen: KafkaMessage[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [TOPICS.managementEvents], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
      const ours = () =>
        seen
          .map((message) => JSON.parse(message.value!.toString()) as ManagementEvent)
          .filter(
            (event) =>
              event.data.action === 'master_key.resealed' &&
              event.data.target.type === 'sink_secret_key' &&
              (event.data.details.siemSinkSecrets as { resealed: number }).resealed === 2 &&
              (event.data.details.siemSinkSecrets as { current: number }).current === 1,
          );
      await waitFor(() => ours().length > 0, 30_000);
      expect(ours()[0]!.data).toMatchObject({
        outcome: 'failure',
        actor: { type: 'system', label: 'rotate-sink-secret-key' },
        details: { previousKeys: 1, siemSinkSecrets: { unreadable: 1 } },
      });
      expect(JSON.stringify(ours())).not.toContain('old-1');
    } finally {
      await consumer.disconnect();
    }
  });
});
