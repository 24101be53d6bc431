import { describe, expect, it } from 'vitest';
import { createCsrfSecret, deriveCsrfToken, isSameOriginRequest, verifyCsrfToken } from './csrf';

describe('CSRF tokens', () => {
  it('accepts the token derived for this secret and session', () => {
    const secret = createCsrfSecret();
    const token = deriveCsrfToken(secret, 'pcl_sess_abc');
    expect(verifyCsrfToken(token, secret, 'pcl_sess_abc')).toBe(true);
  });

  it('refuses a token from another session, another secret, or none', () => {
    const secret = createCsrfSecret();
    const token = deriveCsrfToken(secret, 'pcl_sess_abc');
    expect(verifyCsrfToken(token, secret, 'pcl_sess_other')).toBe(false);
    expect(verifyCsrfToken(token, secret, undefined)).toBe(false);
    expect(verifyCsrfToken(token, createCsrfSecret(), 'pcl_sess_abc')).toBe(false);
    expect(verifyCsrfToken(undefined, secret, 'pcl_sess_abc')).toBe(false);
    expect(verifyCsrfToken('', secret, 'pcl_sess_abc')).toBe(false);
    expect(verifyCsrfToken(token, undefined, 'pcl_sess_abc')).toBe(false);
  });

  it('makes fresh 256-bit secrets', () => {
    const secrets = new Set(Array.from({ length: 50 }, createCsrfSecret));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
  });
});

describe('isSameOriginRequest', () => {
  const base = {
    origin: 'http://127.0.0.1:3000',
    host: '127.0.0.1:3000',
    forwardedHost: null,
    secFetchSite: 'same-origin',
  };

  it('accepts a same-origin form post', () => {
    expect(isSameOriginRequest(base)).toBe(true);
  });

  it('refuses cross-site and same-site requests', () => {
    expect(isSameOriginRequest({ ...base, secFetchSite: 'cross-site' })).toBe(false);
    expect(isSameOriginRequest({ ...base, secFetchSite: 'same-site' })).toBe(false);
  });

  it('refuses an Origin of another host, a missing or opaque Origin', () => {
    expect(isSameOriginRequest({ ...base, origin: 'http://evil.example' })).toBe(false);
    expect(isSameOriginRequest({ ...base, origin: null })).toBe(false);
    expect(isSameOriginRequest({ ...base, origin: 'null' })).toBe(false);
  });

  it('trusts the forwarded host set by a reverse proxy', () => {
    expect(
      isSameOriginRequest({
        ...base,
        origin: 'https://portal.example.com',
        forwardedHost: 'portal.example.com',
      }),
    ).toBe(true);
  });
});
