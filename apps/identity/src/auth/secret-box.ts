import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { decodeBase64Key } from '@portcullis/crypto';
import type { IdentityConfig } from '../config.js';

const VERSION = 'v1';

/**
 * AES-256-GCM for secrets that must be read back (TOTP seeds, webhook signing secrets). Each
 * purpose gets its own key derived from IDENTITY_MASTER_KEY with HKDF, so one leaked derived key
 * opens nothing else. Format: `v1.<iv>.<tag>.<ciphertext>` (base64url), the purpose bound as AAD.
 * Seals under the current master key; opens under it or an earlier one
 * (IDENTITY_MASTER_KEY_PREVIOUS), so a key can be rotated without a moment where secrets are
 * unreadable.
 */
export class SecretBox {
  /** The current key first, then the earlier ones. */
  private readonly keys: Buffer[];

  constructor(
    masterKeyBase64: string,
    private readonly purpose: string,
    previousMasterKeys: readonly string[] = [],
  ) {
    this.keys = [masterKeyBase64, ...previousMasterKeys].map((keyText) => {
      const master = decodeBase64Key(keyText, 32);
      if (!master) throw new Error('a master key must be base64 of at least 32 bytes');
      return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `portcullis:${purpose}`, 32));
    });
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!, iv);
    cipher.setAAD(Buffer.from(this.purpose, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(sealed: string): string {
    return this.openWithKey(sealed).plaintext;
  }

  /** Opens `sealed` and says under which key: 0 the current one, 1 and up an earlier one. */
  openWithKey(sealed: string): { plaintext: string; keyIndex: number } {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) {
      throw new Error('sealed secret has an unknown format');
    }
    for (const [keyIndex, key] of this.keys.entries()) {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(this.purpose, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        const plaintext = Buffer.concat([
          decipher.update(Buffer.from(ciphertext, 'base64url')),
          decipher.final(),
        ]).toString('utf8');
        return { plaintext, keyIndex };
      } catch {
        // Not this key (the tag does not verify): try the next one.
      }
    }
    throw new Error('sealed secret opens with none of the master keys');
  }
}

/** A SecretBox for `purpose` under the configured master key and the earlier ones. */
export function secretBoxFor(
  config: Pick<IdentityConfig, 'IDENTITY_MASTER_KEY' | 'IDENTITY_MASTER_KEY_PREVIOUS'>,
  purpose: string,
): SecretBox {
  return new SecretBox(config.IDENTITY_MASTER_KEY, purpose, config.IDENTITY_MASTER_KEY_PREVIOUS);
}
