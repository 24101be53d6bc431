import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { decodeBase64Key } from '@portcullis/crypto';

const VERSION = 'v1';

/**
 * AES-256-GCM for secrets that must be read back (TOTP seeds, webhook signing secrets). Each
 * purpose gets its own key derived from IDENTITY_MASTER_KEY with HKDF, so one leaked derived key
 * opens nothing else. Format: `v1.<iv>.<tag>.<ciphertext>` (base64url), the purpose bound as AAD.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(
    masterKeyBase64: string,
    private readonly purpose: string,
  ) {
    const master = decodeBase64Key(masterKeyBase64, 32);
    if (!master) throw new Error('the master key must be base64 of at least 32 bytes');
    this.key = Buffer.from(
      hkdfSync('sha256', master, Buffer.alloc(0), `portcullis:${purpose}`, 32),
    );
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(this.purpose, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) {
      throw new Error('sealed secret has an unknown format');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(this.purpose, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }
}
