import { describe, expect, it } from 'vitest';
import { renderReport } from './reliability-report.js';

describe('reliability report', () => {
  it('sums faults, hostile inputs and load, and flags what did not hold', () => {
    const report = renderReport(
      [
        {
          kind: 'fault',
          name: 'Kafka stopped',
          survived: true,
          detail: '500 requests, 500 events',
        },
        {
          kind: 'fault',
          name: 'PostgreSQL restarted',
          survived: false,
          detail: 'identity stayed 503',
        },
        { kind: 'hostile', name: 'JWT alg none', inputsTried: 3, gotThrough: 0, detail: 'all 401' },
        {
          kind: 'hostile',
          name: 'CRLF | headers',
          inputsTried: 4,
          gotThrough: 1,
          detail: 'one 500',
        },
        {
          kind: 'load',
          name: 'soak',
          requestsSent: 2000,
          eventsStored: 2000,
          detail: 'heap stable',
        },
      ],
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(report).toContain('Faults survived: **1 of 2**');
    expect(report).toContain('Hostile inputs tried: **7**, got through: **1**');
    expect(report).toContain('soak: **2000** requests sent, **2000** events stored');
    expect(report).toContain('| PostgreSQL restarted | **no** |');
    expect(report).toContain('CRLF \\| headers');
  });
});
