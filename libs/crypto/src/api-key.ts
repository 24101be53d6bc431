import { encodeBase62, randomBase62 } from './base62.js';
import { crc32 } from './crc32.js';

/**
 * API key format: `pcl_<env>_<keyId>_<secret><checksum>`
 * - `pcl_` prefix and the environment (`live` for production, `test` for sandbox) make leaked keys
 *   recognisable to people and secret scanners;
 * - `keyId` (16 base62) is the lookup part stored in clear;
 * - `secret` (43 base62 = 256 bits) is stored only as a keyed hash;
 * - `checksum` (6 base62 of CRC-32 over everything before it) rejects typos and look-alikes
 *   without a database round trip.
 */
export type CredentialEnvironment = 'sandbox' | 'production';

const ENV_TAG: Record<CredentialEnvironment, string> = { production: 'live', sandbox: 'test' };
const API_KEY_PATTERN = /^pcl_(live|test)_([0-9A-Za-z]{16})_([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/;

export interface GeneratedApiKey {
  /** The whole key: show it once, never store it. */
  key: string;
  keyId: string;
  secret: string;
  environment: CredentialEnvironment;
}

export function generateApiKey(environment: CredentialEnvironment): GeneratedApiKey {
  const keyId = randomBase62(16);
  const secret = randomBase62(43);
  const body = `pcl_${ENV_TAG[environment]}_${keyId}_${secret}`;
  return { key: body + encodeBase62(crc32(body), 6), keyId, secret, environment };
}

export interface ParsedApiKey {
  keyId: string;
  secret: string;
  environment: CredentialEnvironment;
}

/** Parses a presented key; `null` when it is malformed or its checksum is wrong. */
export function parseApiKey(presented: string): ParsedApiKey | null {
  if (presented.length > 128) return null;
  const match = API_KEY_PATTERN.exec(presented);
  if (!match) return null;
  const [, envTag, keyId, secret, checksum] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const body = `pcl_${envTag}_${keyId}_${secret}`;
  if (encodeBase62(crc32(body), 6) !== checksum) return null;
  return { keyId, secret, environment: envTag === 'live' ? 'production' : 'sandbox' };
}
