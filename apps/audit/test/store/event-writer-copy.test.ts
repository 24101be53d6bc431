import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChains } from '../../src/integrity/chain-verifier.js';
import { hashRow } from '../../src/integrity/row-hash.js';
import { UnstorableValueError } from '../../src/store/copy-text.js';
import { toRowContent, unstorableReason } from '../../src/store/event-row.js';
import { addDays, utcDay } from '../../src/store/utc-day.js';
import { testDb } from '../support/test-db.js';
import { accessEvent, managementEvent } from '../support/test-events.js';
import { testWriter } from '../support/writer.js';
import { storedContent, type StoredChainedRow } from '../../src/store/stored-row.js';

// The COPY path of the writer: what it stores, column by column, for ordinary and hostile values,
// and how it falls back when part of a batch is stored already.

// Each test writes a day of its own, far in the future, so no other test touches its chain.
function privateDay(): { day: string; at: (second: number) => Date } {
  const day = addDays(utcDay(new Date()), 1000 + Math.floor(Math.random() * 20_000));
  return {
    day,
    at: (second) => new Date(new Date(`${day}T00:00:00.000Z`).getTime() + second * 1000),
  };
}

const HOSTILE = [
  'tab\there',
  'line\nbreak\r\nand CR\r',
  'back\\slash \\\\ \\N \\. \\t',
  '\\',
  '\n\\.\n',
  '"double" \'single\' `back`',
  'ünïcödé 日本語 עברית 🛡️🔑 e\u0301 \u2028\uFEFF',
  'text \\u0000 that only looks like a NUL',
  '\u0001\u0007\u001b[31m\u007f',
  '',
];

function hostileEvent(index: number, time: Date) {
  const text = HOSTILE[index % HOSTILE.length]!;
  return accessEvent(
    {
      appId: `app ${text}`,
      teamId: text,
      clientId: `${text}\t${text}`,
      apiId: `api-${index}-${text}`,
      sourceIp: text.slice(0, 64),
      path: `/x/${text}`,
      userAgent: text,
      scopes: [text, '\\u0000', '\\\\'],
      latencyMs: { total: 0.1 + 0.2 + index, upstream: null },
    },
    { time, traceId: index % 3 === 0 ? null : undefined },
  );
}

interface StoredRow extends StoredChainedRow {
  data_text: string;
  chain: string;
  seq: string | null;
  received_at: Date;
}

async function storedRows(db: pg.Pool, day: string): Promise<StoredRow[]> {
  const { rows } = await db.query<StoredRow>(
    `SELECT *, data::text AS data_text FROM audit.audit_events WHERE chain = $1 ORDER BY chain_seq`,
    [day],
  );
  return rows;
}

