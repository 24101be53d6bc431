import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A TCP port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return listenOnce(0);
}

/**
 * A free TCP port for a server a test stops and starts again on the same port (a dedicated Kafka,
 * a private PostgreSQL or Redis). It lies below the OS's ephemeral range: a port from there
 * (freePort) can be handed to another test's listener or outgoing connection while the server
 * is down, and the restart then finds it taken.
 */
export async function restartablePort(): Promise<number> {
  const lowest = 20_000;
  const end = Math.min(ephemeralRangeStart(), 32_768);
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = lowest + Math.floor(Math.random() * (end - lowest));
    const port = await listenOnce(candidate).catch(() => undefined);
    if (port !== undefined) return port;
  }
  throw new Error(`no free port between ${lowest} and ${end} after 50 attempts`);
}

function ephemeralRangeStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/);
    const parsed = Number(start);
    return Number.isInteger(parsed) && parsed > 20_001 ? parsed : 32_768;
  } catch {
    return 32_768;
  }
}

async function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}
