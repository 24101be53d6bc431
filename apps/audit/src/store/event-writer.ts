import { once } from 'node:events';
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
import { lock, type PartitionManager } from './partitions.js';
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
/** Rows per COPY chunk: ~300 KB, sent as the previous one drains, each with its own received_at. */
const COPY_CHUNK_ROWS = 256;
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
    for (const row of batch) {
      const content = hashContent(row);
      hashed.set(row, content);
      encoded.set(row, copyContentFields(row, content.dataJson));
    }
    const chains = [...new Set(batch.map((row) => utcDay(row.time)))].sort();

    const inserted = await inTransaction(this.db, async (client) => {
      // Sorted, so two writers needing the same chains cannot deadlock.
      for (const chain of chains) await lock(client, chainLockKey(chain));

      const tips = await client.query<{ chain: string; last_hash: string; length: string }>(
        'SELECT chain, last_hash, length::text FROM audit.audit_chains WHERE chain = ANY($1::text[])',
        [chains],
      );
      const storedTips = new Map<string, ChainTip>();
      for (const row of tips.rows) {
        storedTips.set(row.chain, { hash: row.last_hash, length: Number(row.length) });
      }

      // Usually nothing of the batch is stored yet: COPY it all (no ON CONFLICT there). A
      // redelivery (some rows already stored) fails the COPY on the primary key, rolls back to the
      // savepoint and links only the new rows, so the chain has no gap for a skipped row.
      await client.query('SAVEPOINT optimistic_copy');
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
 * COPYs the linked rows on the transaction's connection; resolves with the rows copied, rejects
 * with PostgreSQL's error (23505 when a row is stored already). Chunks go one at a time, the next
 * only once the previous drained: each chunk's received_at is the moment it is sent (what
 * clock_timestamp() at insert gave the INSERT path, to within one chunk), and nothing is left
 * queued on the socket if PostgreSQL stops the COPY with an error.
 */
async function copyLinked(
  client: pg.PoolClient,
  links: LinkedRow[],
  encoded: Map<AuditRowContent, string>,
): Promise<number> {
  const stream = client.query(copyFrom(COPY_SQL));
  let failure: unknown;
  const finished = new Promise<void>((resolve, reject) => {
    stream.once('finish', resolve);
    stream.on('error', (error) => {
      failure ??= error;
      reject(error as Error);
    });
  });
  // Observed below; this only keeps an early failure from counting as unhandled meanwhile.
  finished.catch(() => undefined);

  for (let start = 0; start < links.length; start += COPY_CHUNK_ROWS) {
    const receivedAt = new Date().toISOString();
    let chunk = '';
    for (const link of links.slice(start, start + COPY_CHUNK_ROWS)) {
      chunk += copyLine(encoded.get(link.row)!, link, receivedAt);
    }
    // events.once rejects when 'error' comes first.
    if (!stream.write(chunk)) await once(stream, 'drain');
    if (failure !== undefined) throw failure;
  }
  // After an error the stream has no connection any more: ending it then would throw.
  if (failure !== undefined) throw failure;
  stream.end();
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
