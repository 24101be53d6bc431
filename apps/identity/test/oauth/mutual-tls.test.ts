import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrismaClient } from '@portcullis/db';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { generate } from 'selfsigned';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityTestApp } from '../support/identity-test-app.js';
import {
  createSubscribedApp,
  createTlsClient,
  startOAuthIdentity,
  testPrisma,
  type SubscribedApp,
} from '../support/oauth-fixtures.js';

async function selfSignedPair(commonName: string, withIpSan = false) {
  return generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
    ...(withIpSan
      ? { extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }] }
      : {}),
  });
}

function thumbprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');
}

describe('mutual-TLS client authentication and certificate-bound tokens (RFC 8705)', () => {
  let identity: IdentityTestApp;
  let prisma: PrismaClient;
  let app: SubscribedApp;
  let serverCert: string;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    const server = await selfSignedPair('127.0.0.1', true);
    serverCert = server.cert;
    const dir = mkdtempSync(join(tmpdir(), 'identity-tls-'));
    writeFileSync(join(dir, 'cert.pem'), server.cert);
    writeFileSync(join(dir, 'key.pem'), server.private);
    identity = await startOAuthIdentity({
      IDENTITY_TLS_CERT_FILE: join(dir, 'cert.pem'),
      IDENTITY_TLS_KEY_FILE: join(dir, 'key.pem'),
      IDENTITY_MTLS_PORT: '0',
    });
    prisma = testPrisma();
    app = await createSubscribedApp(prisma);
    const issuer = new URL(identity.url);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, {
        [oauth.allowInsecureRequests]: true,
        algorithm: 'oauth2',
      }),
    );
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
  });

  function clientFetch(pair: { cert: string; private: string } | null): {
    agent: Agent;
    options: oauth.TokenEndpointRequestOptions;
  } {
    const agent = new Agent({
      connect: { ca: serverCert, ...(pair ? { cert: pair.cert, key: pair.private } : {}) },
    });
    return {
      agent,
      options: {
        [oauth.allowInsecureRequests]: true,
        [oauth.customFetch]: (url, init) =>
          undiciFetch(url, {
            ...(init as object),
            dispatcher: agent,
          }) as unknown as Promise<Response>,
      },
    };
  }

  it('advertises the mutual-TLS endpoint aliases', () => {
    const aliases = as.mtls_endpoint_aliases;
    expect(aliases?.token_endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/oauth2\/token$/);
    expect(as.token_endpoint_auth_methods_supported).toContain('self_signed_tls_client_auth');
  });

  it('issues a token bound to the client certificate (cnf.x5t#S256)', async () => {
    const pair = await selfSignedPair('service-a');
    const registered = await createTlsClient(prisma, app, thumbprint(pair.cert));
    const client: oauth.Client & { use_mtls_endpoint_aliases: true } = {
      client_id: registered.clientId,
      use_mtls_endpoint_aliases: true,
    };
    const { agent, options } = clientFetch(pair);
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.TlsClientAuth(),
      new URLSearchParams({ resource: app.audience }),
      options,
    );
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    const { payload, protectedHeader } = await jwtVerify(
      result.access_token,
      createRemoteJWKSet(new URL(as.jwks_uri!)),
      { issuer: identity.url, audience: app.audience, typ: 'at+jwt' },
    );
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload.cnf).toEqual({ 'x5t#S256': thumbprint(pair.cert) });
    expect(payload.client_id).toBe(registered.clientId);
    await agent.close();
  });

  it('refuses an unregistered certificate and a missing one', async () => {
    const registeredPair = await selfSignedPair('service-b');
    const registered = await createTlsClient(prisma, app, thumbprint(registeredPair.cert));
    const client: oauth.Client & { use_mtls_endpoint_aliases: true } = {
      client_id: registered.clientId,
      use_mtls_endpoint_aliases: true,
    };
    const stranger = clientFetch(await selfSignedPair('intruder'));
    const refused = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.TlsClientAuth(),
      new URLSearchParams({ resource: app.audience }),
      stranger.options,
    );
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_client');
    await stranger.agent.close();

    const anonymous = clientFetch(null);
    const noCertificate = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.TlsClientAuth(),
      new URLSearchParams({ resource: app.audience }),
      anonymous.options,
    );
    expect(noCertificate.status).toBe(401);
    await anonymous.agent.close();
  });
});
