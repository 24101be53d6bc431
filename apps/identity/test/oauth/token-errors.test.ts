import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@portcullis/db';
import { SignJWT, type CryptoKey } from 'jose';
import type { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityTestApp } from '../support/identity-test-app.js';
import {
  basicAuth,
  createClientSecret,
  createPrivateKeyJwtClient,
  createSubscribedApp,
  hashKeyOf,
  loopbackAgent,
  postForm,
  startOAuthIdentity,
  testPrisma,
  type SubscribedApp,
} from '../support/oauth-fixtures.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('token endpoint errors (RFC 6749 §5.2)', () => {
  let identity: IdentityTestApp;
  let prisma: PrismaClient;
  let app: SubscribedApp;
  let client: { clientId: string; secret: string };
  let tokenUrl: string;
  // Each run fails from its own loopback address, so the address limit never spills over.
  const { agent } = loopbackAgent();

  beforeAll(async () => {
    identity = await startOAuthIdentity();
    prisma = testPrisma();
    app = await createSubscribedApp(prisma);
    client = await createClientSecret(prisma, hashKeyOf(identity), app);
    tokenUrl = `${identity.url}/oauth2/token`;
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
    await agent.close();
  });

  const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    postForm(tokenUrl, form, headers, agent);

  function expectOAuthError(
    response: Awaited<ReturnType<typeof post>>,
    status: number,
    error: string,
  ) {
    expect(response.status).toBe(status);
    expect(response.body.error).toBe(error);
    expect(typeof response.body.error_description).toBe('string');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(JSON.stringify(response.body)).not.toMatch(/\bat .*\.ts:\d+/);
  }

  it('wrong secret with Basic → 401 invalid_client with a Basic challenge', async () => {
    const response = await post(
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(client.clientId, 'pcls_wrong') },
    );
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('wrong secret in the body → 401 invalid_client challenging with Basic, the scheme the endpoint takes', async () => {
    const response = await post({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: 'pcls_wrong',
    });
    expectOAuthError(response, 401, 'invalid_client');
    // Never Bearer: the token endpoint does not take bearer tokens.
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });

  it('unknown client → 401 invalid_client', async () => {
    const response = await post({
      grant_type: 'client_credentials',
      client_id: 'pcl_test_client_doesnotexist000000',
      client_secret: 'pcls_whatever',
    });
    expectOAuthError(response, 401, 'invalid_client');
  });

  it('no client authentication → 401 invalid_client', async () => {
    expectOAuthError(await post({ grant_type: 'client_credentials' }), 401, 'invalid_client');
  });

  it('unsupported grant → 400 unsupported_grant_type; missing grant → invalid_request', async () => {
    const auth = { authorization: basicAuth(client.clientId, client.secret) };
    expectOAuthError(await post({ grant_type: 'password' }, auth), 400, 'unsupported_grant_type');
    expectOAuthError(await post({}, auth), 400, 'invalid_request');
  });

  it('scope not granted → 400 invalid_scope', async () => {
    const response = await post(
      { grant_type: 'client_credentials', scope: 'orders:read orders:admin' },
      { authorization: basicAuth(client.clientId, client.secret) },
    );
    expectOAuthError(response, 400, 'invalid_scope');
  });

  it('a scope of only spaces → 400 invalid_scope, not every subscribed scope', async () => {
    for (const scope of [' ', '   ']) {
      const response = await post(
        { grant_type: 'client_credentials', scope },
        { authorization: basicAuth(client.clientId, client.secret) },
      );
      expectOAuthError(response, 400, 'invalid_scope');
    }
  });

  it('unknown or unsubscribed resource → 400 invalid_target', async () => {
    const other = await createSubscribedApp(prisma);
    const response = await post(
      { grant_type: 'client_credentials', resource: other.audience },
      { authorization: basicAuth(client.clientId, client.secret) },
    );
    expectOAuthError(response, 400, 'invalid_target');
    const foreign = await post(
      { grant_type: 'client_credentials', resource: 'https://example.com/api' },
      { authorization: basicAuth(client.clientId, client.secret) },
    );
    expectOAuthError(foreign, 400, 'invalid_target');
  });

  it('several resources in one request → 400 invalid_target', async () => {
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(client.clientId, client.secret),
      },
      body: new URLSearchParams([
        ['grant_type', 'client_credentials'],
        ['resource', app.audience],
        ['resource', `${app.audience}-other`],
      ]).toString(),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_target');
  });

  it('two client authentication methods → 400 invalid_request', async () => {
    const response = await post(
      {
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.secret,
      },
      { authorization: basicAuth(client.clientId, client.secret) },
    );
    expectOAuthError(response, 400, 'invalid_request');
  });

  it('malformed bodies → 400 invalid_request', async () => {
    const json = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe('invalid_request');

    const repeated = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&grant_type=client_credentials',
    });
    expect(repeated.status).toBe(400);
    expect(((await repeated.json()) as { error: string }).error).toBe('invalid_request');

    const unknownType = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<grant/>',
    });
    expect(unknownType.status).toBe(400);
    expect(((await unknownType.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('oversized body → 413 invalid_request without a stack', async () => {
    const response = await post({ grant_type: 'client_credentials', padding: 'x'.repeat(20_000) });
    expectOAuthError(response, 413, 'invalid_request');
  });

  it('a token with every granted scope needs no resource when there is one subscription', async () => {
    const response = await post(
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(client.clientId, client.secret) },
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      token_type: 'Bearer',
      scope: 'orders:read orders:write',
    });
  });

  describe('credential and subscription state', () => {
    it('refuses an expired credential', async () => {
      const expired = await createClientSecret(prisma, hashKeyOf(identity), app, {
        expiresAt: new Date(Date.now() - 1000),
      });
      const response = await post(
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(expired.clientId, expired.secret) },
      );
      expectOAuthError(response, 401, 'invalid_client');
    });

    it('refuses a rotated-out credential after its grace period, and a revoked one', async () => {
      const old = await createClientSecret(prisma, hashKeyOf(identity), app, {
        graceUntil: new Date(Date.now() - 1000),
      });
      expectOAuthError(
        await post(
          { grant_type: 'client_credentials' },
          { authorization: basicAuth(old.clientId, old.secret) },
        ),
        401,
        'invalid_client',
      );
      const revoked = await createClientSecret(prisma, hashKeyOf(identity), app);
      await prisma.credential.update({
        where: { id: revoked.credentialId },
        data: { status: 'revoked', revokedAt: new Date() },
      });
      expectOAuthError(
        await post(
          { grant_type: 'client_credentials' },
          { authorization: basicAuth(revoked.clientId, revoked.secret) },
        ),
        401,
        'invalid_client',
      );
    });

    it('refuses clients without an approved subscription in their environment', async () => {
      const pending = await createSubscribedApp(prisma, { status: 'pending' });
      const pendingClient = await createClientSecret(prisma, hashKeyOf(identity), pending);
      expectOAuthError(
        await post(
          { grant_type: 'client_credentials' },
          { authorization: basicAuth(pendingClient.clientId, pendingClient.secret) },
        ),
        400,
        'unauthorized_client',
      );
      // A production credential of an app subscribed only in sandbox gets nothing.
      const production = await createClientSecret(prisma, hashKeyOf(identity), {
        ...app,
        environment: 'production',
      });
      expectOAuthError(
        await post(
          { grant_type: 'client_credentials', resource: app.audience },
          { authorization: basicAuth(production.clientId, production.secret) },
        ),
        400,
        'unauthorized_client',
      );
    });
  });

  describe('private_key_jwt assertions', () => {
    let jwtClient: Awaited<ReturnType<typeof createPrivateKeyJwtClient>>;
    beforeAll(async () => {
      jwtClient = await createPrivateKeyJwtClient(prisma, app);
    });

    function assertion(
      key: CryptoKey | Uint8Array,
      options: { alg?: string; aud?: string; exp?: number; jti?: string } = {},
    ) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: jwtClient.kid })
        .setIssuer(jwtClient.clientId)
        .setSubject(jwtClient.clientId)
        .setAudience(options.aud ?? identity.url)
        .setIssuedAt(now)
        .setExpirationTime(options.exp ?? now + 60)
        .setJti(options.jti ?? randomUUID())
        .sign(key);
    }

    const withAssertion = (clientAssertion: string) =>
      post({
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER,
        client_assertion: clientAssertion,
      });

    it('accepts a fresh assertion once and refuses its replay', async () => {
      const signed = await assertion(jwtClient.privateKey, { aud: tokenUrl });
      expect((await withAssertion(signed)).status).toBe(200);
      expectOAuthError(await withAssertion(signed), 401, 'invalid_client');
    });

    it('refuses an expired assertion', async () => {
      const now = Math.floor(Date.now() / 1000);
      const signed = await assertion(jwtClient.privateKey, { exp: now - 120 });
      expectOAuthError(await withAssertion(signed), 401, 'invalid_client');
    });

    it('refuses an assertion expiring too far in the future', async () => {
      const now = Math.floor(Date.now() / 1000);
      const signed = await assertion(jwtClient.privateKey, { exp: now + 3600 });
      expectOAuthError(await withAssertion(signed), 401, 'invalid_client');
    });

    it('refuses a wrong audience, an HMAC signature and alg none', async () => {
      expectOAuthError(
        await withAssertion(await assertion(jwtClient.privateKey, { aud: 'https://elsewhere' })),
        401,
        'invalid_client',
      );
      const hmac = await assertion(new TextEncoder().encode('x'.repeat(32)), { alg: 'HS256' });
      expectOAuthError(await withAssertion(hmac), 401, 'invalid_client');
      const [header, payload] = (await assertion(jwtClient.privateKey)).split('.');
      const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
      expect(header).toBeTruthy();
      expectOAuthError(await withAssertion(none), 401, 'invalid_client');
    });

    it('refuses a wrong assertion type', async () => {
      const response = await post({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:example:other',
        client_assertion: await assertion(jwtClient.privateKey),
      });
      expectOAuthError(response, 400, 'invalid_request');
    });
  });
});

