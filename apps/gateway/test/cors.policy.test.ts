import { describe, expect, it } from 'vitest';
import { corsPolicy } from '../src/cors/cors.policy.js';
import type { RequestContext } from '../src/pipeline/request-context.js';

/** Only what corsPolicy reads and writes. */
function contextFor(allowedOrigins: string[], method = 'GET'): RequestContext {
  return {
    method,
    api: {
      api: { settings: { cors: { allowedOrigins, allowedHeaders: [], maxAgeSeconds: 600 } } },
      routes: [{ method: 'GET' }],
    },
    responseHeaders: {},
    corsOrigin: null,
  } as unknown as RequestContext;
}

describe('corsPolicy', () => {
  it('answers a listed origin with that origin and Vary: Origin', () => {
    const context = contextFor(['https://portal.example']);
    corsPolicy(context, { origin: 'https://portal.example' });
    expect(context.responseHeaders['access-control-allow-origin']).toBe('https://portal.example');
    expect(context.responseHeaders.vary).toBe('Origin');
  });

  it('answers * for any origin instead of echoing the caller, so browsers send no credentials', () => {
    const context = contextFor(['*']);
    corsPolicy(context, { origin: 'https://evil.example' });
    expect(context.responseHeaders['access-control-allow-origin']).toBe('*');
    expect(context.responseHeaders.vary).toBeUndefined();
    expect(context.responseHeaders['access-control-allow-credentials']).toBeUndefined();
  });

  it('adds nothing for an origin that is not listed, and refuses its preflight', () => {
    const context = contextFor(['https://portal.example']);
    expect(corsPolicy(context, { origin: 'https://evil.example' })).toBeNull();
    expect(context.responseHeaders).toEqual({});
    const preflight = contextFor(['https://portal.example'], 'OPTIONS');
    expect(() =>
      corsPolicy(preflight, {
        origin: 'https://evil.example',
        'access-control-request-method': 'GET',
      }),
    ).toThrow('This origin may not call the API.');
  });
});
