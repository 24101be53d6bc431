import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  chainHash,
  hashContent,
  type AuditRowContent,
  type HashedContent,
} from '../integrity/row-hash.js';
import { inTransaction, type AuditDb } from './audit-db.js';
import { COPY_NULL, copyJson, copyNumber, copyText } from './copy-text.js';
import type { PartitionManager } from './partitions.js';
import { addDays, utcDay } from './utc-day.js';

export interface WriteResult {
  inserted: number;
  /** Already stored (redelivery) or repeated within the batch. */
  duplicates: number;
}

export interface EventWriterOptions {
  retentionDays: number;
  daysAhead: number;
}

export function chainLockKey(chain: string): string {
  return `portcullis.audit.chain:${chain}`;
}

// The careful path's INSERT: one JSON parameter expanded by json_to_recordset.
const RECORD_COLUMNS = `id uuid, time timestamptz, type text, version int4, source text, trace_id text,
  team_id text, app_id text, client_id text, api_id text, action text, decision text, reason text,
  status int4, source_ip text, latency_ms float8, data jsonb, chain text, chain_seq int8,
  prev_hash text, hash text`;
const COLUMN_NAMES = RECORD_COLUMNS.split(',').map((column) => column.trim().split(' ')[0]!);

const INSERT_SQL = `INSERT INTO audit.audit_events (${COLUMN_NAMES.join(', ')}, received_at)
  SELECT ${COLUMN_NAMES.join(', ')}, clock_timestamp() FROM json_to_recordset($1::json) AS r(${RECORD_COLUMNS})
  ON CONFLICT DO NOTHING`;

// The optimistic path: COPY in text format, same columns in the same order, then received_at
// (COPY cannot call clock_timestamp(), and the column's default is the transaction's start, which
// would hide the wait for the chain lock; see copyLinked). `seq` takes its default.
const COPY_SQL = `COPY audit.audit_events (${COLUMN_NAMES.join(', ')}, received_at) FROM STDIN`;
/**
 * Rows hashed and encoded between two turns of the event loop. Several partitions' batches share
 * one Node thread: a long synchronous stretch here would stall another batch that holds its
 * chain lock and waits for Node to read PostgreSQL's answer, and so stretch that lock.
 */
const ROWS_PER_TURN = 256;
const UNIQUE_VIOLATION = '23505';

/**
 * Stores events once each, in one transaction per call, and links every new row into the hash
 * chain of its day. Replicas writing the same day queue on that chain's advisory lock, so a chain
 * never forks; the existence check runs under the same lock, so it cannot race a redelivery.
 */
export class EventWriter {
  constructor(
    private readonly db: AuditDb,
    private readonly partitions: PartitionManager,
    private readonly options: EventWriterOptions,
  ) {}

