import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from './support/identity-test-app.js';

describe('identity health endpoints', () => {
  let identity: IdentityTestApp;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(async () => {
    await identity?.close();
  });

  it('answers liveness', async () => {
    const response = await fetch(`${identity.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('reports PostgreSQL and Kafka as up when they are', async () => {
    const response = await fetch(`${identity.url}/readyz`);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { postgres: { status: 'up' }, kafka: { status: 'up' } },
    });
    expect(response.status).toBe(200);
  });

  it('publishes an OpenAPI document', async () => {
    const response = await fetch(`${identity.url}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      info: { title: string };
      paths: Record<string, Record<string, OpenApiOperation>>;
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe('Portcullis identity');
    // Bodies and query parameters are documented from the zod schemas that validate them.
    const createTeam = document.paths['/v1/teams']!.post!;
    expect(createTeam.requestBody?.content['application/json']?.schema.properties).toHaveProperty(
      'name',
    );
    const approvals = document.paths['/v1/approvals']!.get!;
    expect(approvals.parameters?.map((parameter) => parameter.name)).toEqual(
      expect.arrayContaining(['status', 'page', 'pageSize']),
    );
  });

  it('answers unknown routes with problem+json and no stack trace', async () => {
    const response = await fetch(`${identity.url}/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 404, instance: '/nope' });
    expect(JSON.stringify(body)).not.toContain('at ');
  });
});

describe('identity readiness when a dependency is down', () => {
  let identity: IdentityTestApp;
  beforeAll(async () => {
    // Nothing listens on these ports: readiness must say so, naming the dependency.
    identity = await startIdentity({
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/portcullis_test',
      KAFKA_BROKERS: '127.0.0.1:2',
    });
  });
  afterAll(async () => {
    await identity?.close();
  });

  it('reports 503 with each failing check', async () => {
    const response = await fetch(`${identity.url}/readyz`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      status: string;
      checks: Record<string, { status: string }>;
    };
    expect(body.status).toBe('not_ready');
    expect(body.checks.postgres?.status).toBe('down');
    expect(body.checks.kafka?.status).toBe('down');
  });
});

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
}
