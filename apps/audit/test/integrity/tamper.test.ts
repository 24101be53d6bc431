import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChains } from '../../src/integrity/chain-verifier.js';
import { addDays, utcDay } from '../../src/store/utc-day.js';
import { testDb } from '../support/test-db.js';
import { accessEvent, managementEvent } from '../support/test-events.js';
import { testWriter } from '../support/writer.js';

// Each test tampers with a day of its own, far in the future, so no other test verifies it.
function privateDay(): { day: string; at: (minute: number) => Date } {
  const day = addDays(utcDay(new Date()), 1000 + Math.floor(Math.random() * 20_000));
  return {
    day,
    at: (minute) => new Date(new Date(`${day}T00:00:00.000Z`).getTime() + minute * 60_000),
  };
}

describe('audit tamper evidence', () => {
  let db: pg.Pool;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.end();
  });

  async function storeDay() {
    const { day, at } = privateDay();
    const { store } = testWriter(db);
    const events = Array.from({ length: 10 }, (_, index) =>
      index % 3 === 0 ? managementEvent({ time: at(index) }) : accessEvent({}, { time: at(index) }),
    );
    // Two batches: the second continues the chain from the stored tip.
    await store(events.slice(0, 6));
    await store(events.slice(6));
    return { day, at, events };
  }

  it('verifies an untouched chain', async () => {
    const { at } = await storeDay();
    const report = await verifyChains(db, at(0), at(1));
    expect(report.intact).toBe(true);
    expect(report.rowsChecked).toBe(10);
    expect(report.firstBrokenLink).toBeNull();
  });

  it('names a row whose content was changed with UPDATE', async () => {
    const { day, at, events } = await storeDay();
    const victim = events[4]!;
    const stored = await db.query<{ hash: string }>(
      'SELECT hash FROM audit.audit_events WHERE id = $1',
      [victim.id],
    );
    await db.query(`UPDATE audit.audit_events SET decision = 'allow', status = 204 WHERE id = $1`, [
      victim.id,
    ]);
    const report = await verifyChains(db, at(0), at(0));
    expect(report.intact).toBe(false);
    expect(report.firstBrokenLink).toMatchObject({
      chain: day,
      reason: 'content_changed',
      eventId: victim.id,
      chainSeq: 5,
      expectedHash: stored.rows[0]!.hash,
    });
    expect(report.firstBrokenLink!.actualHash).not.toBe(stored.rows[0]!.hash);
  });

  it('names the row after one that was rewritten with a fresh hash', async () => {
    const { at, events } = await storeDay();
    // An attacker who recomputes the hash still breaks the next link.
    await db.query(
      `UPDATE audit.audit_events SET data = data || '{"x":1}', hash = repeat('0', 64) WHERE id = $1`,
      [events[2]!.id],
    );
    const report = await verifyChains(db, at(0), at(0));
    expect(report.firstBrokenLink?.eventId).toBe(events[2]!.id);
    await db.query(
      `UPDATE audit.audit_events SET data = data - 'x', hash = repeat('0', 64) WHERE id = $1`,
      [events[2]!.id],
    );
    const again = await verifyChains(db, at(0), at(0));
    expect(again.firstBrokenLink).toMatchObject({
      reason: 'content_changed',
      eventId: events[2]!.id,
    });
  });

  it('names the gap a deleted row leaves and a truncated tail', async () => {
    const { at, events } = await storeDay();
    await db.query('DELETE FROM audit.audit_events WHERE id = $1', [events[3]!.id]);
    const report = await verifyChains(db, at(0), at(0));
    expect(report.firstBrokenLink).toMatchObject({
      reason: 'sequence_gap',
      eventId: events[4]!.id,
      expectedChainSeq: 4,
    });

    const second = await storeDay();
    await db.query('DELETE FROM audit.audit_events WHERE id = $1', [second.events[9]!.id]);
    const tail = await verifyChains(db, second.at(0), second.at(0));
    expect(tail.firstBrokenLink).toMatchObject({
      reason: 'tip_mismatch',
      eventId: second.events[9]!.id,
    });
  });
});

describe('audit chain verification while ingest appends', () => {
  let db: pg.Pool;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.end();
  });

  it('reports an intact chain while another writer keeps appending to it', async () => {
    const { at } = privateDay();
    const { store } = testWriter(db);
    // Several pages of rows, so the walk takes a while and writes land in the middle of it.
    await store(
      Array.from({ length: 5_000 }, (_, index) => accessEvent({}, { time: at(index % 600) })),
    );
    let writing = true;
    let appended = 0;
    const appender = (async () => {
      while (writing) {
        await store(Array.from({ length: 20 }, () => accessEvent({}, { time: at(30) })));
        appended += 20;
      }
    })();
    const reports = [];
    try {
      for (let pass = 0; pass < 3; pass += 1) reports.push(await verifyChains(db, at(0), at(0)));
    } finally {
      writing = false;
      await appender;
    }
    // The appends really overlapped the walks, and no walk mistook them for tampering.
    expect(appended).toBeGreaterThan(0);
    for (const report of reports) expect(report.firstBrokenLink).toBeNull();
    expect(reports.at(-1)!.rowsChecked).toBeGreaterThan(5_000);
  }, 120_000);
});
