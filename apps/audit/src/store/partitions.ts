import type pg from 'pg';
import { inTransaction, type AuditDb } from './audit-db.js';
import { addDays, dayOfPartition, dayStart, partitionName } from './utc-day.js';

// One lock for partition DDL across replicas; chains use their own keys.
const PARTITION_LOCK_KEY = 'portcullis.audit.partitions';

/**
 * Creates and lists the daily partitions of audit.audit_events. A day is created by building the
 * table apart, moving in any rows the DEFAULT partition took for that day, then attaching it, so
 * creation never fails because early or late events already arrived.
 */
export class PartitionManager {
  /** Days known to have a partition (a cache: creation is idempotent). */
  readonly #known = new Set<string>();

  constructor(private readonly db: AuditDb) {}

  /** Creates the partitions of these days that do not exist yet. */
  async ensureDays(days: Iterable<string>): Promise<string[]> {
    const created: string[] = [];
    for (const day of [...new Set(days)].sort()) {
      if (this.#known.has(day)) continue;
      if (await this.#create(day)) created.push(day);
      this.#known.add(day);
    }
    return created;
  }

  /** Creates partitions from yesterday to `daysAhead` days after today. */
  async ensureAhead(now: Date, daysAhead: number): Promise<string[]> {
    const today = now.toISOString().slice(0, 10);
    const days: string[] = [];
    for (let offset = -1; offset <= daysAhead; offset++) days.push(addDays(today, offset));
    return this.ensureDays(days);
  }

  /** Daily partitions that exist, oldest first. */
  async listDays(): Promise<string[]> {
    const { rows } = await this.db.query<{ name: string }>(
      `SELECT c.relname AS name
         FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE n.nspname = 'audit' AND p.relname = 'audit_events'`,
    );
    return rows
      .map((row) => dayOfPartition(row.name))
      .filter((day): day is string => day !== null)
      .sort();
  }

  /** Forgets a day (after retention dropped it). */
  forget(day: string): void {
    this.#known.delete(day);
  }

  async #create(day: string): Promise<boolean> {
    const table = `audit.${partitionName(day)}`;
    const from = dayStart(day).toISOString();
    const to = dayStart(addDays(day, 1)).toISOString();
    return inTransaction(this.db, async (client) => {
      await lock(client, PARTITION_LOCK_KEY);
      const exists = await client.query<{ oid: string | null }>(
        'SELECT to_regclass($1)::text AS oid',
        [table],
      );
      if (exists.rows[0]?.oid) return false;
      await client.query(
        `CREATE TABLE ${table} (LIKE audit.audit_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
      );
      // The check constraint lets ATTACH skip scanning the new table.
      await client.query(
        `ALTER TABLE ${table} ADD CONSTRAINT ${partitionName(day)}_range
           CHECK ("time" IS NOT NULL AND "time" >= '${from}' AND "time" < '${to}')`,
      );
      await client.query(
        `WITH moved AS (
           DELETE FROM audit.audit_events_default WHERE "time" >= $1 AND "time" < $2 RETURNING *
         )
         INSERT INTO ${table} SELECT * FROM moved`,
        [from, to],
      );
      await client.query(
        `ALTER TABLE audit.audit_events ATTACH PARTITION ${table} FOR VALUES FROM ('${from}') TO ('${to}')`,
      );
      await client.query(`ALTER TABLE ${table} DROP CONSTRAINT ${partitionName(day)}_range`);
      return true;
    });
  }
}

export async function lock(client: pg.PoolClient, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
}
