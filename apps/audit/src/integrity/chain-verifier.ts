import type pg from 'pg';
import { inTransaction, type AuditDb } from '../store/audit-db.js';
import { addDays, dayStart, daysBetween, utcDay } from '../store/utc-day.js';
import {
  STORED_CONTENT_COLUMNS,
  storedContent,
  type StoredChainedRow,
} from '../store/stored-row.js';
import { hashRow } from './row-hash.js';

const PAGE_SIZE = 2_000;

export type BrokenLinkReason =
  /** The row's content no longer matches the hash it was stored with. */
  | 'content_changed'
  /** The row does not point at the hash of the row before it. */
  | 'link_mismatch'
  /** Rows are missing before this one (deleted) or a position repeats (inserted). */
  | 'sequence_gap'
  /** The chain's recorded tip does not match its last row (rows removed at the end). */
  | 'tip_mismatch';

export interface BrokenLink {
  chain: string;
  reason: BrokenLinkReason;
  eventId: string;
  time: string;
  chainSeq: number;
  /** content_changed: the stored hash; link_mismatch: the previous row's hash; tip_mismatch: the tip's hash. */
  expectedHash: string | null;
  /** content_changed: hash of the row as it is now; link_mismatch: the row's prev_hash; tip_mismatch: the last row's hash. */
  actualHash: string | null;
  expectedChainSeq?: number;
}

export interface ChainReport {
  chain: string;
  rows: number;
  intact: boolean;
  brokenLink: BrokenLink | null;
}

export interface IntegrityReport {
  from: string;
  to: string;
  intact: boolean;
  rowsChecked: number;
  chains: ChainReport[];
  /** The first broken link, in day order; null when every chain checked out. */
  firstBrokenLink: BrokenLink | null;
}

/**
 * Re-walks the hash chains of every day that overlaps [from, to]: whole days, since a chain is
 * one day's rows in arrival order. Reads page by page, so a long chain never sits in memory.
 */
export async function verifyChains(db: AuditDb, from: Date, to: Date): Promise<IntegrityReport> {
  const chains: ChainReport[] = [];
  for (const day of daysBetween(utcDay(from), utcDay(to))) {
    const report = await verifyChain(db, day);
    if (report) chains.push(report);
  }
  const firstBrokenLink = chains.find((chain) => chain.brokenLink)?.brokenLink ?? null;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    intact: firstBrokenLink === null,
    rowsChecked: chains.reduce((sum, chain) => sum + chain.rows, 0),
    chains,
    firstBrokenLink,
  };
}

/**
 * Re-walks one chain (one UTC day); null when the day has neither rows nor a tip. The tip and the
 * rows are read from one snapshot: ingest appends to today's chain while this runs, and rows
 * committed after the tip was read would otherwise look like rows past the end.
 */
export async function verifyChain(db: AuditDb, chain: string): Promise<ChainReport | null> {
  return inTransaction(db, (client) => walkChain(client, chain), { snapshot: true });
}

async function walkChain(db: pg.PoolClient, chain: string): Promise<ChainReport | null> {
  const tipResult = await db.query<{
    last_hash: string;
    last_event_id: string;
    last_time: Date;
    length: string;
  }>(
    'SELECT last_hash, last_event_id, last_time, length::text FROM audit.audit_chains WHERE chain = $1',
    [chain],
  );
  const tip = tipResult.rows[0];
  const start = dayStart(chain).toISOString();
  const end = dayStart(addDays(chain, 1)).toISOString();

  let rows = 0;
  let expectedSeq = 1;
  let prevHash: string | null = null;
  let last: StoredChainedRow | undefined;
  const broken = (link: Omit<BrokenLink, 'chain'>): ChainReport => ({
    chain,
    rows,
    intact: false,
    brokenLink: { chain, ...link },
  });

  for (;;) {
    const page = await db.query<StoredChainedRow>(
      `SELECT ${STORED_CONTENT_COLUMNS}, chain_seq, prev_hash, hash
         FROM audit.audit_events
        WHERE chain = $1 AND time >= $2 AND time < $3 AND chain_seq >= $4
        ORDER BY chain_seq, id
        LIMIT ${PAGE_SIZE}`,
      [chain, start, end, expectedSeq],
    );
    for (const row of page.rows) {
      rows++;
      const chainSeq = Number(row.chain_seq);
      const at = { eventId: row.id, time: row.time.toISOString(), chainSeq };
      if (chainSeq !== expectedSeq) {
        return broken({
          ...at,
          reason: 'sequence_gap',
          expectedHash: prevHash,
          actualHash: row.prev_hash,
          expectedChainSeq: expectedSeq,
        });
      }
      if (row.prev_hash !== prevHash) {
        return broken({
          ...at,
          reason: 'link_mismatch',
          expectedHash: prevHash,
          actualHash: row.prev_hash,
        });
      }
      const computed = hashRow(storedContent(row), { chain, chainSeq, prevHash: row.prev_hash });
      if (computed !== row.hash) {
        return broken({
          ...at,
          reason: 'content_changed',
          expectedHash: row.hash,
          actualHash: computed,
        });
      }
      prevHash = row.hash;
      expectedSeq++;
      last = row;
    }
    if (page.rows.length < PAGE_SIZE) break;
  }

  if (!tip && rows === 0) return null;
  const tipLength = tip ? Number(tip.length) : 0;
  if (!tip || tipLength !== rows || tip.last_hash !== last?.hash) {
    return broken({
      reason: 'tip_mismatch',
      eventId: tip?.last_event_id ?? last!.id,
      time: (tip?.last_time ?? last!.time).toISOString(),
      chainSeq: tipLength,
      expectedHash: tip?.last_hash ?? null,
      actualHash: last?.hash ?? null,
      expectedChainSeq: tipLength,
    });
  }
  return { chain, rows, intact: true, brokenLink: null };
}
