import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAudit, type AuditTestApp } from '../support/audit-test-app.js';
import {
  createCatalogApi,
  createPerson,
  startIdentityProcess,
  type IdentityProcess,
} from '../support/identity-process.js';
import { testDb } from '../support/test-db.js';
import { accessEvent, alertEvent, unique } from '../support/test-events.js';
import { testWriter } from '../support/writer.js';

// An approver (identity's per-API approver role, through GET /v1/me) sees the events and usage of
// the APIs they approve for and nothing else; a real identity process vouches for every session.
describe('audit HTTP API for approvers', () => {
  let identity: IdentityProcess;
  let audit: AuditTestApp;
  let db: pg.Pool;
  let approver: string;
  let approvedApi: string;
  let otherApi: string;
  const approverTeam = randomUUID();
  const base = Date.parse('2026-11-20T08:00:00.000Z') + Math.floor(Math.random() * 3_000) * 1000;
  const at = (second: number) => new Date(base + second * 1000);
  const range = () => `from=${at(0).toISOString()}&to=${at(60).toISOString()}`;
  const approvedIds: string[] = [];

  beforeAll(async () => {
    db = testDb();
    identity = await startIdentityProcess();
    audit = await startAudit({
      AUDIT_INGEST_ENABLED: 'false',
      AUDIT_CONSUMER_GROUP: unique('audit-approver'),
      IDENTITY_URL: identity.url,
    });
    approvedApi = await createCatalogApi(db);
    otherApi = await createCatalogApi(db);
    // Also a team member: search must still show API rows only, never the team's other traffic.
    approver = (
      await createPerson(db, identity.hashKey, { approverOf: [approvedApi], teamId: approverTeam })
    ).token;
    const approved = Array.from({ length: 4 }, (_, index) =>
      accessEvent({ apiId: approvedApi, teamId: unique('team') }, { time: at(index) }),
    );
    const other = [
      ...Array.from({ length: 3 }, (_, index) =>
        accessEvent({ apiId: otherApi, teamId: unique('team') }, { time: at(10 + index) }),
      ),
      // The approver's own team calling the other API: visible in usage (team), not in search.
      accessEvent({ apiId: otherApi, teamId: approverTeam }, { time: at(20) }),
    ];
    approvedIds.push(...approved.map((event) => event.id));
    // Security's alert about the approver's own API: never theirs to read.
    const alert = alertEvent({ apiId: approvedApi, time: at(30) });
    await testWriter(db).store([...approved, ...other, alert]);
  });
  afterAll(async () => {
    await audit?.close();
    await identity?.stop();
    await db?.end();
  });

  const get = (path: string) =>
    fetch(`${audit.url}${path}`, { headers: { authorization: `Bearer ${approver}` } });

  it('searches only the events of the APIs they approve for', async () => {
    const response = await get(`/v1/audit/events?${range()}&limit=500`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: { id: string; apiId: string }[] };
    expect(new Set(body.items.map((item) => item.id))).toEqual(new Set(approvedIds));
    expect(body.items.every((item) => item.apiId === approvedApi)).toBe(true);

    const filtered = await get(`/v1/audit/events?${range()}&apiId=${approvedApi}`);
    expect(((await filtered.json()) as { items: unknown[] }).items).toHaveLength(4);
  });

  it("never sees security's alerts about their APIs, in search or export", async () => {
    for (const path of [
      `/v1/audit/events?${range()}&type=audit.alert&apiId=${approvedApi}`,
      `/v1/audit/events?${range()}&type=audit.alert`,
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(((await response.json()) as { items: unknown[] }).items, path).toEqual([]);
    }
    const exported = await get(`/v1/audit/events/export?format=ndjson&${range()}&type=audit.alert`);
    expect(exported.status).toBe(200);
    expect((await exported.text()).trim()).toBe('');
  });

  it('is refused another API with 403 problem+json', async () => {
    for (const path of [
      `/v1/audit/events?${range()}&apiId=${otherApi}`,
      `/v1/audit/events/export?format=ndjson&apiId=${otherApi}`,
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('exports only the events of their APIs', async () => {
    const response = await get(`/v1/audit/events/export?format=ndjson&${range()}`);
    expect(response.status).toBe(200);
    const ids = (await response.text())
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(new Set(ids)).toEqual(new Set(approvedIds));
  });

  it("sees usage of their APIs and their own team's applications only", async () => {
    const total = async (query: string) => {
      const response = await get(`/v1/audit/usage?${range()}&bucket=hour${query}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { buckets: { requests: number }[] };
      return body.buckets.reduce((sum, bucket) => sum + bucket.requests, 0);
    };
    // 4 on the approved API + 1 of their team on the other API; not the other 3.
    expect(await total('')).toBe(5);
    expect(await total(`&apiId=${approvedApi}`)).toBe(4);
    expect(await total(`&apiId=${otherApi}`)).toBe(1);
  });

  it('may not verify the chains or manage SIEM sinks', async () => {
    expect((await get(`/v1/audit/integrity?${range()}`)).status).toBe(403);
    expect((await get('/v1/siem/sinks')).status).toBe(403);
    expect((await get('/v1/alerts')).status).toBe(403);
  });
});
