import { createHash, createPublicKey } from 'node:crypto';

/**
 * Turns what a developer pastes into the key material identity's credentials API takes. People
 * have keys in many shapes; the API accepts one of each, so the portal translates here.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export interface PublicJwk {
  kty: string;
  [member: string]: unknown;
}

/** Members that make a JWK private or symmetric (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Required members per key type, for the RFC 7638 thumbprint. */
const THUMBPRINT_MEMBERS: Record<string, string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/** RFC 7638 JWK thumbprint (SHA-256, base64url): a stable key id a client can put in `kid`. */
export function jwkThumbprint(jwk: PublicJwk): string {
  const members = THUMBPRINT_MEMBERS[jwk.kty] ?? [];
  const canonical = JSON.stringify(Object.fromEntries(members.map((name) => [name, jwk[name]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JWK Set, one JWK, or a PEM public key (SPKI or PKCS#1) → `{ keys: [...] }`. A PEM key gets
 * its RFC 7638 thumbprint as `kid`. Private keys are refused outright: they must never leave the
 * client's service, and the portal does not derive a public key from one.
 */
export function parsePublicKeys(text: string): Parsed<{ keys: PublicJwk[] }> {
  const trimmed = text.trim();
  if (/PRIVATE KEY-----/.test(trimmed)) {
    return {
      ok: false,
      message:
        'That is a private key. Paste the public key only — and since this private key has been copied, consider replacing it.',
    };
  }
  if (trimmed.startsWith('-----BEGIN')) {
    try {
      const key = createPublicKey(trimmed);
      const jwk = key.export({ format: 'jwk' }) as PublicJwk;
      return { ok: true, value: { keys: [{ ...jwk, use: 'sig', kid: jwkThumbprint(jwk) }] } };
    } catch {
      return { ok: false, message: 'This PEM is not a readable public key.' };
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return {
      ok: false,
      message:
        'Paste a JWK Set ({"keys": [...]}), a single JWK, or a PEM public key (-----BEGIN PUBLIC KEY-----).',
    };
  }
  const keys = isObject(parsed) && Array.isArray(parsed.keys) ? parsed.keys : [parsed];
  if (keys.length === 0) return { ok: false, message: 'The key set has no keys.' };
  for (const key of keys) {
    if (!isObject(key) || typeof key.kty !== 'string') {
      return { ok: false, message: 'Each key needs a "kty" (EC, RSA or OKP).' };
    }
    const privateMember = PRIVATE_MEMBERS.find((member) => member in key);
    if (privateMember) {
      return {
        ok: false,
        message: `This key has a private member ("${privateMember}"). Paste the public key only.`,
      };
    }
  }
  return { ok: true, value: { keys: keys as PublicJwk[] } };
}

export type CertificateMaterial = { certificatePem: string } | { certificateThumbprint: string };

/**
 * A PEM certificate, or its SHA-256 thumbprint as base64url (RFC 8705 `x5t#S256`) or as the hex
 * fingerprint `openssl x509 -fingerprint -sha256` prints (colons optional).
 */
export function parseCertificate(text: string): Parsed<CertificateMaterial> {
  const trimmed = text.trim();
  if (trimmed.includes('-----BEGIN CERTIFICATE-----')) {
    return { ok: true, value: { certificatePem: trimmed } };
  }
  if (/PRIVATE KEY-----/.test(trimmed)) {
    return { ok: false, message: 'That is a private key. Paste the certificate (public) only.' };
  }
  const compact = trimmed.replace(/^sha256 fingerprint=/i, '').replace(/\s+/g, '');
  if (/^[A-Za-z0-9_-]{43}$/.test(compact)) {
    return { ok: true, value: { certificateThumbprint: compact } };
  }
  const hex = compact.replace(/:/g, '');
  if (/^[0-9a-fA-F]{64}$/.test(hex)) {
    return {
      ok: true,
      value: { certificateThumbprint: Buffer.from(hex, 'hex').toString('base64url') },
    };
  }
  return {
    ok: false,
    message:
      'Paste the PEM certificate (-----BEGIN CERTIFICATE-----) or its SHA-256 thumbprint (43 base64url characters, or 64 hex digits).',
  };
}
