import { describe, expect, it } from 'vitest';
import { hostSteadiness, MAX_DIRECT_SPREAD } from './host-steadiness.ts';

describe('hostSteadiness', () => {
  it("measures direct's spread across rounds against their median", () => {
    // The 07:24 run on 29 November: 70662–76530 around a median of 75415.
    const steady = hostSteadiness([75415, 75513, 75351, 76530, 70662, 75961], 2.9, 2);
    expect(steady.directSpread).toBeCloseTo((76530 - 70662) / 75464, 5);
    expect(steady.throughputDecidable).toBe(true);
  });

  it('calls a run whose direct rounds swing widely undecidable for throughput', () => {
    // The 09:13 run on 29 November: 26279–43047 around a median of 36252.
    const unsteady = hostSteadiness([43047, 26279, 36252, 30121, 39931, 35237, 38636], 16.3, 2);
    expect(unsteady.directSpread).toBeGreaterThan(MAX_DIRECT_SPREAD);
    expect(unsteady.throughputDecidable).toBe(false);
  });

  it('draws the throughput line at MAX_DIRECT_SPREAD', () => {
    const at = (spread: number) => hostSteadiness([100, 100 + spread * 100, 100], 0, 2);
    expect(at(MAX_DIRECT_SPREAD).throughputDecidable).toBe(true);
    expect(at(MAX_DIRECT_SPREAD + 0.01).throughputDecidable).toBe(false);
  });

  it('can decide the tail only where the bare proxy stays within the budget', () => {
    expect(hostSteadiness([1000], 1.8, 2).tailDecidable).toBe(true);
    expect(hostSteadiness([1000], 2, 2).tailDecidable).toBe(true);
    const over = hostSteadiness([1000], 2.9, 2);
    expect(over.tailDecidable).toBe(false);
    expect(over.bareAddedP99Ms).toBe(2.9);
  });

  it('leaves the tail undecided when the half-load runs were not measured', () => {
    expect(hostSteadiness([1000], null, 2).tailDecidable).toBeNull();
  });

  it('refuses to judge a run without direct rounds', () => {
    expect(() => hostSteadiness([], 1, 2)).toThrow(RangeError);
  });
});
