import { describe, expect, it } from 'vitest';
import {
  TOPICS,
  TOPIC_SPECS,
  accessEventSchema,
  buildEvent,
  managementEventSchema,
  parseEvent,
  type AccessEventData,
} from '../src/index.js';

const accessData: AccessEventData = {
  requestId: 'req-1',
  gatewayId: 'gw-1',
  appId: 'app-1',
  teamId: 'team-1',
  developerId: 'dev-1',
  clientId: 'client-1',
  credentialId: 'cred-1',
  apiId: 'api-1',
  apiSlug: 'payments',
  planId: 'plan-1',
  environment: 'production',
  authMethod: 'bearer_jwt',
  method: 'GET',
  route: '/payments/v1/invoices/{id}',
  path: '/payments/v1/invoices/42',
  status: 200,
  decision: 'allow',
  reason: 'ok',
  latencyMs: { total: 3.2, upstream: 2.1 },
  bytesIn: 0,
  bytesOut: 512,
  sourceIp: '127.0.0.1',
  userAgent: 'curl/8',
  tokenJti: 'jti-1',
  scopes: ['invoices:read'],
};

describe('event envelope', () => {
  it('builds a valid event with a time-ordered UUIDv7 id', () => {
    const first = buildEvent(accessEventSchema, { source: 'gateway', data: accessData });
    const second = buildEvent(accessEventSchema, { source: 'gateway', data: accessData });
    expect(first.type).toBe('gateway.access');
    expect(first.version).toBe(1);
    expect(first.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(first.id < second.id).toBe(true);
    expect(accessEventSchema.parse(first)).toEqual(first);
  });

  it('refuses an event whose data breaks the schema', () => {
    expect(() =>
      buildEvent(accessEventSchema, {
        source: 'gateway',
        data: { ...accessData, status: 42 },
      }),
    ).toThrow();
    expect(() =>
      buildEvent(accessEventSchema, {
        source: 'gateway',
        traceId: 'not-a-trace-id',
        data: accessData,
      }),
    ).toThrow();
  });

  it('refuses unknown fields, so nothing unexpected (like a secret) rides along', () => {
    expect(() =>
      buildEvent(accessEventSchema, {
        source: 'gateway',
        data: { ...accessData, clientSecret: 'x' } as AccessEventData,
      }),
    ).toThrow();
  });

  it('fills management event defaults', () => {
    const event = buildEvent(managementEventSchema, {
      source: 'identity',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      data: {
        action: 'subscription.approved',
        outcome: 'success',
        actor: { type: 'user', id: 'u1', label: 'approver@example.com' },
        target: { type: 'subscription', id: 's1' },
      },
    });
    expect(event.data.details).toEqual({});
    expect(event.data.apiId).toBeNull();
    expect(event.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});

describe('parseEvent', () => {
  it('dispatches known events by type', () => {
    const event = buildEvent(accessEventSchema, { source: 'gateway', data: accessData });
    const parsed = parseEvent(Buffer.from(JSON.stringify(event)));
    expect(parsed.ok && parsed.event.type).toBe('gateway.access');
  });

  it('explains why a message is not a valid event', () => {
    expect(parseEvent(Buffer.from('{oops'))).toEqual({ ok: false, reason: 'not JSON', id: null });
    expect(parseEvent(null)).toMatchObject({ ok: false, reason: 'empty message' });
    const event = buildEvent(accessEventSchema, { source: 'gateway', data: accessData });
    const broken = parseEvent(JSON.stringify({ ...event, data: { ...event.data, status: 'x' } }));
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.id).toBe(event.id);
    expect(!broken.ok && broken.reason).toContain('status');
  });
});

describe('topics', () => {
  it('declares a spec for every topic, with sane partition counts and retention', () => {
    expect(TOPIC_SPECS.map((spec) => spec.name).sort()).toEqual(Object.values(TOPICS).sort());
    for (const spec of TOPIC_SPECS) {
      expect(spec.partitions).toBeGreaterThan(0);
      expect(spec.retentionMs).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
    }
  });
});
