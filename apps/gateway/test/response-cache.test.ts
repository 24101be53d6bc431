import { gatewaySnapshotSchema } from '@portcullis/contracts';
import { describe, expect, it } from 'vitest';
import { SnapshotStore } from '../src/config-sync/snapshot-store.js';
import type { RequestContext } from '../src/pipeline/request-context.js';
import { ResponseCache } from '../src/response-cache/response-cache.js';

function api(cache: { ttlSeconds: number; maxEntries: number } | null) {
  const store = new SnapshotStore();
  store.replace(
    gatewaySnapshotSchema.parse({
      configVersion: 1,
      generatedAt: new Date().toISOString(),
      issuer: 'http://identity',
      apis: [
        {
          id: 'api-1',
          slug: 'cached',
          name: 'Cached',
          basePath: '/cached',
          upstreamUrl: 'http://upstream',
          audience: 'urn:portcullis:api:cached',
          authMethods: ['api_key'],
          routes: [],
          plans: [],
          settings: { cache },
        },
      ],
      applications: [],
      subscriptions: [],
      credentials: [],
      revokedTokens: [],
      blockedSources: [],
    }),
  );
  return store.apiFor('/cached/x')!.api;
}

function request(
  path: string,
  appId = 'app-1',
  compiled = api({ ttlSeconds: 60, maxEntries: 100 }),
) {
  return {
    method: 'GET',
    path,
    query: '',
    api: compiled,
    caller: { appId },
  } as unknown as RequestContext;
}

function store(cache: ResponseCache, context: RequestContext, body: string, headers = {}) {
  const writer = cache.writer(context, {}, 200, { 'content-type': 'text/plain', ...headers });
  writer?.write(Buffer.from(body));
  writer?.end();
  return writer !== null;
}

describe('ResponseCache', () => {
  it('evicts the least recently used entries to stay within its byte budget', () => {
    const cache = new ResponseCache(8 * 1024);
    const body = 'x'.repeat(700);
    for (let index = 0; index < 20; index += 1) store(cache, request(`/cached/${index}`), body);
    expect(cache.bytes).toBeLessThanOrEqual(8 * 1024);
    expect(cache.size).toBeLessThan(20);
    expect(cache.lookup(request('/cached/0'), {})).toBeNull();
    expect(cache.lookup(request('/cached/19'), {})?.body.toString()).toBe(body);
  });

  it('keeps at most maxEntries per API and refreshes recency on a hit', () => {
    const compiled = api({ ttlSeconds: 60, maxEntries: 2 });
    const cache = new ResponseCache(1024 * 1024);
    store(cache, request('/cached/a', 'app-1', compiled), 'a');
    store(cache, request('/cached/b', 'app-1', compiled), 'b');
    expect(cache.lookup(request('/cached/a', 'app-1', compiled), {})).not.toBeNull();
    store(cache, request('/cached/c', 'app-1', compiled), 'c');
    expect(cache.size).toBe(2);
    expect(cache.lookup(request('/cached/b', 'app-1', compiled), {})).toBeNull();
    expect(cache.lookup(request('/cached/a', 'app-1', compiled), {})).not.toBeNull();
  });

  it('does not store what must not be stored, nor bodies over an eighth of the budget', () => {
    const cache = new ResponseCache(8 * 1024);
    expect(store(cache, request('/cached/1'), 'x', { 'cache-control': 'no-store' })).toBe(false);
    expect(store(cache, request('/cached/2'), 'x', { 'cache-control': 'max-age=0' })).toBe(false);
    expect(store(cache, request('/cached/3'), 'x', { 'set-cookie': 'a=b' })).toBe(false);
    expect(store(cache, request('/cached/4'), 'x', { vary: '*' })).toBe(false);
    store(cache, request('/cached/5'), 'x'.repeat(2000));
    expect(cache.lookup(request('/cached/5'), {})).toBeNull();
    expect(cache.applies(request('/cached/6', 'app-1', api(null)))).toBe(false);
    expect(cache.applies(request('/cached/6'))).toBe(true);
  });

  it('matches Vary request headers and keeps private entries per application', () => {
    const cache = new ResponseCache(1024 * 1024);
    const context = request('/cached/v');
    const writer = cache.writer(context, { accept: 'application/json' }, 200, {
      vary: 'Accept',
    })!;
    writer.write(Buffer.from('json'));
    writer.end();
    expect(cache.lookup(request('/cached/v'), { accept: 'application/json' })).not.toBeNull();
    expect(cache.lookup(request('/cached/v'), { accept: 'text/html' })).toBeNull();
    expect(cache.lookup(request('/cached/v', 'app-2'), { accept: 'application/json' })).toBeNull();
  });
});
