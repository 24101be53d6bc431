import { isIP } from 'node:net';
import { peerAddressFrom } from './peer-address';

/** Longest User-Agent passed on to identity and audit (they keep 512–1,024 characters). */
const MAX_USER_AGENT_LENGTH = 512;

/**
 * The visitor's address, read from X-Forwarded-For as the `trustedHops` proxies in front of the
 * portal left it: each appends the address it saw, so the entry `trustedHops` from the right is
 * the one the outermost trusted proxy saw. Null with no trusted proxy — Next.js keeps a
 * client-sent X-Forwarded-For as it is, so the portal cannot tell a real one from a made-up one —
 * and for anything that is not an IP address.
 */
export function clientAddressFrom(forwardedFor: string | null, trustedHops: number): string | null {
  if (trustedHops < 1 || !forwardedFor) return null;
  const hops = forwardedFor.split(',');
  if (hops.length < trustedHops) return null;
  const address = hops[hops.length - trustedHops]!.trim().replace(/^\[(.*)\]$/, '$1');
  return isIP(address) === 0 ? null : address;
}

/**
 * Headers that tell identity and audit who is behind a portal request: the browser's User-Agent
 * always (it is the visitor's claim either way), and its address — with trusted proxies in front,
 * the one they name; with none, the connection's own, as the portal's server recorded it
 * (peer-address.ts; none under plain `next start`). Identity and audit believe X-Forwarded-For
 * from the portal once it is in their TRUSTED_PROXIES.
 */
export function visitorHeaders(
  incoming: { get(name: string): string | null },
  trustedHops: number,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const userAgent = incoming.get('user-agent')?.trim();
  if (userAgent) headers['user-agent'] = userAgent.slice(0, MAX_USER_AGENT_LENGTH);
  const address =
    trustedHops === 0
      ? peerAddressFrom(incoming)
      : clientAddressFrom(incoming.get('x-forwarded-for'), trustedHops);
  if (address) headers['x-forwarded-for'] = address;
  return headers;
}
