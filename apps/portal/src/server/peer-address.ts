import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * The address of whoever opened the connection to the portal, for a portal that faces browsers
 * itself (no proxy in front). Next.js hands pages no socket, and it keeps a client-sent
 * X-Forwarded-For as it is, so `server.ts` puts the socket's address into a request header whose
 * name it draws at start-up and keeps in this process only: no client can send that header.
 * Under plain `next start` no name is drawn, and the portal knows no visitor address (fails closed).
 */
const HEADER_NAME = Symbol.for('portcullis.portal.peerAddressHeader');
type WithHeaderName = typeof globalThis & { [HEADER_NAME]?: string };

/** Called once by server.ts before the first request. */
export function drawPeerAddressHeader(): string {
  const name = `x-portcullis-peer-${randomBytes(16).toString('hex')}`;
  (globalThis as WithHeaderName)[HEADER_NAME] = name;
  return name;
}

/** The socket's address as identity and audit record it (IPv4-mapped IPv6 unwrapped), or null. */
export function socketPeerAddress(remoteAddress: string | undefined): string | null {
  if (!remoteAddress) return null;
  const address = remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
  return isIP(address) === 0 ? null : address;
}

/** The connection's address server.ts recorded for this request; null under plain `next start`. */
export function peerAddressFrom(incoming: { get(name: string): string | null }): string | null {
  const name = (globalThis as WithHeaderName)[HEADER_NAME];
  if (!name) return null;
  return socketPeerAddress(incoming.get(name) ?? undefined);
}
