import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { maintenanceUrl, quoteIdentifier, withDatabase } from './database-url.ts';

const CHAR_OID = 18;
const TEXT_OID = 25;

type QueryResultLike = { fields?: { dataTypeID: number }[] };
type AnyQuery = (...args: unknown[]) => unknown;

function reportCharAsText(result: unknown): void {
  for (const one of Array.isArray(result) ? result : [result]) {
    for (const field of (one as QueryResultLike | undefined)?.fields ?? []) {
      if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
    }
  }
}

/**
 * adapter-pg 7.10 refuses PostgreSQL's internal `"char"` type (OID 18), which the schema
 * engine's catalog queries return (relkind, contype, …). Its values arrive as text anyway, so
 * the column is reported as text.
 */
class CharAsTextClient extends pg.Client {
  override query(...args: unknown[]): never {
    const callQuery = pg.Client.prototype.query as AnyQuery;
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) => {
        if (!error) reportCharAsText(result);
        (last as (error: unknown, result: unknown) => void)(error, result);
      };
      return callQuery.apply(this, args) as never;
    }
    const returned = callQuery.apply(this, args);
    if (returned instanceof Promise) {
      return returned.then((result: unknown) => {
        reportCharAsText(result);
        return result;
      }) as never;
    }
    return returned as never;
  }
}

function createPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    Client: CharAsTextClient,
    max: 2,
    application_name: 'portcullis-migrate',
    // Idle clients would otherwise hold the event loop open after the engine is done.
    allowExitOnIdle: true,
  });
  // An idle client losing its server (e.g. a shadow database being dropped) must not crash.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * adapter-pg's `executeScript` splits the script on every `;`, which breaks functions, DO blocks
 * and string literals. A migration script goes to the server whole instead (simple query
 * protocol, one implicit transaction), as the native schema engine does.
 */
function sendScriptsWhole(adapter: SqlDriverAdapter, pool: pg.Pool): SqlDriverAdapter {
  const toDriverError = (adapter as unknown as { onError(error: unknown): never }).onError.bind(
    adapter,
  );
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script);
    } catch (error) {
      toDriverError(error);
    }
  };
  return adapter;
}

async function runOnMaintenanceDb(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface MigrationAdapter {
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** Ends every pool and drops any shadow database the engine left behind. */
  close(): Promise<void>;
}

/**
 * The driver adapter for the wasm schema engine: connections to the target database, and shadow
 * databases that are created on the same server, connected to directly, and dropped only after
 * their pool is closed (adapter-pg's own `connectToShadowDb` gets both wrong).
 */
export function createMigrationAdapter(databaseUrl: string): MigrationAdapter {
  const pools = new Set<pg.Pool>();
  const shadowDatabases = new Set<string>();

  async function endPool(pool: pg.Pool): Promise<void> {
    if (!pools.delete(pool)) return;
    await pool.end();
  }

  async function dropShadow(name: string): Promise<void> {
    if (!shadowDatabases.delete(name)) return;
    await runOnMaintenanceDb(
      databaseUrl,
      `DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`,
    );
  }

  async function connectTo(connectionString: string, onDispose?: () => Promise<void>) {
    const pool = createPool(connectionString);
    pools.add(pool);
    const adapter = sendScriptsWhole(await new PrismaPg(pool).connect(), pool);
    adapter.dispose = async () => {
      await endPool(pool);
      await onDispose?.();
    };
    return adapter;
  }

  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => connectTo(databaseUrl),
    async connectToShadowDb() {
      const name = `portcullis_shadow_${randomUUID().replaceAll('-', '')}`;
      await runOnMaintenanceDb(databaseUrl, `CREATE DATABASE ${quoteIdentifier(name)}`);
      shadowDatabases.add(name);
      return connectTo(withDatabase(databaseUrl, name), () => dropShadow(name));
    },
  };

  return {
    factory,
    async close() {
      await Promise.all([...pools].map(endPool));
      await Promise.all([...shadowDatabases].map(dropShadow));
    },
  };
}
