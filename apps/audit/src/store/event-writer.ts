import { chainHash, contentDigest, type AuditRowContent } from '../integrity/row-hash.js';
import { inTransaction, type AuditDb } from './audit-db.js';
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

// One JSON parameter expanded by json_to_recordset: cheaper to build and to parse than one
// array parameter per column, and `data` travels as JSON instead of an escaped string.
const RECORD_COLUMNS = `id uuid, time timestamptz, type text, version int4, source text, trace_id text,
  team_id text, app_id text, client_id text, api_id text, action text, decision text, reason text,
  status int4, source_ip text, latency_ms float8, data jsonb, chain text, chain_seq int8,
  prev_hash text, hash text`;
const COLUMN_NAMES = RECORD_COLUMNS.split(',').map((column) => column.trim().split(' ')[0]!);

const INSERT_SQL = `INSERT INTO audit.audit_events (${COLUMN_NAMES.join(', ')}, received_at)
  SELECT ${COLUMN_NAMES.join(', ')}, clock_timestamp() FROM json_to_recordset($1::json) AS r(${RECORD_COLUMNS})
  ON CONFLICT DO NOTHING`;

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
      const key = `${row.time.toISOString()}|${row.id}`;
      if (!unique.has(key)) unique.set(key, row);
    }
    const batch = [...unique.values()];
    if (batch.length === 0) return { inserted: 0, duplicates: rows.length };

    await this.#ensurePartitions(batch, now);
    // Hash the contents before taking the chain lock, so the lock is held only for the links.
    const digests = new Map(batch.map((row) => [row, contentDigest(row)]));
    const chains = [...new Set(batch.map((row) => utcDay(row.time)))].sort();

    const inserted = await inTransaction(this.db, async (client) => {
      // Sorted, so two writers needing the same chains cannot deadlock.
      for (const chain of chains) await lock(client, chainLockKey(chain));

      const existing = await client.query<{ id: string; time: Date }>(
        `SELECT e.id, e.time
           FROM unnest($1::timestamptz[], $2::uuid[]) AS k(time, id)
           JOIN audit.audit_events e ON e.time = k.time AND e.id = k.id`,
        [batch.map((row) => row.time.toISOString()), batch.map((row) => row.id)],
      );
      const stored = new Set(existing.rows.map((row) => `${row.time.toISOString()}|${row.id}`));
      const fresh = batch.filter((row) => !stored.has(`${row.time.toISOString()}|${row.id}`));
      if (fresh.length === 0) return 0;

      const tips = await client.query<{ chain: string; last_hash: string; length: string }>(
        'SELECT chain, last_hash, length::text FROM audit.audit_chains WHERE chain = ANY($1::text[])',
        [chains],
      );
      const tip = new Map<string, { hash: string | null; length: number; lastIndex: number }>();
      for (const chain of chains) tip.set(chain, { hash: null, length: 0, lastIndex: -1 });
      for (const row of tips.rows) {
        tip.set(row.chain, { hash: row.last_hash, length: Number(row.length), lastIndex: -1 });
      }

      const records = fresh.map((row, index) => {
        const chain = utcDay(row.time);
        const state = tip.get(chain)!;
        const position = { chain, chainSeq: state.length + 1, prevHash: state.hash };
        const hash = chainHash(digests.get(row)!, position);
        state.hash = hash;
        state.length = position.chainSeq;
        state.lastIndex = index;
        return {
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
          data: row.data,
          chain,
          chain_seq: position.chainSeq,
          prev_hash: position.prevHash,
          hash,
        };
      });

      const result = await client.query(INSERT_SQL, [JSON.stringify(records)]);
      if (result.rowCount !== fresh.length) {
        // Cannot happen while every writer holds the chain lock; refuse rather than fork a chain.
        throw new Error(`expected ${fresh.length} new audit rows, stored ${result.rowCount}`);
      }

      const moved = [...tip.entries()].filter(([, state]) => state.lastIndex >= 0);
      await client.query(
        `INSERT INTO audit.audit_chains (chain, last_hash, last_event_id, last_time, length, updated_at)
         SELECT *, now() FROM unnest($1::text[], $2::text[], $3::uuid[], $4::timestamptz[], $5::int8[])
         ON CONFLICT (chain) DO UPDATE SET
           last_hash = EXCLUDED.last_hash, last_event_id = EXCLUDED.last_event_id,
           last_time = EXCLUDED.last_time, length = EXCLUDED.length, updated_at = now()`,
        [
          moved.map(([chain]) => chain),
          moved.map(([, state]) => state.hash),
          moved.map(([, state]) => fresh[state.lastIndex]!.id),
          moved.map(([, state]) => fresh[state.lastIndex]!.time.toISOString()),
          moved.map(([, state]) => state.length),
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
