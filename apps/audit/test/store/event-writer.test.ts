import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChains } from '../../src/integrity/chain-verifier.js';
import { addDays, utcDay } from '../../src/store/utc-day.js';
import { countStored, testDb } from '../support/test-db.js';
import { accessEvent, managementEvent } from '../support/test-events.js';
import { testWriter } from '../support/writer.js';

// Each test writes a day of its own, far in the future, so no other test touches its chain.
function privateDay(): { day: string; at: (second: number) => Date } {
  const day = addDays(utcDay(new Date()), 1000 + Math.floor(Math.random() * 20_000));
  return {
    day,
    at: (second) => new Date(new Date(`${day}T00:00:00.000Z`).getTime() + second * 1000),
  };
}

async function chainOf(db: pg.Pool, day: string) {
  const rows = await db.query<{ id: string; chain_seq: string }>(
    'SELECT id, chain_seq FROM audit.audit_events WHERE chain = $1 ORDER BY chain_seq',
    [day],
  );
  const tip = await db.query<{ length: string }>(
    'SELECT length FROM audit.audit_chains WHERE chain = $1',
    [day],
  );
  return {
    seqs: rows.rows.map((row) => Number(row.chain_seq)),
    ids: rows.rows.map((row) => row.id),
    tipLength: Number(tip.rows[0]?.length ?? 0),
  };
}

describe('audit event writer', () => {
  let db: pg.Pool;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.end();
  });

  it('links only the new rows of a batch that is partly stored already (no gap, no duplicate)', async () => {
    const { day, at } = privateDay();
    const { store } = testWriter(db);
    const events = Array.from({ length: 12 }, (_, index) =>
      index % 4 === 0 ? managementEvent({ time: at(index) }) : accessEvent({}, { time: at(index) }),
    );
    expect(await store(events.slice(0, 5))).toEqual({ inserted: 5, duplicates: 0 });
    // A redelivery overlapping what was stored, with a repeat inside the batch too.
    const redelivered = [...events.slice(3, 12), events[7]!];
    expect(await store(redelivered)).toEqual({ inserted: 7, duplicates: 3 });

    const chain = await chainOf(db, day);
    expect(chain.seqs).toEqual(Array.from({ length: 12 }, (_, index) => index + 1));
    expect(new Set(chain.ids)).toEqual(new Set(events.map((event) => event.id)));
    expect(chain.tipLength).toBe(12);
    expect(
      await countStored(
        db,
        events.map((event) => event.id),
      ),
    ).toEqual({ rows: 12, distinct: 12 });
    const report = await verifyChains(db, at(0), at(1));
    expect(report.intact).toBe(true);
    expect(report.rowsChecked).toBe(12);
  });

  it('never forks a chain when writers store the same day at the same time', async () => {
    const { day, at } = privateDay();
    // Separate writers, as concurrently consumed partitions or replicas are.
    const writers = Array.from({ length: 4 }, () => testWriter(db));
    const batches = writers.map((_, writer) =>
      Array.from({ length: 50 }, (_, index) => accessEvent({}, { time: at(writer * 60 + index) })),
    );
    const results = await Promise.all(writers.map(({ store }, index) => store(batches[index]!)));
    expect(results.map((result) => result.inserted)).toEqual([50, 50, 50, 50]);

    const chain = await chainOf(db, day);
    expect(chain.seqs).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
    expect(chain.tipLength).toBe(200);
    const report = await verifyChains(db, at(0), at(1));
    expect(report.intact).toBe(true);
    expect(report.rowsChecked).toBe(200);
  });
});
