import { randomUUID } from 'node:crypto';
import { parseEvent, TOPICS, type ManagementEvent } from '@portcullis/contracts';
import { createKafka, runConsumer } from '@portcullis/kafka';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAudit, type AuditTestApp } from '../support/audit-test-app.js';
import {
  createPerson,
  startIdentityProcess,
  type IdentityProcess,
} from '../support/identity-process.js';
import { testDb } from '../support/test-db.js';
import { accessEvent, unique } from '../support/test-events.js';
import { testWriter } from '../support/writer.js';

// The audit API end to end: real identity (child process) vouching for session tokens.
describe('audit HTTP API', () => {
  let identity: IdentityProcess;
  let audit: AuditTestApp;
  let db: pg.Pool;
  let security: string;
  let developer: string;
  const apiId = unique('api');
  const teamId = randomUUID();
  const base = Date.parse('2026-11-21T10:00:00.000Z') + Math.floor(Math.random() * 3_000) * 1000;
  const at = (second: number) => new Date(base + second * 1000);
  const ids: string[] = [];

  beforeAll(async () => {
    db = testDb();
    identity = await startIdentityProcess();
    audit = await startAudit({
      AUDIT_INGEST_ENABLED: 'false',
      AUDIT_CONSUMER_GROUP: unique('audit-http'),
      IDENTITY_URL: identity.url,
      // As behind the portal: its X-Forwarded-For names the person's address.
      TRUSTED_PROXIES: '127.0.0.1,::1',
    });
    security = (await createPerson(db, identity.hashKey, { roles: ['security'] })).token;
    developer = (await createPerson(db, identity.hashKey, { teamId })).token;
    const events = [
      ...Array.from({ length: 7 }, (_, index) =>
        accessEvent(
          { apiId, teamId, latencyMs: { total: 10, upstream: null } },
          { time: at(index) },
        ),
      ),
      accessEvent({ apiId, teamId: unique('team'), sourceIp: '=1+2' }, { time: at(10) }),
    ];
    ids.push(...events.map((event) => event.id));
    await testWriter(db).store(events);
  });
  afterAll(async () => {
    await audit?.close();
    await identity?.stop();
    await db?.end();
  });

  const get = (path: string, token: string, headers: Record<string, string> = {}) =>
    fetch(`${audit.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });

  it('lets security search with filters and pages through with the cursor', async () => {
    const first = await get(`/v1/audit/events?apiId=${apiId}&limit=5`, security);
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as { items: { id: string }[]; nextCursor: string | null };
    expect(page1.items).toHaveLength(5);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const second = await get(
      `/v1/audit/events?apiId=${apiId}&limit=5&cursor=${encodeURIComponent(page1.nextCursor!)}`,
      security,
    );
    const page2 = (await second.json()) as { items: { id: string }[]; nextCursor: string | null };
    expect(page2.items).toHaveLength(3);
    expect(page2.nextCursor).toBeNull();
    expect(new Set([...page1.items, ...page2.items].map((item) => item.id))).toEqual(new Set(ids));
  });

  it('answers bad parameters with 400 problem+json', async () => {
    for (const query of [
      'limit=501',
      'limit=0',
      'status=abc',
      'decision=maybe',
      'from=yesterday',
      'from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z',
      'cursor=not-a-cursor',
      'unknown=1',
      'traceId=xyz',
    ]) {
      const response = await get(`/v1/audit/events?${query}`, security);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    const usage = await get(
      `/v1/audit/usage?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z&bucket=minute`,
      security,
    );
    expect(usage.status).toBe(400);
  });

  it('exports CSV with escaping and formula defusing, and NDJSON', async () => {
    const csv = await get(`/v1/audit/events/export?format=csv&apiId=${apiId}`, security);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).split('\r\n').filter((line) => line.length > 0);
    expect(lines).toHaveLength(9);
    expect(lines[0]!.startsWith('id,time,')).toBe(true);
    expect(lines.some((line) => line.includes(",'=1+2,"))).toBe(true);

    const ndjson = await get(`/v1/audit/events/export?format=ndjson&apiId=${apiId}`, security);
    const records = (await ndjson.text())
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as { id: string });
    expect(new Set(records.map((record) => record.id))).toEqual(new Set(ids));
  });

  it('records every export as a management event: who, which filters, how many rows', async () => {
    const exportedApi = unique('api-exported');
    await testWriter(db).store([
      accessEvent({ apiId: exportedApi, teamId }, { time: at(20) }),
      accessEvent({ apiId: exportedApi, teamId }, { time: at(21) }),
    ]);
    const found: ManagementEvent[] = [];
    const consumer = await runConsumer({
      kafka: createKafka({
        brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
        clientId: unique('export-audit'),
      }),
      groupId: unique('export-audit'),
      topics: [TOPICS.managementEvents],
      fromBeginning: true,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const parsed = parseEvent(message.value);
          if (parsed.ok && parsed.event.type === 'identity.management') found.push(parsed.event);
        }
      },
    });
    try {
      const response = await get(
        `/v1/audit/events/export?format=ndjson&apiId=${exportedApi}`,
        security,
        { 'user-agent': 'export-test', 'x-forwarded-for': '203.0.113.44' },
      );
      expect((await response.text()).trim().split('\n')).toHaveLength(2);
      const deadline = Date.now() + 20_000;
      let recorded: ManagementEvent | undefined;
      while (!recorded && Date.now() < deadline) {
        recorded = found.find(
          (event) =>
            event.data.action === 'audit.events_exported' && event.data.apiId === exportedApi,
        );
        if (!recorded) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(recorded?.data).toMatchObject({
        outcome: 'success',
        actor: { type: 'user' },
        userAgent: 'export-test',
        sourceIp: '203.0.113.44',
        details: { rows: 2, completed: true, filters: { apiId: exportedApi, format: 'ndjson' } },
      });
      expect(recorded?.data.actor.label).toMatch(/@/);
    } finally {
      await consumer.stop();
    }
  });

  it("refuses developers search but shows them their own team's usage", async () => {
    expect((await get(`/v1/audit/events?apiId=${apiId}`, developer)).status).toBe(403);
    expect((await get(`/v1/audit/events/export?apiId=${apiId}`, developer)).status).toBe(403);
    const range = `from=${at(0).toISOString()}&to=${at(60).toISOString()}&bucket=hour`;
    const own = await get(`/v1/audit/usage?apiId=${apiId}&${range}`, developer);
    expect(own.status).toBe(200);
    const ownBody = (await own.json()) as { buckets: { requests: number }[] };
    expect(ownBody.buckets.reduce((sum, bucket) => sum + bucket.requests, 0)).toBe(7);
    const all = (await (await get(`/v1/audit/usage?apiId=${apiId}&${range}`, security)).json()) as {
      buckets: { requests: number; latencyMs: { p50: number | null } }[];
    };
    expect(all.buckets.reduce((sum, bucket) => sum + bucket.requests, 0)).toBe(8);
  });

  it('verifies integrity for security only', async () => {
    const range = `from=${at(0).toISOString()}&to=${at(10).toISOString()}`;
    expect((await get(`/v1/audit/integrity?${range}`, developer)).status).toBe(403);
    const response = await get(`/v1/audit/integrity?${range}`, security);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { chains: { chain: string }[] };
    expect(body.chains.map((chain) => chain.chain)).toContain(at(0).toISOString().slice(0, 10));
    expect((await get('/v1/audit/integrity?from=x', security)).status).toBe(400);
  });

  it('refuses a session identity does not know', async () => {
    const response = await get('/v1/audit/events', `pcl_sess_${'b'.repeat(43)}`);
    expect(response.status).toBe(401);
  });
});
