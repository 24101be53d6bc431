import { apiAudience, type AccessEvent, TOPICS } from '@portcullis/contracts';
import { generateApiKey } from '@portcullis/crypto';
import { createKafka } from '@portcullis/kafka';
import {
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  generateKeyPair,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { Producer } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetch as undiciFetch, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insecureAgent, type AppProcess } from '../support/app-process.js';
import { Fixtures, type SeededApi, type SeededApp } from '../support/fixtures.js';
import { EventCollector } from '../support/kafka-events.js';
import { startGatewayProcess, startIdentityProcess } from '../support/stack.js';
import { UpstreamRecorder } from '../support/upstream-recorder.js';

interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  requestId: string;
}

describe('gateway against the real identity, upstream, Kafka and Redis', () => {
  const fixtures = new Fixtures();
  const upstream = new UpstreamRecorder();
  /** Stands in for an OpenTelemetry collector: the gateway exports its metrics here as OTLP JSON. */
  const collector = new UpstreamRecorder();
  let identity: AppProcess;
  let gateway: AppProcess;
  let events: EventCollector;
  let producer: Producer;
  let api: SeededApi;
  let otherApi: SeededApi;
  let app: SeededApp;
  let apiKey: string;
  let client: { clientId: string; clientSecret: string; credentialId: string };

  async function call(
    path: string,
    options: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {},
  ): Promise<CallResult> {
    // The dispatcher sends the path byte for byte (a URL object would resolve dot segments).
    const response = await insecureAgent.request({
      origin: gateway.url,
      path,
      method: (options.method ?? 'GET') as 'GET',
      headers: options.headers,
      body: options.body,
    });
    const body = await response.body.text();
    return {
      status: response.statusCode,
      headers: response.headers,
      body,
      requestId: String(response.headers['x-request-id']),
    };
  }

  async function token(resource: string, scope?: string): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', resource });
    if (scope) form.set('scope', scope);
    const response = await request(`${identity.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
      },
      body: form.toString(),
    });
    const body = (await response.body.json()) as { access_token?: string };
    expect(response.statusCode, JSON.stringify(body)).toBe(200);
    return body.access_token!;
  }

  beforeAll(async () => {
    await upstream.start();
    const kafka = createKafka({
      brokers: process.env.KAFKA_BROKERS!.split(','),
      clientId: 'e2e-identity-sim',
    });
    producer = kafka.producer();
    [identity, events] = await Promise.all([
      startIdentityProcess('gateway-auth-identity'),
      new EventCollector(process.env.KAFKA_BROKERS!.split(','), TOPICS.accessEvents).start(),
      producer.connect(),
    ]).then(([started, collector]) => [started, collector] as const);
    api = await fixtures.api({ upstreamUrl: `${upstream.url}/backend` });
    otherApi = await fixtures.api({ upstreamUrl: `${upstream.url}/other` });
    app = await fixtures.application();
    await fixtures.subscribe(app, api, { scopes: ['items:read'] });
    await fixtures.subscribe(app, otherApi, { scopes: ['items:read'] });
    apiKey = (await fixtures.apiKey(app)).key;
    client = await fixtures.clientSecret(app);
    await collector.start();
    gateway = await startGatewayProcess({
      name: 'gateway-auth',
      identity,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRIC_EXPORT_INTERVAL: '500',
      },
    });
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), identity?.stop()]);
    await Promise.all([
      events?.stop(),
      producer?.disconnect(),
      upstream.stop(),
      collector.stop(),
      fixtures.close(),
    ]);
  });

  describe('allowed', () => {
    it('forwards a request with a valid API key, with the verified identity', async () => {
      const result = await call(`${api.basePath}/items/42?expand=1`, {
        headers: { 'x-api-key': apiKey },
      });
      expect(result.status).toBe(200);
      expect(result.headers['x-upstream']).toBe('recorder');
      expect(result.headers['ratelimit-limit']).toBe('2000');
      const seen = upstream.byRequestId(result.requestId);
      expect(seen?.url).toBe('/backend/items/42?expand=1');
      expect(seen?.headers['x-portcullis-app-id']).toBe(app.id);
      expect(seen?.headers['x-portcullis-team-id']).toBe(app.teamId);
      expect(seen?.headers['x-portcullis-environment']).toBe('sandbox');
      expect(seen?.headers['x-portcullis-scopes']).toBe('items:read');
      expect(seen?.headers['x-api-key']).toBeUndefined();
      expect(seen?.headers['x-forwarded-proto']).toBe('https');
      expect(seen?.headers.forwarded).toContain('for=127.0.0.1');
    });

    it('forwards a request with a JWT from the token endpoint', async () => {
      const accessToken = await token(apiAudience(api.slug));
      const result = await call(`${api.basePath}/items/7`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(result.status, result.body).toBe(200);
      const seen = upstream.byRequestId(result.requestId);
      expect(seen?.headers['x-portcullis-client-id']).toBe(client.clientId);
      expect(seen?.headers.authorization).toBeUndefined();
    });

    it('forwards a request with HTTP Basic client credentials', async () => {
      const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
      const result = await call(`${api.basePath}/items/8`, {
        headers: { authorization: `Basic ${basic}` },
      });
      expect(result.status, result.body).toBe(200);
      expect(upstream.byRequestId(result.requestId)?.headers['x-portcullis-client-id']).toBe(
        client.clientId,
      );
    });

    it('gives the upstream an assertion it can verify against the gateway JWKS', async () => {
      const result = await call(`${api.basePath}/items/9?x=1`, {
        headers: { 'x-api-key': apiKey },
      });
      const seen = upstream.byRequestId(result.requestId)!;
      const assertion = String(seen.headers['x-portcullis-assertion']);
      // What a backend does (see apps/gateway/README.md); here the fetch trusts the self-signed cert.
      const jwks = createRemoteJWKSet(new URL(`${gateway.url}/.well-known/gateway-jwks.json`), {
        [customFetch]: (url: string, init: RequestInit) =>
          undiciFetch(url, { ...(init as object), dispatcher: insecureAgent }),
      } as never);
      const verified = await jwtVerify(assertion, jwks, {
        audience: apiAudience(api.slug),
        issuer: 'urn:portcullis:gateway',
        algorithms: ['ES256'],
      });
      expect(verified.protectedHeader.typ).toBe('portcullis-assertion+jwt');
      expect(verified.payload.sub).toBe(app.id);
      expect(verified.payload.scope).toBe('items:read');
      expect(verified.payload.env).toBe('sandbox');
      expect(verified.payload.exp! - verified.payload.iat!).toBe(60);
      expect(seen.headers['x-portcullis-request-id']).toBe(result.requestId);

      // Signed once per caller and API, reused for a while: the next call carries the same one...
      const again = await call(`${api.basePath}/items/10`, { headers: { 'x-api-key': apiKey } });
      expect(upstream.byRequestId(again.requestId)!.headers['x-portcullis-assertion']).toBe(
        assertion,
      );
      // ...and one for another API is a different assertion, with that API's audience.
      const elsewhere = await call(`${otherApi.basePath}/items/10`, {
        headers: { 'x-api-key': apiKey },
      });
      const otherAssertion = String(
        upstream.byRequestId(elsewhere.requestId)!.headers['x-portcullis-assertion'],
      );
      expect(otherAssertion).not.toBe(assertion);
      await expect(
        jwtVerify(otherAssertion, jwks, { audience: apiAudience(api.slug), algorithms: ['ES256'] }),
      ).rejects.toThrow();
      const forOther = await jwtVerify(otherAssertion, jwks, {
        audience: apiAudience(otherApi.slug),
        issuer: 'urn:portcullis:gateway',
        algorithms: ['ES256'],
      });
      expect(forOther.payload.sub).toBe(app.id);
    });
  });

  describe('refused', () => {
    it('refuses a request without a credential', async () => {
      const result = await call(`${api.basePath}/items/1`);
      expect(result.status).toBe(401);
      expect(result.headers['content-type']).toContain('application/problem+json');
      expect(result.headers['www-authenticate']).toContain('Bearer');
      expect(JSON.parse(result.body)).toMatchObject({ status: 401, requestId: result.requestId });
      expect(upstream.byRequestId(result.requestId)).toBeUndefined();
    });

    it('refuses a wrong API key', async () => {
      const wrong = `${apiKey.slice(0, 30)}${apiKey.slice(30).split('').reverse().join('')}`;
      const result = await call(`${api.basePath}/items/1`, { headers: { 'x-api-key': wrong } });
      expect(result.status).toBe(401);
    });

    it('challenges a failed API key or Basic credential with its own scheme, Bearer errors only for tokens', async () => {
      // The fixture API accepts all three: each 401 names all three, the failed one first.
      const wrongKey = generateApiKey('sandbox').key; // well-formed, unknown
      const keyRefused = await call(`${api.basePath}/items/1`, {
        headers: { 'x-api-key': wrongKey },
      });
      expect(keyRefused.status).toBe(401);
      expect(keyRefused.headers['www-authenticate']).toBe(
        'ApiKey realm="portcullis", header="X-API-Key", Bearer realm="portcullis", Basic realm="portcullis", charset="UTF-8"',
      );
      const wrongBasic = Buffer.from(`${client.clientId}:not-the-secret`).toString('base64');
      const basicRefused = await call(`${api.basePath}/items/1`, {
        headers: { authorization: `Basic ${wrongBasic}` },
      });
      expect(basicRefused.status).toBe(401);
      expect(basicRefused.headers['www-authenticate']).toBe(
        'Basic realm="portcullis", charset="UTF-8", Bearer realm="portcullis", ApiKey realm="portcullis", header="X-API-Key"',
      );
      // The problem body is as it was.
      for (const result of [keyRefused, basicRefused]) {
        expect(result.headers['content-type']).toContain('application/problem+json');
        expect(JSON.parse(result.body)).toMatchObject({
          status: 401,
          title: 'Unauthorized',
          detail: 'The credential is not valid.',
          requestId: result.requestId,
        });
        expect((await accessEvent(result.requestId)).data.reason).toBe('invalid_credential');
      }
      const tokenRefused = await call(`${api.basePath}/items/1`, {
        headers: { authorization: `Bearer ${await token(apiAudience(otherApi.slug))}` },
      });
      expect(tokenRefused.headers['www-authenticate']).toBe(
        'Bearer realm="portcullis", error="invalid_token", error_description="The token is not for this API.", Basic realm="portcullis", charset="UTF-8", ApiKey realm="portcullis", header="X-API-Key"',
      );

      // An API that takes tokens only: a key there gets the plain Bearer challenge.
      const tokensOnly = await fixtures.api({
        upstreamUrl: `${upstream.url}/tokens-only`,
        authMethods: ['oauth2_client_credentials'],
      });
      await gatewayRefresh();
      let refused = await call(`${tokensOnly.basePath}/items/1`, {
        headers: { 'x-api-key': apiKey },
      });
      for (let attempt = 0; attempt < 20 && refused.status === 404; attempt += 1) {
        await sleep(250); // the new API's snapshot is still on its way
        refused = await call(`${tokensOnly.basePath}/items/1`, {
          headers: { 'x-api-key': apiKey },
        });
      }
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="portcullis"');
    });

    it('refuses an empty or malformed bearer token with 400 invalid_request (RFC 6750 3.1)', async () => {
      const real = await token(apiAudience(api.slug));
      const [header, payload, signature] = real.split('.') as [string, string, string];
      const before = upstream.requests.length;
      for (const authorization of [
        'Bearer',
        'Bearer    ',
        'Bearer abc def',
        'Bearer abc,def',
        // The real token with a space in its signature: jose would decode it as the real one.
        `Bearer ${header}.${payload}.${signature.slice(0, 8)} ${signature.slice(8)}`,
      ]) {
        const result = await call(`${api.basePath}/items/1`, { headers: { authorization } });
        expect(result.status, authorization).toBe(400);
        expect(result.headers['www-authenticate']).toBe(
          'Bearer realm="portcullis", error="invalid_request", error_description="The token is malformed."',
        );
        expect(result.headers['content-type']).toContain('application/problem+json');
        expect(JSON.parse(result.body)).toMatchObject({ status: 400, title: 'Bad request' });
        expect((await accessEvent(result.requestId)).data).toMatchObject({
          status: 400,
          decision: 'deny',
          reason: 'invalid_token',
        });
      }
      expect(upstream.requests.length).toBe(before);
    });

    it('refuses a token whose key id the reachable JWKS does not have with 401, not 503', async () => {
      const real = await token(apiAudience(api.slug));
      const claims = JSON.parse(Buffer.from(real.split('.')[1]!, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      const { privateKey } = await generateKeyPair('ES256');
      const unknownKid = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'not-a-key-of-identity', typ: 'at+jwt' })
        .sign(privateKey);
      const result = await call(`${api.basePath}/items/1`, {
        headers: { authorization: `Bearer ${unknownKid}` },
      });
      expect(result.status).toBe(401);
      expect(result.headers['www-authenticate']).toContain('error="invalid_token"');
      expect((await accessEvent(result.requestId)).data.reason).toBe('invalid_token');
    });

    it('refuses an expired API key', async () => {
      const expired = await fixtures.apiKey(app, { expiresAt: new Date(Date.now() - 60_000) });
      await gatewayRefresh();
      // On a loaded machine the refreshed snapshot may land a little later: until it does, the
      // key is merely unknown (invalid_credential).
      let reason: string | undefined;
      for (let attempt = 0; attempt < 20 && reason !== 'expired_credential'; attempt += 1) {
        if (attempt > 0) await sleep(250);
        const result = await call(`${api.basePath}/items/1`, {
          headers: { 'x-api-key': expired.key },
        });
        expect(result.status).toBe(401);
        reason = (await accessEvent(result.requestId)).data.reason;
      }
      expect(reason).toBe('expired_credential');
    });

    it('refuses a token once it has expired, on every request', async () => {
      const shortLived = await fixtures.api({
        upstreamUrl: `${upstream.url}/short-lived`,
        tokenLifetimeSeconds: 1,
      });
      await fixtures.subscribe(app, shortLived, { scopes: ['items:read'] });
      await gatewayRefresh();
      const expiring = await token(apiAudience(shortLived.slug));
      const issuedAt = Date.now();
      const withToken = { headers: { authorization: `Bearer ${expiring}` } };
      // Accepted while valid (the gateway allows 5 s of clock skew past `exp`)...
      let accepted = await call(`${shortLived.basePath}/items/1`, withToken);
      while (accepted.status === 404 && Date.now() - issuedAt < 4_000) {
        await sleep(200); // the new API's snapshot is still on its way
        accepted = await call(`${shortLived.basePath}/items/1`, withToken);
      }
      expect(accepted.status).toBe(200);
      // ...refused after, on every request (the second from the verifier's cache).
      await sleep(Math.max(0, issuedAt + 7_000 - Date.now()));
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const result = await call(`${shortLived.basePath}/items/1`, withToken);
        expect(result.status).toBe(401);
        expect(result.headers['www-authenticate']).toContain('error="invalid_token"');
        expect(result.headers['www-authenticate']).toContain('expired');
        expect(upstream.byRequestId(result.requestId)).toBeUndefined();
        expect((await accessEvent(result.requestId)).data.reason).toBe('expired_token');
      }
    });

    it('refuses a token for another API (wrong audience)', async () => {
      const other = await token(apiAudience(otherApi.slug));
      const result = await call(`${api.basePath}/items/1`, {
        headers: { authorization: `Bearer ${other}` },
      });
      expect(result.status).toBe(401);
      expect(result.headers['www-authenticate']).toContain('error="invalid_token"');
      expect((await accessEvent(result.requestId)).data.reason).toBe('wrong_audience');
    });

    it('refuses a forged signature', async () => {
      const real = await token(apiAudience(api.slug));
      const header = decodeProtectedHeader(real);
      const { privateKey } = await generateKeyPair('ES256');
      const payload = JSON.parse(
        Buffer.from(real.split('.')[1]!, 'base64url').toString(),
      ) as Record<string, unknown>;
      const forged = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: header.kid, typ: 'at+jwt' })
        .sign(privateKey);
      const result = await call(`${api.basePath}/items/1`, {
        headers: { authorization: `Bearer ${forged}` },
      });
      expect(result.status).toBe(401);
      expect((await accessEvent(result.requestId)).data.reason).toBe('invalid_token');
    });

    it('refuses alg none', async () => {
      const real = await token(apiAudience(api.slug));
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${real.split('.')[1]}.`;
      const result = await call(`${api.basePath}/items/1`, {
        headers: { authorization: `Bearer ${unsigned}` },
      });
      expect(result.status).toBe(401);
    });

    it('refuses an application without a subscription', async () => {
      const stranger = await fixtures.application();
      const { key } = await fixtures.apiKey(stranger);
      await gatewayRefresh();
      const result = await call(`${api.basePath}/items/1`, { headers: { 'x-api-key': key } });
      expect(result.status).toBe(403);
      expect((await accessEvent(result.requestId)).data.reason).toBe('no_subscription');
    });

    it('refuses a route whose scope was not granted', async () => {
      const result = await call(`${api.basePath}/items`, {
        method: 'POST',
        headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
        body: '{"name":"x"}',
      });
      expect(result.status).toBe(403);
      expect((await accessEvent(result.requestId)).data.reason).toBe('insufficient_scope');
      const accessToken = await token(apiAudience(api.slug));
      const viaToken = await call(`${api.basePath}/items`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}` },
        body: '{}',
      });
      expect(viaToken.status).toBe(403);
      expect(viaToken.headers['www-authenticate']).toContain('error="insufficient_scope"');
    });

    it('refuses unknown routes with 404', async () => {
      const result = await call(`${api.basePath}/nothing-here`, {
        headers: { 'x-api-key': apiKey },
      });
      expect(result.status).toBe(404);
    });

    it('refuses a revoked API key within a second of the revocation event', async () => {
      const revoked = await fixtures.apiKey(app);
      await gatewayRefresh();
      expect(
        (await call(`${api.basePath}/items/1`, { headers: { 'x-api-key': revoked.key } })).status,
      ).toBe(200);
      await fixtures.prisma.credential.update({
        where: { id: revoked.credentialId },
        data: { status: 'revoked', revokedAt: new Date() },
      });
      await fixtures.announceChange(producer, 'credential.revoked', revoked.credentialId);
      await sleep(1_000);
      const result = await call(`${api.basePath}/items/1`, {
        headers: { 'x-api-key': revoked.key },
      });
      expect(result.status).toBe(401);
    });

    it('refuses a revoked token within a second of identity revoking it', async () => {
      const accessToken = await token(apiAudience(api.slug));
      expect(
        (
          await call(`${api.basePath}/items/1`, {
            headers: { authorization: `Bearer ${accessToken}` },
          })
        ).status,
      ).toBe(200);
      const revocation = await request(`${identity.url}/oauth2/revoke`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token: accessToken }).toString(),
      });
      await revocation.body.dump();
      expect(revocation.statusCode).toBe(200);
      await sleep(1_000);
      const result = await call(`${api.basePath}/items/1`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(result.status).toBe(401);
      expect((await accessEvent(result.requestId)).data.reason).toBe('revoked_credential');
    });

    it('refuses a suspended subscription within a second of the change event', async () => {
      const suspendedApp = await fixtures.application();
      const subscriptionId = await fixtures.subscribe(suspendedApp, api);
      const { key } = await fixtures.apiKey(suspendedApp);
      await gatewayRefresh();
      expect(
        (await call(`${api.basePath}/items/1`, { headers: { 'x-api-key': key } })).status,
      ).toBe(200);
      await fixtures.prisma.subscription.update({
        where: { id: subscriptionId },
        data: { status: 'suspended' },
      });
      await fixtures.announceChange(producer, 'subscription.changed', subscriptionId);
      await sleep(1_000);
      const result = await call(`${api.basePath}/items/1`, { headers: { 'x-api-key': key } });
      expect(result.status).toBe(403);
      expect((await accessEvent(result.requestId)).data.reason).toBe('subscription_suspended');
    });

    it('answers 429 with Retry-After over the plan limit', async () => {
      const limited = await fixtures.api({
        upstreamUrl: upstream.url,
        plan: { ratePerSecond: 1, burst: 2 },
      });
      const limitedApp = await fixtures.application();
      await fixtures.subscribe(limitedApp, limited);
      const { key } = await fixtures.apiKey(limitedApp);
      await gatewayRefresh();
      const statuses: number[] = [];
      let refused: CallResult | undefined;
      for (let attempt = 0; attempt < 15 && !refused; attempt += 1) {
        const result = await call(`${limited.basePath}/items/1`, { headers: { 'x-api-key': key } });
        statuses.push(result.status);
        if (result.status === 429) refused = result;
      }
      expect(statuses[0]).toBe(200);
      expect(refused?.headers['retry-after']).toMatch(/^\d+$/);
      expect(refused?.headers['content-type']).toContain('application/problem+json');
      expect((await accessEvent(refused!.requestId)).data.reason).toBe('rate_limited');
    });
  });

  describe('request hygiene', () => {
    it('never lets client-supplied identity headers reach the upstream', async () => {
      const result = await call(`${api.basePath}/items/5`, {
        headers: {
          'x-api-key': apiKey,
          'X-Portcullis-App-Id': 'spoofed-app',
          'x-portcullis-scopes': ['admin', 'root'],
          'X-PORTCULLIS-ASSERTION': 'forged',
          'x-portcullis-custom': 'anything',
          'x-forwarded-for': '10.6.6.6',
          // A GET authorised for items:read must not run as a DELETE on a backend that obeys these.
          'X-HTTP-Method-Override': 'DELETE',
          'x-method-override': 'DELETE',
        },
      });
      expect(result.status).toBe(200);
      const seen = upstream.byRequestId(result.requestId)!;
      expect(seen.headers['x-http-method-override']).toBeUndefined();
      expect(seen.headers['x-method-override']).toBeUndefined();
      expect(seen.headers['x-portcullis-app-id']).toBe(app.id);
      expect(seen.headers['x-portcullis-scopes']).toBe('items:read');
      expect(seen.headers['x-portcullis-custom']).toBeUndefined();
      expect(seen.headers['x-portcullis-assertion']).not.toBe('forged');
      expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
      const names = seen.rawHeaders
        .filter((_, index) => index % 2 === 0)
        .map((name) => name.toLowerCase());
      expect(names.filter((name) => name === 'x-portcullis-app-id')).toHaveLength(1);
      expect(JSON.stringify(seen.headers)).not.toContain('spoofed-app');
    });

    it('refuses hostile paths with 400 and never forwards them', async () => {
      const before = upstream.requests.length;
      const hostile = [
        `${api.basePath}/open/..%2f..%2fetc/passwd`,
        `${api.basePath}/open/%2e%2e/secret`,
        `${api.basePath}/open/../items/1`,
        `${api.basePath}/open//x`,
        `${api.basePath}/open/a%5cb`,
        `${api.basePath}/open/a%00b`,
        `${api.basePath}/open/a%zzb`,
        `${api.basePath}/open/a\\b`,
        `${api.basePath}/open/%252e%252e/x`,
        `${api.basePath}/open/${'a'.repeat(2100)}`,
        // A path parameter or fragment: another path to backends that strip or keep it.
        `${api.basePath}/items;x/1`,
        `${api.basePath}/items/1#frag`,
      ];
      for (const path of hostile) {
        const result = await call(path, { headers: { 'x-api-key': apiKey } });
        expect(result.status, path).toBe(400);
        expect(result.headers['content-type']).toContain('application/problem+json');
      }
      expect(upstream.requests.length).toBe(before);
    });
  });

  describe('metrics', () => {
    interface OtlpPoint {
      attributes?: { key: string; value: { stringValue?: string } }[];
      asInt?: string | number;
      asDouble?: number;
      count?: string | number;
    }
    interface OtlpMetric {
      name: string;
      unit?: string;
      sum?: { dataPoints: OtlpPoint[] };
      gauge?: { dataPoints: OtlpPoint[] };
      histogram?: { dataPoints: OtlpPoint[] };
    }
    /** The metrics of the latest export the collector received (cumulative: totals so far). */
    function latestExport(): Map<string, OtlpMetric> {
      const exports = collector.requests.filter((r) => r.url === '/v1/metrics');
      const body = JSON.parse(exports.at(-1)?.body ?? '{"resourceMetrics":[]}') as {
        resourceMetrics: { scopeMetrics: { metrics: OtlpMetric[] }[] }[];
      };
      const metrics = body.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
      return new Map(metrics.map((metric) => [metric.name, metric]));
    }
    const attributesOf = (point: OtlpPoint) =>
      Object.fromEntries((point.attributes ?? []).map((a) => [a.key, a.value.stringValue]));
    /** Requests counted for this API with these attributes, in the latest export. */
    function requestsCounted(expected: Record<string, string>): number {
      const points = latestExport().get('gateway.requests')?.sum?.dataPoints ?? [];
      return points
        .filter((point) =>
          Object.entries({ api: api.slug, ...expected }).every(
            ([key, value]) => attributesOf(point)[key] === value,
          ),
        )
        .reduce((total, point) => total + Number(point.asInt ?? point.asDouble ?? 0), 0);
    }
    async function nextExport(): Promise<void> {
      const seen = collector.requests.length;
      const deadline = Date.now() + 10_000;
      while (!collector.requests.slice(seen).some((r) => r.url === '/v1/metrics')) {
        if (Date.now() > deadline) throw new Error('no metrics export within 10 s');
        await sleep(50);
      }
    }

    it('exports requests by decision and reason, latency, spool depth and event-loop delay over OTLP', async () => {
      await nextExport();
      const allowedBefore = requestsCounted({
        decision: 'allow',
        reason: 'ok',
        status_class: '2xx',
      });
      const refusedBefore = requestsCounted({
        decision: 'deny',
        reason: 'no_credential',
        status_class: '4xx',
      });
      for (let index = 0; index < 3; index++) {
        expect(
          (await call(`${api.basePath}/items/${index}`, { headers: { 'x-api-key': apiKey } }))
            .status,
        ).toBe(200);
      }
      for (let index = 0; index < 2; index++) {
        expect((await call(`${api.basePath}/items/${index}`)).status).toBe(401);
      }
      await nextExport();
      await nextExport(); // one whole interval after the requests
      expect(requestsCounted({ decision: 'allow', reason: 'ok', status_class: '2xx' })).toBe(
        allowedBefore + 3,
      );
      expect(
        requestsCounted({ decision: 'deny', reason: 'no_credential', status_class: '4xx' }),
      ).toBe(refusedBefore + 2);

      const metrics = latestExport();
      const durations = metrics.get('gateway.request.duration');
      expect(durations?.unit).toBe('ms');
      const allowedDurations = durations?.histogram?.dataPoints.find(
        (point) =>
          attributesOf(point).api === api.slug &&
          attributesOf(point).reason === 'ok' &&
          attributesOf(point).status_class === '2xx',
      );
      expect(Number(allowedDurations?.count)).toBe(allowedBefore + 3);
      const spoolDepth = metrics.get('gateway.events.spool_depth')?.gauge?.dataPoints[0];
      expect(Number(spoolDepth?.asInt ?? spoolDepth?.asDouble)).toBe(0);
      for (const name of ['p50', 'p99', 'max']) {
        const delay = metrics.get(`nodejs.eventloop.delay.${name}`);
        expect(delay?.unit, name).toBe('s');
        const seconds = delay?.gauge?.dataPoints[0]?.asDouble ?? Number.NaN;
        // Seconds, not nanoseconds or milliseconds: an idle test gateway's loop is not late by 1 s.
        expect(seconds, name).toBeGreaterThanOrEqual(0);
        expect(seconds, name).toBeLessThan(1);
      }
    });
  });

  describe('access events', () => {
    it('puts one event per request on Kafka with the decision and identity', async () => {
      const allowed = await call(`${api.basePath}/items/77`, {
        headers: { 'x-api-key': apiKey, 'user-agent': 'e2e-agent' },
      });
      const denied = await call(`${api.basePath}/items/77`);
      const allowedEvent = await accessEvent(allowed.requestId);
      expect(allowedEvent.data).toMatchObject({
        requestId: allowed.requestId,
        appId: app.id,
        teamId: app.teamId,
        developerId: app.userId,
        apiId: api.id,
        apiSlug: api.slug,
        planId: api.planId,
        environment: 'sandbox',
        authMethod: 'api_key',
        method: 'GET',
        route: '/items/{id}',
        path: `${api.basePath}/items/77`,
        status: 200,
        decision: 'allow',
        reason: 'ok',
        sourceIp: '127.0.0.1',
        userAgent: 'e2e-agent',
        scopes: ['items:read'],
      });
      expect(allowedEvent.data.latencyMs.upstream).not.toBeNull();
      expect(allowedEvent.data.bytesOut).toBeGreaterThan(0);
      expect(allowedEvent.data.credentialId).not.toBeNull();
      const deniedEvent = await accessEvent(denied.requestId);
      expect(deniedEvent.data).toMatchObject({
        decision: 'deny',
        reason: 'no_credential',
        status: 401,
        appId: null,
      });
      await sleep(500);
      const forAllowed = events.events.filter(
        (event) => event.type === 'gateway.access' && event.data.requestId === allowed.requestId,
      );
      expect(forAllowed).toHaveLength(1);
    });
  });

  async function accessEvent(requestId: string): Promise<AccessEvent> {
    return (await events.waitFor(
      (event) => event.type === 'gateway.access' && event.data.requestId === requestId,
    )) as AccessEvent;
  }

  /** Fixture rows were written behind the gateway's back: make it re-read, as an event would. */
  async function gatewayRefresh(): Promise<void> {
    await fixtures.announceChange(producer, 'api.changed', api.id);
    await sleep(700);
  }
});
