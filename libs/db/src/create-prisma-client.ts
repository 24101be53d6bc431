import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.js';

export interface CreatePrismaClientOptions {
  databaseUrl: string;
  /** Shown in pg_stat_activity, so a DBA can tell the services apart. */
  applicationName?: string;
  /** Connections in the pool (default 10). */
  poolMax?: number;
  /** How long to wait for a connection before failing (default 5 s; pg's default is forever). */
  connectionTimeoutMillis?: number;
}

/**
 * A Prisma client over a node-postgres pool (driver adapter, no query engine binary).
 * `$disconnect()` ends the pool.
 */
export function createPrismaClient(options: CreatePrismaClientOptions): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: options.databaseUrl,
    application_name: options.applicationName ?? 'portcullis',
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
  });
  return new PrismaClient({ adapter });
}
