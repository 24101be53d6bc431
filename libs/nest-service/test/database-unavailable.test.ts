import { createServer } from 'node:net';
import { createPrismaClient } from '@portcullis/db';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../src/database-unavailable.js';

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

// The test stack's database (tools/test/global-setup.ts sets DATABASE_URL).
const TEST_DATABASE_URL = process.env.DATABASE_URL!;

describe('isDatabaseUnavailable', () => {
  it('recognises Prisma failing to reach the database', async () => {
    const prisma = createPrismaClient({
      databaseUrl: `postgresql://postgres@127.0.0.1:${await closedPort()}/nowhere`,
    });
    try {
      const error = await failureOf(() => prisma.team.findMany({ take: 1 }));
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('recognises node-postgres refused connections and an administrator shutdown', async () => {
    const refused = new pg.Client({ host: '127.0.0.1', port: await closedPort(), user: 'x' });
    expect(isDatabaseUnavailable(await failureOf(() => refused.connect()))).toBe(true);

    // A session terminated by the server carries 57P01, as in a PostgreSQL restart.
    const victim = new pg.Client({ connectionString: TEST_DATABASE_URL });
    const killer = new pg.Client({ connectionString: TEST_DATABASE_URL });
    victim.on('error', () => undefined);
    await victim.connect();
    await killer.connect();
    try {
      const { rows } = await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const terminated = failureOf(() => victim.query('SELECT pg_sleep(5)'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await killer.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      expect(isDatabaseUnavailable(await terminated)).toBe(true);
    } finally {
      await killer.end();
      await victim.end().catch(() => undefined);
    }
  });

  it('leaves errors of the request or the code alone', async () => {
    const prisma = createPrismaClient({ databaseUrl: TEST_DATABASE_URL });
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const notFound = await failureOf(() =>
        prisma.team.update({ where: { id: '00000000-0000-0000-0000-000000000000' }, data: {} }),
      );
      expect(isDatabaseUnavailable(notFound)).toBe(false);
      const syntax = await failureOf(() => client.query('SELEC 1'));
      expect(isDatabaseUnavailable(syntax)).toBe(false);
      expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
      expect(isDatabaseUnavailable(undefined)).toBe(false);
    } finally {
      await prisma.$disconnect();
      await client.end();
    }
  });
});
