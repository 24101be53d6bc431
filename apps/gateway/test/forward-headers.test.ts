import { describe, expect, it } from 'vitest';
import {
  downstreamResponseHeaders,
  mergedVary,
  upstreamRequestHeaders,
} from '../src/proxy/forward-headers.js';

/** rawHeaders as Node gives them, and the folded object beside them. */
function forward(pairs: [string, string][]) {
  const headers: Record<string, string> = {};
  for (const [name, value] of pairs) headers[name.toLowerCase()] = value;
  return upstreamRequestHeaders(pairs.flat(), headers);
}

describe('upstreamRequestHeaders', () => {
  it('drops method-override headers in any casing, so a GET cannot run as a DELETE upstream', () => {
    const out = forward([
      ['X-HTTP-Method-Override', 'DELETE'],
      ['x-http-method', 'DELETE'],
      ['X-Method-Override', 'PUT'],
      ['Accept', 'application/json'],
    ]);
    expect(out).toEqual({ accept: 'application/json' });
  });

  it('drops Expect, which the gateway answered and undici refuses to send', () => {
    expect(
      forward([
        ['Expect', '100-continue'],
        ['Content-Type', 'text/plain'],
      ]),
    ).toEqual({
      'content-type': 'text/plain',
    });
  });

  it('drops client-claimed identity, address and credential headers, and keeps duplicates of others', () => {
    const out = forward([
      ['X-Portcullis-App-Id', 'spoofed'],
      ['x-PORTCULLIS-scopes', 'admin'],
      ['X-Forwarded-For', '10.0.0.1'],
      ['X-Real-IP', '10.0.0.2'],
      ['Authorization', 'Bearer secret'],
      ['X-API-Key', 'secret'],
      ['X-Custom', 'one'],
      ['x-custom', 'two'],
    ]);
    expect(out).toEqual({ 'x-custom': ['one', 'two'] });
  });
});

describe('downstreamResponseHeaders', () => {
  // undici hands the response headers over with lower-case names.
  const upstream = {
    'content-type': 'application/json',
    'access-control-allow-origin': '*',
    'access-control-allow-credentials': 'true',
    connection: 'keep-alive',
    'keep-alive': 'timeout=5',
  };

  it("drops the upstream's CORS headers when the gateway answers CORS for the API", () => {
    expect(downstreamResponseHeaders(upstream, true)).toEqual({
      'content-type': 'application/json',
    });
  });

  it('keeps them when the API leaves CORS to its upstream, and drops hop-by-hop headers', () => {
    expect(downstreamResponseHeaders(upstream)).toEqual({
      'content-type': 'application/json',
      'access-control-allow-origin': '*',
      'access-control-allow-credentials': 'true',
    });
  });
});

describe('mergedVary', () => {
  it("adds Origin to the upstream's Vary, once, whatever the casing", () => {
    expect(mergedVary('Accept-Encoding', 'Origin')).toBe('Accept-Encoding, Origin');
    expect(mergedVary(['Accept-Encoding', 'origin, Authorization'], 'Origin')).toBe(
      'Accept-Encoding, origin, Authorization',
    );
  });

  it('keeps a Vary of * as it is', () => {
    expect(mergedVary('*', 'Origin')).toBe('*');
  });
});
