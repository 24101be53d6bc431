import type { PrismaClient } from '@portcullis/db';
import { accessTokenClaimsSchema } from '@portcullis/contracts';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityTestApp } from '../support/identity-test-app.js';
import {
  createClientSecret,
  createPrivateKeyJwtClient,
  createSubscribedApp,
  hashKeyOf,
  postForm,
  startOAuthIdentity,
  testPrisma,
  type SubscribedApp,
} from '../support/oauth-fixtures.js';

const insecure = { [oauth.allowInsecureRequests]: true };

describe('client_credentials with a real OAuth client (oauth4webapi)', () => {
  let identity: IdentityTestApp;
  let prisma: PrismaClient;
  let app: SubscribedApp;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    identity = await startOAuthIdentity();
    prisma = testPrisma();
    app = await createSubscribedApp(prisma);
    const issuer = new URL(identity.url);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }),
    );
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
  });

  async function verifyAccessToken(token: string) {
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: identity.url,
      audience: app.audience,
      typ: 'at+jwt',
    });
    return { payload: accessTokenClaimsSchema.parse(payload), protectedHeader };
  }

  it('publishes RFC 8414 metadata naming every endpoint and auth method', () => {
    expect(as.issuer).toBe(identity.url);
    expect(as.token_endpoint).toBe(`${identity.url}/oauth2/token`);
    expect(as.jwks_uri).toBe(`${identity.url}/.well-known/jwks.json`);
    expect(as.introspection_endpoint).toBe(`${identity.url}/oauth2/introspect`);
    expect(as.revocation_endpoint).toBe(`${identity.url}/oauth2/revoke`);
    expect(as.grant_types_supported).toEqual(['client_credentials']);
    expect(as.token_endpoint_auth_methods_supported).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
      'self_signed_tls_client_auth',
    ]);
    expect(as.token_endpoint_auth_signing_alg_values_supported).not.toContain('none');
    expect(as.token_endpoint_auth_signing_alg_values_supported).not.toContain('HS256');
    expect(as.tls_client_certificate_bound_access_tokens).toBe(true);
  });

  it('serves only public keys in the JWKS, with a cache lifetime', async () => {
    const response = await fetch(as.jwks_uri!);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatchObject({ use: 'sig', kty: expect.any(String), kid: expect.any(String) });
      for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
        expect(key).not.toHaveProperty(privatePart);
    }
  });

  it('issues a verifiable RFC 9068 token with client_secret_basic', async () => {
    const { clientId, secret } = await createClientSecret(prisma, hashKeyOf(identity), app);
    const client: oauth.Client = { client_id: clientId };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(secret),
      new URLSearchParams({ resource: app.audience, scope: 'orders:read' }),
      insecure,
    );
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    expect(result.token_type).toBe('bearer');
    expect(result.scope).toBe('orders:read');
    expect(result.expires_in).toBe(600);
    const { payload, protectedHeader } = await verifyAccessToken(result.access_token);
    expect(protectedHeader).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    expect(payload).toMatchObject({
      iss: identity.url,
      sub: clientId,
      client_id: clientId,
      aud: app.audience,
      scope: 'orders:read',
      app_id: app.appId,
      team_id: app.teamId,
      env: 'sandbox',
    });
    expect(payload.exp - payload.iat).toBe(600);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.cnf).toBeUndefined();
  });

  it('grants every subscribed scope when none is asked for (client_secret_post)', async () => {
    const { clientId, secret } = await createClientSecret(prisma, hashKeyOf(identity), app);
    const client: oauth.Client = { client_id: clientId };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(secret),
      new URLSearchParams({ audience: app.audience }),
      insecure,
    );
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    const { payload } = await verifyAccessToken(result.access_token);
    expect(payload.scope).toBe('orders:read orders:write');
    expect(payload.sub).toBe(clientId);
  });

  it('accepts private_key_jwt (RFC 7523)', async () => {
    const jwtClient = await createPrivateKeyJwtClient(prisma, app);
    const client: oauth.Client = { client_id: jwtClient.clientId };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.PrivateKeyJwt({ key: jwtClient.privateKey, kid: jwtClient.kid }),
      new URLSearchParams({ resource: app.audience }),
      insecure,
    );
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    const { payload } = await verifyAccessToken(result.access_token);
    expect(payload.client_id).toBe(jwtClient.clientId);
  });

  it('round-trips introspection and revocation', async () => {
    const { clientId, secret } = await createClientSecret(prisma, hashKeyOf(identity), app);
    const client: oauth.Client = { client_id: clientId };
    const auth = oauth.ClientSecretBasic(secret);
    const tokenResponse = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      new URLSearchParams({ resource: app.audience }),
      insecure,
    );
    const { access_token: token } = await oauth.processClientCredentialsResponse(
      as,
      client,
      tokenResponse,
    );
    const jti = decodeJti(token);

    const active = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, token, insecure),
    );
    expect(active).toMatchObject({ active: true, client_id: clientId, aud: app.audience, jti });

    // The gateway introspects with its service token.
    const byService = await postForm(
      `${identity.url}/oauth2/introspect`,
      { token },
      { authorization: `Bearer ${identity.config.IDENTITY_SERVICE_TOKENS.get('gateway')}` },
    );
    expect(byService.body).toMatchObject({ active: true, client_id: clientId });

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, auth, token, insecure),
    );
    const revoked = await prisma.revokedToken.findUnique({ where: { jti } });
    expect(revoked?.clientId).toBe(clientId);
    const change = await prisma.configChange.findFirst({
      where: { kind: 'token.revoked', entityId: jti },
    });
    expect(change).not.toBeNull();

    const after = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, token, insecure),
    );
    expect(after.active).toBe(false);
  });

  it('does not revoke or reveal another client’s token', async () => {
    const owner = await createClientSecret(prisma, hashKeyOf(identity), app);
    const other = await createClientSecret(prisma, hashKeyOf(identity), app);
    const tokenResponse = await postForm(`${identity.url}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_id: owner.clientId,
      client_secret: owner.secret,
    });
    const token = tokenResponse.body.access_token as string;
    const otherClient: oauth.Client = { client_id: other.clientId };
    const otherAuth = oauth.ClientSecretPost(other.secret);
    const introspected = await oauth.processIntrospectionResponse(
      as,
      otherClient,
      await oauth.introspectionRequest(as, otherClient, otherAuth, token, insecure),
    );
    expect(introspected.active).toBe(false);
    const revocation = await oauth.revocationRequest(as, otherClient, otherAuth, token, insecure);
    expect(revocation.status).toBe(200);
    expect(await prisma.revokedToken.findUnique({ where: { jti: decodeJti(token) } })).toBeNull();
  });

  it('answers {active:false} for garbage and refuses introspection without authentication', async () => {
    const garbage = await postForm(
      `${identity.url}/oauth2/introspect`,
      { token: 'not-a-token' },
      { authorization: `Bearer ${identity.config.IDENTITY_SERVICE_TOKENS.get('gateway')}` },
    );
    expect(garbage).toMatchObject({ status: 200, body: { active: false } });
    const anonymous = await postForm(`${identity.url}/oauth2/introspect`, { token: 'x' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('invalid_client');
  });
});

function decodeJti(token: string): string {
  decodeProtectedHeader(token);
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
    jti: string;
  };
  return payload.jti;
}
