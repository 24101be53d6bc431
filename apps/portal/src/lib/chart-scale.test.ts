import { describe, expect, it } from 'vitest';
import { compactNumber, layoutSeries, linearScale, niceTicks } from './chart-scale';

const box = { width: 200, height: 100, left: 20, right: 0, top: 0, bottom: 20 };

describe('linearScale', () => {
  it('maps the domain ends onto the range ends, inverted ranges included', () => {
    const y = linearScale([0, 50], [80, 0]);
    expect(y(0)).toBe(80);
    expect(y(50)).toBe(0);
    expect(y(25)).toBe(40);
  });

  it('maps everything to the range start when the domain is empty', () => {
    expect(linearScale([3, 3], [10, 90])(3)).toBe(10);
  });
});

describe('niceTicks', () => {
  it('rounds the maximum up to a nice step', () => {
    expect(niceTicks(93)).toEqual({ max: 100, ticks: [0, 25, 50, 75, 100] });
    expect(niceTicks(7)).toEqual({ max: 8, ticks: [0, 2, 4, 6, 8] });
    expect(niceTicks(1200).max).toBe(1500);
  });

  it('gives a unit axis when there is no data', () => {
    expect(niceTicks(0)).toEqual({ max: 1, ticks: [0, 1] });
    expect(niceTicks(Number.NaN)).toEqual({ max: 1, ticks: [0, 1] });
  });
});

describe('layoutSeries', () => {
  it('places points within the plot area, zero on the baseline and the max at the top', () => {
    const { series, ticks } = layoutSeries([[0, 50, 100]], box);
    expect(series[0]?.points).toEqual([
      { x: 20, y: 80, value: 0 },
      { x: 110, y: 40, value: 50 },
      { x: 200, y: 0, value: 100 },
    ]);
    expect(series[0]?.path).toBe('M20 80 L110 40 L200 0');
    expect(ticks.at(0)).toEqual({ value: 0, y: 80 });
    expect(ticks.at(-1)).toEqual({ value: 100, y: 0 });
  });

  it('breaks the line where a bucket has no data', () => {
    const { series } = layoutSeries([[10, null, 10, 10]], box);
    expect(series[0]?.path.match(/M/g)).toHaveLength(2);
    expect(series[0]?.points).toHaveLength(3);
  });

  it('shares one y axis across series', () => {
    const { series } = layoutSeries(
      [
        [10, 10],
        [100, 100],
      ],
      box,
    );
    expect(series[0]?.points[0]?.y).toBe(72);
    expect(series[1]?.points[0]?.y).toBe(0);
  });

  it('draws nothing for no data', () => {
    const { series } = layoutSeries([[]], box);
    expect(series[0]).toEqual({ path: '', points: [] });
  });
});

describe('compactNumber', () => {
  it('abbreviates thousands and millions', () => {
    expect(compactNumber(950)).toBe('950');
    expect(compactNumber(1234)).toBe('1.2k');
    expect(compactNumber(3_400_000)).toBe('3.4M');
    expect(compactNumber(0.25)).toBe('0.3');
  });
});
