import { gatewaySnapshotSchema, type GatewaySnapshot } from '@portcullis/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SnapshotStore } from '../src/config-sync/snapshot-store.js';

function snapshot(version: number, overrides: Partial<GatewaySnapshot> = {}): GatewaySnapshot {
  return gatewaySnapshotSchema.parse({
    configVersion: version,
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
        routes: [{ method: 'GET', pathPattern: '/today', requiredScopes: [] }],
        plans: [],
        settings: {},
      },
      {
        id: 'api-2',
        slug: 'weather-v2',
        name: 'Weather v2',
        basePath: '/weather/v2',
        upstreamUrl: 'http://upstream/v2',
        audience: 'urn:portcullis:api:weather-v2',
        authMethods: ['api_key'],
        routes: [],
        plans: [],
        settings: {},
      },
    ],
    applications: [],
    subscriptions: [],
    credentials: [
      {
        id: 'cred-1',
        kind: 'api_key',
        lookupId: 'key1',
        secretHash: 'hash',
        appId: 'app-1',
        environment: 'sandbox',
        status: 'active',
        expiresAt: null,
      },
    ],
    revokedTokens: [],
    blockedSources: [
      { address: '203.0.113.0/24', until: new Date(Date.now() + 60_000).toISOString() },
    ],
    ...overrides,
  });
}

const change = (
  kind: string,
  configVersion: number,
  entityId: string,
  until: string | null = null,
) => ({ kind, configVersion, entityId, until }) as Parameters<SnapshotStore['apply']>[0];

