import pg from 'pg';

/** A pool on the test database (DATABASE_URL from the global setup). */
export function testDb(): pg.Pool {
  return new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
}

export async function countStored(
  db: pg.Pool,
  ids: string[],
): Promise<{ rows: number; distinct: number }> {
  const { rows } = await db.query<{ rows: string; distinct: string }>(
    'SELECT count(*) AS rows, count(DISTINCT id) AS distinct FROM audit.audit_events WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return { rows: Number(rows[0]!.rows), distinct: Number(rows[0]!.distinct) };
}
