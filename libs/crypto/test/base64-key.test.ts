import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64Key, decodeHashKey } from '../src/index.js';

describe('decodeBase64Key', () => {
  const bytes = randomBytes(32);
  const text = bytes.toString('base64');

  it('reads canonical base64 and base64url, padded or not', () => {
    expect(decodeBase64Key(text, 32)).toEqual(bytes);
    expect(decodeBase64Key(bytes.toString('base64url'), 32)).toEqual(bytes);
    expect(decodeBase64Key(`${bytes.toString('base64url')}=`, 32)).toEqual(bytes);
    const longer = randomBytes(48);
    expect(decodeBase64Key(longer.toString('base64'), 32)).toEqual(longer);
    expect(decodeBase64Key(longer.toString('base64'), 32, 32)).toBeNull();
    expect(decodeBase64Key(randomBytes(31).toString('base64'), 32)).toBeNull();
  });

  it('refuses texts that Node alone would quietly read as some key', () => {
    const mangled = {
      'pasted with quotes': `"${text}"`,
      'a space inside': `${text.slice(0, 20)} ${text.slice(20)}`,
      // (a key whose base64 has + or /: without them, 43 characters are plain base64url)
      'padding lost': Buffer.alloc(32, 0xff).toString('base64').slice(0, 43),
      'a passphrase': 'correct-horse-battery-staple!correct-horse-battery',
      'two keys run together': `${text}${text}`,
    };
    for (const [what, value] of Object.entries(mangled)) {
      expect(Buffer.from(value, 'base64').length, what).toBeGreaterThanOrEqual(32);
      expect(decodeBase64Key(value, 32), what).toBeNull();
    }
    // The last character's two unused bits set: Node reads the very same bytes, yet it is another
    // text, so two replicas configured by hand could not be told to hold the same key.
    const last = text.charCodeAt(42);
    const sloppy = `${text.slice(0, 42)}${String.fromCharCode(last + 1)}=`;
    expect(Buffer.from(sloppy, 'base64')).toEqual(bytes);
    expect(decodeBase64Key(sloppy, 32)).toBeNull();
  });

  it('backs the credential hashing key', () => {
    expect(decodeHashKey(text)).toEqual(bytes);
    expect(() => decodeHashKey(`'${text}'`)).toThrow(/written exactly/);
  });
});
