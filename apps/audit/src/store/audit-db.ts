import pg from 'pg';

/** The audit store's own pg pool: raw SQL for batched inserts, partitions and keyset queries. */
export const AUDIT_DB = Symbol('AUDIT_DB');

export type AuditDb = pg.Pool;

export function createAuditDb(databaseUrl: string, max: number): AuditDb {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    application_name: 'audit',
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

export interface TransactionOptions {
  /**
   * One snapshot for every statement (REPEATABLE READ, read only): for readers that must see the
   * tip and the rows of a chain as of one moment while writers keep appending.
   */
  snapshot?: boolean;
}

/** Runs `work` in one transaction on one connection. */
export async function inTransaction<T>(
  db: AuditDb,
  work: (client: pg.PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await db.connect();
  // A checked-out client whose connection drops (a database restart) emits 'error' besides failing
  // its query; the pool's own listener only covers idle clients, so without this one the process
  // dies. The failed query rejects the transaction, and the broken client leaves the pool.
  const onConnectionLost = () => undefined;
  client.on('error', onConnectionLost);
  try {
    await client.query(
      options.snapshot ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN',
    );
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.removeListener('error', onConnectionLost);
    client.release();
  }
}
