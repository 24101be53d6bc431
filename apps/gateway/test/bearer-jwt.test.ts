import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BearerJwtVerifier } from '../src/authentication/bearer-jwt.js';
import { SnapshotStore } from '../src/config-sync/snapshot-store.js';
import type { Denial } from '../src/pipeline/denial.js';

const ISSUER = 'http://identity.test';
const AUDIENCE = 'urn:portcullis:api:weather';

// The verifier against a real JWKS endpoint and real ES256 signatures; only the clock is moved.
describe('BearerJwtVerifier', () => {
  let server: Server;
  let jwksUrl: string;
  let signingKey: CryptoKey;
  let jwksRequests = 0;
  const store = new SnapshotStore();
  const noCertificate = () => null;
  let nowMs = Date.now();
  const clock = () => nowMs;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    signingKey = privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
    server = createServer((_request, response) => {
      jwksRequests += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    jwksUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  function sign(
    claims: JWTPayload = {},
    options: { key?: CryptoKey; kid?: string; lifetimeSeconds?: number; audience?: string } = {},
  ): Promise<string> {
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT({
      client_id: 'client-1',
      app_id: 'app-1',
      team_id: 'team-1',
      env: 'sandbox',
      scope: 'items:read',
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'key-1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setSubject('app-1')
      .setAudience(options.audience ?? AUDIENCE)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + (options.lifetimeSeconds ?? 300))
      .sign(options.key ?? signingKey);
  }

  async function refusal(
    verifier: BearerJwtVerifier,
    token: string,
    audience = AUDIENCE,
  ): Promise<Denial> {
    const outcome = await verifier.authenticate(store, token, audience, noCertificate).then(
      () => null,
      (error: unknown) => error as Denial,
    );
    expect(outcome, 'the token was accepted').not.toBeNull();
    return outcome!;
  }

  it('checks a valid token once and then answers from the cache', async () => {
    const verifier = new BearerJwtVerifier(jwksUrl, ISSUER, clock);
    const token = await sign();
    for (let call = 0; call < 3; call += 1) {
      const caller = await verifier.authenticate(store, token, AUDIENCE, noCertificate);
      expect(caller).toMatchObject({ appId: 'app-1', tokenScopes: ['items:read'] });
    }
    expect(verifier.signatureChecks).toBe(1);
  });

  it('refuses a cached token once it expires, without checking its signature again', async () => {
    const verifier = new BearerJwtVerifier(jwksUrl, ISSUER, clock);
    const token = await sign({}, { lifetimeSeconds: 60 });
    await verifier.authenticate(store, token, AUDIENCE, noCertificate);
    nowMs += 64_000; // within the 5 s clock tolerance: still accepted
    await verifier.authenticate(store, token, AUDIENCE, noCertificate);
    nowMs += 2_000;
    for (let call = 0; call < 3; call += 1) {
      expect((await refusal(verifier, token)).reason).toBe('expired_token');
    }
    expect(verifier.signatureChecks).toBe(1);
  });

  it('checks an expired, forged or misaddressed token once and keeps refusing it', async () => {
    const verifier = new BearerJwtVerifier(jwksUrl, ISSUER, clock);
    const expired = await sign({}, { lifetimeSeconds: 1 });
    nowMs += 10_000;
    const { privateKey: otherKey } = await generateKeyPair('ES256');
    const forged = await sign({}, { key: otherKey });
    const forOtherApi = await sign({}, { audience: 'urn:portcullis:api:other' });
    const cases: [string, string][] = [
      [expired, 'expired_token'],
      [forged, 'invalid_token'],
      [forOtherApi, 'wrong_audience'],
    ];
    for (const [token, reason] of cases) {
      for (let call = 0; call < 3; call += 1) {
        const denial = await refusal(verifier, token);
        expect(denial.reason).toBe(reason);
        expect(denial.status).toBe(401);
        expect(denial.headers['www-authenticate']).toContain('error="invalid_token"');
      }
    }
    expect(verifier.signatureChecks).toBe(cases.length);
  });

  it('keeps a refusal per audience: the same token is still checked for its own API', async () => {
    const verifier = new BearerJwtVerifier(jwksUrl, ISSUER, clock);
    const token = await sign();
    expect((await refusal(verifier, token, 'urn:portcullis:api:other')).reason).toBe(
      'wrong_audience',
    );
    const caller = await verifier.authenticate(store, token, AUDIENCE, noCertificate);
    expect(caller.appId).toBe('app-1');
    expect(verifier.signatureChecks).toBe(2);
  });

  it('does not keep the refusal of an unknown key id: a rotated-in key may appear in the JWKS', async () => {
    const verifier = new BearerJwtVerifier(jwksUrl, ISSUER, clock);
    const token = await sign({}, { kid: 'key-from-the-future' });
    const fetchedBefore = jwksRequests;
    expect((await refusal(verifier, token)).reason).toBe('invalid_token');
    expect((await refusal(verifier, token)).reason).toBe('invalid_token');
    expect(verifier.signatureChecks).toBe(2);
    expect(jwksRequests).toBeGreaterThan(fetchedBefore);
  });
});
