import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReport, writeReportIfAny } from './reliability-report.js';

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

  it('rewrites the committed report only for the whole suite; a partial run writes its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reliability-report-'));
    const paths = {
      findings: join(dir, 'findings.jsonl'),
      whole: join(dir, 'REPORT.md'),
      partial: join(dir, 'partial', 'REPORT.md'),
    };
    expect(writeReportIfAny(false, paths)).toBeUndefined();
    expect(existsSync(paths.partial)).toBe(false);

    const finding = { kind: 'fault', name: 'Redis killed', survived: true, detail: 'fell back' };
    writeFileSync(paths.findings, `${JSON.stringify(finding)}\n`);
    writeFileSync(paths.whole, 'the whole suite wrote this');
    expect(writeReportIfAny(false, paths)).toBe(paths.partial);
    expect(readFileSync(paths.whole, 'utf8')).toBe('the whole suite wrote this');
    expect(readFileSync(paths.partial, 'utf8')).toContain('| Redis killed | yes | fell back |');

    expect(writeReportIfAny(true, paths)).toBe(paths.whole);
    expect(readFileSync(paths.whole, 'utf8')).toContain('Faults survived: **1 of 1**');
  });
});
