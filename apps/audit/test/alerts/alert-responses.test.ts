import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { createKafka, EventProducer } from '@portcullis/kafka';
import { createLogger } from '@portcullis/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../../src/alerts/alert-detection.js';
import { AlertNotifier } from '../../src/alerts/alert-notifier.js';
import { AlertResponses } from '../../src/alerts/alert-responses.service.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { IdentityResponsesClient } from '../../src/alerts/identity-responses-client.js';
import { AuditManagementEvents } from '../../src/siem/sink-management-events.js';
import { waitFor } from '../siem/siem-harness.js';
import { hex, randomIp } from './alerts-harness.js';

const TOKEN = 'pcl_svc_dev_audit_token_change_me_00000000000';

/**
 * A peer for the identity contract audit needs (not built in identity yet):
 * PUT /v1/security/responses/:id {action, target, until, reason, source} → 200/201,
 * DELETE /v1/security/responses/:id → 204 (404 if unknown), audit's service token required.
 */
class IdentityPeer {
  readonly active = new Map<string, Record<string, unknown>>();
  readonly calls: string[] = [];
  down = false;
  #server: Server | undefined;

  get url(): string {
    const address = this.#server?.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const match = /^\/v1\/security\/responses\/([\w-]+)$/.exec(request.url ?? '');
        this.calls.push(`${request.method} ${request.url}`);
        if (this.down) return void response.writeHead(503).end();
        if (request.headers.authorization !== `Bearer ${TOKEN}`)
          return void response.writeHead(401).end();
        if (!match) return void response.writeHead(404).end();
        const id = match[1]!;
        if (request.method === 'PUT') {
          const created = !this.active.has(id);
          this.active.set(
            id,
            JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          );
          return void response.writeHead(created ? 201 : 200).end();
        }
        if (request.method === 'DELETE') {
          return void response.writeHead(this.active.delete(id) ? 204 : 404).end();
        }
        response.writeHead(405).end();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

describe('alert responses through identity', () => {
  const identity = new IdentityPeer();
  let prisma: PrismaClient;
  let producer: EventProducer;
  let responses: AlertResponses;
  let store: AlertStore;
  const actor = { type: 'user' as const, id: randomUUID(), label: 'sec@example.com' };

  beforeAll(async () => {
    await identity.start();
    const logger = createLogger({ name: 'responses-test', level: process.env.LOG_LEVEL ?? 'warn' });
    prisma = createPrismaClient({ databaseUrl: process.env.DATABASE_URL ?? '' });
    const kafka = createKafka({
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
      clientId: 'responses-test',
    });
    producer = new EventProducer({
      kafka,
      spoolDir: mkdtempSync(join(tmpdir(), 'responses-')),
      name: 'responses-test',
    });
    await producer.start();
    responses = new AlertResponses(
      prisma,
      new IdentityResponsesClient(identity.url, TOKEN),
      { revoked_credential_use: { action: 'suspend_credential', minutes: 15 } },
      new AuditManagementEvents(producer),
      logger,
    );
    const config = {
      NODE_ENV: 'test' as const,
      REDIS_URL: '',
      ALERTS_ENABLED: false,
      ALERTS_CONSUMER_GROUP: 'x',
      ALERT_RULES: {} as never,
    };
    store = new AlertStore(prisma, new AlertNotifier(producer, config, logger), responses);
  });

  afterAll(async () => {
    await producer?.stop();
    await prisma?.$disconnect();
    await identity.stop();
  });

  function detection(rule: Detection['rule'], subject: Record<string, unknown>): Detection {
    return {
      rule,
      severity: 'high',
      dedupKey: `${rule}:test:${hex()}`,
      summary: 'test',
      subject,
      at: new Date(),
    };
  }

  it('blocks the alert’s source address for a while, records it, and undoes it', async () => {
    const ip = randomIp();
    const { alert } = await store.raise(detection('auth_failure_burst_source', { sourceIp: ip }));
    const applied = await responses.apply(alert.id, { action: 'block_ip', minutes: 30 }, actor);
    expect(applied).toMatchObject({
      action: 'block_ip',
      target: ip,
      createdById: actor.id,
      undoneAt: null,
    });
    expect(identity.active.get(applied.id)).toMatchObject({
      action: 'block_ip',
      target: ip,
      source: { service: 'audit', alertId: alert.id },
    });
    const until = Date.parse(String(identity.active.get(applied.id)?.until));
    expect(until).toBe(Date.parse(applied.until!));

    const undone = await responses.undo(alert.id, applied.id, actor);
    expect(undone.undoneAt).not.toBeNull();
    expect(undone.undoneById).toBe(actor.id);
    expect(identity.active.has(applied.id)).toBe(false);
    await expect(responses.undo(alert.id, applied.id, actor)).rejects.toMatchObject({
      problem: { status: 409 },
    });
    expect(await responses.list(alert.id)).toHaveLength(1);
  });

  it('records nothing when identity does not apply it', async () => {
    const { alert } = await store.raise(
      detection('auth_failure_burst_source', { sourceIp: randomIp() }),
    );
    identity.down = true;
    try {
      await expect(
        responses.apply(alert.id, { action: 'block_ip', minutes: 5 }, actor),
      ).rejects.toMatchObject({
        problem: { status: 502 },
      });
    } finally {
      identity.down = false;
    }
    expect(await responses.list(alert.id)).toHaveLength(0);
  });

  it('refuses a response without a target', async () => {
    const { alert } = await store.raise(detection('traffic_above_baseline', { appId: 'a' }));
    await expect(
      responses.apply(alert.id, { action: 'suspend_credential', minutes: 5 }, actor),
    ).rejects.toMatchObject({
      problem: { status: 400 },
    });
  });

  it('applies the rule’s automatic response when its alert opens', async () => {
    const credentialId = `cred-${hex()}`;
    const { alert, opened } = await store.raise(
      detection('revoked_credential_use', { credentialId }),
    );
    expect(opened).toBe(true);
    const rows = await waitFor(
      'the automatic response',
      () => responses.list(alert.id),
      (list) => list.length > 0,
    );
    expect(rows[0]).toMatchObject({
      action: 'suspend_credential',
      target: credentialId,
      createdById: null,
    });
    expect(identity.active.get(rows[0]!.id)).toMatchObject({
      action: 'suspend_credential',
      target: credentialId,
    });
  });
});