  async write(rows: AuditRowContent[], now = new Date()): Promise<WriteResult> {
    const unique = new Map<string, AuditRowContent>();
    for (const row of rows) {
      const key = rowKey(row);
      if (!unique.has(key)) unique.set(key, row);
    }
    const batch = [...unique.values()];
    if (batch.length === 0) return { inserted: 0, duplicates: rows.length };

    await this.#ensurePartitions(batch, now);
    // Hash the contents and encode the content columns for COPY before taking the chain lock, so
    // the lock is held only for the links. An unstorable value (U+0000) fails here, before any
    // transaction; the ingest dead-letters such events earlier (unstorableReason).
    const hashed = new Map<AuditRowContent, HashedContent>();
    const encoded = new Map<AuditRowContent, string>();
    for (const [index, row] of batch.entries()) {
      if (index > 0 && index % ROWS_PER_TURN === 0) await yieldToEventLoop();
      const content = hashContent(row);
      hashed.set(row, content);
      encoded.set(row, copyContentFields(row, content.dataJson));
    }
    const chains = [...new Set(batch.map((row) => utcDay(row.time)))].sort();

    const inserted = await inTransaction(this.db, async (client) => {
      // Usually nothing of the batch is stored yet: COPY it all (no ON CONFLICT there). A
      // redelivery (some rows already stored) fails the COPY on the primary key, rolls back to the
      // savepoint and links only the new rows, so the chain has no gap for a skipped row.
      const storedTips = await lockChains(client, chains, 'optimistic_copy');
      let fresh = batch;
      let linked = linkRows(fresh, hashed, storedTips);
      const optimistic = await copyLinked(client, linked.links, encoded).then(
        (count) => {
          if (count !== fresh.length) {
            throw new Error(`expected to copy ${fresh.length} audit rows, copied ${count}`);
          }
          return true;
        },
        (error: unknown) => {
          if ((error as { code?: string }).code === UNIQUE_VIOLATION) return false;
          throw error;
        },
      );
      if (!optimistic) {
        await client.query('ROLLBACK TO SAVEPOINT optimistic_copy');
        const existing = await client.query<{ id: string; time: Date }>(
          `SELECT e.id, e.time
             FROM unnest($1::timestamptz[], $2::uuid[]) AS k(time, id)
             JOIN audit.audit_events e ON e.time = k.time AND e.id = k.id`,
          [batch.map((row) => row.time.toISOString()), batch.map((row) => row.id)],
        );
        const stored = new Set(existing.rows.map(rowKey));
        fresh = batch.filter((row) => !stored.has(rowKey(row)));
        if (fresh.length === 0) return 0;
        linked = linkRows(fresh, hashed, storedTips);
        const result = await client.query(INSERT_SQL, [recordsJson(linked.links, hashed)]);
        if (result.rowCount !== fresh.length) {
          // Cannot happen while every writer holds the chain lock; refuse rather than fork a chain.
          throw new Error(`expected ${fresh.length} new audit rows, stored ${result.rowCount}`);
        }
      }

      const moved = [...linked.tips.entries()];
      await client.query(
        `INSERT INTO audit.audit_chains (chain, last_hash, last_event_id, last_time, length, updated_at)
         SELECT *, now() FROM unnest($1::text[], $2::text[], $3::uuid[], $4::timestamptz[], $5::int8[])
         ON CONFLICT (chain) DO UPDATE SET
           last_hash = EXCLUDED.last_hash, last_event_id = EXCLUDED.last_event_id,
           last_time = EXCLUDED.last_time, length = EXCLUDED.length, updated_at = now()`,
        [
          moved.map(([chain]) => chain),
          moved.map(([, tip]) => tip.hash),
          moved.map(([, tip]) => tip.last.id),
          moved.map(([, tip]) => tip.last.time.toISOString()),
          moved.map(([, tip]) => tip.length),
        ],
      );
      return fresh.length;
    });
    return { inserted, duplicates: rows.length - inserted };
  }

  /** Days inside the kept window get their own partition; anything else lands in DEFAULT. */
  async #ensurePartitions(rows: AuditRowContent[], now: Date): Promise<void> {
    const today = utcDay(now);
    const first = addDays(today, -this.options.retentionDays);
    const last = addDays(today, this.options.daysAhead);
    const days = new Set<string>();
    for (const row of rows) {
      const day = utcDay(row.time);
      if (day >= first && day <= last) days.add(day);
    }
    await this.partitions.ensureDays(days);
  }
}

interface ChainTip {
  hash: string | null;
  length: number;
}

/** A row with its place in its chain. */
interface LinkedRow {
  row: AuditRowContent;
  chain: string;
  chainSeq: number;
  prevHash: string | null;
  hash: string;
}

interface LinkedRows {
  links: LinkedRow[];
  /** Each chain's new tip after these rows. */
  tips: Map<string, ChainTip & { last: AuditRowContent }>;
}

function rowKey(row: { time: Date; id: string }): string {
  return `${row.time.toISOString()}|${row.id}`;
}

/** Gives each row its place in its day's chain after the stored tip. */
function linkRows(
  rows: AuditRowContent[],
  hashed: Map<AuditRowContent, HashedContent>,
  storedTips: Map<string, ChainTip>,
): LinkedRows {
  const tips = new Map<string, ChainTip & { last: AuditRowContent }>();
  const links: LinkedRow[] = [];
  for (const row of rows) {
    const chain = utcDay(row.time);
    const tip = tips.get(chain) ?? storedTips.get(chain) ?? { hash: null, length: 0 };
    const position = { chain, chainSeq: tip.length + 1, prevHash: tip.hash };
    const hash = chainHash(hashed.get(row)!.digest, position);
    tips.set(chain, { hash, length: position.chainSeq, last: row });
    links.push({ row, ...position, hash });
  }
  return { links, tips };
}

/**
 * The content columns of a row in COPY text format, tab-separated, in COLUMN_NAMES order up to
 * `data` (spliced in as the canonical JSON the digest was computed over, not serialised again).
 */
