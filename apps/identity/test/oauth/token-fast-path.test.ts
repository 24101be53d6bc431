import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrismaClient } from '@portcullis/db';
import { startTelemetry, type TelemetryHandle } from '@portcullis/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_PATH } from '../../src/oauth/issuer.js';
import type { IdentityTestApp } from '../support/identity-test-app.js';
import {
  basicAuth,
  createClientSecret,
  createSubscribedApp,
  hashKeyOf,
  startOAuthIdentity,
  testPrisma,
} from '../support/oauth-fixtures.js';

/**
 * `POST /oauth2/token` is answered from Node's listener, before Fastify: what Fastify did for the
 * route (bounded body, request ids, the server span) must still happen there.
 */
describe('token endpoint fast path', () => {
  let identity: IdentityTestApp;
  let prisma: PrismaClient;
  let client: { clientId: string; secret: string };
  let telemetry: TelemetryHandle;
  let collector: { url: string; bodies: string[]; close(): Promise<void> };

  beforeAll(async () => {
    collector = await startCollector();
    telemetry = await startTelemetry({
      serviceName: 'identity-fast-path-test',
      ownServerSpanPaths: [TOKEN_PATH],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_METRICS_EXPORTER: 'none' },
    });
    identity = await startOAuthIdentity();
    prisma = testPrisma();
    const app = await createSubscribedApp(prisma);
    client = await createClientSecret(prisma, hashKeyOf(identity), app);
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
    await telemetry?.shutdown();
    await collector?.close();
  });

  const tokenForm = 'grant_type=client_credentials';

  it('issues a token with the OAuth headers and echoes a well-formed request id', async () => {
    const response = await fetch(`${identity.url}${TOKEN_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(client.clientId, client.secret),
        'x-request-id': 'fast-path-test-1',
      },
      body: tokenForm,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('fast-path-test-1');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    const body = (await response.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('Bearer');
    expect(body.access_token.split('.')).toHaveLength(3);
  });

  it('replaces a malformed request id with its own', async () => {
    const response = await fetch(`${identity.url}${TOKEN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': 'bad id!' },
      body: tokenForm,
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a body over the limit sent in chunks without a length, and closes', async () => {
    const answer = await rawPost(identity.url, (request) => {
      request.setHeader('content-type', 'application/x-www-form-urlencoded');
      request.setHeader('transfer-encoding', 'chunked');
      request.write(`${tokenForm}&padding=`);
      for (let i = 0; i < 20; i += 1) request.write('x'.repeat(1024));
      request.end();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request' });
    expect(answer.headers.connection).toBe('close');
  });

  it('refuses a declared length over the limit before reading the body', async () => {
    const answer = await rawPost(identity.url, (request) => {
      request.setHeader('content-type', 'application/x-www-form-urlencoded');
      request.setHeader('content-length', String(64 * 1024));
      request.write(tokenForm);
      // The rest never comes: the answer must not wait for it.
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request' });
  });

  it('leaves other methods and paths to the framework', async () => {
    const get = await fetch(`${identity.url}${TOKEN_PATH}`);
    expect(get.status).toBe(404);
    expect(get.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const introspect = await fetch(`${identity.url}/oauth2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=x',
    });
    expect(introspect.status).toBe(401);
  });

  it('makes one server span per token request, joined to the caller’s trace', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const response = await fetch(`${identity.url}${TOKEN_PATH}?from=test`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(client.clientId, client.secret),
        traceparent: `00-${traceId}-b7ad6b7169203331-01`,
      },
      body: tokenForm,
    });
    expect(response.status).toBe(200);
    await telemetry.shutdown();
    const spans = collector.bodies.flatMap(spansIn).filter((span) => span.traceId === traceId);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ name: `POST ${TOKEN_PATH}`, kind: 2 });
    const status = spans[0]!.attributes.find((a) => a.key === 'http.response.status_code');
    expect(Number(status?.value.intValue)).toBe(200);
  });
});

interface ExportedSpan {
  traceId: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { intValue?: string | number; stringValue?: string } }[];
}

function spansIn(body: string): ExportedSpan[] {
  const parsed = JSON.parse(body) as {
    resourceSpans?: { scopeSpans: { spans: ExportedSpan[] }[] }[];
  };
  return (parsed.resourceSpans ?? []).flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
}

/** A stand-in OTLP/HTTP collector keeping the trace export bodies. */
async function startCollector(): Promise<{
  url: string;
  bodies: string[];
  close(): Promise<void>;
}> {
  const bodies: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A POST whose body the test writes by hand (chunked, or shorter than declared). */
function rawPost(
  baseUrl: string,
  write: (request: ReturnType<typeof httpRequest>) => void,
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${baseUrl}${TOKEN_PATH}`, { method: 'POST' }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        request.destroy();
      });
    });
    request.on('error', reject);
    write(request);
  });
}
