import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEvents, searchEvents } from '../../src/query/event-search.js';
import { usage } from '../../src/query/usage.js';
import { testDb } from '../support/test-db.js';
import { accessEvent, managementEvent, unique } from '../support/test-events.js';
import { testWriter } from '../support/writer.js';

describe('audit event search and usage', () => {
  let db: pg.Pool;
  const apiId = unique('api');
  const otherApiId = unique('api');
  const teamId = unique('team');
  const appId = unique('app');
  const base = Date.parse('2026-11-20T10:00:00.000Z') + Math.floor(Math.random() * 3_000) * 1000;
  const at = (second: number) => new Date(base + second * 1000);
  let events: ReturnType<typeof accessEvent>[];

  beforeAll(async () => {
    db = testDb();
    const { store } = testWriter(db);
    // 12 allowed (latency 1..12 ms), 3 denied, 2 upstream errors, on apiId; 4 on another API.
    events = [
      ...Array.from({ length: 12 }, (_, index) =>
        accessEvent(
          { apiId, teamId, appId, latencyMs: { total: index + 1, upstream: null } },
          { time: at(index) },
        ),
      ),
      ...Array.from({ length: 3 }, (_, index) =>
        accessEvent(
          {
            apiId,
            teamId,
            appId,
            decision: 'deny',
            reason: 'rate_limited',
            status: 429,
            sourceIp: '203.0.113.9',
          },
          { time: at(20 + index) },
        ),
      ),
      ...Array.from({ length: 2 }, (_, index) =>
        accessEvent(
          { apiId, teamId, appId, status: 502, reason: 'upstream_error' },
          { time: at(70 + index) },
        ),
      ),
      ...Array.from({ length: 4 }, (_, index) =>
        accessEvent({ apiId: otherApiId, teamId: unique('team') }, { time: at(30 + index) }),
      ),
    ];
    await store([...events, managementEvent({ apiId, teamId, time: at(40) })]);
  });
  afterAll(async () => {
    await db.end();
  });

  it('filters by API, decision, status and source IP', async () => {
    const all = await searchEvents(db, { apiId }, { kind: 'all' }, 500);
    expect(all.items).toHaveLength(18);
    const denied = await searchEvents(db, { apiId, decision: 'deny' }, { kind: 'all' }, 500);
    expect(denied.items).toHaveLength(3);
    expect(denied.items.every((item) => item.status === 429)).toBe(true);
    const byIp = await searchEvents(db, { apiId, sourceIp: '203.0.113.9' }, { kind: 'all' }, 500);
    expect(byIp.items).toHaveLength(3);
    const errors = await searchEvents(db, { apiId, status: 502 }, { kind: 'all' }, 500);
    expect(errors.items).toHaveLength(2);
    const management = await searchEvents(
      db,
      { apiId, type: 'identity.management' },
      { kind: 'all' },
      500,
    );
    expect(management.items).toHaveLength(1);
    expect(management.items[0]!.action).toBe('subscription.approved');
    const trace = events[5]!.traceId!;
    const byTrace = await searchEvents(db, { traceId: trace }, { kind: 'all' }, 500);
    expect(byTrace.items.map((item) => item.id)).toEqual([events[5]!.id]);
  });

  it('filters by time range, inclusive', async () => {
    const range = await searchEvents(
      db,
      { apiId, from: at(2).toISOString(), to: at(5).toISOString() },
      { kind: 'all' },
      500,
    );
    expect(range.items.map((item) => item.id)).toEqual(
      [5, 4, 3, 2].map((index) => events[index]!.id),
    );
  });

  it('pages newest first with a cursor, without repeats or gaps', async () => {
    const seen: string[] = [];
    let after: Awaited<ReturnType<typeof searchEvents>>['next'] | undefined;
    let pages = 0;
    do {
      const page = await searchEvents(db, { apiId }, { kind: 'all' }, 5, after ?? undefined);
      seen.push(...page.items.map((item) => item.id));
      after = page.next;
      pages++;
    } while (after);
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(18);
    const times = (await searchEvents(db, { apiId }, { kind: 'all' }, 500)).items.map(
      (item) => item.id,
    );
    expect(seen).toEqual(times);
  });

  it('limits a restricted scope to its APIs and teams', async () => {
    const approver = await searchEvents(
      db,
      { teamId },
      { kind: 'restricted', apiIds: [otherApiId], teamIds: [] },
      500,
    );
    expect(approver.items).toHaveLength(0);
    const own = await searchEvents(
      db,
      {},
      { kind: 'restricted', apiIds: [otherApiId], teamIds: [] },
      500,
    );
    expect(own.items).toHaveLength(4);
    expect(own.items.every((item) => item.apiId === otherApiId)).toBe(true);
  });

  it('streams every matching event for export', async () => {
    const exported: string[] = [];
    for await (const event of allEvents(db, { apiId }, { kind: 'all' }, 4)) exported.push(event.id);
    expect(exported).toHaveLength(18);
    expect(new Set(exported).size).toBe(18);
  });

  it('aggregates usage per bucket with errors, denials and latency percentiles', async () => {
    const report = await usage(
      db,
      { apiId, from: at(0).toISOString(), to: at(120).toISOString(), bucket: 'minute' },
      { kind: 'all' },
    );
    const totals = report.buckets.reduce(
      (sum, bucket) => ({
        requests: sum.requests + bucket.requests,
        errors: sum.errors + bucket.errors,
        denied: sum.denied + bucket.denied,
      }),
      { requests: 0, errors: 0, denied: 0 },
    );
    // Management events are not traffic.
    expect(totals).toEqual({ requests: 17, errors: 2, denied: 3 });
    expect(report.buckets.length).toBeGreaterThanOrEqual(2);
    expect(report.buckets.length).toBeLessThanOrEqual(3);

    const first = await usage(
      db,
      { apiId, from: at(0).toISOString(), to: at(12).toISOString(), bucket: 'day' },
      { kind: 'all' },
    );
    expect(first.buckets).toHaveLength(1);
    expect(first.buckets[0]!.requests).toBe(12);
    // percentile_cont over latencies 1..12.
    expect(first.buckets[0]!.latencyMs.p50).toBeCloseTo(6.5, 6);
    expect(first.buckets[0]!.latencyMs.p95).toBeCloseTo(11.45, 6);
    expect(first.buckets[0]!.latencyMs.p99).toBeCloseTo(11.89, 6);

    const empty = await usage(
      db,
      { apiId, from: at(0).toISOString(), to: at(12).toISOString(), bucket: 'day' },
      { kind: 'restricted', apiIds: [], teamIds: [unique('team')] },
    );
    expect(empty.buckets[0]!.requests).toBe(0);
    expect(empty.buckets[0]!.latencyMs.p50).toBeNull();
  });
});
