import type { PrismaClient } from './generated/client.js';

export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

/**
 * Readiness probe: resolves when the database answers `SELECT 1` within `timeoutMs`, rejects
 * with DatabaseUnavailableError otherwise.
 */
export async function checkDatabase(client: PrismaClient, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new DatabaseUnavailableError(`The database did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([client.$queryRaw`SELECT 1`, timeout]);
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) throw error;
    throw new DatabaseUnavailableError('The database is unavailable', { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
