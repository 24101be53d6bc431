import { describe, expect, it } from 'vitest';
import { pageCount, pageHref, parsePage } from './paging';

describe('paging', () => {
  it('reads a page number, falling back to 1 for anything odd', () => {
    expect(parsePage('3')).toBe(3);
    expect(parsePage(['2', '9'])).toBe(2);
    for (const odd of [undefined, '', '0', '-1', '1.5', 'x', '10001'])
      expect(parsePage(odd)).toBe(1);
  });

  it('counts pages', () => {
    expect(pageCount(0, 20)).toBe(1);
    expect(pageCount(20, 20)).toBe(1);
    expect(pageCount(21, 20)).toBe(2);
  });

  it('links to another page keeping the filters', () => {
    expect(pageHref('/catalog', { q: 'pay ments', page: '2' }, 3)).toBe(
      '/catalog?q=pay+ments&page=3',
    );
    expect(pageHref('/catalog', { q: 'x', page: '2' }, 1)).toBe('/catalog?q=x');
    expect(pageHref('/admin/users', {}, 1)).toBe('/admin/users');
  });
});
