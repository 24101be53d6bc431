import { resolve } from 'node:path';
import pg from 'pg';
import { suffix } from './management-fixtures.js';

/**
 * A database of its own for tests whose subject is global to a database (signing keys, the last
 * admin): migrated like the shared one, dropped by `drop()`.
 */
export interface IsolatedDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function isolatedDatabase(label: string): Promise<IsolatedDatabase> {
  const baseUrl = new URL(process.env.DATABASE_URL!);
  const name = `portcullis_test_${label}_${suffix()}`;
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const engine = (await import(
    resolve(import.meta.dirname, '../../../../tools/db/schema-engine.ts')
  )) as {
    resetDatabase(url: string, options?: { force?: boolean }): Promise<void>;
  };
  await engine.resetDatabase(url.toString(), { force: true });
  return {
    url: url.toString(),
    async drop() {
      const maintenance = new URL(baseUrl);
      maintenance.pathname = '/postgres';
      const client = new pg.Client({ connectionString: maintenance.toString() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
