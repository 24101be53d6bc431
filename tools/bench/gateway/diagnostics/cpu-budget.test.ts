import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { machineCpuMicros, perRequestBudget, statCpuMicros } from './cpu-budget.ts';

describe('CPU budget per request', () => {
  it('reads utime + stime from a stat line whose command holds spaces and parentheses', () => {
    const stat =
      '4242 (node (gateway) x) S 1 4242 4242 0 -1 4194560 1 0 0 0 250 50 0 0 20 0 12 0 100 0 0';
    expect(statCpuMicros(stat)).toBe(3_000_000);
    expect(() => statCpuMicros('garbage')).toThrow(/stat/);
  });

  it('splits the machine into busy (steal included) and idle (iowait included)', () => {
    const procStat = 'cpu  100 10 50 400 20 5 5 10 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n';
    expect(machineCpuMicros(procStat)).toEqual({ busy: 1_800_000, idle: 4_200_000 });
    expect(() => machineCpuMicros('intr 1 2 3')).toThrow(/proc\/stat/);
  });

  it('divides each entry’s growth by the requests, largest first, small ones dropped', () => {
    const before = { 'target MainThread:1': 1_000, upstream: 500, 'machine idle': 9_000 };
    const after = {
      'target MainThread:1': 1_000 + 100 * 150,
      upstream: 500 + 100 * 30,
      'machine idle': 9_000 + 100 * 0.2,
      'target event-producer:7': 100 * 12,
    };
    expect(perRequestBudget(before, after, 100)).toEqual([
      ['target MainThread:1', 150],
      ['upstream', 30],
      ['target event-producer:7', 12],
    ]);
    expect(() => perRequestBudget(before, after, 0)).toThrow(RangeError);
  });

  it('reads this process and this machine', () => {
    expect(statCpuMicros(readFileSync('/proc/self/stat', 'utf8'))).toBeGreaterThan(0);
    expect(machineCpuMicros(readFileSync('/proc/stat', 'utf8')).busy).toBeGreaterThan(0);
  });
});
