import { describe, expect, it } from 'vitest';
import { density, describe as describeDist, lgamma, parseDraft, type DistributionInput } from './distributions';

function area(d: DistributionInput): number {
  const pts = density(d, 2000).points;
  let a = 0;
  for (let i = 1; i < pts.length; i++) a += ((pts[i].y + pts[i - 1].y) / 2) * (pts[i].x - pts[i - 1].x);
  return a;
}

describe('distributions', () => {
  it('lgamma matches known values', () => {
    expect(lgamma(1)).toBeCloseTo(0, 10);
    expect(lgamma(5)).toBeCloseTo(Math.log(24), 10);
    expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
  });

  it.each<DistributionInput>([
    { type: 'NORMAL', mean: 10000, stdDev: 1500 },
    { type: 'LOGNORMAL', mean: 5, stdDev: 2 },
    { type: 'UNIFORM', min: 0.03, max: 0.12 },
    { type: 'TRIANGULAR', min: 100, mode: 120, max: 150 },
    { type: 'PERT', min: 60, mode: 70, max: 90 },
    { type: 'BETA', alpha: 2, beta: 5 },
    { type: 'GAMMA', shape: 3, scale: 2 },
    { type: 'EXPONENTIAL', rate: 0.5 },
    { type: 'WEIBULL', shape: 1.5, scale: 3 },
    { type: 'CUMULATIVE', values: [0, 10, 20], probabilities: [0, 0.3, 1] },
  ])('%o integrates to about 1', (d) => {
    expect(area(d)).toBeGreaterThan(0.97);
    expect(area(d)).toBeLessThan(1.02);
  });

  it('discrete masses sum to about 1', () => {
    for (const d of [
      { type: 'POISSON', lambda: 4 },
      { type: 'BINOMIAL', n: 10, p: 0.3 },
      { type: 'BERNOULLI', p: 0.2 },
      { type: 'DISCRETE', values: [1, 2, 3], probabilities: [0.2, 0.3, 0.5] },
    ] as DistributionInput[]) {
      const s = density(d).points.reduce((a, p) => a + p.y, 0);
      expect(s).toBeCloseTo(1, 3);
    }
  });

  it('parses drafts into DistributionInput', () => {
    expect(parseDraft({ type: 'TRIANGULAR', fields: { min: '100', mode: '120', max: '150' } })).toEqual({
      input: { type: 'TRIANGULAR', min: 100, mode: 120, max: 150 },
      errors: {},
    });
    expect(parseDraft({ type: 'LOGNORMAL', variant: 'log', fields: { mu: '0', sigma: '0.5' } }).input).toEqual({ type: 'LOGNORMAL', mu: 0, sigma: 0.5 });
    expect(parseDraft({ type: 'BINOMIAL', fields: { n: '2.5', p: '0.5' } }).errors.n).toBe('Enter a whole number');
    expect(parseDraft({ type: 'UNIFORM', fields: { min: '', max: '1' } }).errors.min).toBe('Required');
    expect(parseDraft({ type: 'CUMULATIVE', fields: { values: '1, 3, 2', probabilities: '0, .5, 1' } }).errors.values).toBe('Values must be strictly ascending');
    expect(parseDraft({ type: 'NORMAL', fields: { mean: '0', stdDev: '1', truncateMin: '10' } }).errors.truncateMax).toBe('The truncation leaves no probability');
  });

  it('describes a distribution', () => {
    expect(describeDist({ type: 'TRIANGULAR', min: 100, mode: 120, max: 150 })).toBe('Triangular(100, 120, 150)');
    expect(describeDist({ type: 'NORMAL', mean: 0, stdDev: 1, truncateMin: 0 })).toBe('Normal(0, 1) truncated to [0, ∞]');
  });
});
