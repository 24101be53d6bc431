import { describe, expect, it } from 'vitest';
import { safeReturnPath } from './return-path';

describe('safeReturnPath', () => {
  it('keeps paths of this site, with their query', () => {
    expect(safeReturnPath('/apps/123?tab=credentials')).toBe('/apps/123?tab=credentials');
  });

  it('refuses other sites, schemes and protocol-relative tricks', () => {
    for (const value of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      // Paths that only become protocol-relative once normalised.
      '/.//evil.example/session-expired',
      '/a/..//evil.example',
      '/%2e//evil.example',
      '/./\\evil.example',
      'javascript:alert(1)',
      '',
      undefined,
      42,
    ]) {
      expect(safeReturnPath(value), String(value)).toBe('/dashboard');
    }
  });

  it('keeps an encoded slash as part of a path of this site', () => {
    expect(safeReturnPath('/.%2f/evil.example')).toBe('/.%2f/evil.example');
  });

  it('does not loop back into sign-in', () => {
    expect(safeReturnPath('/sign-in?next=/x')).toBe('/dashboard');
  });
});
