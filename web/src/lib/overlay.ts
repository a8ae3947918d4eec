// Distributions of several runs on the same axes: their histograms re-binned
// on one grid (a bin's count spread evenly over its width), as probabilities.

export interface Bin {
  lower: number;
  upper: number;
  count: number;
}

/** The common range of the histograms: the lowest lower edge to the highest upper one. */
export function commonRange(hists: Bin[][]): [number, number] | null {
  let lo = Infinity,
    hi = -Infinity;
  for (const h of hists) {
    if (h.length === 0) continue;
    lo = Math.min(lo, h[0].lower);
    hi = Math.max(hi, h[h.length - 1].upper);
  }
  return lo < hi ? [lo, hi] : null;
}

/**
 * Each histogram's probability in `n` equal bins over [lo, hi]. A source bin
 * straddling grid bins gives each its share by overlap; a zero-width bin
 * (a constant output) goes whole to the grid bin holding it.
 */
export function rebin(hist: Bin[], lo: number, hi: number, n: number): number[] {
  const out = new Array<number>(n).fill(0);
  const total = hist.reduce((a, b) => a + b.count, 0);
  if (total === 0 || !(hi > lo)) return out;
  const w = (hi - lo) / n;
  const slot = (x: number) => Math.min(n - 1, Math.max(0, Math.floor((x - lo) / w)));
  for (const b of hist) {
    if (b.count === 0) continue;
    const width = b.upper - b.lower;
    if (!(width > 0)) {
      out[slot(b.lower)] += b.count / total;
      continue;
    }
    for (let i = slot(b.lower); i <= slot(b.upper) && i < n; i++) {
      const a = Math.max(b.lower, lo + i * w);
      const z = Math.min(b.upper, lo + (i + 1) * w);
      if (z > a) out[i] += ((b.count * (z - a)) / width) / total;
    }
  }
  return out;
}

/** P(X ≤ x) by linear interpolation in a histogram (uniform within a bin); 0 below it, 1 above. */
export function cdfAt(hist: Bin[], x: number): number {
  const total = hist.reduce((a, b) => a + b.count, 0);
  if (total === 0) return NaN;
  let acc = 0;
  for (const b of hist) {
    if (x < b.lower) break;
    if (x >= b.upper) {
      acc += b.count;
      continue;
    }
    const width = b.upper - b.lower;
    acc += width > 0 ? (b.count * (x - b.lower)) / width : b.count;
    break;
  }
  return acc / total;
}
