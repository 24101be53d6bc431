export { generateApiKey, parseApiKey } from './api-key.js';
export type { CredentialEnvironment, GeneratedApiKey, ParsedApiKey } from './api-key.js';
export { canonicalKeyHint, decodeBase64Key } from './base64-key.js';
export { randomBase62 } from './base62.js';
export {
  generateClientId,
  generateClientSecret,
  generateOpaqueToken,
} from './client-credentials.js';
export { crc32 } from './crc32.js';
export { decodeHashKey, keyedHash, safeEqual, verifyKeyedHash } from './keyed-hash.js';