describe('brute-force limits on client authentication', () => {
  let identity: IdentityTestApp;
  let prisma: PrismaClient;
  let app: SubscribedApp;

  beforeAll(async () => {
    identity = await startOAuthIdentity({ CLIENT_AUTH_MAX_FAILURES: '3' });
    prisma = testPrisma();
    app = await createSubscribedApp(prisma);
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
  });

  /** The statuses of four token requests with a wrong secret for this client id. */
  async function guessFourTimes(clientId: string, agent: Agent): Promise<number[]> {
    const wrong = { authorization: basicAuth(clientId, 'pcls_guess') };
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const response = await postForm(
        `${identity.url}/oauth2/token`,
        { grant_type: 'client_credentials' },
        wrong,
        agent,
      );
      statuses.push(response.status);
    }
    return statuses;
  }

  it('answers 429 with Retry-After once a client id fails too often from one address, even with the right secret', async () => {
    const target = await createClientSecret(prisma, hashKeyOf(identity), app);
    const { agent } = loopbackAgent();
    const url = `${identity.url}/oauth2/token`;
    expect(await guessFourTimes(target.clientId, agent)).toEqual([401, 401, 401, 429]);
    const blocked = await postForm(
      url,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(target.clientId, target.secret) },
      agent,
    );
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe('temporarily_unavailable');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    await agent.close();
  });

  it('never locks the real client out because others failed with its client id elsewhere', async () => {
    const target = await createClientSecret(prisma, hashKeyOf(identity), app);
    const url = `${identity.url}/oauth2/token`;
    // Three attackers, each up to its own limit (3) and one more, from three addresses.
    for (let attacker = 0; attacker < 3; attacker += 1) {
      const { agent } = loopbackAgent();
      expect(await guessFourTimes(target.clientId, agent)).toEqual([401, 401, 401, 429]);
      await agent.close();
    }
    const { agent: realClient } = loopbackAgent();
    const response = await postForm(
      url,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(target.clientId, target.secret) },
      realClient,
    );
    expect(response.status).toBe(200);
    expect(typeof response.body.access_token).toBe('string');
    await realClient.close();
  });

  it('limits a source address that tries many client ids', async () => {
    const { agent } = loopbackAgent();
    const url = `${identity.url}/oauth2/token`;
    const statuses: number[] = [];
    // 3 failures per client id and address, 15 per address: the 16th different id is refused.
    for (let attempt = 0; attempt < 16; attempt += 1) {
      const response = await postForm(
        url,
        {
          grant_type: 'client_credentials',
          client_id: `pcl_test_client_probe${attempt}_${randomUUID().slice(0, 8)}`,
          client_secret: 'pcls_guess',
        },
        {},
        agent,
      );
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 15).every((status) => status === 401)).toBe(true);
    expect(statuses[15]).toBe(429);
    await agent.close();
  });
});
