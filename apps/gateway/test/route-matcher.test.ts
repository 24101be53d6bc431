import { describe, expect, it } from 'vitest';
import { compileRoutes, matchRoute } from '../src/routing/route-matcher.js';

const routes = compileRoutes([
  { method: 'GET', pathPattern: '/items/{id}', requiredScopes: ['read'] },
  { method: 'GET', pathPattern: '/items/special', requiredScopes: [] },
  { method: 'POST', pathPattern: '/items', requiredScopes: ['write'] },
  { method: '*', pathPattern: '/files/**', requiredScopes: [] },
  { method: 'DELETE', pathPattern: '/files/{name}/lock', requiredScopes: ['admin'] },
]);

function match(method: string, path: string): string | null {
  const found = matchRoute(routes, method, path);
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
});
