import { readFile } from 'node:fs/promises';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importPKCS8,
  type CryptoKey,
  type JWK,
} from 'jose';

export interface GatewaySigningKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
}

export const ASSERTION_ALG = 'ES256';

/**
 * The key that signs X-Portcullis-Assertion. From GATEWAY_SIGNING_KEY_FILE (PKCS#8 PEM, P-256)
 * when several replicas must share it, else generated at start (backends fetch the JWKS, so a
 * fresh key per instance works as long as they refresh on an unknown kid).
 */
export async function loadGatewaySigningKey(file: string | undefined): Promise<GatewaySigningKey> {
  let privateKey: CryptoKey;
  let publicJwk: JWK;
  if (file) {
    privateKey = await importPKCS8(await readFile(file, 'utf8'), ASSERTION_ALG, {
      extractable: true,
    });
    const { d: _d, ...rest } = await exportJWK(privateKey);
    publicJwk = rest;
  } else {
    const pair = await generateKeyPair(ASSERTION_ALG, { extractable: false });
    privateKey = pair.privateKey;
    publicJwk = await exportJWK(pair.publicKey);
  }
  const kid = await calculateJwkThumbprint(publicJwk);
  return { privateKey, kid, publicJwk: { ...publicJwk, kid, alg: ASSERTION_ALG, use: 'sig' } };
}
