import { describe, expect, it } from 'vitest';
import {
  DISTRIBUTIONS,
  defaultDraft,
  density,
  describe as describeDist,
  lgamma,
  parseDraft,
  trigenBounds,
  type DistributionDraft,
  type DistributionInput,
} from './distributions';

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
    { type: 'LOGISTIC', alpha: 5, beta: 2 },
    { type: 'EXTREME_VALUE', alpha: 0, beta: 1 },
    { type: 'STUDENT', nu: 5 },
    { type: 'LOGLOGISTIC', min: 1, beta: 2, alpha: 4 },
    { type: 'PARETO', shape: 3, min: 2 },
    { type: 'GENERAL', min: 0, max: 10, values: [2, 5, 8], probabilities: [1, 3, 0.5] },
    { type: 'HISTOGRAM', min: 0, max: 6, probabilities: [1, 0, 3, 2] },
    { type: 'TRIGEN', bottom: 10, mode: 20, top: 40, bottomPercentile: 10, topPercentile: 90 },
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
      { type: 'NEGATIVE_BINOMIAL', n: 3, p: 0.4 },
      { type: 'DISCRETE_UNIFORM', values: [1, 2, 2, 7] },
      { type: 'INTEGER_UNIFORM', min: 1, max: 6 },
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

  it('solves a trigen as the engine does', () => {
    // TRIGEN(−1, 0, 1, 10, 90) is symmetric with b = 1/(1 − √0.2)
    // (engine/dist's known values).
    const [a, b] = trigenBounds({ type: 'TRIGEN', bottom: -1, mode: 0, top: 1, bottomPercentile: 10, topPercentile: 90 });
    expect(b).toBeCloseTo(1.8090169943749474, 12);
    expect(a).toBeCloseTo(-1.8090169943749474, 12);
    expect(trigenBounds({ type: 'TRIGEN', bottom: 1, mode: 2, top: 10, bottomPercentile: 0, topPercentile: 100 })).toEqual([1, 10]);
  });

  it('validates the parameters of each family', () => {
    const errors = (d: DistributionDraft) => parseDraft(d).errors;
    expect(errors({ type: 'STUDENT', fields: { nu: '0' } }).nu).toBe('Must be greater than 0');
    expect(errors({ type: 'STUDENT', fields: { nu: '1e6' } }).nu).toBe('At most 10000: beyond, use a normal distribution');
    expect(errors({ type: 'PARETO', fields: { shape: '2', min: '-1' } }).min).toBe('Must be greater than 0');
    expect(errors({ type: 'LOGLOGISTIC', fields: { beta: '1', alpha: '0' } }).alpha).toBe('Must be greater than 0');
    expect(parseDraft({ type: 'LOGLOGISTIC', fields: { beta: '1', alpha: '2' } }).input).toEqual({ type: 'LOGLOGISTIC', beta: 1, alpha: 2 });
    expect(errors({ type: 'NEGATIVE_BINOMIAL', fields: { n: '1.5', p: '0.5' } }).n).toBe('Enter a whole number');
    expect(errors({ type: 'NEGATIVE_BINOMIAL', fields: { n: '2', p: '0' } }).p).toBe('Must be greater than 0 and at most 1');
    expect(errors({ type: 'GENERAL', fields: { min: '0', max: '10', values: '5, 2', probabilities: '1, 1' } }).values).toBe('Points must be strictly ascending');
    expect(errors({ type: 'GENERAL', fields: { min: '0', max: '10', values: '5, 12', probabilities: '1, 1' } }).values).toBe(
      'Points must lie between the minimum and the maximum',
    );
    expect(errors({ type: 'GENERAL', fields: { min: '0', max: '10', values: '5', probabilities: '1, 1' } }).probabilities).toBe('2 densities for 1 points');
    expect(errors({ type: 'HISTOGRAM', fields: { min: '0', max: '10', probabilities: '0, 0' } }).probabilities).toBe('At least one weight must be greater than 0');
    expect(errors({ type: 'HISTOGRAM', fields: { min: '0', max: '10', probabilities: '1, -1' } }).probabilities).toBe('Each weight must be 0 or more');
    expect(errors({ type: 'INTEGER_UNIFORM', fields: { min: '1.5', max: '6' } }).min).toBe('Enter a whole number');
    expect(errors({ type: 'INTEGER_UNIFORM', fields: { min: '0', max: '2000000' } }).max).toBe('At most 1,000,000 integers: use a uniform distribution');
    const trigen = (f: Partial<Record<string, string>>) =>
      errors({ type: 'TRIGEN', fields: { bottom: '10', mode: '20', top: '40', bottomPercentile: '10', topPercentile: '90', ...f } });
    expect(trigen({})).toEqual({});
    expect(trigen({ mode: '5' }).mode).toBe('Most likely must be at least the bottom value');
    expect(trigen({ topPercentile: '5' }).topPercentile).toBe('Must be greater than the bottom percentile');
    expect(trigen({ bottomPercentile: '-1' }).bottomPercentile).toBe('Must be between 0 and 100');
    expect(trigen({ top: '10', mode: '10' }).top).toBe('Top value must be greater than the bottom value');
  });

  it('starts every family from parameters the engine accepts', () => {
    for (const s of DISTRIBUTIONS) {
      const parsed = parseDraft(defaultDraft(s.type, 120));
      expect(parsed.errors, s.type).toEqual({});
      expect(parsed.input?.type).toBe(s.type);
    }
  });

  it('describes a distribution', () => {
    expect(describeDist({ type: 'TRIANGULAR', min: 100, mode: 120, max: 150 })).toBe('Triangular(100, 120, 150)');
    expect(describeDist({ type: 'NORMAL', mean: 0, stdDev: 1, truncateMin: 0 })).toBe('Normal(0, 1) truncated to [0, ∞]');
    expect(describeDist({ type: 'TRIGEN', bottom: 10, mode: 20, top: 40, bottomPercentile: 10, topPercentile: 90 })).toBe('Trigen(10, 20, 40, 10, 90)');
    expect(describeDist({ type: 'LOGLOGISTIC', beta: 2, alpha: 3 })).toBe('Log-logistic(2, 3)');
    expect(describeDist({ type: 'HISTOGRAM', min: 0, max: 6, probabilities: [1, 2] })).toBe('Histogram(0, 6, [1, 2])');
  });
});
