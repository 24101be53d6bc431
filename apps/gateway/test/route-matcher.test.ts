import { describe, expect, it } from 'vitest';
import { CASE_AMBIGUOUS, compileRoutes, matchRoute } from '../src/routing/route-matcher.js';

const routes = compileRoutes([
  { method: 'GET', pathPattern: '/items/{id}', requiredScopes: ['read'] },
  { method: 'GET', pathPattern: '/items/special', requiredScopes: [] },
  { method: 'POST', pathPattern: '/items', requiredScopes: ['write'] },
  { method: '*', pathPattern: '/files/**', requiredScopes: [] },
  { method: 'DELETE', pathPattern: '/files/{name}/lock', requiredScopes: ['admin'] },
]);

function match(method: string, path: string, table = routes): string | null {
  const found = matchRoute(table, method, path);
  if (found === CASE_AMBIGUOUS) return 'ambiguous';
  return found ? `${found.method} ${found.route.pathPattern}` : null;
}

describe('matchRoute', () => {
  it('matches parameters and prefers literal segments', () => {
    expect(match('GET', '/items/42')).toBe('GET /items/{id}');
    expect(match('GET', '/items/special')).toBe('GET /items/special');
  });

  it('matches the method, with HEAD served by GET routes', () => {
    expect(match('POST', '/items')).toBe('POST /items');
    expect(match('HEAD', '/items/1')).toBe('GET /items/{id}');
    expect(match('PUT', '/items/1')).toBeNull();
    expect(match('GET', '/items')).toBeNull();
  });

  it('matches /** tails of any depth, including none', () => {
    expect(match('PUT', '/files')).toBe('* /files/**');
    expect(match('GET', '/files/a/b/c')).toBe('* /files/**');
    expect(match('DELETE', '/files/report/lock')).toBe('DELETE /files/{name}/lock');
  });

  it('does not match a parameter across segments or an empty one', () => {
    expect(match('GET', '/items/1/2')).toBeNull();
    expect(match('GET', '/items/')).toBeNull();
    expect(match('GET', '/other')).toBeNull();
  });

  it('refuses a path that takes a weaker route only because its letter case differs', () => {
    // Case-insensitive backends would serve /items/SPECIAL as /items/special.
    expect(match('GET', '/items/SPECIAL')).toBe('ambiguous');
    expect(match('GET', '/items/Special')).toBe('ambiguous');
    expect(match('DELETE', '/FILES/report/lock')).toBeNull();
    // The tail route is less specific than the lock route: its own case-folded twin is fine.
    expect(match('DELETE', '/files/report/LOCK')).toBe('ambiguous');
    expect(match('GET', '/files/report/LOCK')).toBe('* /files/**');
    // Another case of a parameter's value, or of a route only equally specific, is no reason.
    expect(match('GET', '/items/ABC')).toBe('GET /items/{id}');
    const twins = compileRoutes([
      { method: 'GET', pathPattern: '/Items/{id}', requiredScopes: [] },
      { method: 'GET', pathPattern: '/items/{id}', requiredScopes: [] },
    ]);
    expect(match('GET', '/items/1', twins)).toBe('GET /items/{id}');
    expect(match('GET', '/ITEMS/1', twins)).toBeNull();
  });
});
