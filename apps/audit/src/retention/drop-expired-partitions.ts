import { inTransaction, type AuditDb } from '../store/audit-db.js';
import { lock, type PartitionManager } from '../store/partitions.js';
import { addDays, partitionName, utcDay } from '../store/utc-day.js';

const PARTITION_LOCK_KEY = 'portcullis.audit.partitions';

/**
 * Drops the daily partitions that hold only events older than `retentionDays` (DETACH, then
 * DROP: whole tables, never row deletes), with their chain tips. Returns the days dropped.
 */
export async function dropExpiredPartitions(
  db: AuditDb,
  partitions: PartitionManager,
  retentionDays: number,
  now = new Date(),
): Promise<string[]> {
  // A day goes once all of it is older than the retention window.
  const firstKept = addDays(utcDay(now), -retentionDays);
  const expired = (await partitions.listDays()).filter((day) => day < firstKept);
  for (const day of expired) {
    const table = `audit.${partitionName(day)}`;
    await inTransaction(db, async (client) => {
      await lock(client, PARTITION_LOCK_KEY);
      const exists = await client.query<{ oid: string | null }>(
        'SELECT to_regclass($1)::text AS oid',
        [table],
      );
      if (!exists.rows[0]?.oid) return;
      await client.query(`ALTER TABLE audit.audit_events DETACH PARTITION ${table}`);
      await client.query(`DROP TABLE ${table}`);
      await client.query('DELETE FROM audit.audit_chains WHERE chain = $1', [day]);
    });
    partitions.forget(day);
  }
  return expired;
}
