import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProcIo, perRequest } from './syscalls-per-request.ts';

const procIo = (syscr: number, syscw: number, rchar: number, wchar: number) =>
  `rchar: ${rchar}\nwchar: ${wchar}\nsyscr: ${syscr}\nsyscw: ${syscw}\nread_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n`;

describe('syscalls per request', () => {
  it('reads /proc/<pid>/io and divides the difference by the requests', () => {
    const before = parseProcIo(procIo(100, 200, 1000, 5000));
    expect(before).toEqual({ syscr: 100, syscw: 200, rchar: 1000, wchar: 5000 });
    const after = parseProcIo(procIo(300, 420, 3000, 32000));
    expect(perRequest(before, after, 100)).toEqual({
      syscr: 2,
      syscw: 2.2,
      rchar: 20,
      wchar: 270,
    });
  });

  it('says which field is missing', () => {
    expect(() => parseProcIo('rchar: 1\nwchar: 2\nsyscr: 3\n')).toThrow(/syscw/);
  });

  it('reads the real file of this process', () => {
    const io = parseProcIo(readFileSync('/proc/self/io', 'utf8'));
    expect(io.syscr).toBeGreaterThan(0);
  });
});
