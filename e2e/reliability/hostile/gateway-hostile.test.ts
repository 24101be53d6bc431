import { createPublicKey } from 'node:crypto';
import { apiAudience } from '@portcullis/contracts';
import { exportJWK, generateKeyPair, importPKCS8, SignJWT, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess } from '../../support/app-process.js';
import { Fixtures, type SeededApi, type SeededApp } from '../../support/fixtures.js';
import { startGatewayProcess, startIdentityProcess } from '../../support/stack.js';
import { activeSigningKey, callJson, DEV_SERVICE_TOKENS } from '../support/hostile-stack.js';
import { ArrivalRecorder, rawExchange, type RawExchange } from '../support/raw-http.js';
import { recordFinding } from '../support/reliability-report.js';

/**
 * Hostile tokens and hostile HTTP against the real gateway (plain HTTP, so raw bytes reach its
 * parser unaltered), with an upstream that records every request the moment its head arrives.
 */
describe('hostile input at the gateway', () => {
  const fixtures = new Fixtures();
  const upstream = new ArrivalRecorder();
  let identity: AppProcess;
  let gateway: AppProcess;
  let gatewayPort: number;
  let api: SeededApi;
  let app: SeededApp;
  let apiKey: string;
  let validToken: string;
  let claims: JWTPayload;
  let signingKey: Awaited<ReturnType<typeof activeSigningKey>>;

  async function clientToken(clientId: string, clientSecret: string): Promise<string> {
    const response = await callJson(`${identity.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      },
      rawBody: new URLSearchParams({
        grant_type: 'client_credentials',
        resource: apiAudience(api.slug),
      }).toString(),
    });
    expect(response.status, response.text).toBe(200);
    return (response.body as { access_token: string }).access_token;
  }

  beforeAll(async () => {
    await upstream.start();
    identity = await startIdentityProcess('hostile-gateway-identity');
    api = await fixtures.api({
      upstreamUrl: `${upstream.url}/backend`,
      slugPrefix: 'hostile',
      // Small limits, so the gateway's own 413/431 answer is what the oversized inputs meet.
      settings: { maxBodyBytes: 4096, maxHeaderBytes: 8192 },
    });
    app = await fixtures.application();
    await fixtures.subscribe(app, api, { scopes: ['items:read', 'items:write'] });
    apiKey = (await fixtures.apiKey(app)).key;
    const client = await fixtures.clientSecret(app);
    gateway = await startGatewayProcess({
      name: 'hostile-gateway',
      identity,
      plainHttp: true,
    });
    gatewayPort = Number(new URL(gateway.url).port);
    validToken = await clientToken(client.clientId, client.clientSecret);
    claims = JSON.parse(
      Buffer.from(validToken.split('.')[1]!, 'base64url').toString(),
    ) as JWTPayload;
    signingKey = await activeSigningKey(fixtures.prisma);
  });

  afterAll(async () => {
    await gateway?.stop();
    await identity?.stop();
    await upstream.stop();
    await fixtures.close();
  });

  describe('tokens', () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

    /** A token signed with identity's real key: only the claim or header under test is wrong. */
    async function realKeySigned(
      overrides: JWTPayload,
      header: Record<string, unknown> = {},
    ): Promise<string> {
      const key = await importPKCS8(signingKey.privateKeyPem, signingKey.alg);
      return new SignJWT({ ...claims, ...overrides })
        .setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid, typ: 'at+jwt', ...header })
        .sign(key);
    }

    let attacker: { privateKey: Parameters<SignJWT['sign']>[0]; publicJwk: JWK };

    /** Signed with a key the attacker made, pointed at by the header in every way JOSE allows. */
    async function attackerSigned(header: Record<string, unknown>): Promise<string> {
      attacker ??= await generateKeyPair('ES256', { extractable: true }).then(
        async ({ privateKey, publicKey }) => ({
          privateKey,
          publicJwk: await exportJWK(publicKey),
        }),
      );
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: signingKey.kid, typ: 'at+jwt', ...header })
        .sign(attacker.privateKey);
    }

    async function hmacWith(secret: string | Buffer): Promise<string> {
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'HS256', kid: signingKey.kid, typ: 'at+jwt' })
        .sign(typeof secret === 'string' ? Buffer.from(secret) : secret);
    }

    async function families(): Promise<Record<string, Record<string, string>>> {
      const now = Math.floor(Date.now() / 1000);
      const [header, payload, signature] = validToken.split('.') as [string, string, string];
      const publicPem = createPublicKey({
        key: signingKey.publicJwk as never,
        format: 'jwk',
      })
        .export({ type: 'spki', format: 'pem' })
        .toString();
      return {
        'JWT algorithm confusion (alg none, HS256 keyed with the public key)': {
          'alg none': `${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`,
          'alg None, real kid': `${b64({ alg: 'None', kid: signingKey.kid, typ: 'at+jwt' })}.${payload}.`,
          'alg NONE with the real signature': `${b64({ alg: 'NONE', typ: 'at+jwt' })}.${payload}.${signature}`,
          'HS256 keyed with the public JWK': await hmacWith(JSON.stringify(signingKey.publicJwk)),
          'HS256 keyed with the public PEM': await hmacWith(publicPem),
          'HS256 keyed with the empty string': await hmacWith(Buffer.alloc(32)),
          'real header, payload re-signed by nobody': `${header}.${b64({ ...claims, scope: 'items:read items:write admin' })}.${signature}`,
        },
        'JWT claims (iss, aud, exp, nbf, typ, required claims)': {
          'wrong iss': await realKeySigned({ iss: 'https://evil.example' }),
          'wrong aud': await realKeySigned({ aud: 'urn:portcullis:api:someone-else' }),
          'aud as array of others': await realKeySigned({ aud: ['urn:x', 'urn:y'] }),
          expired: await realKeySigned({ exp: now - 3600, iat: now - 7200, nbf: now - 7200 }),
          'future nbf': await realKeySigned({ nbf: now + 3600 }),
          'no exp': await realKeySigned({ exp: undefined }),
          'no jti': await realKeySigned({ jti: undefined }),
          'typ JWT': await realKeySigned({}, { typ: 'JWT' }),
          'typ missing': await realKeySigned({}, { typ: undefined }),
          'typ id_token-ish': await realKeySigned({}, { typ: 'application/jwt' }),
        },
        'JWT key ids (unknown, path and SQL characters)': {
          'unknown kid': await realKeySigned({}, { kid: 'no-such-key' }),
          'kid path traversal': await realKeySigned({}, { kid: '../../../../etc/passwd' }),
          'kid URL': await realKeySigned({}, { kid: 'http://127.0.0.1:9/jwks.json' }),
          'kid SQL': await realKeySigned({}, { kid: "x' OR '1'='1" }),
          'kid SQL union': await realKeySigned(
            {},
            { kid: "' UNION SELECT private_key_encrypted FROM identity.signing_keys--" },
          ),
          'kid NUL': await realKeySigned({}, { kid: `${signingKey.kid}\u0000` }),
          'kid object': await realKeySigned({}, { kid: { $ne: null } }),
          'attacker key announced by jku': await attackerSigned({ jku: 'http://127.0.0.1:9/jwks' }),
          'attacker key embedded as jwk': await attackerSigned({ jwk: attacker.publicJwk }),
          'attacker key under the real kid': await attackerSigned({}),
        },
        'JWT malformed (truncated, bad base64, huge)': {
          'signature truncated': `${header}.${payload}.${signature.slice(0, -6)}`,
          'signature missing': `${header}.${payload}`,
          'payload truncated': `${header}.${payload.slice(0, -5)}.${signature}`,
          'header truncated': `${header.slice(0, -3)}.${payload}.${signature}`,
          'bad base64': `${header}.${payload}!!.${signature}`,
          'four segments': `${validToken}.${signature}`,
          'header not JSON': `${Buffer.from('not json').toString('base64url')}.${payload}.${signature}`,
          'empty token': '.',
          'huge claims under the header limit': `${header}.${b64({ ...claims, pad: 'x'.repeat(5_000) })}.${signature}`,
          'huge token over Node header limit': await realKeySigned({ pad: 'x'.repeat(40_000) }),
          'huge garbage': 'a'.repeat(200_000),
        },
      };
    }

    it('refuses every hostile token with 401 (400 if not a b64token) problem+json, and none reaches the upstream', async () => {
      // Control: the real token gets through, so refusals below are the guard's doing.
      const control = await callJson(`${gateway.url}${api.basePath}/items/1`, {
        token: validToken,
      });
      expect(control.status, control.text).toBe(200);
      const failures: string[] = [];
      for (const [family, tokens] of Object.entries(await families())) {
        let gotThrough = 0;
        for (const [name, token] of Object.entries(tokens)) {
          const before = upstream.arrivals.length;
          let status: number;
          let contentType = '';
          try {
            const response = await callJson(`${gateway.url}${api.basePath}/items/1`, { token });
            status = response.status;
            contentType = response.contentType;
          } catch (error) {
            // A header the client refuses to send (raw NUL) never leaves the test.
            status = -1;
            contentType = String(error);
          }
          const reached = upstream.arrivals.length - before;
          // Node answers headers over its 16 KiB limit with a bare 431 before the gateway runs.
          // A token with characters RFC 6750's b64token does not allow is a malformed request.
          const expected = /^[A-Za-z0-9\-._~+/]+=*$/.test(token) ? 401 : 400;
          const refused =
            (status === expected && contentType.includes('application/problem+json')) ||
            (status === 431 && name.startsWith('huge')) ||
            status === -1;
          if (reached > 0 || status >= 500) gotThrough += 1;
          if (!refused || reached > 0) failures.push(`${family} / ${name}: ${status} ${reached}`);
        }
        recordFinding({
          kind: 'hostile',
          name: `Gateway: ${family}`,
          inputsTried: Object.keys(tokens).length,
          gotThrough,
          detail:
            'each must be 401 problem+json (400 when not a b64token, 431 past Node 16 KiB) with no upstream request',
        });
      }
      expect(failures).toEqual([]);
    });

    it('has identity introspection call every hostile token inactive, never a 500', async () => {
      let gotThrough = 0;
      let tried = 0;
      const failures: string[] = [];
      for (const tokens of Object.values(await families())) {
        for (const [name, token] of Object.entries(tokens)) {
          tried += 1;
          const response = await callJson(`${identity.url}/oauth2/introspect`, {
            method: 'POST',
            token: DEV_SERVICE_TOKENS.gateway,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            rawBody: new URLSearchParams({ token }).toString(),
          });
          const answer = response.body as { active?: unknown } | null;
          // Genuinely signed tokens for another audience are inactive too: introspection also
          // requires an approved subscription of the token's application to the API it names.
          const refused =
            response.status < 500 &&
            (answer?.active === false || (response.status === 413 && name.startsWith('huge')));
          if (!refused) {
            gotThrough += 1;
            failures.push(`${name}: ${response.status} ${response.text.slice(0, 200)}`);
          }
        }
      }
      const control = await callJson(`${identity.url}/oauth2/introspect`, {
        method: 'POST',
        token: DEV_SERVICE_TOKENS.gateway,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        rawBody: new URLSearchParams({ token: validToken }).toString(),
      });
      recordFinding({
        kind: 'hostile',
        name: 'Identity introspection: every hostile token above',
        inputsTried: tried,
        gotThrough,
        detail:
          'each must be 200 {active:false} (413 when huge), genuine tokens for an API the application is not subscribed to included; the real token is active',
      });
      expect((control.body as { active: boolean }).active).toBe(true);
      expect(failures).toEqual([]);
    });
  });

  describe('raw HTTP', () => {
    interface Attack {
      name: string;
      bytes: string | Buffer;
      /** Requests the upstream may legitimately get from it: one well-formed one, or none. */
      mayForward?: { method: string; url: string };
    }

    const head = (lines: string[], body = '') => `${lines.join('\r\n')}\r\n\r\n${body}`;
    const host = () => `Host: 127.0.0.1:${gatewayPort}`;
    const key = () => `X-API-Key: ${apiKey}`;
    const smuggled = 'GET /smuggled-marker HTTP/1.1\r\nHost: x\r\n\r\n';

    function attacks(): Record<string, Attack[]> {
      const base = api.basePath;
      return {
        'HTTP oversized headers and bodies': [
          {
            name: 'one 20 KiB header (over Node limit)',
            bytes: head([
              `GET ${base}/items/1 HTTP/1.1`,
              host(),
              key(),
              `X-Big: ${'a'.repeat(20_000)}`,
            ]),
          },
          {
            name: '12 KiB of headers (over the API limit)',
            bytes: head([
              `GET ${base}/items/1 HTTP/1.1`,
              host(),
              key(),
              `X-Big: ${'a'.repeat(12_000)}`,
            ]),
          },
          {
            // Well-formed, just many: it may pass, but only as itself.
            mayForward: { method: 'GET', url: '/backend/items/1' },
            name: '500 small headers',
            bytes: head([
              `GET ${base}/items/1 HTTP/1.1`,
              host(),
              key(),
              ...Array.from({ length: 500 }, (_, index) => `X-H${index}: v`),
            ]),
          },
          {
            name: 'Content-Length body over the API limit',
            bytes: head(
              [
                `POST ${base}/items HTTP/1.1`,
                host(),
                key(),
                'Content-Type: application/json',
                'Content-Length: 10000',
              ],
              'x'.repeat(10_000),
            ),
          },
          {
            name: 'declared 1 GB body',
            bytes: head(
              [`POST ${base}/items HTTP/1.1`, host(), key(), 'Content-Length: 1000000000'],
              'x'.repeat(100),
            ),
          },
          {
            name: 'very long request line',
            bytes: head([`GET ${base}/items/${'1'.repeat(30_000)} HTTP/1.1`, host(), key()]),
          },
        ],
        'HTTP CRLF and control characters in headers': [
          {
            name: 'bare CR injecting an identity header',
            bytes: head([
              `GET ${base}/items/1 HTTP/1.1`,
              host(),
              key(),
              'X-Note: a\rX-Portcullis-App-Id: evil',
            ]),
          },
          {
            name: 'bare LF injecting an identity header',
            bytes: `GET ${base}/items/1 HTTP/1.1\r\n${host()}\r\n${key()}\r\nX-Note: a\nX-Portcullis-App-Id: evil\r\n\r\n`,
          },
          {
            name: 'NUL in a header value',
            bytes: head([`GET ${base}/items/1 HTTP/1.1`, host(), key(), 'X-Note: a\u0000b']),
          },
          {
            name: 'obsolete line folding',
            bytes: head([
              `GET ${base}/items/1 HTTP/1.1`,
              host(),
              key(),
              'X-Note: a',
              ' X-Portcullis-App-Id: evil',
            ]),
          },
          {
            name: 'space before the colon',
            bytes: head([
              `GET ${base}/items/1 HTTP/1.1`,
              host(),
              key(),
              'X-Portcullis-App-Id : evil',
            ]),
          },
          {
            name: 'CRLF in the request target',
            bytes: head([
              `GET ${base}/items/1%0d%0aX-Portcullis-App-Id:%20evil HTTP/1.1`,
              host(),
              key(),
            ]),
          },
        ],
        'HTTP request smuggling shapes': [
          {
            name: 'Content-Length and Transfer-Encoding',
            bytes: head(
              [
                `POST ${base}/items HTTP/1.1`,
                host(),
                key(),
                'Content-Length: 4',
                'Transfer-Encoding: chunked',
              ],
              `0\r\n\r\n${smuggled}`,
            ),
          },
          {
            name: 'Transfer-Encoding then Content-Length',
            bytes: head(
              [
                `POST ${base}/items HTTP/1.1`,
                host(),
                key(),
                'Transfer-Encoding: chunked',
                `Content-Length: ${5 + smuggled.length}`,
              ],
              `0\r\n\r\n${smuggled}`,
            ),
          },
          {
            name: 'two different Content-Length headers',
            bytes: head(
              [
                `POST ${base}/items HTTP/1.1`,
                host(),
                key(),
                'Content-Length: 0',
                `Content-Length: ${smuggled.length}`,
              ],
              smuggled,
            ),
          },
          {
            name: 'Content-Length list',
            bytes: head(
              [
                `POST ${base}/items HTTP/1.1`,
                host(),
                key(),
                `Content-Length: 0, ${smuggled.length}`,
              ],
              smuggled,
            ),
          },
          {
            name: 'chunk size not hex',
            bytes: head(
              [`POST ${base}/items HTTP/1.1`, host(), key(), 'Transfer-Encoding: chunked'],
              `zz\r\nabc\r\n0\r\n\r\n${smuggled}`,
            ),
          },
          {
            name: 'chunk size overflowing 64 bits',
            bytes: head(
              [`POST ${base}/items HTTP/1.1`, host(), key(), 'Transfer-Encoding: chunked'],
              `fffffffffffffffff1\r\nabc\r\n0\r\n\r\n${smuggled}`,
            ),
          },
          {
            name: 'negative chunk size',
            bytes: head(
              [`POST ${base}/items HTTP/1.1`, host(), key(), 'Transfer-Encoding: chunked'],
              `-1\r\nabc\r\n0\r\n\r\n${smuggled}`,
            ),
          },
          {
            name: 'chunk extension with a bare LF',
            bytes: head(
              [`POST ${base}/items HTTP/1.1`, host(), key(), 'Transfer-Encoding: chunked'],
              `3;x\nabc\r\n0\r\n\r\n${smuggled}`,
            ),
          },
          {
            name: 'TE: xchunked',
            bytes: head(
              [
                `POST ${base}/items HTTP/1.1`,
                host(),
                key(),
                'Transfer-Encoding: xchunked',
                'Content-Length: 5',
              ],
              `0\r\n\r\n${smuggled}`,
            ),
          },
          {
            name: 'TE: chunked, identity',
            bytes: head(
              [
                `POST ${base}/items HTTP/1.1`,
                host(),
                key(),
                'Transfer-Encoding: chunked, identity',
              ],
              `0\r\n\r\n${smuggled}`,
            ),
          },
          {
            name: 'TE with a tab',
            bytes: head(
              [
                `POST ${base}/items HTTP/1.1`,
                host(),
                key(),
                'Transfer-Encoding:\tchunked',
                'Content-Length: 5',
              ],
              `0\r\n\r\n${smuggled}`,
            ),
          },
          {
            name: 'TE with a space before the colon',
            bytes: head(
              [
                `POST ${base}/items HTTP/1.1`,
                host(),
                key(),
                'Transfer-Encoding : chunked',
                'Content-Length: 5',
              ],
              `0\r\n\r\n${smuggled}`,
            ),
          },
          {
            name: 'two TE headers',
            bytes: head(
              [
                `POST ${base}/items HTTP/1.1`,
                host(),
                key(),
                'Transfer-Encoding: chunked',
                'Transfer-Encoding: identity',
              ],
              `0\r\n\r\n${smuggled}`,
            ),
          },
          {
            name: 'TE on HTTP/1.0',
            bytes: head(
              [
                `POST ${base}/items HTTP/1.0`,
                host(),
                key(),
                'Transfer-Encoding: chunked',
                'Content-Length: 5',
              ],
              `0\r\n\r\n${smuggled}`,
            ),
          },
          {
            name: 'well-formed request with a pipelined one behind it',
            bytes: `${head([`GET ${base}/items/1 HTTP/1.1`, host(), key()])}GET ${base}/items/2 HTTP/1.1\r\n${host()}\r\n\r\n`,
            // The first is the key holder's; the second has no credential and must be refused.
            mayForward: { method: 'GET', url: '/backend/items/1' },
          },
        ],
        'HTTP encoded path traversal': [
          '%2e%2e/%2e%2e/etc/passwd',
          '..%2f..%2fetc%2fpasswd',
          '%252e%252e%252fetc',
          '..%5c..%5cwindows',
          '..\\..\\windows',
          'a%00.json',
          '%c0%ae%c0%ae/etc',
          '.%2e/admin',
          '%2E%2E/admin',
          './../admin',
          'a/..;/admin',
        ]
          .map((tail) => ({
            name: tail,
            bytes: head([`GET ${base}/open/${tail} HTTP/1.1`, host(), key()]),
          }))
          .concat([
            {
              name: 'raw NUL in target',
              bytes: head([`GET ${base}/open/a\u0000b HTTP/1.1`, host(), key()]),
            },
            {
              name: 'absolute-form target to another host',
              bytes: head([`GET http://169.254.169.254${base}/open/x HTTP/1.1`, host(), key()]),
            },
            { name: 'asterisk target', bytes: head(['OPTIONS * HTTP/1.1', host(), key()]) },
            {
              name: 'base path escaped',
              bytes: head([`GET ${base}%2f..%2f..%2fopen/x HTTP/1.1`, host(), key()]),
            },
          ]),
      };
    }

    function identityHeaderAttacks(): Attack[] {
      const base = api.basePath;
      return [
        {
          name: 'two Authorization headers (a valid token and junk)',
          bytes: head([
            `GET ${base}/items/1 HTTP/1.1`,
            host(),
            `Authorization: Bearer ${validToken}`,
            'Authorization: Bearer junk',
          ]),
          mayForward: { method: 'GET', url: '/backend/items/1' },
        },
        {
          name: 'two X-API-Key headers (valid then junk)',
          bytes: head([`GET ${base}/items/1 HTTP/1.1`, host(), key(), 'X-API-Key: pcl_junk']),
          mayForward: { method: 'GET', url: '/backend/items/1' },
        },
        {
          name: 'API key and Basic together',
          bytes: head([
            `GET ${base}/items/1 HTTP/1.1`,
            host(),
            key(),
            `Authorization: Basic ${Buffer.from('a:b').toString('base64')}`,
          ]),
          mayForward: { method: 'GET', url: '/backend/items/1' },
        },
        {
          name: 'spoofed X-Portcullis-* in every casing, twice',
          bytes: head([
            `GET ${base}/items/1 HTTP/1.1`,
            host(),
            key(),
            'X-Portcullis-App-Id: spoofed',
            'x-portcullis-app-id: spoofed',
            'X-PORTCULLIS-SCOPES: admin',
            'X-Portcullis-Team-Id: spoofed',
            'X-Portcullis-Client-Id: spoofed',
            'X-Portcullis-Environment: production',
            'X-Portcullis-Request-Id: spoofed',
            'X-Portcullis-Assertion: spoofed',
          ]),
          mayForward: { method: 'GET', url: '/backend/items/1' },
        },
        {
          name: 'spoofed X-Forwarded-* and Forwarded',
          bytes: head([
            `GET ${base}/items/1 HTTP/1.1`,
            host(),
            key(),
            'X-Forwarded-For: 10.6.6.6',
            'X-Forwarded-For: 10.7.7.7',
            'X-Forwarded-Host: spoofed.example',
            'X-Forwarded-Proto: spoofed',
            'Forwarded: for=10.6.6.6;host=spoofed.example',
            'X-Real-IP: 10.6.6.6',
            'True-Client-IP: 10.6.6.6',
            'X-Original-URL: /backend/admin',
            'X-Rewrite-URL: /backend/admin',
          ]),
          mayForward: { method: 'GET', url: '/backend/items/1' },
        },
        {
          name: 'identity header named in Connection (hop-by-hop smuggling)',
          bytes: head([
            `GET ${base}/items/1 HTTP/1.1`,
            host(),
            key(),
            'Connection: keep-alive, X-Portcullis-App-Id',
            'X-Portcullis-App-Id: spoofed',
          ]),
          mayForward: { method: 'GET', url: '/backend/items/1' },
        },
      ];
    }

    /** Checks one forwarded request: the allowed one, verified identity, nothing spoofed. */
    function spoofedIn(arrival: (typeof upstream.arrivals)[number]): string[] {
      const problems: string[] = [];
      const names = arrival.rawHeaders
        .filter((_, index) => index % 2 === 0)
        .map((n) => n.toLowerCase());
      for (const name of [
        'x-portcullis-app-id',
        'x-forwarded-for',
        'forwarded',
        'x-forwarded-host',
      ]) {
        if (names.filter((candidate) => candidate === name).length > 1)
          problems.push(`two ${name}`);
      }
      if (arrival.headers['x-portcullis-app-id'] !== app.id)
        problems.push('app id not the verified one');
      if (JSON.stringify(arrival.rawHeaders).includes('spoofed'))
        problems.push('spoofed value forwarded');
      if (JSON.stringify(arrival.rawHeaders).match(/10\.[67]\.[67]\.[67]/))
        problems.push('spoofed address forwarded');
      if (arrival.headers['x-forwarded-proto'] !== 'http')
        problems.push("x-forwarded-proto not the gateway's");
      if (
        arrival.headers.authorization !== undefined ||
        arrival.headers['x-api-key'] !== undefined
      ) {
        problems.push('client credential forwarded');
      }
      for (const claimed of ['x-real-ip', 'true-client-ip', 'x-original-url', 'x-rewrite-url']) {
        if (arrival.headers[claimed] !== undefined) problems.push(`${claimed} forwarded`);
      }
      return problems;
    }

    async function run(family: string, list: Attack[]): Promise<string[]> {
      const failures: string[] = [];
      let gotThrough = 0;
      for (const attack of list) {
        const before = upstream.arrivals.length;
        const exchange: RawExchange = await rawExchange(gatewayPort, attack.bytes);
        // Give a request the gateway did forward time to arrive before counting.
        await new Promise((resolve) => setTimeout(resolve, 150));
        const arrived = upstream.arrivals.slice(before);
        const problems: string[] = [];
        if (exchange.outcome === 'hung') problems.push('connection neither answered nor closed');
        if (exchange.statuses.some((status) => status >= 500))
          problems.push(`5xx: ${exchange.statuses}`);
        if (attack.mayForward) {
          if (arrived.length > 1) problems.push(`${arrived.length} requests reached the upstream`);
          for (const arrival of arrived) {
            if (
              arrival.method !== attack.mayForward.method ||
              arrival.url !== attack.mayForward.url
            ) {
              problems.push(`unexpected ${arrival.method} ${arrival.url}`);
            }
            problems.push(...spoofedIn(arrival));
          }
        } else if (arrived.length > 0) {
          problems.push(
            `reached the upstream: ${arrived.map((a) => `${a.method} ${a.url}`).join(', ')}`,
          );
        }
        if (problems.length > 0) {
          gotThrough += 1;
          failures.push(
            `${attack.name}: ${problems.join('; ')} (${exchange.outcome} ${exchange.statuses})`,
          );
        }
      }
      recordFinding({
        kind: 'hostile',
        name: `Gateway: ${family}`,
        inputsTried: list.length,
        gotThrough,
        detail:
          'raw TCP; answered or closed, never hung; no 5xx; nothing at the upstream but one well-formed request without spoofed headers',
      });
      return failures;
    }

    it('answers or closes every malformed, oversized or smuggling request and forwards none', async () => {
      const failures: string[] = [];
      for (const [family, list] of Object.entries(attacks())) {
        failures.push(...(await run(family, list)));
      }
      expect(upstream.rawStream()).not.toContain('smuggled-marker');
      expect(failures).toEqual([]);
    });

    it('forwards duplicate or spoofed identity headers only as one clean request', async () => {
      const failures = await run(
        'HTTP duplicate and spoofed identity headers',
        identityHeaderAttacks(),
      );
      expect(failures).toEqual([]);
      // Control: the raw client does reach the upstream when the request is well-formed.
      const before = upstream.arrivals.length;
      const control = await rawExchange(
        gatewayPort,
        head([`GET ${api.basePath}/items/1 HTTP/1.1`, host(), key(), 'Connection: close']),
      );
      expect(control.statuses).toEqual([200]);
      expect(upstream.arrivals.length).toBe(before + 1);
    });
  });
});
