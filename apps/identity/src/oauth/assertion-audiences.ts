import type { IdentityConfig } from '../config.js';
import { issuerOf, TOKEN_PATH } from './issuer.js';

/**
 * RFC 7523 §3: the assertion's `aud` identifies the authorization server — its issuer or the
 * token endpoint URL (also on the mutual-TLS alias), or the endpoint being called.
 */
export function assertionAudiences(
  config: IdentityConfig,
  mtlsBaseUrl: string | null,
  endpointPath: string,
): string[] {
  const issuer = issuerOf(config);
  const audiences = new Set([issuer, `${issuer}${TOKEN_PATH}`, `${issuer}${endpointPath}`]);
  if (mtlsBaseUrl) {
    audiences.add(`${mtlsBaseUrl}${TOKEN_PATH}`);
    audiences.add(`${mtlsBaseUrl}${endpointPath}`);
  }
  return [...audiences];
}
