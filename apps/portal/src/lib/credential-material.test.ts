import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jwkThumbprint, parseCertificate, parsePublicKeys } from './credential-material';

describe('parsePublicKeys', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });

  it('turns a PEM public key into a JWK Set with its RFC 7638 thumbprint as kid', () => {
    const parsed = parsePublicKeys(publicKey.export({ format: 'pem', type: 'spki' }).toString());
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const [key] = parsed.value.keys;
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, use: 'sig' });
    expect(key?.kid).toBe(jwkThumbprint({ kty: 'EC', ...jwk }));
    expect(key).not.toHaveProperty('d');
  });

  it('accepts a JWK Set or a single JWK as pasted', () => {
    expect(parsePublicKeys(JSON.stringify({ keys: [jwk] }))).toEqual({
      ok: true,
      value: { keys: [jwk] },
    });
    expect(parsePublicKeys(JSON.stringify(jwk))).toEqual({ ok: true, value: { keys: [jwk] } });
  });

  it('refuses private keys in either form, and says what to paste instead', () => {
    const pem = parsePublicKeys(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    expect(pem).toMatchObject({ ok: false, message: expect.stringMatching(/private key/) });
    const privateJwk = parsePublicKeys(JSON.stringify(privateKey.export({ format: 'jwk' })));
    expect(privateJwk).toMatchObject({ ok: false, message: expect.stringContaining('"d"') });
    expect(parsePublicKeys('hello')).toMatchObject({
      ok: false,
      message: expect.stringContaining('JWK Set'),
    });
  });
});

describe('parseCertificate', () => {
  it('passes a PEM certificate through for identity to check', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    expect(parseCertificate(pem)).toEqual({ ok: true, value: { certificatePem: pem } });
  });

  it('reads base64url thumbprints and the hex fingerprints openssl prints', () => {
    const bytes = Buffer.alloc(32, 0xab);
    const hex = `SHA256 Fingerprint=${Array(32).fill('AB').join(':')}`;
    expect(parseCertificate(hex)).toEqual({
      ok: true,
      value: { certificateThumbprint: bytes.toString('base64url') },
    });
    expect(parseCertificate(` ${bytes.toString('base64url')}\n`)).toEqual({
      ok: true,
      value: { certificateThumbprint: bytes.toString('base64url') },
    });
  });

  it('explains what it wants for anything else', () => {
    expect(parseCertificate('abc')).toMatchObject({
      ok: false,
      message: expect.stringContaining('SHA-256 thumbprint'),
    });
  });
});
