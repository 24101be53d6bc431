import { describe, expect, it } from 'vitest';
import { upstreamRequestHeaders } from '../src/proxy/forward-headers.js';

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
