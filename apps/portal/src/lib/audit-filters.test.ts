import { describe, expect, it } from 'vitest';
import { filtersQueryString, readAuditFilters, toAuditQuery } from './audit-filters';

describe('audit filters', () => {
  it('keeps known non-empty filters only', () => {
    expect(
      readAuditFilters({ decision: 'deny', appId: '', evil: 'x', status: ['500', '404'] }),
    ).toEqual({
      decision: 'deny',
      status: '500',
    });
  });

  it('reads datetime-local values as UTC and sends ISO 8601', () => {
    expect(toAuditQuery({ from: '2026-11-27T09:30', decision: 'allow' })).toEqual({
      from: '2026-11-27T09:30:00.000Z',
      decision: 'allow',
    });
    expect(toAuditQuery({ to: 'not a date' })).toEqual({});
  });

  it('builds the page query string with extras', () => {
    expect(filtersQueryString({ decision: 'deny' }, { format: 'csv' })).toBe(
      '?decision=deny&format=csv',
    );
    expect(filtersQueryString({})).toBe('');
  });
});
