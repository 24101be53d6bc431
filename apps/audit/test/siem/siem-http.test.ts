import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAudit, type AuditTestApp } from '../support/audit-test-app.js';
import { suffix } from './siem-test-events.js';

// The SIEM and alert routes inside the real audit app: wired, documented, and closed to callers
// without a session. Roles with real sessions: siem-roles.test.ts and query/approver-scope.test.ts.
describe('SIEM and alert routes in the audit app', () => {
  let audit: AuditTestApp;

  beforeAll(async () => {
    audit = await startAudit({
      AUDIT_INGEST_ENABLED: 'false',
      AUDIT_CONSUMER_GROUP: `audit-siem-http-${suffix()}`,
      SIEM_EXPORT_ENABLED: 'false',
      ALERTS_CONSUMER_GROUP: `audit-alerts-http-${suffix()}`,
      IDENTITY_URL: 'http://127.0.0.1:9',
    });
  });

  afterAll(async () => {
    await audit?.close();
  });

  for (const [method, path] of [
    ['GET', '/v1/siem/sinks'],
    ['POST', '/v1/siem/sinks'],
    ['GET', '/v1/siem/sinks/00000000-0000-7000-8000-000000000000/status'],
    ['GET', '/v1/alerts?status=open'],
    ['POST', '/v1/alerts/00000000-0000-7000-8000-000000000000/acknowledge'],
    ['POST', '/v1/alerts/00000000-0000-7000-8000-000000000000/resolve'],
  ] as const) {
    it(`answers ${method} ${path} without a token with 401 problem+json`, async () => {
      const response = await fetch(`${audit.url}${path}`, { method });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    });
  }

  it('documents the routes in OpenAPI', async () => {
    const document = (await (await fetch(`${audit.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/siem/sinks',
        '/v1/siem/sinks/{id}',
        '/v1/siem/sinks/{id}/status',
        '/v1/alerts',
        '/v1/alerts/{id}/acknowledge',
        '/v1/alerts/{id}/resolve',
        '/v1/alerts/{id}/responses',
        '/v1/alerts/{id}/responses/{responseId}/undo',
      ]),
    );
  });
});
