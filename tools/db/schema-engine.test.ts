import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksDisposable, maintenanceUrl, withDatabase } from './database-url.ts';
import { migrationSlug, migrationTimestamp } from './migrations-dir.ts';
import {
  createMigration,
  declaredSchemas,
  dropDatabase,
  migrateDatabase,
  resetDatabase,
} from './schema-engine.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const schemaPath = join(root, 'prisma/schema.prisma');
const serverUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/portcullis';

function throwawayUrl(): string {
  return withDatabase(serverUrl, `portcullis_rt_${randomBytes(6).toString('hex')}`);
}

async function query<Row extends pg.QueryResultRow>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function shadowDatabases(): Promise<string[]> {
  const rows = await query<{ datname: string }>(
    maintenanceUrl(serverUrl),
    `SELECT datname FROM pg_database WHERE datname LIKE 'portcullis_shadow_%'`,
  );
  return rows.map((row) => row.datname);
}

let work: string;
let migrationsDir: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'portcullis-db-'));
  migrationsDir = join(work, 'migrations');
  await cp(join(root, 'prisma/migrations'), migrationsDir, { recursive: true });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('createMigration', () => {
  it('writes nothing when the migrations already produce the schema', async () => {
    const before = await readdir(migrationsDir);
    const shadowsBefore = await shadowDatabases();

    const result = await createMigration(serverUrl, 'noop', { migrationsDir });

    expect(result).toMatchObject({ changed: false, folder: null });
    expect(await readdir(migrationsDir)).toEqual(before);
    // The shadow database used for the diff is gone again.
    expect(await shadowDatabases()).toEqual(shadowsBefore);
  });

  it('writes a timestamped migration with the difference when the schema changed', async () => {
    const changedSchema = join(work, 'changed.prisma');
    const schema = await readFile(schemaPath, 'utf8');
    await writeFile(
      changedSchema,
      `${schema}\nmodel Probe {\n  id Int @id\n\n  @@map("probes")\n  @@schema("audit")\n}\n`,
    );
    const changedDir = join(work, 'changed-migrations');
    await cp(migrationsDir, changedDir, { recursive: true });

    const result = await createMigration(serverUrl, 'Add probe!', {
      schemaPath: changedSchema,
      migrationsDir: changedDir,
    });

    expect(result.changed).toBe(true);
    expect(result.folder).toMatch(/^\d{14}_add_probe$/);
    const written = await readFile(join(changedDir, result.folder ?? '', 'migration.sql'), 'utf8');
    expect(written).toContain('CREATE TABLE "audit"."probes"');
    expect(written).not.toContain('"identity"."users"');
    const lock = await readFile(join(changedDir, 'migration_lock.toml'), 'utf8');
    expect(lock).toContain('provider = "postgresql"');
  });
});

describe('migrateDatabase and resetDatabase', () => {
  const url = throwawayUrl();

  afterAll(async () => {
    await dropDatabase(url);
  });

  it('applies migrations whose SQL has semicolons inside functions, once', async () => {
    const dir = join(work, 'function-migrations');
    await cp(migrationsDir, dir, { recursive: true });
    await mkdir(join(dir, '29991231000000_function'));
    await writeFile(
      join(dir, '29991231000000_function/migration.sql'),
      `CREATE FUNCTION audit.probe(v text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  IF v = ';' THEN RETURN 'semi;colon'; END IF;
  RETURN v;
END;
$$;
`,
    );

    const first = await migrateDatabase(url, { migrationsDir: dir });
    const second = await migrateDatabase(url, { migrationsDir: dir });

    expect(first.createdDatabase).toBe(true);
    expect(first.applied.at(-1)).toBe('29991231000000_function');
    expect(second).toEqual({ createdDatabase: false, applied: [] });
    expect(await query(url, `SELECT audit.probe(';') AS result`)).toEqual([
      { result: 'semi;colon' },
    ]);
    const history = await query<{ migration_name: string; finished: boolean }>(
      url,
      'SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(history.map((row) => row.finished)).toEqual(history.map(() => true));
    expect(history.map((row) => row.migration_name)).toEqual(first.applied);
  });

  it('reset empties the owned schemas and applies every migration again', async () => {
    await query(
      url,
      `INSERT INTO identity.teams (id, slug, name, updated_at)
      VALUES ('01941f29-7c00-7000-8000-000000000001', 't', 'T', now())`,
    );

    const result = await resetDatabase(url);

    expect(result.createdDatabase).toBe(false);
    expect(result.applied).toEqual(
      (await readdir(join(root, 'prisma/migrations')))
        .filter((name) => /^\d{14}_/.test(name))
        .sort(),
    );
    expect(await query(url, 'SELECT count(*)::int AS n FROM identity.teams')).toEqual([{ n: 0 }]);
    // The function of the other migrations folder went with its schema.
    expect(await query(url, `SELECT to_regprocedure('audit.probe(text)') IS NULL AS gone`)).toEqual(
      [{ gone: true }],
    );
  });

  it('refuses to reset a database that does not look disposable', async () => {
    await expect(resetDatabase('postgresql://postgres@127.0.0.1:5432/customers')).rejects.toThrow(
      /Refusing to reset/,
    );
  });
});

describe('helpers', () => {
  it('tells disposable databases from others', () => {
    expect(looksDisposable('postgresql://postgres@127.0.0.1:5432/portcullis_test')).toBe(true);
    expect(looksDisposable('postgresql://postgres@127.0.0.1:5432/portcullis_rt_ab12')).toBe(true);
    expect(looksDisposable('postgresql://postgres@localhost:5432/portcullis')).toBe(true);
    expect(looksDisposable('postgresql://postgres@db.internal:5432/portcullis')).toBe(false);
    expect(looksDisposable('postgresql://postgres@127.0.0.1:5432/contest')).toBe(false);
  });

  it('reads the declared schemas from the datasource', async () => {
    expect(declaredSchemas(await readFile(schemaPath, 'utf8'))).toEqual(['identity', 'audit']);
    expect(declaredSchemas('datasource db {\n  provider = "postgresql"\n}')).toEqual(['public']);
  });

  it('names migrations as Prisma does', () => {
    expect(migrationTimestamp(new Date('2026-03-04T05:06:07.890Z'))).toBe('20260304050607');
    expect(migrationSlug(' Add Users & Roles ')).toBe('add_users_roles');
    expect(() => migrationSlug('!!!')).toThrow();
  });
});
