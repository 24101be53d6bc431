import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAudit, type AuditTestApp } from '../support/audit-test-app.js';
import { unique } from '../support/test-events.js';

// Authentication failures and documentation, which need no identity answer.
describe('audit HTTP API without a usable session', () => {
  let audit: AuditTestApp;
  beforeAll(async () => {
    audit = await startAudit({
      AUDIT_INGEST_ENABLED: 'false',
      AUDIT_CONSUMER_GROUP: unique('audit-http'),
      // Nothing listens here: identity is unreachable.
      IDENTITY_URL: 'http://127.0.0.1:9',
    });
  });
  afterAll(async () => {
    await audit?.close();
  });

  for (const path of [
    '/v1/audit/events',
    '/v1/audit/events/export',
    '/v1/audit/usage',
    '/v1/audit/integrity',
  ]) {
    it(`answers ${path} without a token with 401 problem+json and a Bearer challenge`, async () => {
      const response = await fetch(`${audit.url}${path}`);
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });
  }

  for (const [method, path] of [
    ['POST', '/v1/audit/checkpoints'],
    ['GET', '/v1/audit/checkpoints/key'],
    ['POST', '/v1/audit/integrity/checkpoint'],
  ] as const) {
    it(`answers ${method} ${path} without a token with 401 problem+json`, async () => {
      const response = await fetch(`${audit.url}${path}`, { method });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    });
  }

  it('refuses tokens that are not session tokens without asking identity', async () => {
    const response = await fetch(`${audit.url}/v1/audit/events`, {
      headers: { authorization: 'Bearer pcl_svc_dev_gateway_token_change_me_0000000000' },
    });
    expect(response.status).toBe(401);
  });

  it('answers 503 when identity cannot be reached to check a session', async () => {
    const response = await fetch(`${audit.url}/v1/audit/events`, {
      headers: { authorization: `Bearer pcl_sess_${'a'.repeat(43)}` },
    });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { detail: string };
    expect(body.detail).toContain('identity');
    expect(JSON.stringify(body)).not.toContain('pcl_sess_');
  });

  it('documents the routes in OpenAPI', async () => {
    const response = await fetch(`${audit.url}/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, { get?: { parameters?: { name: string }[] } }>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/audit/events',
        '/v1/audit/events/export',
        '/v1/audit/usage',
        '/v1/audit/integrity',
        '/v1/audit/integrity/checkpoint',
        '/v1/audit/checkpoints',
        '/v1/audit/checkpoints/key',
      ]),
    );
    const parameters = document.paths['/v1/audit/events']!.get!.parameters!.map(
      (parameter) => parameter.name,
    );
    expect(parameters).toEqual(
      expect.arrayContaining(['from', 'to', 'apiId', 'decision', 'cursor', 'limit']),
    );
  });
});
