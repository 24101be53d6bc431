import { randomBytes } from 'node:crypto';
import { ConfigError } from '@portcullis/config';
import { describe, expect, it } from 'vitest';
import { loadAuditConfig } from '../../src/config.js';
import { DEV_SINK_SECRET_KEY, isDevelopmentSinkKey } from '../../src/siem/siem-env.js';
import { decodeSinkSecretKey, SinkSecretCipher } from '../../src/siem/sink-secret-cipher.js';

const cipher = new SinkSecretCipher(randomBytes(32).toString('base64'));
const secret = { token: 'hec-token-1' };

/** The stored form's parts: version, IV, tag, ciphertext. */
function parts(stored: string): [string, string, string, string] {
  return stored.split('.') as [string, string, string, string];
}

describe('SinkSecretCipher', () => {
  it('decrypts what an earlier key encrypted while a new one encrypts', () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64url');
    const stored = new SinkSecretCipher(oldKey).encrypt('sink-1', secret);
    const rotating = new SinkSecretCipher(newKey, [oldKey]);
    expect(rotating.decryptWithKey('sink-1', stored)).toEqual({ secret, keyIndex: 1 });
    const fresh = rotating.encrypt('sink-1', secret);
    expect(rotating.decryptWithKey('sink-1', fresh)).toEqual({ secret, keyIndex: 0 });
    expect(() => new SinkSecretCipher(newKey).decrypt('sink-1', stored)).toThrow(
      'unreadable sink secret',
    );
    expect(
      loadAuditConfig({ AUDIT_SINK_SECRET_KEY_PREVIOUS: `${oldKey}, ${newKey}` })
        .AUDIT_SINK_SECRET_KEY_PREVIOUS,
    ).toEqual([oldKey, newKey]);
    expect(() => loadAuditConfig({ AUDIT_SINK_SECRET_KEY_PREVIOUS: 'c2hvcnQ=' })).toThrow(
      /AUDIT_SINK_SECRET_KEY_PREVIOUS/,
    );
  });

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

describe('AUDIT_SINK_SECRET_KEY', () => {
  const key = randomBytes(32);
  const problemsWith = (value: string): string => {
    try {
      loadAuditConfig({ AUDIT_SINK_SECRET_KEY: value });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues.filter(
        (issue) => issue.variable === 'AUDIT_SINK_SECRET_KEY',
      );
      return issues.map((issue) => issue.problem).join('\n');
    }
    return '';
  };

  it('takes exactly 32 bytes in canonical base64 or base64url, and the development default', () => {
    for (const value of [
      key.toString('base64'),
      key.toString('base64url'),
      `${key.toString('base64url')}=`,
    ]) {
      expect(problemsWith(value), value).toBe('');
      expect(decodeSinkSecretKey(value)).toEqual(key);
      const stored = new SinkSecretCipher(value).encrypt('sink-1', secret);
      expect(new SinkSecretCipher(key.toString('base64')).decrypt('sink-1', stored)).toEqual(
        secret,
      );
    }
    expect(loadAuditConfig({}).AUDIT_SINK_SECRET_KEY).toBe(DEV_SINK_SECRET_KEY);
    expect(() => new SinkSecretCipher(DEV_SINK_SECRET_KEY)).not.toThrow();
  });

  it('stops start-up on any other key, saying what it wants and how to make one', () => {
    const canonical = key.toString('base64');
    // The last character carries 2 unused bits: setting them spells the same bytes differently.
    const lastIndex = canonical.length - 2;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const offBits = alphabet[alphabet.indexOf(canonical[lastIndex]!) | 1]!;
    for (const value of [
      randomBytes(48).toString('base64'), // was cut to its first 32 bytes
      randomBytes(33).toString('base64'),
      randomBytes(31).toString('base64'),
      randomBytes(16).toString('base64'),
      `${canonical.slice(0, 10)}!${canonical.slice(10)}`, // a stray character the decoder skipped
      `${canonical.slice(0, 10)} ${canonical.slice(11)}`,
      `${canonical}\n`,
      Buffer.alloc(32, 0xff).toString('base64').slice(0, -1), // base64 with `/` keeps its `=`
      `${canonical.slice(0, lastIndex)}${offBits}=`,
      'x'.repeat(64),
    ]) {
      const problem = problemsWith(value);
      expect(problem, JSON.stringify(value)).toContain('exactly 32 random bytes');
      expect(problem).toContain('openssl rand -base64 32');
      expect(problem).not.toContain(value.trim());
      expect(() => new SinkSecretCipher(value), JSON.stringify(value)).toThrow(RangeError);
    }
  });

  it('tells a deployment with a longer key how to keep the 32 bytes it has been using', () => {
    const problem = problemsWith(randomBytes(48).toString('base64'));
    expect(problem).toContain('read this one as 48 bytes');
    expect(problem).toContain('head -c 32');
    // The former development default (41 bytes) became its first 32, so old rows still decrypt.
    const former = 'ZGV2LW9ubHktc2luay1zZWNyZXQta2V5LWNoYW5nZS1tZS1wbGVhc2U=';
    expect(problemsWith(former)).toContain('read this one as 41 bytes');
    expect(decodeSinkSecretKey(DEV_SINK_SECRET_KEY)).toEqual(
      Buffer.from(former, 'base64').subarray(0, 32),
    );
  });

  it('recognizes the development key in either spelling (refused in production)', () => {
    const devUrl = Buffer.from(DEV_SINK_SECRET_KEY, 'base64').toString('base64url');
    expect(isDevelopmentSinkKey(DEV_SINK_SECRET_KEY)).toBe(true);
    expect(isDevelopmentSinkKey(devUrl)).toBe(true);
    expect(isDevelopmentSinkKey(key.toString('base64'))).toBe(false);
  });
});
