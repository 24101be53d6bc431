import type { Credential } from '@portcullis/db';

/** What the management API shows of a credential: never a secret or its hash. */
export interface CredentialView {
  id: string;
  applicationId: string;
  environment: 'sandbox' | 'production';
  kind: Credential['kind'];
  clientId: string | null;
  keyId: string;
  status: 'active' | 'revoked' | 'expired' | 'rotated' | 'suspended';
  expiresAt: string | null;
  graceUntil: string | null;
  rotatedFromId: string | null;
  certificateThumbprint: string | null;
  jwks: unknown;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** While `suspended` (a security response): when it lapses. */
  suspendedUntil: string | null;
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
    suspendedUntil:
      credential.status === 'suspended' ? (credential.suspendedUntil?.toISOString() ?? null) : null,
    createdAt: credential.createdAt.toISOString(),
  };
}

/**
 * Expiry and the end of a grace period take effect by the clock; the credential sweep later marks
 * such rows `expired` in the database. A rotated-out credential whose grace period ended before
 * any expiry date reads `rotated`, before and after the sweep.
 */
export function effectiveStatus(
  credential: Pick<Credential, 'status' | 'expiresAt' | 'graceUntil'>,
  now = new Date(),
): CredentialView['status'] {
  if (credential.status === 'revoked') return 'revoked';
  const { expiresAt, graceUntil } = credential;
  const graceOver = graceUntil !== null && graceUntil <= now;
  const expired = expiresAt !== null && expiresAt <= now;
  if (graceOver && (!expired || graceUntil <= expiresAt)) return 'rotated';
  if (credential.status === 'expired' || expired) return 'expired';
  if (credential.status === 'suspended') return 'suspended';
  return 'active';
}
