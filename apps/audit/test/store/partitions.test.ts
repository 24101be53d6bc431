import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropExpiredPartitions } from '../../src/retention/drop-expired-partitions.js';
import { addDays, partitionName, utcDay } from '../../src/store/utc-day.js';
import { testDb } from '../support/test-db.js';
import { accessEvent } from '../support/test-events.js';
import { testWriter } from '../support/writer.js';

async function partitionOf(db: pg.Pool, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ partition: string }>(
    'SELECT tableoid::regclass::text AS partition FROM audit.audit_events WHERE id = $1',
    [id],
  );
  return rows[0]?.partition;
}

async function partitionExists(db: pg.Pool, day: string): Promise<boolean> {
  const { rows } = await db.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [
    `audit.${partitionName(day)}`,
  ]);
  return rows[0]?.oid !== null;
}

// Days far from today, picked at random, so parallel runs do not share them.
function randomDay(fromToday: number, spread: number): string {
  return addDays(utcDay(new Date()), fromToday + Math.floor(Math.random() * spread));
}

describe('audit partitions', () => {
  let db: pg.Pool;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.end();
  });

  it('creates daily partitions ahead and routes events into them', async () => {
    const { partitions, store } = testWriter(db);
    const now = new Date();
    await partitions.ensureAhead(now, 3);
    for (let offset = -1; offset <= 3; offset++) {
      expect(await partitionExists(db, addDays(utcDay(now), offset))).toBe(true);
    }
    const event = accessEvent({}, { time: now });
    await store([event]);
    expect(await partitionOf(db, event.id)).toBe(`audit.${partitionName(utcDay(now))}`);
  });

  it('keeps events outside the window in the default partition, then moves them into a new day', async () => {
    const { partitions, store } = testWriter(db, 90, 7);
    const day = randomDay(400, 3000);
    const event = accessEvent({}, { time: new Date(`${day}T12:00:00.000Z`) });
    expect(await store([event])).toEqual({ inserted: 1, duplicates: 0 });
    expect(await partitionOf(db, event.id)).toBe('audit.audit_events_default');

    expect(await partitions.ensureDays([day])).toEqual([day]);
    expect(await partitionOf(db, event.id)).toBe(`audit.${partitionName(day)}`);
    // Redelivery after the move still finds it: stored once.
    expect(await store([event])).toEqual({ inserted: 0, duplicates: 1 });
  });

  it('drops whole partitions past retention and keeps the rest', async () => {
    const { partitions, store } = testWriter(db, 10_000, 7);
    const oldDay = randomDay(-400, 100);
    const old = accessEvent({}, { time: new Date(`${oldDay}T08:00:00.000Z`) });
    const recent = accessEvent({}, { time: new Date() });
    await store([old, recent]);
    expect(await partitionOf(db, old.id)).toBe(`audit.${partitionName(oldDay)}`);

    // Another audit instance's maintenance may drop it first: assert the end state.
    const dropped = await dropExpiredPartitions(db, partitions, 90);
    expect(await partitionExists(db, oldDay)).toBe(false);
    expect(await partitionOf(db, old.id)).toBeUndefined();
    const tip = await db.query('SELECT 1 FROM audit.audit_chains WHERE chain = $1', [oldDay]);
    expect(tip.rowCount).toBe(0);
    expect(await partitionOf(db, recent.id)).toBe(`audit.${partitionName(utcDay(new Date()))}`);
    expect(dropped.every((day) => day < addDays(utcDay(new Date()), -90))).toBe(true);
  });
});
