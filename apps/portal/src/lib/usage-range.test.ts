import { describe, expect, it } from 'vitest';
import { parseUsageRange, usageWindow } from './usage-range';

describe('usageWindow', () => {
  it('ends at the end of the current bucket and spans the range', () => {
    const now = Date.parse('2026-11-27T10:17:30.000Z');
    expect(usageWindow('24h', now)).toEqual({
      from: '2026-11-26T11:00:00.000Z',
      to: '2026-11-27T11:00:00.000Z',
      bucket: 'hour',
    });
    expect(usageWindow('1h', now)).toEqual({
      from: '2026-11-27T09:18:00.000Z',
      to: '2026-11-27T10:18:00.000Z',
      bucket: 'minute',
    });
  });

  it('includes a request made exactly on a bucket boundary', () => {
    const now = Date.parse('2026-11-27T10:00:00.000Z');
    expect(usageWindow('24h', now).to).toBe('2026-11-27T11:00:00.000Z');
  });
});

describe('parseUsageRange', () => {
  it('accepts known ranges only', () => {
    expect(parseUsageRange('7d')).toBe('7d');
    expect(parseUsageRange('1y')).toBe('24h');
    expect(parseUsageRange(undefined)).toBe('24h');
  });
});