export function copyContentFields(row: AuditRowContent, dataJson: string): string {
  return [
    copyText(row.id),
    row.time.toISOString(),
    copyText(row.type),
    copyNumber(row.version),
    copyText(row.source),
    copyText(row.traceId),
    copyText(row.teamId),
    copyText(row.appId),
    copyText(row.clientId),
    copyText(row.apiId),
    copyText(row.action),
    copyText(row.decision),
    copyText(row.reason),
    copyNumber(row.status),
    copyText(row.sourceIp),
    copyNumber(row.latencyMs),
    copyJson(dataJson),
  ].join('\t');
}

/** One COPY line: the encoded content, the chain columns, received_at. */
export function copyLine(content: string, link: LinkedRow, receivedAt: string): string {
  // chain is a UTC day and the hashes are hex: nothing to escape.
  return `${content}\t${link.chain}\t${link.chainSeq}\t${link.prevHash ?? COPY_NULL}\t${link.hash}\t${receivedAt}\n`;
}

/**
 * Takes the chains' advisory locks (sorted, so two writers needing the same chains cannot
 * deadlock), reads their tips and sets the savepoint, in one round trip: the statements after the
 * lock run as soon as it is granted, without waiting for Node (which may be busy with another
 * partition's batch) to send them.
 */
async function lockChains(
  client: pg.PoolClient,
  chains: string[],
  savepoint: string,
): Promise<Map<string, ChainTip>> {
  const literals = chains.map((chain) => client.escapeLiteral(chain));
  const locks = chains.map(
    (chain) =>
      `SELECT pg_advisory_xact_lock(hashtextextended(${client.escapeLiteral(chainLockKey(chain))}, 0));`,
  );
  const results = (await client.query(
    `${locks.join('\n')}
     SELECT chain, last_hash, length::text FROM audit.audit_chains WHERE chain IN (${literals.join(', ')});
     SAVEPOINT ${savepoint};`,
  )) as unknown as pg.QueryResult<{ chain: string; last_hash: string; length: string }>[];
  // A multi-statement query gives one result per statement: the tips are the last but one.
  const tips = results[results.length - 2]!;
  const storedTips = new Map<string, ChainTip>();
  for (const row of tips.rows) {
    storedTips.set(row.chain, { hash: row.last_hash, length: Number(row.length) });
  }
  return storedTips;
}

/**
 * COPYs the linked rows on the transaction's connection; resolves with the rows copied, rejects
 * with PostgreSQL's error (23505 when a row is stored already). The whole batch goes as one write
 * followed at once by the end of the data, so PostgreSQL works through it from the socket buffers
 * without waiting for Node between chunks. received_at is the moment the rows are sent, under the
 * chain lock (the INSERT path's clock_timestamp() was the moment each row was inserted).
 */
async function copyLinked(
  client: pg.PoolClient,
  links: LinkedRow[],
  encoded: Map<AuditRowContent, string>,
): Promise<number> {
  const receivedAt = new Date().toISOString();
  let payload = '';
  for (const link of links) payload += copyLine(encoded.get(link.row)!, link, receivedAt);

  const stream = client.query(copyFrom(COPY_SQL));
  const finished = new Promise<void>((resolve, reject) => {
    stream.once('finish', resolve);
    // Kept for good: after PostgreSQL refused the COPY the stream has no connection, and its end
    // (already requested) fails a second time; that second error must not go unhandled.
    stream.on('error', reject);
  });
  // One write, so no second chunk is left queued to be flushed onto a connection that is gone.
  stream.end(payload);
  await finished;
  return stream.rowCount;
}

/** The careful path's json_to_recordset parameter, `data` spliced in as its canonical JSON. */
function recordsJson(links: LinkedRow[], hashed: Map<AuditRowContent, HashedContent>): string {
  const records: string[] = [];
  for (const { row, chain, chainSeq, prevHash, hash } of links) {
    const columns = JSON.stringify({
      id: row.id,
      time: row.time.toISOString(),
      type: row.type,
      version: row.version,
      source: row.source,
      trace_id: row.traceId,
      team_id: row.teamId,
      app_id: row.appId,
      client_id: row.clientId,
      api_id: row.apiId,
      action: row.action,
      decision: row.decision,
      reason: row.reason,
      status: row.status,
      source_ip: row.sourceIp,
      latency_ms: row.latencyMs,
      chain,
      chain_seq: chainSeq,
      prev_hash: prevHash,
      hash,
    });
    records.push(`${columns.slice(0, -1)},"data":${hashed.get(row)!.dataJson}}`);
  }
  return `[${records.join(',')}]`;
}
