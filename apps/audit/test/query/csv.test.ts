import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/query/cursor.js';
import { csvCell, csvHeader } from '../../src/query/csv.js';

describe('CSV export cells', () => {
  it('quotes separators, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(429)).toBe('429');
  });

  it('defuses formulas', () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
  });

  it('writes objects as JSON', () => {
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
    expect(csvHeader().endsWith('\r\n')).toBe(true);
  });
});

describe('page cursors', () => {
  it('round-trips a position', () => {
    const position = {
      time: new Date('2026-11-27T01:02:03.456Z'),
      id: '01a21a56-30ce-75c9-9a0d-627fe3c6c41b',
    };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it('refuses cursors it did not make', () => {
    expect(() => decodeCursor('bm90LWEtY3Vyc29y')).toThrow();
    expect(() => decodeCursor(Buffer.from('{"t":"x","i":"y"}').toString('base64url'))).toThrow();
  });
});
