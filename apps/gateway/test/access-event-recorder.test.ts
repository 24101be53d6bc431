import { ROOT_CONTEXT } from '@opentelemetry/api';
import { accessEventSchema, gatewaySnapshotSchema, TOPICS } from '@portcullis/contracts';
import type { EventProducer } from '@portcullis/kafka';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AccessEventRecorder } from '../src/access-log/access-event-recorder.js';
import { accessEventId } from '../src/access-log/event-id.js';
import { SnapshotStore } from '../src/config-sync/snapshot-store.js';
import type { RequestContext } from '../src/pipeline/request-context.js';

interface Published {
  topic: string;
  key: string;
  value: object;
}

/** Keeps what the recorder publishes (the Kafka path itself is covered by e2e/gateway). */
function capture(): { producer: EventProducer; published: Published[] } {
  const published: Published[] = [];
  const producer = {
    publish: (topic: string, key: string, value: object) => published.push({ topic, key, value }),
  } as unknown as EventProducer;
  return { producer, published };
}

function store(): SnapshotStore {
  const snapshots = new SnapshotStore();
  snapshots.replace(
    gatewaySnapshotSchema.parse({
      configVersion: 1,
      generatedAt: new Date().toISOString(),
      issuer: 'http://identity',
      apis: [
        {
          id: 'api-1',
          slug: 'weather',
          name: 'Weather',
          basePath: '/weather',
          upstreamUrl: 'http://upstream/base',
          audience: 'urn:portcullis:api:weather',
          authMethods: ['api_key'],
          routes: [{ method: 'GET', pathPattern: '/today/{city}', requiredScopes: [] }],
          plans: [],
          settings: {},
        },
      ],
      applications: [],
      subscriptions: [],
      credentials: [],
      revokedTokens: [],
      blockedSources: [],
    }),
  );
  return snapshots;
}

function baseContext(overrides: Partial<RequestContext> = {}): RequestContext {
  return {
    requestId: 'req-1',
    startedAt: process.hrtime.bigint(),
    trace: ROOT_CONTEXT,
    method: 'GET',
    path: '/weather/today/paris',
    query: '',
    sourceIp: '203.0.113.9',
    userAgent: 'curl/8',
    clientCertThumbprint: null,
    api: null,
    route: null,
    apiPath: '/',
    caller: null,
    subscriptionId: null,
    plan: null,
    scopes: [],
    corsOrigin: null,
    responseHeaders: {},
    status: 401,
    reason: 'no_credential',
    upstreamMs: null,
    bytesIn: 0,
    bytesOut: 120,
    cache: null,
    ...overrides,
  };
}

describe('AccessEventRecorder', () => {
  it('gives every event a distinct UUIDv7 id', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => accessEventId()));
    expect(ids.size).toBe(1000);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('puts the millisecond timestamp in the first 48 bits of the id', () => {
    for (const now of [0, 1, 1_764_000_000_123, 2 ** 48 - 1]) {
      const id = accessEventId(now);
      expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
    }
  });

  it('draws distinct random bits across pool refills', () => {
    // 600 ids span three fills of the 256-id pool; the random part must never repeat.
    const randomParts = new Set(
      Array.from({ length: 600 }, () => accessEventId(1).replace(/-/g, '').slice(12)),
    );
    expect(randomParts.size).toBe(600);
  });

  it('publishes an allowed request as a schema-valid event keyed by the app', () => {
    const { producer, published } = capture();
    const found = store().apiFor('/weather/today/paris')!;
    const recorder = new AccessEventRecorder(producer, 'gw-1', pino({ level: 'silent' }));
    recorder.record(
      baseContext({
        api: found.api,
        route: found.api.routes[0]!,
        caller: {
          authMethod: 'api_key',
          appId: 'app-1',
          teamId: 'team-1',
          developerId: 'user-1',
          clientId: null,
          credentialId: 'cred-1',
          environment: 'sandbox',
          tokenScopes: null,
          tokenJti: null,
        },
        status: 200,
        reason: 'ok',
        upstreamMs: 1.5,
        scopes: ['weather:read'],
      }),
      3.25,
      'a'.repeat(32),
    );
    expect(published).toHaveLength(1);
    expect(published[0]!.topic).toBe(TOPICS.accessEvents);
    expect(published[0]!.key).toBe('app-1');
    const event = accessEventSchema.parse(published[0]!.value);
    expect(event.traceId).toBe('a'.repeat(32));
    // A UUIDv7 whose timestamp is the event's time.
    expect(parseInt(event.id.replaceAll('-', '').slice(0, 12), 16)).toBe(Date.parse(event.time));
    expect(event.data).toMatchObject({
      decision: 'allow',
      reason: 'ok',
      apiSlug: 'weather',
      route: '/today/{city}',
      credentialId: 'cred-1',
      latencyMs: { total: 3.25, upstream: 1.5 },
    });
    expect(event.data).not.toHaveProperty('rateLimitFallback');
  });

  it('says when the in-memory fallback counted the request (Redis down, fail-open API)', () => {
    const { producer, published } = capture();
    const recorder = new AccessEventRecorder(producer, 'gw-1', pino({ level: 'silent' }));
    recorder.record(baseContext({ status: 200, reason: 'ok', rateLimitFallback: true }), 1, null);
    const event = accessEventSchema.parse(published[0]!.value);
    expect(event.data.rateLimitFallback).toBe(true);
  });

  it('publishes a denied request with oversized fields cut to what the schema allows', () => {
    const { producer, published } = capture();
    const recorder = new AccessEventRecorder(producer, 'gw-1', pino({ level: 'silent' }));
    recorder.record(
      baseContext({
        method: 'PROPFINDVERYLONGMETHOD',
        path: `/${'p'.repeat(5000)}`,
        userAgent: 'u'.repeat(5000),
        sourceIp: '2001:db8::1',
      }),
      0.4,
      null,
    );
    const event = accessEventSchema.parse(published[0]!.value);
    expect(published[0]!.key).toBe('source:2001:db8::1');
    expect(event.data.decision).toBe('deny');
    expect(event.data.path).toHaveLength(2048);
    expect(event.data.userAgent).toHaveLength(1024);
    expect(event.data.method).toHaveLength(16);
  });
});
