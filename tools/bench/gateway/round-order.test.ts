import { describe, expect, it } from 'vitest';
import { inTurn } from './round-order.ts';

const keys = (round: number, names: string[]) =>
  inTurn(
    names.map((key) => ({ key })),
    round,
  ).map((target) => target.key);

describe('inTurn', () => {
  const all = ['direct', 'bare', 'nginx', 'portcullis'];

  it('runs the bare proxy and Portcullis back to back, after the other targets', () => {
    expect(keys(1, all)).toEqual(['direct', 'nginx', 'bare', 'portcullis']);
  });

  it('swaps the compared pair every other round', () => {
    expect(keys(2, all)).toEqual(['direct', 'nginx', 'portcullis', 'bare']);
    expect(keys(3, all)).toEqual(keys(1, all));
  });

  it('reverses all three compared targets when a variant runs too', () => {
    const withVariant = ['direct', 'bare', 'portcullis', 'variant'];
    expect(keys(1, withVariant)).toEqual(['direct', 'bare', 'portcullis', 'variant']);
    expect(keys(2, withVariant)).toEqual(['direct', 'variant', 'portcullis', 'bare']);
  });

  it('keeps every target exactly once', () => {
    for (const round of [1, 2]) expect([...keys(round, all)].sort()).toEqual([...all].sort());
  });
});
