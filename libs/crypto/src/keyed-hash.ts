import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeBase64Key } from './base64-key.js';

/**
 * HMAC-SHA-256 of a high-entropy secret under the server's hashing key. Secrets carry 256 random
 * bits, so a keyed hash is as safe as a slow hash here and keeps the token path fast; a leaked
 * table of hashes is useless without the key.
 */
export function keyedHash(secret: string, hashKey: Buffer): string {
  return createHmac('sha256', hashKey).update(secret, 'utf8').digest('base64url');
}

/** Constant-time comparison of two hashes (or any two strings) of possibly different length. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    // Compare anyway so the time does not reveal where the lengths differ.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/** Verifies a presented secret against a stored keyed hash in constant time. */
export function verifyKeyedHash(secret: string, storedHash: string, hashKey: Buffer): boolean {
  return safeEqual(keyedHash(secret, hashKey), storedHash);
}

/** Decodes the hashing key from configuration (canonical base64 or base64url, 32+ bytes). */
export function decodeHashKey(base64: string): Buffer {
  const key = decodeBase64Key(base64, 32);
  if (!key) {
    throw new Error(
      'the credential hashing key must be base64 of at least 32 bytes, written exactly',
    );
  }
  return key;
}
