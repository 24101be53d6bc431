import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm';
import pg from 'pg';
import {
  databaseName,
  looksDisposable,
  maintenanceUrl,
  quoteIdentifier,
  redactUrl,
} from './database-url.ts';
import { createMigrationAdapter } from './migration-adapter.ts';
import { readMigrations, writeMigration } from './migrations-dir.ts';
import { loadSchemaEngine } from './wasm-engine.ts';

/**
 * What `prisma migrate deploy | diff | reset` do, without the Prisma CLI (which insists on
 * downloading a native engine): the schema engine as WebAssembly over a pg driver adapter.
 * The migrations folder stays in Prisma's own format, so the real CLI works on it too.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };
const DUPLICATE_DATABASE = '42P04';

export interface SchemaLocation {
  /** Defaults to prisma/schema.prisma. */
  schemaPath?: string;
  /** Defaults to prisma/migrations. */
  migrationsDir?: string;
}

interface ResolvedLocation {
  schemaPath: string;
  migrationsDir: string;
  schema: string;
}

async function locate(options: SchemaLocation): Promise<ResolvedLocation> {
  const schemaPath = resolve(ROOT, options.schemaPath ?? 'prisma/schema.prisma');
  const migrationsDir = resolve(ROOT, options.migrationsDir ?? 'prisma/migrations');
  return { schemaPath, migrationsDir, schema: await readFile(schemaPath, 'utf8') };
}

function logEngineLine(line: unknown): void {
  // The engine logs JSON lines; only warnings and errors are worth a human's attention.
  const text = String(line);
  if (process.env.PORTCULLIS_DB_DEBUG) {
    console.error(text);
    return;
  }
  try {
    const parsed = JSON.parse(text) as { level?: string; fields?: { message?: string } };
    if (parsed.level === 'WARN' || parsed.level === 'ERROR') {
      console.warn(`schema engine: ${parsed.fields?.message ?? text}`);
    }
  } catch {
    // Not JSON: nothing we know how to classify.
  }
}

/** Runs `work` with an engine connected to `databaseUrl`, then frees it and closes every pool. */
async function withEngine<T>(
  databaseUrl: string,
  location: ResolvedLocation,
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const SchemaEngineClass = await loadSchemaEngine();
  const adapter = createMigrationAdapter(databaseUrl);
  try {
    const engine = await SchemaEngineClass.new(
      { datamodels: [[location.schemaPath, location.schema]] },
      logEngineLine,
      bindMigrationAwareSqlAdapterFactory(adapter.factory),
    );
    try {
      return await work(engine);
    } finally {
      engine.free();
    }
  } finally {
    await adapter.close();
  }
}

/** Creates the database if it does not exist. Returns whether it was created. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseName(databaseUrl);
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    return true;
  } catch (error) {
    // Someone else created it between the check and the CREATE.
    if ((error as { code?: string }).code === DUPLICATE_DATABASE) return false;
    throw error;
  } finally {
    await client.end();
  }
}

/** Drops the database (closing other sessions). For throwaway test databases. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await client.connect();
  try {
    await client.query(
      `DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName(databaseUrl))} WITH (FORCE)`,
    );
  } finally {
    await client.end();
  }
}

export interface MigrateResult {
  createdDatabase: boolean;
  /** Migration folder names applied by this call, in order. */
  applied: string[];
}

/** `prisma migrate deploy`: creates the database if missing and applies pending migrations. */
export async function migrateDatabase(
  databaseUrl: string,
  options: SchemaLocation = {},
): Promise<MigrateResult> {
  const location = await locate(options);
  const createdDatabase = await ensureDatabase(databaseUrl);
  const migrationsList = await readMigrations(location.migrationsDir);
  const output = await withEngine(databaseUrl, location, (engine) =>
    engine.applyMigrations({ migrationsList, filters: NO_FILTER }),
  );
  return { createdDatabase, applied: output.appliedMigrationNames };
}

