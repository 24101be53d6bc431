import { parseApiKey } from '@portcullis/crypto';
import type { SnapshotStore } from '../config-sync/snapshot-store.js';
import type { CallerIdentity } from '../pipeline/request-context.js';
import { invalidCredential, verifySecret } from './credential-check.js';

/** `X-API-Key: pcl_<env>_<keyId>_<secret><checksum>`: checksum first, then the keyed hash. */
export function authenticateApiKey(
  store: SnapshotStore,
  presented: string,
  hashKey: Buffer,
): CallerIdentity {
  const parsed = parseApiKey(presented.trim());
  if (!parsed) throw invalidCredential('The API key is malformed.');
  const candidates = store
    .credentials('api_key', parsed.keyId)
    .filter((credential) => credential.environment === parsed.environment);
  return verifySecret(store, candidates, parsed.secret, hashKey, 'api_key');
}
