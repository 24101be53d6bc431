import pg from 'pg';

export interface HeldLocks {
  /** Waits until `count` other statements on `table` queue behind a lock in this database. */
  waiting(count: number, table: string): Promise<void>;
  /** Commits: the queued statements go on. Safe to call again (in a `finally`). */
  release(): Promise<void>;
}

/**
 * Runs `sql` (a `SELECT … FOR UPDATE`) in a transaction of the test's own and keeps it open. Two
 * requests that reach those rows then wait at the same point, which makes a race reproducible:
 * released together, they run as close to each other as the database allows.
 */
export async function holdRowLocks(
  databaseUrl: string,
  sql: string,
  params: unknown[],
): Promise<HeldLocks> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query(sql, params);
  let released = false;
  return {
    async waiting(count, table) {
      // Its own connection: inside the holding transaction, pg_stat_activity would not change.
      const observer = new pg.Client({ connectionString: databaseUrl });
      await observer.connect();
      try {
        const deadline = Date.now() + 10_000;
        for (;;) {
          const result = await observer.query<{ count: string }>(
            `SELECT count(*) FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE $1`,
            [`%${table}%`],
          );
          if (Number(result.rows[0]!.count) >= count) return;
          if (Date.now() > deadline) throw new Error(`the requests never waited on ${table}`);
          await new Promise((done) => setTimeout(done, 20));
        }
      } finally {
        await observer.end();
      }
    },
    async release() {
      if (released) return;
      released = true;
      await client.query('COMMIT');
      await client.end();
    },
  };
}