/** The PostgreSQL schemas the Prisma schema declares (`schemas = [...]`), or `public`. */
export function declaredSchemas(schema: string): string[] {
  const datasource = /datasource\s+\w+\s*\{([^}]*)\}/.exec(schema)?.[1] ?? '';
  const list = /schemas\s*=\s*\[([^\]]*)\]/.exec(datasource)?.[1];
  if (!list) return ['public'];
  return [...list.matchAll(/"([^"]+)"/g)].map((match) => match[1] ?? '').filter(Boolean);
}

export interface ResetOptions extends SchemaLocation {
  /** Allow wiping a database whose name does not say it is disposable. */
  force?: boolean;
}

/**
 * Wipes what the migrations own (the declared schemas and `public._prisma_migrations`) and
 * applies every migration again. Other sessions may stay connected.
 */
export async function resetDatabase(
  databaseUrl: string,
  options: ResetOptions = {},
): Promise<MigrateResult> {
  if (!options.force && !looksDisposable(databaseUrl)) {
    throw new Error(
      `Refusing to reset ${redactUrl(databaseUrl)}: its name does not look like a local, ` +
        'development or test database. Pass --force if you mean it.',
    );
  }
  const location = await locate(options);
  const createdDatabase = await ensureDatabase(databaseUrl);
  const statements = declaredSchemas(location.schema).flatMap((schema) =>
    schema === 'public'
      ? ['DROP SCHEMA IF EXISTS public CASCADE', 'CREATE SCHEMA public']
      : [`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`],
  );
  statements.push('DROP TABLE IF EXISTS public._prisma_migrations');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(statements.join(';\n'));
  } finally {
    await client.end();
  }
  const result = await migrateDatabase(databaseUrl, options);
  return { ...result, createdDatabase };
}

export interface SchemaDiff {
  /** False when the migrations already produce the schema (diff exit code 0). */
  changed: boolean;
  /** The SQL that brings a database migrated to the latest migration to the schema. */
  script: string;
}

/**
 * `prisma migrate diff --from-migrations --to-schema --script --exit-code`. Replays the
 * migrations on a temporary shadow database on the server of `databaseUrl`; the target database
 * itself is not touched (nor required to exist).
 */
export async function diffMigrationsToSchema(
  databaseUrl: string,
  options: SchemaLocation = {},
): Promise<SchemaDiff> {
  const location = await locate(options);
  const migrationsList = await readMigrations(location.migrationsDir);
  const from =
    migrationsList.migrationDirectories.length === 0
      ? ({ tag: 'empty' } as const)
      : ({ tag: 'migrations', ...migrationsList } as const);
  const result = await withEngine(maintenanceUrl(databaseUrl), location, (engine) =>
    engine.diff({
      from,
      to: {
        tag: 'schemaDatamodel',
        files: [{ path: location.schemaPath, content: location.schema }],
      },
      script: true,
      exitCode: true,
      filters: NO_FILTER,
    }),
  );
  return { changed: result.exitCode !== 0, script: result.stdout ?? '' };
}

export interface CreateMigrationResult extends SchemaDiff {
  /** The folder written under the migrations directory, or null when nothing changed. */
  folder: string | null;
}

/** `prisma migrate dev --create-only`: writes a migration only when the schema changed. */
export async function createMigration(
  databaseUrl: string,
  name: string,
  options: SchemaLocation = {},
): Promise<CreateMigrationResult> {
  const diff = await diffMigrationsToSchema(databaseUrl, options);
  if (!diff.changed) return { ...diff, folder: null };
  const { migrationsDir } = await locate(options);
  const folder = await writeMigration(migrationsDir, name, diff.script);
  return { ...diff, folder };
}

export type ResolveAction = 'applied' | 'rolled-back';

/**
 * `prisma migrate resolve`: after a failed migration, record it as rolled back (fix the script,
 * then deploy again) or as applied (it was completed by hand).
 */
export async function resolveMigration(
  databaseUrl: string,
  migrationName: string,
  action: ResolveAction,
  options: SchemaLocation = {},
): Promise<void> {
  const location = await locate(options);
  const migrationsList = await readMigrations(location.migrationsDir);
  await withEngine(databaseUrl, location, (engine) =>
    action === 'applied'
      ? engine.markMigrationApplied({ migrationName, migrationsList })
      : engine.markMigrationRolledBack({ migrationName }),
  );
}
