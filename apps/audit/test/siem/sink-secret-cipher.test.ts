import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SinkSecretCipher } from '../../src/siem/sink-secret-cipher.js';

const cipher = new SinkSecretCipher(randomBytes(32).toString('base64'));
const secret = { token: 'hec-token-1' };

/** The stored form's parts: version, IV, tag, ciphertext. */
function parts(stored: string): [string, string, string, string] {
  return stored.split('.') as [string, string, string, string];
}

describe('SinkSecretCipher', () => {
  it('decrypts what it encrypted, for the same sink only', () => {
    const stored = cipher.encrypt('sink-1', secret);
    expect(stored).not.toContain('hec-token-1');
    expect(cipher.decrypt('sink-1', stored)).toEqual(secret);
    expect(() => cipher.decrypt('sink-2', stored)).toThrow();
  });

  it('refuses a stored secret whose authentication tag was cut short', () => {
    const [version, iv, tag, body] = parts(cipher.encrypt('sink-1', secret));
    // GCM itself would accept a 4-byte tag, which a forger could guess.
    for (const bytes of [4, 8, 12, 15]) {
      const shortTag = Buffer.from(tag, 'base64url').subarray(0, bytes).toString('base64url');
      expect(() => cipher.decrypt('sink-1', [version, iv, shortTag, body].join('.'))).toThrow(
        'unreadable sink secret',
      );
    }
  });

  it('refuses a stored secret with a changed ciphertext, an odd IV or an unknown version', () => {
    const [version, iv, tag, body] = parts(cipher.encrypt('sink-1', secret));
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() =>
      cipher.decrypt('sink-1', [version, iv, tag, flipped.toString('base64url')].join('.')),
    ).toThrow();
    const longIv = Buffer.concat([Buffer.from(iv, 'base64url'), Buffer.alloc(4)]);
    expect(() =>
      cipher.decrypt('sink-1', [version, longIv.toString('base64url'), tag, body].join('.')),
    ).toThrow('unreadable sink secret');
    expect(() => cipher.decrypt('sink-1', ['v0', iv, tag, body].join('.'))).toThrow(
      'unreadable sink secret',
    );
  });
});
