import { createPublicKey, verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import {
  auditCheckpointEventSchema,
  TOPICS,
  type AuditCheckpoint,
  type AuditCheckpointEvent,
} from '@portcullis/contracts';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CHECKPOINT_SIGNING_KEY } from '../../src/checkpoints/checkpoint-env.js';
import { createCheckpointSigner } from '../../src/checkpoints/checkpoints.module.js';
import { loadAuditConfig } from '../../src/config.js';
import { createLogger } from '@portcullis/telemetry';
import {
  CheckpointSigner,
  checkpointSigningInput,
} from '../../src/checkpoints/checkpoint-signer.js';
import { hashRow } from '../../src/integrity/row-hash.js';
import { storedContent, type StoredContentRow } from '../../src/store/stored-row.js';
import { addDays, utcDay } from '../../src/store/utc-day.js';
import { verifyWebhookSignature } from '../../src/siem/webhook-signature.js';
import { startAudit, type AuditTestApp } from '../support/audit-test-app.js';
import {
  createPerson,
  startIdentityProcess,
  type IdentityProcess,
} from '../support/identity-process.js';
import { testKafka, waitFor } from '../support/kafka-helpers.js';
import { testDb } from '../support/test-db.js';
import { accessEvent, unique } from '../support/test-events.js';
import { testWriter } from '../support/writer.js';

// Each test chains a day of its own, far in the future, so no other test touches it.
function privateDay(): { day: string; at: (minute: number) => Date } {
  const day = addDays(utcDay(new Date()), 1000 + Math.floor(Math.random() * 20_000));
  return {
    day,
    at: (minute) => new Date(new Date(`${day}T00:00:00.000Z`).getTime() + minute * 60_000),
  };
}

/** Reads the checkpoint topic from the start, keeping the events `keep` accepts. */
async function readCheckpoints(
  kafka: Kafka,
  keep: (event: AuditCheckpointEvent) => boolean,
  count: number,
): Promise<AuditCheckpointEvent[]> {
  const consumer = kafka.consumer({ groupId: unique('checkpoint-reader') });
  const found: AuditCheckpointEvent[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [TOPICS.auditCheckpoints], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const event = auditCheckpointEventSchema.parse(
          JSON.parse(message.value?.toString('utf8') ?? 'null'),
        );
        if (keep(event)) found.push(event);
      },
    });
    await waitFor(() => found.length >= count, 30_000);
  } finally {
    await consumer.disconnect();
  }
  return found;
}

