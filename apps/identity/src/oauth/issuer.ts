import type { IdentityConfig } from '../config.js';

/** The issuer identifier, without a trailing slash (RFC 8414 §2). Read per call: tests set it after binding. */
export function issuerOf(config: IdentityConfig): string {
  return config.IDENTITY_ISSUER.replace(/\/+$/, '');
}

export const TOKEN_PATH = '/oauth2/token';
export const INTROSPECTION_PATH = '/oauth2/introspect';
export const REVOCATION_PATH = '/oauth2/revoke';
