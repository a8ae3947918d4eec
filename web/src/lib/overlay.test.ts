import { describe, expect, it } from 'vitest';
import { cdfAt, commonRange, rebin } from './overlay';

const a = [
  { lower: 0, upper: 10, count: 50 },
  { lower: 10, upper: 20, count: 50 },
];
const b = [
  { lower: 5, upper: 15, count: 30 },
  { lower: 15, upper: 30, count: 10 },
];

describe('overlay', () => {
  it('takes the union of the ranges', () => {
    expect(commonRange([a, b, []])).toEqual([0, 30]);
    expect(commonRange([[]])).toBeNull();
  });

  it.each([
    ['aligned', a, 0, 20, 2, [0.5, 0.5]],
    ['split evenly', a, 0, 20, 4, [0.25, 0.25, 0.25, 0.25]],
    // [5, 15) gives half of 30 to each of [0, 10) and [10, 20); [15, 30) a third of 10 to [10, 20), two thirds to [20, 30).
    ['straddling', b, 0, 30, 3, [15 / 40, (15 + 10 / 3) / 40, 20 / 3 / 40]],
  ])('re-bins %s', (_name, hist, lo, hi, n, want) => {
    const got = rebin(hist, lo, hi, n);
    expect(got).toHaveLength(n);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
    expect(got.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });

  it('puts a constant output in one bin', () => {
    expect(rebin([{ lower: 3, upper: 3, count: 7 }], 0, 10, 5)).toEqual([0, 1, 0, 0, 0]);
  });

  it.each([
    [-1, 0],
    [0, 0],
    [5, 0.25],
    [10, 0.5],
    [15, 0.75],
    [20, 1],
    [99, 1],
  ])('interpolates the CDF at %d', (x, p) => {
    expect(cdfAt(a, x)).toBeCloseTo(p, 12);
  });
});
