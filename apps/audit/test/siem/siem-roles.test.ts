import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAudit, type AuditTestApp } from '../support/audit-test-app.js';
import {
  createPerson,
  startIdentityProcess,
  type IdentityProcess,
} from '../support/identity-process.js';
import { testDb } from '../support/test-db.js';
import type { SinkStatus, SinkWithStatus } from '../../src/siem/siem-sinks.service.js';
import { suffix } from './siem-test-events.js';

interface SinkView {
  id: string;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  hasSecret: boolean;
  enabled: boolean;
}

// The SIEM sink routes with real sessions from a real identity process: a security user manages
// sinks end to end; a developer is refused every route and changes nothing.
describe('SIEM sink routes by role', () => {
  let identity: IdentityProcess;
  let audit: AuditTestApp;
  let db: pg.Pool;
  let security: string;
  let developer: string;
  const webhookSecret = randomBytes(24).toString('base64url');

  beforeAll(async () => {
    db = testDb();
    identity = await startIdentityProcess();
    audit = await startAudit({
      AUDIT_INGEST_ENABLED: 'false',
      AUDIT_CONSUMER_GROUP: `audit-siem-roles-${suffix()}`,
      SIEM_EXPORT_ENABLED: 'false',
      IDENTITY_URL: identity.url,
    });
    security = (await createPerson(db, identity.hashKey, { roles: ['security'] })).token;
    developer = (await createPerson(db, identity.hashKey, { teamId: randomUUID() })).token;
  });
  afterAll(async () => {
    await audit?.close();
    await identity?.stop();
    await db?.end();
  });

  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${audit.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('lets a security user create, read, change, inspect and delete a sink', async () => {
    const name = `webhook-${suffix()}`;
    const created = await call('POST', '/v1/siem/sinks', security, {
      name,
      kind: 'webhook',
      config: { url: 'http://127.0.0.1:9/siem' },
      secret: { secret: webhookSecret },
      enabled: false,
    });
    expect(created.status).toBe(201);
    const sink = (await created.json()) as SinkView;
    expect(sink).toMatchObject({ name, kind: 'webhook', hasSecret: true, enabled: false });
    expect(JSON.stringify(sink)).not.toContain(webhookSecret);

    const list = (await (await call('GET', '/v1/siem/sinks', security)).json()) as SinkView[];
    expect(list.map((entry) => entry.id)).toContain(sink.id);
    expect(JSON.stringify(list)).not.toContain(webhookSecret);

    const renamed = await call('PATCH', `/v1/siem/sinks/${sink.id}`, security, {
      name: `${name}-renamed`,
    });
    expect(renamed.status).toBe(200);
    expect(((await renamed.json()) as SinkView).name).toBe(`${name}-renamed`);

    const status = await call('GET', `/v1/siem/sinks/${sink.id}/status`, security);
    expect(status.status).toBe(200);
    const single = (await status.json()) as SinkStatus;
    expect(single).toMatchObject({
      id: sink.id,
      enabled: false,
      consumerGroup: `audit-sink-${sink.id}`,
    });
    expect(typeof single.lag).toBe('number');

    // The list can carry every sink's status in one request (the portal's sinks page).
    const listed = await call('GET', '/v1/siem/sinks?include=status', security);
    expect(listed.status).toBe(200);
    const withStatus = ((await listed.json()) as SinkWithStatus[]).find(
      (entry) => entry.id === sink.id,
    );
    // The lag counts every event on the topics, which other tests keep producing: it only grows.
    expect({ ...withStatus?.status, lag: null }).toEqual({ ...single, lag: null });
    expect(withStatus?.status.lag).toBeGreaterThanOrEqual(single.lag!);
    expect(JSON.stringify(withStatus)).not.toContain(webhookSecret);
    const unknown = await call('GET', '/v1/siem/sinks?include=secret', security);
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');

    expect((await call('DELETE', `/v1/siem/sinks/${sink.id}`, security)).status).toBe(204);
    const gone = await call('GET', `/v1/siem/sinks/${sink.id}`, security);
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses a developer every sink route with 403 and leaves the sink as it was', async () => {
    const name = `hec-${suffix()}`;
    const created = await call('POST', '/v1/siem/sinks', security, {
      name,
      kind: 'splunk_hec',
      config: { url: 'http://127.0.0.1:9' },
      secret: { token: randomUUID() },
      enabled: false,
    });
    expect(created.status).toBe(201);
    const sink = (await created.json()) as SinkView;

    for (const [method, path, body] of [
      ['GET', '/v1/siem/sinks', undefined],
      ['GET', '/v1/siem/sinks?include=status', undefined],
      [
        'POST',
        '/v1/siem/sinks',
        { name: `dev-${suffix()}`, kind: 'webhook', config: { url: 'http://127.0.0.1:9/x' } },
      ],
      ['GET', `/v1/siem/sinks/${sink.id}`, undefined],
      ['PATCH', `/v1/siem/sinks/${sink.id}`, { enabled: true }],
      ['GET', `/v1/siem/sinks/${sink.id}/status`, undefined],
      ['DELETE', `/v1/siem/sinks/${sink.id}`, undefined],
    ] as const) {
      const response = await call(method, path, developer, body);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }

    const after = await call('GET', `/v1/siem/sinks/${sink.id}`, security);
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ name, enabled: false });
    const sinks = (await (await call('GET', '/v1/siem/sinks', security)).json()) as SinkView[];
    expect(sinks.some((entry) => entry.name.startsWith('dev-'))).toBe(false);
    await call('DELETE', `/v1/siem/sinks/${sink.id}`, security);
  });
});
