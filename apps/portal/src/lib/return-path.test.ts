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
      'javascript:alert(1)',
      '',
      undefined,
      42,
    ]) {
      expect(safeReturnPath(value), String(value)).toBe('/dashboard');
    }
  });

  it('does not loop back into sign-in', () => {
    expect(safeReturnPath('/sign-in?next=/x')).toBe('/dashboard');
  });
});