describe('audit event writer, COPY path', () => {
  let db: pg.Pool;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.end();
  });

  it('stores every column of every row as the INSERT path does, hostile strings byte for byte', async () => {
    const { day, at } = privateDay();
    const { store } = testWriter(db);
    const events = [
      ...Array.from({ length: 20 }, (_, index) => hostileEvent(index, at(index))),
      managementEvent({ time: at(30), apiId: 'api\tmgmt\\', teamId: 'team\n🛡️' }),
    ];
    for (const event of events) {
      // Through both of its paths: the re-serialised row, and the raw JSON the ingest sees.
      expect(unstorableReason(toRowContent(event))).toBeNull();
      expect(unstorableReason(toRowContent(event), JSON.stringify(event))).toBeNull();
    }

    // The first half goes through COPY; the redelivery of everything stores the second half
    // through the careful path (INSERT … ON CONFLICT), so both paths meet the same expectations.
    const before = new Date(Date.now() - 1);
    expect(await store(events.slice(0, 11))).toEqual({ inserted: 11, duplicates: 0 });
    expect(await store(events)).toEqual({ inserted: 10, duplicates: 11 });
    const after = new Date();

    const rows = await storedRows(db, day);
    expect(rows.map((row) => row.id)).toEqual(events.map((event) => event.id));
    let prevHash: string | null = null;
    for (const [index, row] of rows.entries()) {
      const content = toRowContent(events[index]!);
      expect(storedContent(row)).toEqual(content);
      // Byte for byte: the strings equal what was sent, not merely something equivalent.
      expect(row.client_id).toBe(content.clientId);
      expect(JSON.parse(row.data_text)).toStrictEqual(events[index]!.data);
      const position = { chain: day, chainSeq: index + 1, prevHash };
      expect([row.chain, Number(row.chain_seq), row.prev_hash]).toEqual([day, index + 1, prevHash]);
      expect(row.hash).toBe(hashRow(content, position));
      prevHash = row.hash;
      expect(row.seq).not.toBeNull();
      expect(row.received_at.getTime()).toBeGreaterThanOrEqual(before.getTime());
      expect(row.received_at.getTime()).toBeLessThanOrEqual(after.getTime());
    }
    const report = await verifyChains(db, at(0), at(1));
    expect(report.intact).toBe(true);
    expect(report.rowsChecked).toBe(events.length);
  });

  it('stores only the new rows of a large redelivery, whether the stored row comes first or last', async () => {
    const { day, at } = privateDay();
    const { store } = testWriter(db);
    // Large enough that PostgreSQL refuses the COPY while chunks are still being sent.
    const events = Array.from({ length: 3000 }, (_, index) =>
      accessEvent({ path: `/p/${index}\t\\` }, { time: at(index) }),
    );
    expect(await store([events[0]!])).toEqual({ inserted: 1, duplicates: 0 });
    expect(await store(events.slice(0, 2000))).toEqual({ inserted: 1999, duplicates: 1 });
    // Now the stored rows are at the end of the batch: the COPY fails after its last chunk.
    const tail = [...events.slice(2000), ...events.slice(1990, 2000)];
    expect(await store(tail)).toEqual({ inserted: 1000, duplicates: 10 });
    // Everything stored already: nothing new, no chain movement.
    expect(await store(events.slice(0, 500))).toEqual({ inserted: 0, duplicates: 500 });

    const rows = await db.query<{ n: string; seqs: string; distinct: string }>(
      `SELECT count(*) AS n, max(chain_seq) AS seqs, count(DISTINCT id) AS distinct
         FROM audit.audit_events WHERE chain = $1`,
      [day],
    );
    expect(rows.rows[0]).toEqual({ n: '3000', seqs: '3000', distinct: '3000' });
    const tip = await db.query<{ length: string }>(
      'SELECT length FROM audit.audit_chains WHERE chain = $1',
      [day],
    );
    expect(tip.rows[0]?.length).toBe('3000');
    const report = await verifyChains(db, at(0), at(1));
    expect(report.intact).toBe(true);
    expect(report.rowsChecked).toBe(3000);
  });

  it('refuses a batch holding U+0000 before writing anything of it', async () => {
    const { day, at } = privateDay();
    const { store } = testWriter(db);
    const good = accessEvent({}, { time: at(1) });
    const bad = accessEvent({ path: '/nul\0here' }, { time: at(2) });
    expect(unstorableReason(toRowContent(bad))).toMatch(/NUL/);
    expect(unstorableReason(toRowContent(bad), JSON.stringify(bad))).toMatch(/NUL/);
    await expect(store([good, bad])).rejects.toBeInstanceOf(UnstorableValueError);
    const badColumn = accessEvent({ appId: 'a\0b' }, { time: at(3) });
    await expect(store([badColumn])).rejects.toBeInstanceOf(UnstorableValueError);
    expect(await storedRows(db, day)).toEqual([]);
    // The pool and the chain are fine afterwards.
    expect(await store([good])).toEqual({ inserted: 1, duplicates: 0 });
    expect((await verifyChains(db, at(0), at(1))).intact).toBe(true);
  });
});
