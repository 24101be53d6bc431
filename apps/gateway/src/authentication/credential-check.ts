import type { GatewayCredential } from '@portcullis/contracts';
import { verifyKeyedHash } from '@portcullis/crypto';
import type { SnapshotStore } from '../config-sync/snapshot-store.js';
import { Denial } from '../pipeline/denial.js';
import type { CallerIdentity } from '../pipeline/request-context.js';

/** A 401 without a challenge: the authenticate policy adds the schemes the API accepts. */
export function invalidCredential(
  detail = 'The credential is not valid.',
  reason: Denial['reason'] = 'invalid_credential',
) {
  return new Denial(401, reason, 'unauthorized', 'Unauthorized', detail);
}

/**
 * Finds the credential whose keyed hash matches the presented secret. Every candidate is
 * compared (constant time each), so the time does not tell how many share the lookup id.
 */
export function verifySecret(
  store: SnapshotStore,
  candidates: readonly GatewayCredential[],
  secret: string,
  hashKey: Buffer,
  authMethod: CallerIdentity['authMethod'],
): CallerIdentity {
  let match: GatewayCredential | undefined;
  for (const candidate of candidates) {
    if (verifyKeyedHash(secret, candidate.secretHash, hashKey) && !match) match = candidate;
  }
  if (!match) throw invalidCredential();
  if (match.status === 'revoked' || store.isCredentialRevoked(match.id)) {
    throw invalidCredential('The credential has been revoked.', 'revoked_credential');
  }
  if (
    match.status === 'expired' ||
    (match.expiresAt && Date.parse(match.expiresAt) <= Date.now())
  ) {
    throw invalidCredential('The credential has expired.', 'expired_credential');
  }
  const application = store.application(match.appId);
  return {
    authMethod,
    appId: match.appId,
    teamId: application?.teamId ?? null,
    developerId: application?.createdById ?? null,
    clientId: match.kind === 'client_secret' ? match.lookupId : null,
    credentialId: match.id,
    environment: match.environment,
    tokenScopes: null,
    tokenJti: null,
  };
}
