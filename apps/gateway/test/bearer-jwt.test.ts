import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
    for (let call = 0; call < 2; call += 1) {
      // The JWKS answered: the token, not the gateway, is at fault.
      const denial = await refusal(verifier, token);
      expect(denial.status).toBe(401);
      expect(denial.reason).toBe('invalid_token');
      expect(denial.headers['www-authenticate']).toContain('error="invalid_token"');
    }
    expect(verifier.signatureChecks).toBe(2);
    expect(jwksRequests).toBeGreaterThan(fetchedBefore);
  });

  it('reads the JWKS again when told the keys changed: a new key verifies at once, a retired one stops', async () => {
    const { privateKey: nextKey, publicKey: nextPublic } = await generateKeyPair('ES256');
    const nextJwk = { ...(await exportJWK(nextPublic)), kid: 'key-2', alg: 'ES256', use: 'sig' };
    const { keys: firstKeys } = (await (await fetch(jwksUrl)).json()) as { keys: unknown[] };
    let served = firstKeys;
    const rotating = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => rotating.listen(0, '127.0.0.1', resolve));
    const { port } = rotating.address() as AddressInfo;
    try {
      const verifier = new BearerJwtVerifier(`http://127.0.0.1:${port}/jwks`, ISSUER, clock);
      await verifier.authenticate(store, await sign(), AUDIENCE, noCertificate);
      // Identity rotated: key-2 in, key-1 retired. Within the 30 s cool-down after the last read
      // the gateway would not look again for key-2 by itself.
      served = [nextJwk];
      const next = () => sign({}, { key: nextKey, kid: 'key-2' });
      expect((await refusal(verifier, await next())).status).toBe(401);
      await verifier.refreshKeys();
      const caller = await verifier.authenticate(store, await next(), AUDIENCE, noCertificate);
      expect(caller.appId).toBe('app-1');
      expect((await refusal(verifier, await sign())).status).toBe(401);
    } finally {
      await new Promise((resolve) => rotating.close(resolve));
    }
  });

  it('refuses an empty, blank or malformed token with 400 invalid_request, before any signature check', async () => {
    const verifier = new BearerJwtVerifier(jwksUrl, ISSUER, clock);
    const valid = await sign();
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const malformed = [
      '',
      ' ',
      '\t',
      'abc def',
      'abc,def',
      'abc"def',
      'abc=def',
      // jose's base64url decoding skips whitespace: this one would verify as the valid token.
      `${header}.${payload}.${signature.slice(0, 10)} ${signature.slice(10)}`,
    ];
    for (const token of malformed) {
      const denial = await refusal(verifier, token);
      expect(denial.status, JSON.stringify(token)).toBe(400);
      expect(denial.slug).toBe('bad-request');
      expect(denial.headers['www-authenticate']).toBe(
        'Bearer realm="portcullis", error="invalid_request", error_description="The token is malformed."',
      );
    }
    expect(verifier.signatureChecks).toBe(0);
    // b64token allows '~', '+', '/' and trailing '=': such a token is checked (and refused) as usual.
    expect((await refusal(verifier, 'ab~+/c.d.e==')).status).toBe(401);
  });

  describe('when the JWKS cannot be read', () => {
    /** A port nothing listens on: connections are refused. */
    async function closedPort(): Promise<number> {
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as AddressInfo;
      await new Promise((resolve) => probe.close(resolve));
      return port;
    }

    function expectUnavailable(denial: Denial): void {
      expect(denial.status).toBe(503);
      expect(denial.reason).toBe('jwks_unavailable');
      expect(denial.headers['retry-after']).toBe('5');
      expect(denial.headers['www-authenticate']).toBeUndefined();
    }

    it('answers 503 with Retry-After, not 401, and accepts the token once the JWKS is back', async () => {
      const port = await closedPort();
      const verifier = new BearerJwtVerifier(`http://127.0.0.1:${port}/jwks`, ISSUER, clock);
      const token = await sign();
      expectUnavailable(await refusal(verifier, token));
      expectUnavailable(await refusal(verifier, token));
      // Not kept: the outage is not the token's.
      const jwk = await (await fetch(jwksUrl)).text();
      const back = createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(jwk);
      });
      await new Promise<void>((resolve) => back.listen(port, '127.0.0.1', resolve));
      try {
        const caller = await verifier.authenticate(store, token, AUDIENCE, noCertificate);
        expect(caller.appId).toBe('app-1');
      } finally {
        await new Promise((resolve) => back.close(resolve));
      }
      expect(verifier.signatureChecks).toBe(3);
    });

    it('answers 503 when the JWKS endpoint fails or answers something that is not a key set', async () => {
      let answer = { status: 500, body: '{"error":"boom"}' };
      const failing = createServer((_request, response) => {
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(answer.body);
      });
      await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
      const { port } = failing.address() as AddressInfo;
      try {
        const verifier = new BearerJwtVerifier(`http://127.0.0.1:${port}/jwks`, ISSUER, clock);
        const token = await sign();
        expectUnavailable(await refusal(verifier, token));
        answer = { status: 200, body: '<html>maintenance</html>' };
        expectUnavailable(await refusal(verifier, token));
        answer = { status: 200, body: '{"keys":"none"}' };
        expectUnavailable(await refusal(verifier, token));
      } finally {
        await new Promise((resolve) => failing.close(resolve));
      }
    });

    /**
     * A verifier whose JWKS served it once and is then down, its keys read past jose's cache age
     * (50 ms): what it does next is up to the last keys read.
     */
    async function verifierAfterJwksWentDown(maxStaleMs: number): Promise<BearerJwtVerifier> {
      const jwk = await (await fetch(jwksUrl)).text();
      const own = createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(jwk);
      });
      await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
      const { port } = own.address() as AddressInfo;
      const verifier = new BearerJwtVerifier(`http://127.0.0.1:${port}/jwks`, ISSUER, clock, {
        cacheMaxAgeMs: 50,
        maxStaleMs,
      });
      const caller = await verifier.authenticate(store, await sign(), AUDIENCE, noCertificate);
      expect(caller.appId).toBe('app-1');
      await new Promise((resolve) => own.close(resolve));
      await new Promise((resolve) => setTimeout(resolve, 100));
      return verifier;
    }

    it('verifies new tokens with the last keys read while the JWKS is down, within maxStale', async () => {
      const verifier = await verifierAfterJwksWentDown(60_000);
      for (let token = 0; token < 3; token += 1) {
        const caller = await verifier.authenticate(store, await sign(), AUDIENCE, noCertificate);
        expect(caller.appId).toBe('app-1');
      }
      expect(verifier.signatureChecks).toBe(4);
      // The old keys still refuse what they always refused.
      const { privateKey: forger } = await generateKeyPair('ES256');
      expect((await refusal(verifier, await sign({}, { key: forger }))).status).toBe(401);
      // A key id the old set lacks may have been rotated in meanwhile: only the JWKS can tell.
      expectUnavailable(await refusal(verifier, await sign({}, { kid: 'key-2' })));
    });

    it('stops using the last keys read once they are older than maxStale', async () => {
      const verifier = await verifierAfterJwksWentDown(200);
      await verifier.authenticate(store, await sign(), AUDIENCE, noCertificate);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expectUnavailable(await refusal(verifier, await sign()));
    });

    it('with maxStale 0, refuses new tokens as soon as the keys cannot be read again', async () => {
      const verifier = await verifierAfterJwksWentDown(0);
      expectUnavailable(await refusal(verifier, await sign()));
    });

    it(
      'answers 503 when the JWKS endpoint does not answer in time',
      { timeout: 15_000 },
      async () => {
        const silent = createServer(() => undefined); // accepts, never answers
        await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
        const { port } = silent.address() as AddressInfo;
        try {
          const verifier = new BearerJwtVerifier(`http://127.0.0.1:${port}/jwks`, ISSUER, clock);
          expectUnavailable(await refusal(verifier, await sign()));
        } finally {
          silent.closeAllConnections();
          await new Promise((resolve) => silent.close(resolve));
        }
      },
    );
  });
});
