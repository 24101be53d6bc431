import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  crc32,
  generateApiKey,
  generateClientSecret,
  keyedHash,
  parseApiKey,
  randomBase62,
  safeEqual,
  verifyKeyedHash,
} from '../src/index.js';

describe('API keys', () => {
  it('round-trips through parse with environment, id and secret', () => {
    const generated = generateApiKey('production');
    expect(generated.key).toMatch(/^pcl_live_[0-9A-Za-z]{16}_[0-9A-Za-z]{49}$/);
    expect(parseApiKey(generated.key)).toEqual({
      keyId: generated.keyId,
      secret: generated.secret,
      environment: 'production',
    });
    expect(parseApiKey(generateApiKey('sandbox').key)?.environment).toBe('sandbox');
  });

  it('rejects a key with one character changed (checksum)', () => {
    const { key } = generateApiKey('sandbox');
    const position = key.length - 20;
    const swapped = key[position] === 'a' ? 'b' : 'a';
    const tampered = key.slice(0, position) + swapped + key.slice(position + 1);
    expect(parseApiKey(tampered)).toBeNull();
  });

  it('rejects malformed and oversized input', () => {
    for (const bad of [
      '',
      'pcl_live_',
      'Bearer x',
      'pcl_prod_' + 'a'.repeat(70),
      'x'.repeat(10_000),
    ]) {
      expect(parseApiKey(bad)).toBeNull();
    }
  });

  it('generates distinct keys each time', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey('sandbox').key));
    expect(keys.size).toBe(200);
  });
});

describe('randomBase62', () => {
  it('uses the whole alphabet and nothing else', () => {
    const sample = randomBase62(20_000);
    expect(sample).toMatch(/^[0-9A-Za-z]+$/);
    expect(new Set(sample).size).toBe(62);
  });
});

describe('crc32', () => {
  it('matches the IEEE check value', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
  });
});

describe('keyed hashes', () => {
  const key = randomBytes(32);

  it('verifies the right secret and refuses others', () => {
    const secret = generateClientSecret();
    const stored = keyedHash(secret, key);
    expect(verifyKeyedHash(secret, stored, key)).toBe(true);
    expect(verifyKeyedHash(secret + 'x', stored, key)).toBe(false);
    expect(verifyKeyedHash(secret, stored, randomBytes(32))).toBe(false);
  });

  it('compares strings of different lengths safely', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});
