/**
 * Whether an error means the database cannot be reached right now (down, restarting, refusing
 * connections, pool exhausted) rather than that the request or the code is wrong: such requests
 * get `503` with `Retry-After`, not a `500`.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (typeof current !== 'object') return false;
    const { name, code, meta, cause } = current as {
      name?: unknown;
      code?: unknown;
      meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
      cause?: unknown;
    };
    if (name === 'PrismaClientInitializationError') return true;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    const adapterCause = meta?.driverAdapterError?.cause;
    if (typeof adapterCause?.kind === 'string' && UNAVAILABLE_KINDS.has(adapterCause.kind)) {
      return true;
    }
    if (
      typeof adapterCause?.originalCode === 'string' &&
      UNAVAILABLE_CODES.has(adapterCause.originalCode)
    ) {
      return true;
    }
    current = cause;
  }
  return false;
}

const UNAVAILABLE_CODES = new Set([
  // Prisma: can't reach, timed out, operations timed out, server closed the connection, no
  // connection from the pool in time.
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024',
  // PostgreSQL SQLSTATE: admin/crash shutdown, cannot connect now (starting), too many
  // connections, connection failures.
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  // node-postgres / Node sockets.
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
]);

/** Kinds of Prisma's driver-adapter errors that mean the same. */
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
