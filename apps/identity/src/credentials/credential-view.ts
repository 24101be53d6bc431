import type { Credential } from '@portcullis/db';

/** What the management API shows of a credential: never a secret or its hash. */
export interface CredentialView {
  id: string;
  applicationId: string;
  environment: 'sandbox' | 'production';
  kind: Credential['kind'];
  clientId: string | null;
  keyId: string;
  status: 'active' | 'revoked' | 'expired' | 'rotated';
  expiresAt: string | null;
  graceUntil: string | null;
  rotatedFromId: string | null;
  certificateThumbprint: string | null;
  jwks: unknown;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export function credentialView(credential: Credential, now = new Date()): CredentialView {
  return {
    id: credential.id,
    applicationId: credential.applicationId,
    environment: credential.environment,
    kind: credential.kind,
    clientId: credential.clientId,
    keyId: credential.keyId,
    status: effectiveStatus(credential, now),
    expiresAt: credential.expiresAt?.toISOString() ?? null,
    graceUntil: credential.graceUntil?.toISOString() ?? null,
    rotatedFromId: credential.rotatedFromId,
    certificateThumbprint: credential.certificateThumbprint,
    jwks: credential.jwks ?? null,
    lastUsedAt: credential.lastUsedAt?.toISOString() ?? null,
    revokedAt: credential.revokedAt?.toISOString() ?? null,
    createdAt: credential.createdAt.toISOString(),
  };
}

/** Expiry and the end of a grace period take effect by the clock, without a sweep. */
export function effectiveStatus(
  credential: Credential,
  now = new Date(),
): CredentialView['status'] {
  if (credential.status === 'revoked') return 'revoked';
  if (credential.status === 'expired' || (credential.expiresAt && credential.expiresAt <= now)) {
    return 'expired';
  }
  if (credential.graceUntil && credential.graceUntil <= now) return 'rotated';
  return 'active';
}
