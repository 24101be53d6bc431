import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { decodeBase64Key } from '@portcullis/crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export const SINK_SECRET_KEY_EXPECTED =
  'must be exactly 32 random bytes in base64 or base64url (generate one with: openssl rand -base64 32)';

/** The AES-256 key from its text: base64 or base64url of exactly 32 bytes, written exactly. */
export function decodeSinkSecretKey(text: string): Buffer | null {
  return decodeBase64Key(text, KEY_BYTES, KEY_BYTES);
}

/**
 * Encrypts sink secrets (HEC tokens, webhook secrets, TLS keys) at rest with AES-256-GCM. The
 * stored form is `v1.<iv>.<tag>.<ciphertext>` (base64url); the sink id is bound as associated
 * data, so a secret copied onto another sink row does not decrypt.
 */
export class SinkSecretCipher {
  /** The current key (it encrypts) first, then earlier ones (AUDIT_SINK_SECRET_KEY_PREVIOUS). */
  readonly #keys: Buffer[];

  constructor(base64Key: string, previousKeys: readonly string[] = []) {
    this.#keys = [base64Key, ...previousKeys].map((text) => {
      const key = decodeSinkSecretKey(text);
      if (!key) throw new RangeError(`the sink secret key ${SINK_SECRET_KEY_EXPECTED}`);
      return key;
    });
  }

  encrypt(sinkId: string, secret: object): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys[0]!, iv);
    cipher.setAAD(Buffer.from(sinkId, 'utf8'));
    const body = Buffer.concat([cipher.update(JSON.stringify(secret), 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), body]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  decrypt(sinkId: string, stored: string): unknown {
    return this.decryptWithKey(sinkId, stored).secret;
  }

  /** Decrypts and says under which key: 0 the current one, 1 and up an earlier one. */
  decryptWithKey(sinkId: string, stored: string): { secret: unknown; keyIndex: number } {
    const [version, ivText, tagText, body] = stored.split('.');
    const iv = Buffer.from(ivText ?? '', 'base64url');
    const tag = Buffer.from(tagText ?? '', 'base64url');
    // GCM accepts tags down to 4 bytes: a stored secret with a cut tag would be far easier to forge.
    if (
      version !== VERSION ||
      iv.length !== IV_BYTES ||
      tag.length !== TAG_BYTES ||
      body === undefined
    ) {
      throw new Error('unreadable sink secret');
    }
    for (const [keyIndex, key] of this.#keys.entries()) {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(sinkId, 'utf8'));
      decipher.setAuthTag(tag);
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
      } catch {
        continue; // Not this key (the tag does not verify).
      }
      return { secret: JSON.parse(plain.toString('utf8')) as unknown, keyIndex };
    }
    throw new Error('unreadable sink secret');
  }
}