describe('SnapshotStore', () => {
  it('resolves the API with the longest matching base path', () => {
    const store = new SnapshotStore();
    store.replace(snapshot(3));
    expect(store.apiFor('/weather/today')?.api.api.id).toBe('api-1');
    expect(store.apiFor('/weather/today')?.rest).toBe('/today');
    expect(store.apiFor('/weather/v2/x')?.api.api.id).toBe('api-2');
    expect(store.apiFor('/weather')?.rest).toBe('/');
    expect(store.apiFor('/weatherman/x')).toBeNull();
  });

  it('applies revocations at once and keeps them across a stale snapshot', () => {
    const store = new SnapshotStore();
    store.replace(snapshot(3));
    store.apply(change('credential.revoked', 4, 'cred-1'));
    expect(store.isCredentialRevoked('cred-1')).toBe(true);
    store.replace(snapshot(3));
    expect(store.isCredentialRevoked('cred-1')).toBe(true);
    const until = new Date(Date.now() + 60_000).toISOString();
    expect(store.apply(change('token.revoked', 5, 'jti-1', until))).toBe(false);
    expect(store.isTokenRevoked('jti-1')).toBe(true);
    expect(store.isTokenRevoked('jti-2')).toBe(false);
  });

  it('tells its listeners when identity announces a signing-key change, and nothing else', () => {
    const store = new SnapshotStore();
    store.replace(snapshot(3));
    let told = 0;
    store.onSigningKeysChanged(() => (told += 1));
    store.apply(change('credential.revoked', 4, 'cred-1'));
    expect(told).toBe(0);
    store.apply(change('signing_keys.changed', 5, 'key-2'));
    expect(told).toBe(1);
  });

  it('asks for a refresh on a version gap or a non-revocation change', () => {
    const store = new SnapshotStore();
    store.replace(snapshot(3));
    expect(store.apply(change('token.revoked', 4, 'jti-1'))).toBe(false);
    expect(store.apply(change('token.revoked', 9, 'jti-2'))).toBe(true);
    expect(store.apply(change('subscription.changed', 5, 'sub-1'))).toBe(true);
  });

  it('blocks addresses and ranges until they lapse or are lifted', () => {
    const store = new SnapshotStore();
    store.replace(snapshot(3));
    expect(store.isBlocked('203.0.113.9')).toBe(true);
    expect(store.isBlocked('198.51.100.1')).toBe(false);
    store.apply(
      change('source.blocked', 4, '198.51.100.1', new Date(Date.now() + 60_000).toISOString()),
    );
    expect(store.isBlocked('198.51.100.1')).toBe(true);
    store.apply(change('source.unblocked', 5, '198.51.100.1'));
    expect(store.isBlocked('198.51.100.1')).toBe(false);
    store.apply(change('source.blocked', 6, '192.0.2.1', new Date(Date.now() - 1).toISOString()));
    expect(store.isBlocked('192.0.2.1')).toBe(false);
  });

  // Sources as the pipeline sees them: the socket's text (RFC 5952), IPv4-mapped IPv6 unwrapped.
  it('blocks every spelling of an IPv6 address, and IPv4 however it is written', () => {
    const later = new Date(Date.now() + 60_000).toISOString();
    const cases: [entry: string, source: string][] = [
      ['2001:0db8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:DB8::1', '2001:db8::1'],
      ['2001:db8:0000::0001', '2001:db8::1'],
      ['2001:db8::1%eth0', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['::ffff:10.0.0.1', '10.0.0.1'],
      ['::FFFF:10.0.0.1', '10.0.0.1'],
      ['::ffff:a00:1', '10.0.0.1'],
      ['0:0:0:0:0:ffff:0a00:0001', '10.0.0.1'],
      ['10.0.0.1', '10.0.0.1'],
    ];
    for (const [entry, source] of cases) {
      const store = new SnapshotStore();
      store.replace(snapshot(3, { blockedSources: [{ address: entry, until: later }] }));
      expect(store.isBlocked(source), `${entry} blocks ${source}`).toBe(true);
      expect(store.isBlocked('10.0.0.2'), `${entry} blocks 10.0.0.2`).toBe(false);
      expect(store.isBlocked('2001:db8::2'), `${entry} blocks 2001:db8::2`).toBe(false);
    }
  });

  it('blocks ranges however they are written, mapped IPv4 included', () => {
    const later = new Date(Date.now() + 60_000).toISOString();
    const store = new SnapshotStore();
    store.replace(
      snapshot(3, {
        blockedSources: [
          { address: '2001:0DB8:0001::/48', until: later },
          { address: '::ffff:192.0.2.0/120', until: later },
        ],
      }),
    );
    expect(store.isBlocked('2001:db8:1:ffff::1')).toBe(true);
    expect(store.isBlocked('2001:db8:2::1')).toBe(false);
    expect(store.isBlocked('192.0.2.77')).toBe(true);
    expect(store.isBlocked('192.0.3.1')).toBe(false);
    // From the original snapshot: still a range.
    store.apply(change('source.blocked', 4, '203.0.113.0/24'));
    expect(store.isBlocked('203.0.113.200')).toBe(true);
  });

  it('lifts a block announced under one spelling by an unblock under another', () => {
    const later = new Date(Date.now() + 60_000).toISOString();
    const store = new SnapshotStore();
    store.replace(snapshot(3, { blockedSources: [] }));
    store.apply(change('source.blocked', 4, '2001:db8::1', later));
    store.apply(change('source.blocked', 5, '::ffff:10.0.0.1', later));
    store.apply(change('source.blocked', 6, '2001:db8:ff::/48', later));
    expect(store.isBlocked('2001:db8::1')).toBe(true);
    expect(store.isBlocked('10.0.0.1')).toBe(true);
    expect(store.isBlocked('2001:db8:ff::9')).toBe(true);
    store.apply(change('source.unblocked', 7, '2001:0DB8:0:0:0:0:0:0001'));
    store.apply(change('source.unblocked', 8, '10.0.0.1'));
    store.apply(change('source.unblocked', 9, '2001:0db8:00ff::/48'));
    expect(store.isBlocked('2001:db8::1')).toBe(false);
    expect(store.isBlocked('10.0.0.1')).toBe(false);
    expect(store.isBlocked('2001:db8:ff::9')).toBe(false);
  });

  it('stops blocking a range when it lapses, and ignores entries that are not addresses', async () => {
    const store = new SnapshotStore();
    store.replace(snapshot(3, { blockedSources: [] }));
    const soon = new Date(Date.now() + 50).toISOString();
    store.apply(change('source.blocked', 4, '198.51.100.0/24', soon));
    store.apply(change('source.blocked', 5, 'not-an-address'));
    store.apply(change('source.blocked', 6, '10.0.0.0/33'));
    store.apply(change('source.blocked', 7, '10.0.0.1/x'));
    expect(store.isBlocked('198.51.100.1')).toBe(true);
    expect(store.isBlocked('10.0.0.1')).toBe(false);
    await sleep(80);
    expect(store.isBlocked('198.51.100.1')).toBe(false);
  });

  it('keeps block changes from events across a snapshot fetched before they committed', () => {
    const store = new SnapshotStore();
    const later = new Date(Date.now() + 60_000).toISOString();
    store.replace(snapshot(3, { blockedSources: [] }));
    store.apply(change('source.blocked', 4, '198.51.100.1', later));
    // A refresh that was already in flight answers with version 3: no block in it.
    store.replace(snapshot(3, { blockedSources: [] }));
    expect(store.isBlocked('198.51.100.1')).toBe(true);
    // The snapshot at version 4 carries the block itself; the event is no longer needed.
    store.replace(snapshot(4, { blockedSources: [{ address: '198.51.100.1', until: later }] }));
    store.apply(change('source.unblocked', 5, '198.51.100.1'));
    store.replace(snapshot(4, { blockedSources: [{ address: '198.51.100.1', until: later }] }));
    expect(store.isBlocked('198.51.100.1')).toBe(false);
    store.replace(snapshot(5, { blockedSources: [] }));
    expect(store.isBlocked('198.51.100.1')).toBe(false);
  });

  it('withdraws credentials revoked by event or listed in the snapshot, until restored', () => {
    const store = new SnapshotStore();
    store.replace(snapshot(3, { withdrawnCredentialIds: ['cred-suspended'] }));
    expect(store.isCredentialWithdrawn('cred-suspended')).toBe(true);
    expect(store.isCredentialWithdrawn('cred-1')).toBe(false);
    store.apply(change('credential.revoked', 4, 'cred-1'));
    expect(store.isCredentialWithdrawn('cred-1')).toBe(true);
    // The suspension lifted: the next snapshot no longer lists it; the revocation stays.
    store.replace(snapshot(5, { withdrawnCredentialIds: [] }));
    expect(store.isCredentialWithdrawn('cred-suspended')).toBe(false);
    expect(store.isCredentialWithdrawn('cred-1')).toBe(true);
  });
});