/** A signed-webhook SIEM endpoint keeping the checkpoint events it receives. */
async function startWebhookReceiver(secret: string) {
  const received: AuditCheckpointEvent[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signature = String(request.headers['x-portcullis-signature'] ?? '');
      if (!verifyWebhookSignature(secret, body, signature, Math.floor(Date.now() / 1000))) {
        response.writeHead(401).end();
        return;
      }
      const { events } = JSON.parse(body) as { events: { type: string }[] };
      for (const event of events) {
        if (event.type === 'audit.checkpoint') {
          received.push(auditCheckpointEventSchema.parse(event));
        }
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/siem`,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('checkpoint signatures', () => {
  const signer = new CheckpointSigner(DEV_CHECKPOINT_SIGNING_KEY);
  const checkpoint = signer.sign({
    chain: '2026-11-27',
    seq: 42,
    headHash: 'a'.repeat(64),
    headEventId: '0193a000-0000-7000-8000-000000000000',
    checkpointedAt: '2026-11-27T12:00:00.000Z',
  });

  it('verifies its own checkpoints with the published public key, as a SIEM would', () => {
    expect(signer.verify(checkpoint)).toBe(true);
    const publicKey = createPublicKey(signer.publicKeyPem);
    expect(
      verify(
        null,
        checkpointSigningInput(checkpoint),
        publicKey,
        Buffer.from(checkpoint.signature, 'base64url'),
      ),
    ).toBe(true);
  });

  it('takes its key from validated configuration and refuses the development key in production', () => {
    const logger = createLogger({ name: 'checkpoint-test', level: 'silent' });
    expect(() =>
      loadAuditConfig({ ...process.env, AUDIT_CHECKPOINT_SIGNING_KEY: 'c2hvcnQ=' }),
    ).toThrow(/AUDIT_CHECKPOINT_SIGNING_KEY/);
    const config = {
      NODE_ENV: 'production' as const,
      AUDIT_CHECKPOINT_SIGNING_KEY: DEV_CHECKPOINT_SIGNING_KEY,
      AUDIT_CHECKPOINT_INTERVAL_SECONDS: 300,
      AUDIT_CHECKPOINT_DAYS: 2,
    };
    expect(() => createCheckpointSigner(config, logger)).toThrow(/AUDIT_CHECKPOINT_SIGNING_KEY/);
    const own = Buffer.alloc(32, 9).toString('base64');
    expect(
      createCheckpointSigner({ ...config, AUDIT_CHECKPOINT_SIGNING_KEY: own }, logger).keyId,
    ).toBe(new CheckpointSigner(own).keyId);
  });

  it('refuses a changed checkpoint and one from another key', () => {
    for (const forged of [
      { ...checkpoint, seq: 41 },
      { ...checkpoint, headHash: 'b'.repeat(64) },
      { ...checkpoint, chain: '2026-11-26' },
      { ...checkpoint, checkpointedAt: '2026-11-27T12:00:01.000Z' },
    ]) {
      expect(signer.verify(forged)).toBe(false);
    }
    const other = new CheckpointSigner(Buffer.alloc(32, 7).toString('base64'));
    expect(other.keyId).not.toBe(signer.keyId);
    expect(other.verify(checkpoint)).toBe(false);
    expect(other.verify({ ...other.sign(checkpoint), keyId: signer.keyId })).toBe(false);
  });
});

describe('chain checkpoints published outside the database', () => {
  let identity: IdentityProcess;
  let audit: AuditTestApp;
  let db: pg.Pool;
  let kafka: Kafka;
  let security: string;
  let developer: string;

  beforeAll(async () => {
    db = testDb();
    kafka = testKafka();
    identity = await startIdentityProcess();
    audit = await startAudit({
      AUDIT_INGEST_ENABLED: 'false',
      AUDIT_CONSUMER_GROUP: unique('audit-checkpoints'),
      IDENTITY_URL: identity.url,
    });
    security = (await createPerson(db, identity.hashKey, { roles: ['security'] })).token;
    developer = (await createPerson(db, identity.hashKey, {})).token;
  });
  afterAll(async () => {
    await audit?.close();
    await identity?.stop();
    await db?.end();
  });

  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${audit.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function checkpointNow(day: string): Promise<AuditCheckpointEvent> {
    const response = await call('POST', '/v1/audit/checkpoints', security, { chain: day });
    expect(response.status).toBe(201);
    const { checkpoints } = (await response.json()) as { checkpoints: AuditCheckpointEvent[] };
    expect(checkpoints).toHaveLength(1);
    return auditCheckpointEventSchema.parse(checkpoints[0]);
  }

  async function verifyAgainst(checkpoint: AuditCheckpoint) {
    const response = await call('POST', '/v1/audit/integrity/checkpoint', security, checkpoint);
    expect(response.status).toBe(200);
    return (await response.json()) as {
      consistent: boolean;
      mismatch: string | null;
      signatureValid: boolean;
      storedHead: { eventId: string; hash: string } | null;
    };
  }

  /** Ten events in two batches on a private day; returns them in chain order. */
  async function storeDay() {
    const { day, at } = privateDay();
    const { store } = testWriter(db);
    const events = Array.from({ length: 10 }, (_, index) => accessEvent({}, { time: at(index) }));
    await store(events.slice(0, 6));
    await store(events.slice(6));
    return { day, at, events };
  }

  it('signs the tip on demand, publishes it on Kafka, and verifies the untouched chain', async () => {
    const { day, events } = await storeDay();
    const event = await checkpointNow(day);
    const tip = await db.query<{ last_hash: string }>(
      'SELECT last_hash FROM audit.audit_chains WHERE chain = $1',
      [day],
    );
    expect(event.data).toMatchObject({
      chain: day,
      seq: 10,
      headHash: tip.rows[0]!.last_hash,
      headEventId: events[9]!.id,
      algorithm: 'Ed25519',
    });

    // The copy outside the database: the checkpoint topic, signed with the published key.
    const [published] = await readCheckpoints(kafka, (candidate) => candidate.id === event.id, 1);
    expect(published!.data).toEqual(event.data);
    const key = (await (await call('GET', '/v1/audit/checkpoints/key', security)).json()) as {
      keyId: string;
      publicKeyPem: string;
    };
    expect(key.keyId).toBe(event.data.keyId);
    expect(
      verify(
        null,
        checkpointSigningInput(published!.data),
        createPublicKey(key.publicKeyPem),
        Buffer.from(published!.data.signature, 'base64url'),
      ),
    ).toBe(true);

    expect(await verifyAgainst(event.data)).toMatchObject({
      consistent: true,
      mismatch: null,
      signatureValid: true,
      storedHead: { eventId: events[9]!.id, hash: event.data.headHash },
    });
  });

  it('detects a chain rewritten with fresh hashes, which the chain check alone cannot', async () => {
    const { day, at } = await storeDay();
    const { data: checkpoint } = await checkpointNow(day);

    // Someone with write access edits row 4 and recomputes every hash after it, and the tip.
    await db.query(
      `UPDATE audit.audit_events SET status = 503, data = jsonb_set(data, '{status}', '503')
        WHERE chain = $1 AND chain_seq = 4`,
      [day],
    );
    const rows = await db.query<StoredContentRow & { chain_seq: string }>(
      `SELECT id, time, type, version, source, trace_id, team_id, app_id, client_id, api_id,
              action, decision, reason, status, source_ip, latency_ms, data, chain_seq
         FROM audit.audit_events WHERE chain = $1 ORDER BY chain_seq`,
      [day],
    );
    let prevHash: string | null = null;
    for (const row of rows.rows) {
      const hash = hashRow(storedContent(row), {
        chain: day,
        chainSeq: Number(row.chain_seq),
        prevHash,
      });
      await db.query('UPDATE audit.audit_events SET prev_hash = $1, hash = $2 WHERE id = $3', [
        prevHash,
        hash,
        row.id,
      ]);
      prevHash = hash;
    }
    await db.query('UPDATE audit.audit_chains SET last_hash = $1 WHERE chain = $2', [
      prevHash,
      day,
    ]);

    const range = `from=${at(0).toISOString()}&to=${at(0).toISOString()}`;
    const plain = (await (await call('GET', `/v1/audit/integrity?${range}`, security)).json()) as {
      intact: boolean;
    };
    expect(plain.intact).toBe(true);
    expect(await verifyAgainst(checkpoint)).toMatchObject({
      consistent: false,
      mismatch: 'head_changed',
      signatureValid: true,
    });
  });

  it('detects rows removed from the end with the tip moved back', async () => {
    const { day } = await storeDay();
    const { data: checkpoint } = await checkpointNow(day);
    await db.query('DELETE FROM audit.audit_events WHERE chain = $1 AND chain_seq > 7', [day]);
    await db.query(
      `UPDATE audit.audit_chains c SET length = 7, last_hash = e.hash, last_event_id = e.id,
              last_time = e.time
         FROM audit.audit_events e WHERE c.chain = $1 AND e.chain = $1 AND e.chain_seq = 7`,
      [day],
    );
    expect(await verifyAgainst(checkpoint)).toMatchObject({
      consistent: false,
      mismatch: 'head_missing',
      storedHead: null,
    });
  });

  it('refuses a forged checkpoint and answers bad bodies with 400', async () => {
    const { day } = await storeDay();
    const { data: checkpoint } = await checkpointNow(day);
    expect(await verifyAgainst({ ...checkpoint, seq: 3 })).toMatchObject({
      consistent: false,
      mismatch: 'signature_invalid',
      signatureValid: false,
    });
    const bad = await call('POST', '/v1/audit/integrity/checkpoint', security, { chain: day });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect((await call('POST', '/v1/audit/checkpoints', security, { chain: 'x' })).status).toBe(
      400,
    );
    // Well-shaped but no calendar day (found by e2e/reliability/hostile fuzzing: was a 500).
    const impossible = await call('POST', '/v1/audit/integrity/checkpoint', security, {
      ...checkpoint,
      chain: '4352-41-96',
    });
    expect(impossible.status).toBe(400);
    expect(
      (await call('POST', '/v1/audit/checkpoints', security, { chain: '2026-02-30' })).status,
    ).toBe(400);
  });

  it('refuses developers every checkpoint route', async () => {
    const { day } = await storeDay();
    const { data: checkpoint } = await checkpointNow(day);
    for (const [method, path, body] of [
      ['POST', '/v1/audit/checkpoints', { chain: day }],
      ['GET', '/v1/audit/checkpoints/key', undefined],
      ['POST', '/v1/audit/integrity/checkpoint', checkpoint],
    ] as const) {
      const response = await call(method, path, developer, body);
      expect(response.status, `${method} ${path}`).toBe(403);
    }
  });
});

describe('periodic checkpoints to the SIEM sinks', () => {
  let identity: IdentityProcess;
  let audit: AuditTestApp;
  let db: pg.Pool;
  let security: string;
  const prefix = unique('cp-sinks');

  beforeAll(async () => {
    db = testDb();
    identity = await startIdentityProcess();
    audit = await startAudit({
      AUDIT_INGEST_ENABLED: 'false',
      AUDIT_CONSUMER_GROUP: unique('audit-checkpoints-timer'),
      IDENTITY_URL: identity.url,
      // This app's exporter runs only the sink this test creates.
      SIEM_EXPORT_ENABLED: 'true',
      SIEM_SINK_NAME_PREFIX: prefix,
      AUDIT_CHECKPOINT_INTERVAL_SECONDS: '1',
    });
    security = (await createPerson(db, identity.hashKey, { roles: ['security'] })).token;
  });
  afterAll(async () => {
    await audit?.close();
    await identity?.stop();
    await db?.end();
  });

  it('checkpoints a chain that moved, unasked, and a webhook sink receives it signed', async () => {
    const secret = 'checkpoint-sink-secret-0123456789';
    const receiver = await startWebhookReceiver(secret);
    const headers = { authorization: `Bearer ${security}`, 'content-type': 'application/json' };
    const created = await fetch(`${audit.url}/v1/siem/sinks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: `${prefix}-webhook`,
        kind: 'webhook',
        config: { url: receiver.url, batchSize: 10 },
        secret: { secret },
        eventTypes: ['audit.checkpoint'],
      }),
    });
    expect(created.status).toBe(201);
    const sink = (await created.json()) as { id: string };
    try {
      // Today's chain moves (the timer looks at recent days only).
      const event = accessEvent({}, { time: new Date() });
      await testWriter(db).store([event]);
      const row = await db.query<{ chain: string; chain_seq: string }>(
        'SELECT chain, chain_seq::text FROM audit.audit_events WHERE id = $1',
        [event.id],
      );
      const { chain, chain_seq: stored } = row.rows[0]!;
      await waitFor(
        () =>
          receiver.received.some(
            (checkpoint) =>
              checkpoint.data.chain === chain && checkpoint.data.seq >= Number(stored),
          ),
        60_000,
      );
      const received = receiver.received.find(
        (checkpoint) => checkpoint.data.chain === chain && checkpoint.data.seq >= Number(stored),
      )!;
      const key = (await (
        await fetch(`${audit.url}/v1/audit/checkpoints/key`, { headers })
      ).json()) as { publicKeyPem: string };
      expect(
        verify(
          null,
          checkpointSigningInput(received.data),
          createPublicKey(key.publicKeyPem),
          Buffer.from(received.data.signature, 'base64url'),
        ),
      ).toBe(true);
    } finally {
      await fetch(`${audit.url}/v1/siem/sinks/${sink.id}`, { method: 'DELETE', headers });
      await receiver.close();
    }
  });
});
