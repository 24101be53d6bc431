import { randomBase62 } from './base62.js';

/** OAuth2 client ids are public identifiers; the prefix tells sandbox from production. */
export function generateClientId(environment: 'sandbox' | 'production'): string {
  return `pcl_${environment === 'production' ? 'live' : 'test'}_client_${randomBase62(20)}`;
}

/** Client secrets carry 256 bits and a recognisable prefix for secret scanners. */
export function generateClientSecret(): string {
  return `pcls_${randomBase62(43)}`;
}

/** Opaque tokens (sessions, refresh-free service tokens): 256 bits with a prefix naming their kind. */
export function generateOpaqueToken(prefix: string): string {
  return `${prefix}_${randomBase62(43)}`;
}
