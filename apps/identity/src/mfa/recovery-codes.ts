import { randomInt } from 'node:crypto';
import { keyedHash } from '@portcullis/crypto';

/** Codes handed out per enrolment (or regeneration); each stands in for a TOTP code once. */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const LENGTH = 16;

/**
 * Fresh recovery codes, `xxxx-xxxx-xxxx-xxxx` from the base32 alphabet: 80 random bits each, so a
 * keyed hash (HMAC-SHA-256 under the server key) stores them safely without argon2's cost on
 * every sign-in.
 */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    let code = '';
    for (let index = 0; index < LENGTH; index += 1) code += ALPHABET[randomInt(ALPHABET.length)];
    return code.match(/.{4}/g)!.join('-');
  });
}

/** The code as stored (lower case, no separators), or null when it cannot be one. */
export function normaliseRecoveryCode(input: string): string | null {
  const code = input.toLowerCase().replace(/[\s-]/g, '');
  return code.length === LENGTH && [...code].every((char) => ALPHABET.includes(char)) ? code : null;
}

export function recoveryCodeHash(normalised: string, hashKey: Buffer): string {
  return keyedHash(`mfa-recovery:${normalised}`, hashKey);
}
