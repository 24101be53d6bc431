import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  gatewaySnapshotSchema,
  type GatewayAuthMethod,
  type GatewayCredential,
} from '@portcullis/contracts';
import { generateApiKey, keyedHash } from '@portcullis/crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticatePolicy, challenges } from '../src/authentication/authenticate.policy.js';
import { BearerJwtVerifier } from '../src/authentication/bearer-jwt.js';
import { SnapshotStore } from '../src/config-sync/snapshot-store.js';
import { Denial } from '../src/pipeline/denial.js';
import type { RequestContext } from '../src/pipeline/request-context.js';

const ISSUER = 'http://identity.test';
const AUDIENCE = 'urn:portcullis:api:weather';
const ALL: GatewayAuthMethod[] = ['api_key', 'oauth2', 'basic'];
const BEARER = 'Bearer realm="portcullis"';
const BASIC = 'Basic realm="portcullis", charset="UTF-8"';
const API_KEY = 'ApiKey realm="portcullis", header="X-API-Key"';

// The policy with real credentials (keyed hashes in a snapshot) and a real JWKS endpoint.
describe('AuthenticatePolicy challenges', () => {
  const hashKey = randomBytes(32);
  const apiKey = generateApiKey('sandbox');
  const clientId = 'client-1';
  const clientSecret = 'correct-secret';
  const store = new SnapshotStore();
  let server: Server;
  let signingKey: CryptoKey;
  let policy: AuthenticatePolicy;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    signingKey = privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const credential = (
      kind: GatewayCredential['kind'],
      lookupId: string,
      secret: string,
    ): GatewayCredential => ({
      id: `cred-${kind}`,
      kind,
      lookupId,
      secretHash: keyedHash(secret, hashKey),
      appId: 'app-1',
      environment: 'sandbox',
      status: 'active',
      expiresAt: null,
    });
    store.replace(
      gatewaySnapshotSchema.parse({
        configVersion: 1,
        generatedAt: new Date().toISOString(),
        issuer: ISSUER,
        apis: [],
        applications: [],
        subscriptions: [],
        credentials: [
          credential('api_key', apiKey.keyId, apiKey.secret),
          credential('client_secret', clientId, clientSecret),
        ],
        revokedTokens: [],
        blockedSources: [],
      }),
    );
    policy = new AuthenticatePolicy(
      store,
      new BearerJwtVerifier(`http://127.0.0.1:${port}/jwks`, ISSUER),
      hashKey,
    );
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  function contextFor(authMethods: GatewayAuthMethod[]): RequestContext {
    return {
      api: { api: { audience: AUDIENCE, authMethods } },
      caller: null,
    } as unknown as RequestContext;
  }

  async function refusal(
    authMethods: GatewayAuthMethod[],
    headers: Record<string, string | string[]>,
  ): Promise<Denial> {
    const outcome = await policy
      .run(contextFor(authMethods), headers, () => null)
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(outcome, 'the credential was accepted').toBeInstanceOf(Denial);
    return outcome as Denial;
  }

  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  function token(audience = AUDIENCE): Promise<string> {
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({ client_id: clientId, app_id: 'app-1', team_id: 'team-1', env: 'sandbox' })
      .setProtectedHeader({ alg: 'ES256', kid: 'key-1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setSubject('app-1')
      .setAudience(audience)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + 300)
      .sign(signingKey);
  }

  it('accepts each method unchanged', async () => {
    for (const headers of [
      { 'x-api-key': apiKey.key },
      { authorization: basic(clientId, clientSecret) },
      { authorization: `Bearer ${await token()}` },
    ]) {
      const context = contextFor(ALL);
      await policy.run(context, headers, () => null);
      expect(context.caller?.appId).toBe('app-1');
    }
  });

  it('answers a failed API key with the API key challenge first, and no Bearer error', async () => {
    const wrong = generateApiKey('sandbox').key;
    const denial = await refusal(ALL, { 'x-api-key': wrong });
    expect(denial.status).toBe(401);
    expect(denial.reason).toBe('invalid_credential');
    expect(denial.headers['www-authenticate']).toBe(`${API_KEY}, ${BEARER}, ${BASIC}`);
    // The problem body is the credential check's, as before.
    expect([denial.slug, denial.title, denial.detail]).toEqual([
      'unauthorized',
      'Unauthorized',
      'The credential is not valid.',
    ]);
    const malformed = await refusal(ALL, { 'x-api-key': 'not-a-key' });
    expect(malformed.headers['www-authenticate']).toBe(`${API_KEY}, ${BEARER}, ${BASIC}`);
    const twice = await refusal(ALL, { 'x-api-key': [apiKey.key, apiKey.key] });
    expect(twice.headers['www-authenticate']).toBe(`${API_KEY}, ${BEARER}, ${BASIC}`);
  });

  it('answers failed Basic credentials with the Basic challenge first, and no Bearer error', async () => {
    for (const authorization of [
      basic(clientId, 'wrong-secret'),
      basic('unknown-client', clientSecret),
      'Basic !!!',
    ]) {
      const denial = await refusal(ALL, { authorization });
      expect(denial.status).toBe(401);
      expect(denial.headers['www-authenticate']).toBe(`${BASIC}, ${BEARER}, ${API_KEY}`);
    }
    expect(
      (await refusal(['basic'], { authorization: basic(clientId, 'wrong') })).headers[
        'www-authenticate'
      ],
    ).toBe(BASIC);
  });

  it('puts RFC 6750 error attributes on the Bearer challenge only when a token was presented', async () => {
    const denial = await refusal(ALL, {
      authorization: `Bearer ${await token('urn:portcullis:api:other')}`,
    });
    expect(denial.status).toBe(401);
    expect(denial.reason).toBe('wrong_audience');
    expect(denial.headers['www-authenticate']).toBe(
      `${BEARER}, error="invalid_token", error_description="The token is not for this API.", ${BASIC}, ${API_KEY}`,
    );
  });

  it('names only the schemes the API accepts', async () => {
    // A key to an API that takes tokens only: the Bearer challenge, without an error.
    const keyToTokenApi = await refusal(['oauth2'], { 'x-api-key': apiKey.key });
    expect(keyToTokenApi.headers['www-authenticate']).toBe(BEARER);
    // A token or Basic to an API that takes keys only: no Bearer or Basic challenge.
    const tokenToKeyApi = await refusal(['api_key'], { authorization: `Bearer ${await token()}` });
    expect(tokenToKeyApi.headers['www-authenticate']).toBe(API_KEY);
    const basicToKeyApi = await refusal(['api_key'], {
      authorization: basic(clientId, clientSecret),
    });
    expect(basicToKeyApi.headers['www-authenticate']).toBe(API_KEY);
    const nothing = await refusal(['api_key', 'basic'], {});
    expect(nothing.reason).toBe('no_credential');
    expect(nothing.headers['www-authenticate']).toBe(`${BASIC}, ${API_KEY}`);
  });

  it('answers an empty or malformed bearer token with 400 invalid_request, Bearer only', async () => {
    for (const authorization of ['Bearer', 'Bearer ', 'bearer    ', 'Bearer a b', 'Bearer a,b']) {
      const denial = await refusal(ALL, { authorization });
      expect(denial.status, authorization).toBe(400);
      expect(denial.headers['www-authenticate']).toBe(
        `${BEARER}, error="invalid_request", error_description="The token is malformed."`,
      );
    }
  });

  it('builds challenges in a fixed order after the presented scheme', () => {
    expect(challenges(ALL, null)).toBe(`${BEARER}, ${BASIC}, ${API_KEY}`);
    expect(challenges(['api_key'], 'oauth2')).toBe(API_KEY);
    expect(challenges([], null)).toBe(BEARER);
  });
});
