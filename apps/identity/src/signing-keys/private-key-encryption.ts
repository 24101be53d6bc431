import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { decodeBase64Key } from '@portcullis/crypto';

const FORMAT = 'v1';
const INFO = 'portcullis/signing-keys/aes-256-gcm/v1';

/** The data key for signing keys, derived from the master key so each use has its own key. */
export function deriveSigningKeyDataKey(masterKeyBase64: string): Buffer {
  const masterKey = decodeBase64Key(masterKeyBase64, 32);
  if (!masterKey) throw new Error('IDENTITY_MASTER_KEY must be base64 of at least 32 bytes');
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), INFO, 32));
}

/**
 * AES-256-GCM with a random 96-bit IV; the kid is authenticated data, so a ciphertext moved to
 * another row fails to decrypt. Format: `v1.<iv>.<ciphertext>.<tag>` (base64url parts).
 */
export function encryptPrivateKey(pkcs8Pem: string, kid: string, dataKey: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(pkcs8Pem, 'utf8'), cipher.final()]);
  return [FORMAT, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function decryptPrivateKey(encrypted: string, kid: string, dataKey: Buffer): string {
  const [format, iv, ciphertext, tag] = encrypted.split('.');
  if (format !== FORMAT || !iv || !ciphertext || !tag) {
    throw new Error(`signing key ${kid}: unknown encryption format`);
  }
  const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(kid, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([
    decipher.update(Buffer.from(ciphertext, 'base64url')),
    decipher.final(),
  ]).toString('utf8');
}

/**
 * Decrypts under the first of `dataKeys` that opens it (the current master key's first, then
 * earlier ones) and says which: 0 the current one.
 */
export function decryptPrivateKeyWithAny(
  encrypted: string,
  kid: string,
  dataKeys: readonly Buffer[],
): { pkcs8Pem: string; keyIndex: number } {
  for (const [keyIndex, dataKey] of dataKeys.entries()) {
    try {
      return { pkcs8Pem: decryptPrivateKey(encrypted, kid, dataKey), keyIndex };
    } catch (error) {
      // A format error is the same under every key; a tag mismatch means another key.
      if (error instanceof Error && error.message.includes('unknown encryption format'))
        throw error;
    }
  }
  throw new Error(`signing key ${kid}: decrypts with none of the master keys`);
}
