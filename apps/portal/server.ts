/**
 * The portal's production server: Next.js behind a plain Node HTTP server that records each
 * connection's address for the request (src/server/peer-address.ts), so that with no proxy in
 * front (`PORTAL_TRUSTED_PROXY_HOPS=0`) identity and audit still learn who signed in, from where,
 * and count failed sign-ins per visitor rather than per portal. `npm start` and the repository's
 * start script run this; `next start` works too, without visitor addresses.
 *
 *   PORTAL_PORT=3000 HOST=127.0.0.1 node server.ts   (from apps/portal, after `next build`)
 */
import { createServer } from 'node:http';
import { drawPeerAddressHeader, socketPeerAddress } from './src/server/peer-address.ts';

// Next's types make NODE_ENV read-only; here it is still ours to settle.
(process.env as Record<string, string | undefined>).NODE_ENV ??= 'production';
const port = Number(process.env.PORTAL_PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORTAL_PORT must be a port number, not ${process.env.PORTAL_PORT}`);
  process.exit(1);
}
const hostname = process.env.HOST ?? '127.0.0.1';
const peerHeader = drawPeerAddressHeader();

// After NODE_ENV is settled: Next reads it when it loads.
const { default: next } = await import('next');
const app = next({ dev: false, dir: import.meta.dirname, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((request, response) => {
  const address = socketPeerAddress(request.socket.remoteAddress);
  if (address) request.headers[peerHeader] = address;
  else delete request.headers[peerHeader];
  void handle(request, response);
});
server.listen(port, hostname, () => {
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  process.stdout.write(`portal listening on http://${host}:${port}\n`);
});

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  // In-flight requests finish; idle keep-alive connections are closed now.
  server.close(() => void app.close().finally(() => process.exit(0)));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 10_000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
