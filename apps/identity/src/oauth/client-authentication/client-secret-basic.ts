import type { OAuthRequest } from '../oauth-request.js';
import { InvalidClientError } from '../oauth-errors.js';

/**
 * `client_secret_basic` (RFC 6749 §2.3.1): HTTP Basic where id and secret are each
 * form-urlencoded before being joined with ':'.
 */
export function clientSecretBasic(
  request: OAuthRequest,
): { method: 'client_secret_basic'; clientId: string; secret: string } | null {
  const header = request.headers.authorization;
  if (!header || !/^basic /i.test(header)) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator <= 0) throw new InvalidClientError('Malformed Basic credentials.');
  try {
    const clientId = formDecode(decoded.slice(0, separator));
    const secret = formDecode(decoded.slice(separator + 1));
    if (!clientId || !secret) throw new Error('empty');
    return { method: 'client_secret_basic', clientId, secret };
  } catch {
    throw new InvalidClientError('Malformed Basic credentials.');
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replaceAll('+', ' '));
}
