import type { SnapshotStore } from '../config-sync/snapshot-store.js';
import type { CallerIdentity } from '../pipeline/request-context.js';
import { invalidCredential, verifySecret } from './credential-check.js';

/** `Authorization: Basic base64(client_id:client_secret)` against the client's secret hashes. */
export function authenticateBasic(
  store: SnapshotStore,
  encoded: string,
  hashKey: Buffer,
): CallerIdentity {
  if (encoded.length > 512) throw invalidCredential('The Basic credentials are malformed.');
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator <= 0) throw invalidCredential('The Basic credentials are malformed.');
  // RFC 6749 §2.3.1: client id and secret are form-encoded inside Basic.
  let clientId: string;
  let secret: string;
  try {
    clientId = decodeURIComponent(decoded.slice(0, separator).replaceAll('+', ' '));
    secret = decodeURIComponent(decoded.slice(separator + 1).replaceAll('+', ' '));
  } catch {
    throw invalidCredential('The Basic credentials are malformed.');
  }
  return verifySecret(
    store,
    store.credentials('client_secret', clientId),
    secret,
    hashKey,
    'basic',
  );
}
