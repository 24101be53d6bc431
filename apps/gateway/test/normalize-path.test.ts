import { describe, expect, it } from 'vitest';
import { normalizeTarget } from '../src/routing/normalize-path.js';

describe('normalizeTarget', () => {
  it('keeps a semicolon in the query', () => {
    expect(normalizeTarget('/a/b?x=1;y=2')).toEqual({ ok: true, path: '/a/b', query: '?x=1;y=2' });
  });

  it('keeps a plain path and splits off the query', () => {
    expect(normalizeTarget('/weather/today?city=Oslo&x=%2F')).toEqual({
      ok: true,
      path: '/weather/today',
      query: '?city=Oslo&x=%2F',
    });
  });

  it('keeps dots inside names, with and without escapes elsewhere', () => {
    for (const path of ['/files/report.v2.json', '/a/.../b', '/a/.well-known/x', '/a/b..c']) {
      expect(normalizeTarget(`${path}?q=1`)).toEqual({ ok: true, path, query: '?q=1' });
    }
    expect(normalizeTarget('/files/%41.json')).toEqual({
      ok: true,
      path: '/files/A.json',
      query: '',
    });
  });

  it('decodes unreserved characters and upper-cases other escapes', () => {
    expect(normalizeTarget('/a/%7Euser/%41b/%c3%a9')).toEqual({
      ok: true,
      path: '/a/~user/Ab/%C3%A9',
      query: '',
    });
  });

  it.each([
    ['/a/../b', 'dot segment'],
    ['/a/./b', 'dot segment'],
    ['/a/..', 'dot segment'],
    ['/a/%2e%2e/b', 'encoded'],
    ['/a/%2E./b', 'encoded'],
    ['/a/%2fb', 'encoded'],
    ['/a/%5Cb', 'encoded'],
    ['/a/%00', 'encoded'],
    ['/a/1%0d%0aX-Injected:%20yes', 'encoded'],
    ['/a/%7f', 'encoded'],
    ['/a/..;/admin', 'path parameter'],
    ['/a/.;x/b', 'path parameter'],
    // Would match `/orders/{id}` here and be `/orders/export` to a backend that strips `;x`.
    ['/orders/export;x', 'path parameter'],
    ['/admin;x/users', 'path parameter'],
    ['/orders/export#', 'fragment'],
    ['/orders/1?q=1#frag', 'fragment'],
    ['/a/%c0%ae%c0%ae/etc', 'invalid percent-encoding'],
    ['/a/%252e%252e/b', 'encoded'],
    ['/a//b', 'empty segment'],
    ['/a\\b', 'forbidden characters'],
    ['/a/\u0000', 'forbidden characters'],
    ['/a/%zz', 'invalid percent-encoding'],
    ['/a/%4', 'invalid percent-encoding'],
    ['relative', 'must start with /'],
    [`/${'a'.repeat(2048)}`, 'too long'],
  ])('refuses %s', (target, problem) => {
    const result = normalizeTarget(target);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problem).toContain(problem);
  });

  it('accepts a path of exactly the maximum length', () => {
    expect(normalizeTarget(`/${'a'.repeat(2047)}`).ok).toBe(true);
  });
});
