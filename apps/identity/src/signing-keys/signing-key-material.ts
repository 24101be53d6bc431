import { createPrivateKey, webcrypto } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, type JWK } from 'jose';

export type SigningAlgorithm = 'ES256' | 'EdDSA' | 'RS256';

export interface GeneratedSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  publicJwk: JWK;
  privateKeyPem: string;
}

/** A fresh key pair; the kid is the RFC 7638 thumbprint of the public key. */
export async function generateSigningKey(alg: SigningAlgorithm): Promise<GeneratedSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
    ...(alg === 'RS256' ? { modulusLength: 3072 } : {}),
  });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported, 'sha256');
  const publicJwk = publicJwkFields({ ...exported, kid, alg, use: 'sig' });
  return { kid, alg, publicJwk, privateKeyPem: await exportPKCS8(privateKey) };
}

/** Only the public members a JWKS may carry (never `d`, `p`, `q`…). */
export function publicJwkFields(jwk: JWK): JWK {
  const out: JWK = { kty: jwk.kty, kid: jwk.kid, alg: jwk.alg, use: 'sig' };
  if (jwk.kty === 'EC' || jwk.kty === 'OKP') Object.assign(out, { crv: jwk.crv, x: jwk.x });
  if (jwk.kty === 'EC') out.y = jwk.y;
  if (jwk.kty === 'RSA') Object.assign(out, { n: jwk.n, e: jwk.e });
  return out;
}

/** WebCrypto parameters per JWS algorithm (RFC 7518 §3, RFC 8037). */
const WEB_CRYPTO: Record<
  SigningAlgorithm,
  { importAs: AlgorithmParams; signWith: AlgorithmParams }
> = {
  ES256: {
    importAs: { name: 'ECDSA', namedCurve: 'P-256' },
    signWith: { name: 'ECDSA', hash: 'SHA-256' },
  },
  EdDSA: { importAs: { name: 'Ed25519' }, signWith: { name: 'Ed25519' } },
  RS256: {
    importAs: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    signWith: { name: 'RSASSA-PKCS1-v1_5' },
  },
};
type AlgorithmParams = { name: string; namedCurve?: string; hash?: string };

/**
 * A loaded private key that signs compact JWS. Signing goes through WebCrypto, which runs on
 * libuv's thread pool: the event loop keeps serving requests while signatures are computed
 * (ECDSA output is already the JWS r||s form).
 */
export class JwsSigner {
  private readonly encodedHeaders = new Map<string, string>();

  private constructor(
    readonly kid: string,
    readonly alg: SigningAlgorithm,
    private readonly key: webcrypto.CryptoKey,
  ) {}

  static async load(kid: string, alg: SigningAlgorithm, privateKeyPem: string): Promise<JwsSigner> {
    const der = createPrivateKey(privateKeyPem).export({ type: 'pkcs8', format: 'der' });
    const key = await webcrypto.subtle.importKey('pkcs8', der, WEB_CRYPTO[alg].importAs, false, [
      'sign',
    ]);
    return new JwsSigner(kid, alg, key);
  }

  /** Signs `payload` with the given `typ`, returning a compact JWS. */
  async sign(typ: string, payload: object): Promise<string> {
    let header = this.encodedHeaders.get(typ);
    if (header === undefined) {
      header = Buffer.from(JSON.stringify({ alg: this.alg, kid: this.kid, typ })).toString(
        'base64url',
      );
      this.encodedHeaders.set(typ, header);
    }
    const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const signature = await webcrypto.subtle.sign(
      WEB_CRYPTO[this.alg].signWith,
      this.key,
      Buffer.from(input, 'ascii'),
    );
    return `${input}.${Buffer.from(signature).toString('base64url')}`;
  }
}
