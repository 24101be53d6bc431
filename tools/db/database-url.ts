/** The documented default, shared with prisma.config.ts and the apps' config. */
export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/portcullis';

/** The database that always exists on a PostgreSQL server; used to create and drop others. */
const MAINTENANCE_DATABASE = 'postgres';

export function resolveDatabaseUrl(explicit?: string): string {
  return explicit ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
}

export function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  if (!name) throw new Error('The database URL names no database');
  return name;
}

/** The same server and credentials, another database. */
export function withDatabase(databaseUrl: string, name: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

export function maintenanceUrl(databaseUrl: string): string {
  return withDatabase(databaseUrl, MAINTENANCE_DATABASE);
}

/** The URL without its password, for messages. */
export function redactUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.password) url.password = '***';
  return url.toString();
}

const DISPOSABLE_NAME =
  /(^|[_.-])(dev|development|test|tests|testing|local|tmp|temp|e2e|ci|rt|scratch)\d*([_.-]|$)/i;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Whether a database may be wiped without `--force`: its name says it is disposable
 * (portcullis_test, portcullis_dev, …), or it is the default development database on this machine.
 */
export function looksDisposable(databaseUrl: string): boolean {
  const url = new URL(databaseUrl);
  const name = databaseName(databaseUrl);
  if (DISPOSABLE_NAME.test(name)) return true;
  return name === databaseName(DEFAULT_DATABASE_URL) && LOOPBACK_HOSTS.has(url.hostname);
}

export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
