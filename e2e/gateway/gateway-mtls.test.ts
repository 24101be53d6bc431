import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiAudience, type AccessEvent, TOPICS } from '@portcullis/contracts';
import { generate } from 'selfsigned';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.js';
import { Fixtures, uniqueSuffix, type SeededApi, type SeededApp } from '../support/fixtures.js';
import { EventCollector } from '../support/kafka-events.js';
import { freePort } from '../support/ports.js';
import { startGatewayProcess, startIdentityProcess } from '../support/stack.js';
import { UpstreamRecorder } from '../support/upstream-recorder.js';

async function certificate(commonName: string) {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
  });
  return { cert: pems.cert, key: pems.private };
}

function thumbprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');
}

/** RFC 8705 certificate-bound tokens: identity binds the token to the client certificate, the gateway checks it. */
describe('gateway with certificate-bound tokens (mTLS)', () => {
  const fixtures = new Fixtures();
  const upstream = new UpstreamRecorder();
  let identity: AppProcess;
  let gateway: AppProcess;
  let events: EventCollector;
  let api: SeededApi;
  let app: SeededApp;
  let clientId: string;
  let mtlsPort: number;
  let clientCert: { cert: string; key: string };
  let otherCert: { cert: string; key: string };

  beforeAll(async () => {
    await upstream.start();
    const dir = mkdtempSync(join(tmpdir(), 'e2e-mtls-'));
    const server = await certificate('localhost');
    writeFileSync(join(dir, 'server.crt'), server.cert);
    writeFileSync(join(dir, 'server.key'), server.key);
    [clientCert, otherCert] = await Promise.all([certificate('client'), certificate('intruder')]);
    mtlsPort = await freePort();
    [identity, events] = await Promise.all([
      startIdentityProcess('gateway-mtls-identity', {
        IDENTITY_TLS_CERT_FILE: join(dir, 'server.crt'),
        IDENTITY_TLS_KEY_FILE: join(dir, 'server.key'),
        IDENTITY_MTLS_PORT: String(mtlsPort),
      }),
      new EventCollector(process.env.KAFKA_BROKERS!.split(','), TOPICS.accessEvents).start(),
    ]);
    api = await fixtures.api({
      upstreamUrl: upstream.url,
      authMethods: ['oauth2_client_credentials'],
    });
    app = await fixtures.application();
    await fixtures.subscribe(app, api);
    clientId = `pcl_test_client_mtls${uniqueSuffix()}`;
    await fixtures.prisma.credential.create({
      data: {
        applicationId: app.id,
        environment: 'sandbox',
        kind: 'tls_client_auth',
        clientId,
        keyId: `mtls_${uniqueSuffix()}`,
        certificateThumbprint: thumbprint(clientCert.cert),
      },
    });
    gateway = await startGatewayProcess({ name: 'gateway-mtls', identity });
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), identity?.stop()]);
    await Promise.all([events?.stop(), upstream.stop(), fixtures.close()]);
  });

  function agentWith(credentials: { cert: string; key: string } | null): Agent {
    return new Agent({ connect: { rejectUnauthorized: false, ...(credentials ?? {}) } });
  }

  it('accepts a bound token only with the certificate it is bound to', async () => {
    const tokenResponse = await agentWith(clientCert).request({
      origin: `https://127.0.0.1:${mtlsPort}`,
      path: '/oauth2/token',
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        resource: apiAudience(api.slug),
      }).toString(),
    });
    const body = (await tokenResponse.body.json()) as { access_token?: string };
    expect(tokenResponse.statusCode, JSON.stringify(body)).toBe(200);
    const token = body.access_token!;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      cnf?: Record<string, string>;
    };
    expect(claims.cnf?.['x5t#S256']).toBe(thumbprint(clientCert.cert));

    const callWith = async (credentials: { cert: string; key: string } | null) => {
      const response = await agentWith(credentials).request({
        origin: gateway.url,
        path: `${api.basePath}/items/1`,
        method: 'GET',
        headers: { authorization: `Bearer ${token}` },
      });
      await response.body.dump();
      return { status: response.statusCode, requestId: String(response.headers['x-request-id']) };
    };
    expect((await callWith(clientCert)).status).toBe(200);
    const stolen = await callWith(otherCert);
    expect(stolen.status).toBe(401);
    const bare = await callWith(null);
    expect(bare.status).toBe(401);
    const event = (await events.waitFor(
      (candidate) =>
        candidate.type === 'gateway.access' && candidate.data.requestId === stolen.requestId,
    )) as AccessEvent;
    expect(event.data.reason).toBe('certificate_mismatch');
  });
});
