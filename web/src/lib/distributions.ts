// Distributions as the schema's DistributionInput describes them: which
// parameters each type takes, validation of the values as typed, and a
// client-side density for the preview. Pure functions: tested without a DOM.

export type DistributionType =
  | 'NORMAL'
  | 'LOGNORMAL'
  | 'UNIFORM'
  | 'TRIANGULAR'
  | 'PERT'
  | 'BETA'
  | 'GAMMA'
  | 'EXPONENTIAL'
  | 'WEIBULL'
  | 'POISSON'
  | 'BINOMIAL'
  | 'BERNOULLI'
  | 'DISCRETE'
  | 'CUMULATIVE'
  | 'LOGISTIC'
  | 'EXTREME_VALUE'
  | 'STUDENT'
  | 'LOGLOGISTIC'
  | 'PARETO'
  | 'NEGATIVE_BINOMIAL'
  | 'GENERAL'
  | 'HISTOGRAM'
  | 'DISCRETE_UNIFORM'
  | 'INTEGER_UNIFORM'
  | 'TRIGEN';

export type ParamKey =
  | 'min'
  | 'mode'
  | 'max'
  | 'mean'
  | 'stdDev'
  | 'mu'
  | 'sigma'
  | 'alpha'
  | 'beta'
  | 'shape'
  | 'scale'
  | 'rate'
  | 'lambda'
  | 'n'
  | 'p'
  | 'values'
  | 'probabilities'
  | 'nu'
  | 'bottom'
  | 'top'
  | 'bottomPercentile'
  | 'topPercentile'
  | 'truncateMin'
  | 'truncateMax';

/** DistributionInput of the GraphQL schema (only the keys that are set). */
export type DistributionInput = { type: DistributionType } & Partial<
  Record<Exclude<ParamKey, 'values' | 'probabilities' | 'n'>, number>
> & { n?: number; values?: number[]; probabilities?: number[] };

export interface ParamSpec {
  key: ParamKey;
  label: string;
  optional?: boolean;
  list?: boolean;
  integer?: boolean;
  hint?: string;
}

export interface TypeSpec {
  type: DistributionType;
  label: string;
  discrete: boolean;
  params: ParamSpec[];
  /** Alternative parameterizations (LOGNORMAL: of the log; GAMMA: rate). */
  variants?: { id: string; label: string; params: ParamSpec[] }[];
}

const P = (key: ParamKey, label: string, extra: Partial<ParamSpec> = {}): ParamSpec => ({ key, label, ...extra });

export const DISTRIBUTIONS: TypeSpec[] = [
  { type: 'NORMAL', label: 'Normal', discrete: false, params: [P('mean', 'Mean'), P('stdDev', 'Standard deviation')] },
  {
    type: 'LOGNORMAL',
    label: 'Lognormal',
    discrete: false,
    params: [P('mean', 'Mean'), P('stdDev', 'Standard deviation')],
    variants: [
      { id: 'moments', label: 'Mean and standard deviation of the variable', params: [P('mean', 'Mean'), P('stdDev', 'Standard deviation')] },
      { id: 'log', label: 'μ and σ of its logarithm', params: [P('mu', 'μ (log mean)'), P('sigma', 'σ (log standard deviation)')] },
    ],
  },
  { type: 'UNIFORM', label: 'Uniform', discrete: false, params: [P('min', 'Minimum'), P('max', 'Maximum')] },
  { type: 'TRIANGULAR', label: 'Triangular', discrete: false, params: [P('min', 'Minimum'), P('mode', 'Most likely'), P('max', 'Maximum')] },
  { type: 'PERT', label: 'PERT', discrete: false, params: [P('min', 'Minimum'), P('mode', 'Most likely'), P('max', 'Maximum')] },
  {
    type: 'BETA',
    label: 'Beta',
    discrete: false,
    params: [P('alpha', 'α'), P('beta', 'β'), P('min', 'Minimum', { optional: true, hint: 'default 0' }), P('max', 'Maximum', { optional: true, hint: 'default 1' })],
  },
  {
    type: 'GAMMA',
    label: 'Gamma',
    discrete: false,
    params: [P('shape', 'Shape (k)'), P('scale', 'Scale (θ)')],
    variants: [
      { id: 'scale', label: 'Shape and scale', params: [P('shape', 'Shape (k)'), P('scale', 'Scale (θ)')] },
      { id: 'rate', label: 'Shape and rate', params: [P('shape', 'Shape (k)'), P('rate', 'Rate (β)')] },
    ],
  },
  { type: 'EXPONENTIAL', label: 'Exponential', discrete: false, params: [P('rate', 'Rate (λ)')] },
  { type: 'WEIBULL', label: 'Weibull', discrete: false, params: [P('shape', 'Shape (k)'), P('scale', 'Scale (λ)')] },
  { type: 'POISSON', label: 'Poisson', discrete: true, params: [P('lambda', 'Mean (λ)')] },
  { type: 'BINOMIAL', label: 'Binomial', discrete: true, params: [P('n', 'Trials (n)', { integer: true }), P('p', 'Probability (p)')] },
  { type: 'BERNOULLI', label: 'Bernoulli', discrete: true, params: [P('p', 'Probability (p)')] },
  {
    type: 'DISCRETE',
    label: 'Discrete',
    discrete: true,
    params: [
      P('values', 'Values', { list: true, hint: 'comma-separated' }),
      P('probabilities', 'Probabilities', { list: true, hint: 'comma-separated, sum to 1' }),
    ],
  },
  {
    type: 'CUMULATIVE',
    label: 'Cumulative',
    discrete: false,
    params: [
      P('values', 'Values', { list: true, hint: 'ascending, comma-separated' }),
      P('probabilities', 'Cumulative probabilities', { list: true, hint: 'non-decreasing, from 0 to 1' }),
    ],
  },
  { type: 'LOGISTIC', label: 'Logistic', discrete: false, params: [P('alpha', 'Location (α)'), P('beta', 'Scale (β)')] },
  { type: 'EXTREME_VALUE', label: 'Extreme value', discrete: false, params: [P('alpha', 'Location (α)'), P('beta', 'Scale (β)')] },
  { type: 'STUDENT', label: "Student's t", discrete: false, params: [P('nu', 'Degrees of freedom (ν)')] },
  {
    type: 'LOGLOGISTIC',
    label: 'Log-logistic',
    discrete: false,
    params: [P('min', 'Shift (γ)', { optional: true, hint: 'default 0' }), P('beta', 'Scale (β)'), P('alpha', 'Shape (α)')],
  },
  { type: 'PARETO', label: 'Pareto', discrete: false, params: [P('shape', 'Shape (θ)'), P('min', 'Minimum (a)')] },
  {
    type: 'NEGATIVE_BINOMIAL',
    label: 'Negative binomial',
    discrete: true,
    params: [P('n', 'Successes (s)', { integer: true }), P('p', 'Probability of success (p)')],
  },
  {
    type: 'GENERAL',
    label: 'General',
    discrete: false,
    params: [
      P('min', 'Minimum'),
      P('max', 'Maximum'),
      P('values', 'Points (x)', { list: true, hint: 'ascending, comma-separated' }),
      P('probabilities', 'Relative densities', { list: true, hint: 'one per point, comma-separated' }),
    ],
  },
  {
    type: 'HISTOGRAM',
    label: 'Histogram',
    discrete: false,
    params: [P('min', 'Minimum'), P('max', 'Maximum'), P('probabilities', 'Bin weights', { list: true, hint: 'relative, comma-separated' })],
  },
  { type: 'DISCRETE_UNIFORM', label: 'Discrete uniform', discrete: true, params: [P('values', 'Values', { list: true, hint: 'comma-separated' })] },
  {
    type: 'INTEGER_UNIFORM',
    label: 'Integer uniform',
    discrete: true,
    params: [P('min', 'Minimum', { integer: true }), P('max', 'Maximum', { integer: true })],
  },
  {
    type: 'TRIGEN',
    label: 'Trigen',
    discrete: false,
    params: [
      P('bottom', 'Bottom value'),
      P('mode', 'Most likely'),
      P('top', 'Top value'),
      P('bottomPercentile', 'Bottom percentile', { hint: '0 to 100' }),
      P('topPercentile', 'Top percentile', { hint: '0 to 100' }),
    ],
  },
];

/** The most integers an INTEGER_UNIFORM takes (the engine's limit). */
export const MAX_INTEGER_UNIFORM_COUNT = 1_000_000;
/** The most degrees of freedom a STUDENT takes (the engine's limit). */
export const MAX_STUDENT_NU = 10_000;

export const TRUNCATION: ParamSpec[] = [
  P('truncateMin', 'Truncate below', { optional: true }),
  P('truncateMax', 'Truncate above', { optional: true }),
];

export function specOf(type: DistributionType): TypeSpec {
  const s = DISTRIBUTIONS.find((d) => d.type === type);
  if (!s) throw new Error(`unknown distribution ${type}`);
  return s;
}

/** The parameters shown for a type and variant. */
export function paramsOf(type: DistributionType, variant?: string): ParamSpec[] {
  const s = specOf(type);
  if (s.variants) {
    const v = s.variants.find((x) => x.id === variant) ?? s.variants[0];
    return v.params;
  }
  return s.params;
}

/** What the user typed: one string per parameter, kept as typed. */
export interface DistributionDraft {
  type: DistributionType;
  variant?: string;
  fields: Partial<Record<ParamKey, string>>;
}

export type FieldErrors = Partial<Record<ParamKey | 'form', string>>;

export interface Parsed {
  input: DistributionInput | null;
  errors: FieldErrors;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(text: string): number | null {
  const t = text.trim().replace(/_/g, '');
  if (!NUMBER_RE.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

function parseList(text: string): number[] | null {
  const parts = text
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) return null;
  const out: number[] = [];
  for (const p of parts) {
    const v = parseNumber(p);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

const EPS = 1e-9;

/**
 * Validates a draft as typed. Every field gets its own message; a relation
 * between fields (min < max) is reported on the field that breaks it.
 */
export function parseDraft(draft: DistributionDraft): Parsed {
  const errors: FieldErrors = {};
  const params = [...paramsOf(draft.type, draft.variant), ...TRUNCATION];
  const num: Partial<Record<ParamKey, number>> = {};
  const lists: Partial<Record<'values' | 'probabilities', number[]>> = {};

  for (const p of params) {
    const raw = (draft.fields[p.key] ?? '').trim();
    if (raw === '') {
      if (!p.optional) errors[p.key] = 'Required';
      continue;
    }
    if (p.list) {
      const l = parseList(raw);
      if (!l) errors[p.key] = 'Enter numbers separated by commas';
      else lists[p.key as 'values' | 'probabilities'] = l;
      continue;
    }
    const v = parseNumber(raw);
    if (v === null) {
      errors[p.key] = 'Enter a number';
      continue;
    }
    if (p.integer && !Number.isInteger(v)) {
      errors[p.key] = 'Enter a whole number';
      continue;
    }
    num[p.key] = v;
  }

  const positive = (k: ParamKey, what = 'Must be greater than 0') => {
    if (num[k] !== undefined && !(num[k]! > 0)) errors[k] = what;
  };
  const probability = (k: ParamKey) => {
    if (num[k] !== undefined && !(num[k]! >= 0 && num[k]! <= 1)) errors[k] = 'Must be between 0 and 1';
  };
  const ordered = () => {
    const { min, mode, max } = num;
    if (min !== undefined && max !== undefined && !(min < max)) errors.max = 'Maximum must be greater than minimum';
    if (mode !== undefined) {
      if (min !== undefined && mode < min) errors.mode = 'Most likely must be at least the minimum';
      else if (max !== undefined && mode > max) errors.mode = 'Most likely must be at most the maximum';
    }
  };

  switch (draft.type) {
    case 'NORMAL':
      positive('stdDev');
      break;
    case 'LOGNORMAL':
      positive('mean', 'The mean of a lognormal variable must be greater than 0');
      positive('stdDev');
      positive('sigma');
      break;
    case 'UNIFORM':
    case 'TRIANGULAR':
    case 'PERT':
      ordered();
      break;
    case 'BETA':
      positive('alpha');
      positive('beta');
      if ((num.min === undefined) !== (num.max === undefined) && !errors.min && !errors.max) {
        errors[num.min === undefined ? 'min' : 'max'] = 'Give both minimum and maximum, or neither';
      }
      ordered();
      break;
    case 'GAMMA':
      positive('shape');
      positive('scale');
      positive('rate');
      break;
    case 'EXPONENTIAL':
      positive('rate');
      break;
    case 'WEIBULL':
      positive('shape');
      positive('scale');
      break;
    case 'POISSON':
      positive('lambda');
      break;
    case 'BINOMIAL':
      if (num.n !== undefined && !(num.n >= 1)) errors.n = 'Must be at least 1';
      probability('p');
      break;
    case 'BERNOULLI':
      probability('p');
      break;
    case 'DISCRETE': {
      const { values, probabilities } = lists;
      if (probabilities) {
        if (probabilities.some((p) => p < 0 || p > 1)) errors.probabilities = 'Each probability must be between 0 and 1';
        else if (Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) > 1e-6)
          errors.probabilities = `Probabilities sum to ${round(probabilities.reduce((a, b) => a + b, 0))}, not 1`;
      }
      if (values && probabilities && !errors.probabilities && values.length !== probabilities.length)
        errors.probabilities = `${probabilities.length} probabilities for ${values.length} values`;
      break;
    }
    case 'LOGISTIC':
    case 'EXTREME_VALUE':
      positive('beta');
      break;
    case 'STUDENT':
      positive('nu');
      if (num.nu !== undefined && num.nu > MAX_STUDENT_NU) errors.nu = `At most ${MAX_STUDENT_NU}: beyond, use a normal distribution`;
      break;
    case 'LOGLOGISTIC':
      positive('alpha');
      positive('beta');
      break;
    case 'PARETO':
      positive('shape');
      positive('min');
      break;
    case 'NEGATIVE_BINOMIAL':
      if (num.n !== undefined && !(num.n >= 1)) errors.n = 'Must be at least 1';
      if (num.p !== undefined && !(num.p > 0 && num.p <= 1)) errors.p = 'Must be greater than 0 and at most 1';
      break;
    case 'GENERAL': {
      ordered();
      const { values, probabilities } = lists;
      const { min, max } = num;
      if (values) {
        if (values.some((v, i) => i > 0 && v <= values[i - 1])) errors.values = 'Points must be strictly ascending';
        else if (min !== undefined && max !== undefined && values.some((v) => v < min || v > max))
          errors.values = 'Points must lie between the minimum and the maximum';
      }
      if (probabilities) relativeWeights(probabilities, errors, 'Each density must be 0 or more', 'At least one density must be greater than 0');
      if (values && probabilities && !errors.probabilities && !errors.values && values.length !== probabilities.length)
        errors.probabilities = `${probabilities.length} densities for ${values.length} points`;
      break;
    }
    case 'HISTOGRAM':
      ordered();
      if (lists.probabilities) relativeWeights(lists.probabilities, errors, 'Each weight must be 0 or more', 'At least one weight must be greater than 0');
      break;
    case 'INTEGER_UNIFORM':
      ordered();
      if (!errors.max && num.min !== undefined && num.max !== undefined && num.max - num.min + 1 > MAX_INTEGER_UNIFORM_COUNT)
        errors.max = `At most ${MAX_INTEGER_UNIFORM_COUNT.toLocaleString('en-US')} integers: use a uniform distribution`;
      break;
    case 'TRIGEN': {
      const { bottom, mode, top, bottomPercentile: bp, topPercentile: tp } = num;
      if (bottom !== undefined && top !== undefined && !(bottom < top)) errors.top = 'Top value must be greater than the bottom value';
      if (mode !== undefined) {
        if (bottom !== undefined && mode < bottom) errors.mode = 'Most likely must be at least the bottom value';
        else if (top !== undefined && mode > top) errors.mode = 'Most likely must be at most the top value';
      }
      for (const k of ['bottomPercentile', 'topPercentile'] as const)
        if (num[k] !== undefined && !(num[k]! >= 0 && num[k]! <= 100)) errors[k] = 'Must be between 0 and 100';
      if (bp !== undefined && tp !== undefined && !errors.bottomPercentile && !errors.topPercentile && !(bp < tp))
        errors.topPercentile = 'Must be greater than the bottom percentile';
      break;
    }
    case 'CUMULATIVE': {
      const { values, probabilities } = lists;
      if (values) {
        if (values.length < 2) errors.values = 'Give at least two values';
        else if (values.some((v, i) => i > 0 && v <= values[i - 1])) errors.values = 'Values must be strictly ascending';
      }
      if (probabilities) {
        if (probabilities.some((p) => p < 0 || p > 1)) errors.probabilities = 'Each probability must be between 0 and 1';
        else if (probabilities.some((p, i) => i > 0 && p < probabilities[i - 1] - EPS))
          errors.probabilities = 'Cumulative probabilities must not decrease';
        else if (Math.abs(probabilities[0]) > EPS || Math.abs(probabilities[probabilities.length - 1] - 1) > EPS)
          errors.probabilities = 'Must start at 0 and end at 1';
      }
      if (values && probabilities && !errors.probabilities && !errors.values && values.length !== probabilities.length)
        errors.probabilities = `${probabilities.length} probabilities for ${values.length} values`;
      break;
    }
  }

  if (num.truncateMin !== undefined && num.truncateMax !== undefined && !(num.truncateMin < num.truncateMax))
    errors.truncateMax = 'Must be greater than the lower truncation';

  if (Object.keys(errors).length > 0) return { input: null, errors };

  const input: DistributionInput = { type: draft.type };
  for (const [k, v] of Object.entries(num)) (input as Record<string, unknown>)[k] = v;
  if (lists.values) input.values = lists.values;
  if (lists.probabilities) input.probabilities = lists.probabilities;
  if (!densityHasMass(input)) {
    return { input: null, errors: { truncateMax: 'The truncation leaves no probability' } };
  }
  return { input, errors: {} };
}

/** Checks relative weights: each at least 0, one above 0. */
function relativeWeights(ws: number[], errors: FieldErrors, negative: string, allZero: string) {
  if (ws.some((w) => w < 0)) errors.probabilities = negative;
  else if (!ws.some((w) => w > 0)) errors.probabilities = allZero;
}

function round(x: number): string {
  return String(Math.round(x * 1e6) / 1e6);
}

/** A draft from a stored DistributionInput (editing an existing input). */
export function draftOf(d: DistributionInput): DistributionDraft {
  const fields: Partial<Record<ParamKey, string>> = {};
  for (const [k, v] of Object.entries(d)) {
    if (k === 'type' || v === null || v === undefined) continue;
    fields[k as ParamKey] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  let variant: string | undefined;
  if (d.type === 'LOGNORMAL') variant = d.mu !== undefined && d.mu !== null ? 'log' : 'moments';
  if (d.type === 'GAMMA') variant = d.rate !== undefined && d.rate !== null ? 'rate' : 'scale';
  return { type: d.type, variant, fields };
}

/** Sensible starting values around a cell's current value. */
export function defaultDraft(type: DistributionType, around: number | null): DistributionDraft {
  const c = around ?? 100;
  const a = Math.abs(c) || 1;
  const f = (x: number) => String(Number(x.toPrecision(4)));
  const fields: Partial<Record<ParamKey, string>> = {};
  switch (type) {
    case 'NORMAL':
      Object.assign(fields, { mean: f(c), stdDev: f(a * 0.1) });
      break;
    case 'LOGNORMAL':
      Object.assign(fields, { mean: f(a), stdDev: f(a * 0.1) });
      break;
    case 'UNIFORM':
      Object.assign(fields, { min: f(c - a * 0.1), max: f(c + a * 0.1) });
      break;
    case 'TRIANGULAR':
    case 'PERT':
      Object.assign(fields, { min: f(c - a * 0.1), mode: f(c), max: f(c + a * 0.2) });
      break;
    case 'BETA':
      Object.assign(fields, { alpha: '2', beta: '5' });
      break;
    case 'GAMMA':
      Object.assign(fields, { shape: '2', scale: f(a / 2) });
      break;
    case 'EXPONENTIAL':
      Object.assign(fields, { rate: f(1 / a) });
      break;
    case 'WEIBULL':
      Object.assign(fields, { shape: '1.5', scale: f(a) });
      break;
    case 'POISSON':
      Object.assign(fields, { lambda: f(Math.max(1, Math.round(a))) });
      break;
    case 'BINOMIAL':
      Object.assign(fields, { n: '10', p: '0.5' });
      break;
    case 'BERNOULLI':
      Object.assign(fields, { p: '0.5' });
      break;
    case 'DISCRETE':
      Object.assign(fields, { values: `${f(c * 0.9)}, ${f(c)}, ${f(c * 1.1)}`, probabilities: '0.25, 0.5, 0.25' });
      break;
    case 'CUMULATIVE':
      Object.assign(fields, { values: `${f(c * 0.8)}, ${f(c)}, ${f(c * 1.2)}`, probabilities: '0, 0.5, 1' });
      break;
    case 'LOGISTIC':
    case 'EXTREME_VALUE':
      Object.assign(fields, { alpha: f(c), beta: f(a * 0.05) });
      break;
    case 'STUDENT':
      Object.assign(fields, { nu: '5' });
      break;
    case 'LOGLOGISTIC':
      Object.assign(fields, { beta: f(a), alpha: '4' });
      break;
    case 'PARETO':
      Object.assign(fields, { shape: '3', min: f(a) });
      break;
    case 'NEGATIVE_BINOMIAL':
      Object.assign(fields, { n: '5', p: '0.5' });
      break;
    case 'GENERAL':
      Object.assign(fields, { min: f(c - a * 0.2), max: f(c + a * 0.2), values: `${f(c - a * 0.1)}, ${f(c)}, ${f(c + a * 0.1)}`, probabilities: '1, 2, 1' });
      break;
    case 'HISTOGRAM':
      Object.assign(fields, { min: f(c - a * 0.2), max: f(c + a * 0.2), probabilities: '1, 2, 3, 2' });
      break;
    case 'DISCRETE_UNIFORM':
      Object.assign(fields, { values: `${f(c * 0.9)}, ${f(c)}, ${f(c * 1.1)}` });
      break;
    case 'INTEGER_UNIFORM': {
      const k = Math.round(c);
      Object.assign(fields, { min: String(k - 5), max: String(k + 5) });
      break;
    }
    case 'TRIGEN':
      Object.assign(fields, { bottom: f(c - a * 0.1), mode: f(c), top: f(c + a * 0.2), bottomPercentile: '10', topPercentile: '90' });
      break;
  }
  return { type, fields };
}

/** "Triangular(100, 120, 150)" */
export function describe(d: DistributionInput): string {
  const s = specOf(d.type);
  const keys: ParamKey[] = [];
  switch (d.type) {
    case 'LOGNORMAL':
      keys.push(...(d.mu !== undefined && d.mu !== null ? (['mu', 'sigma'] as ParamKey[]) : (['mean', 'stdDev'] as ParamKey[])));
      break;
    case 'GAMMA':
      keys.push('shape', d.rate !== undefined && d.rate !== null ? 'rate' : 'scale');
      break;
    case 'BETA':
      keys.push('alpha', 'beta');
      if (d.min !== undefined && d.min !== null) keys.push('min', 'max');
      break;
    default:
      keys.push(...s.params.map((p) => p.key).filter((k) => (d as Record<string, unknown>)[k] !== undefined && (d as Record<string, unknown>)[k] !== null));
  }
  const parts = keys.map((k) => {
    const v = (d as Record<string, unknown>)[k];
    return Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
  });
  let text = `${s.label}(${parts.join(', ')})`;
  const lo = d.truncateMin, hi = d.truncateMax;
  if ((lo !== undefined && lo !== null) || (hi !== undefined && hi !== null))
    text += ` truncated to [${lo ?? '−∞'}, ${hi ?? '∞'}]`;
  return text;
}

// ---- density ---------------------------------------------------------------

/** ln Γ(x), Lanczos approximation (g = 7, n = 9). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  x -= 1;
  let a = c[0];
  const t = x + g + 0.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function betaPdf(x: number, a: number, b: number, lo: number, hi: number): number {
  if (x < lo || x > hi) return 0;
  const u = (x - lo) / (hi - lo);
  if ((u === 0 && a < 1) || (u === 1 && b < 1)) return Infinity;
  if (u <= 0 || u >= 1) return (u === 0 ? (a === 1 ? b : 0) : b === 1 ? a : 0) / (hi - lo);
  const ln = (a - 1) * Math.log(u) + (b - 1) * Math.log(1 - u) + lgamma(a + b) - lgamma(a) - lgamma(b);
  return Math.exp(ln) / (hi - lo);
}

function lognormalParams(d: DistributionInput): { mu: number; sigma: number } {
  if (d.mu !== undefined && d.mu !== null && d.sigma !== undefined && d.sigma !== null) return { mu: d.mu, sigma: d.sigma };
  const m = d.mean!, s = d.stdDev!;
  const sigma2 = Math.log(1 + (s * s) / (m * m));
  return { mu: Math.log(m) - sigma2 / 2, sigma: Math.sqrt(sigma2) };
}

function gammaScale(d: DistributionInput): number {
  return d.scale !== undefined && d.scale !== null ? d.scale : 1 / d.rate!;
}

/** Density (continuous) at x, untruncated. */
function pdf(d: DistributionInput, x: number): number {
  switch (d.type) {
    case 'NORMAL': {
      const z = (x - d.mean!) / d.stdDev!;
      return Math.exp(-0.5 * z * z) / (d.stdDev! * Math.sqrt(2 * Math.PI));
    }
    case 'LOGNORMAL': {
      if (x <= 0) return 0;
      const { mu, sigma } = lognormalParams(d);
      const z = (Math.log(x) - mu) / sigma;
      return Math.exp(-0.5 * z * z) / (x * sigma * Math.sqrt(2 * Math.PI));
    }
    case 'UNIFORM':
      return x >= d.min! && x <= d.max! ? 1 / (d.max! - d.min!) : 0;
    case 'TRIANGULAR': {
      const a = d.min!, c = d.mode!, b = d.max!;
      if (x < a || x > b) return 0;
      if (x < c) return (2 * (x - a)) / ((b - a) * (c - a));
      if (x === c) return 2 / (b - a);
      return (2 * (b - x)) / ((b - a) * (b - c));
    }
    case 'PERT': {
      const a = d.min!, m = d.mode!, b = d.max!;
      const al = 1 + (4 * (m - a)) / (b - a);
      const be = 1 + (4 * (b - m)) / (b - a);
      return betaPdf(x, al, be, a, b);
    }
    case 'BETA':
      return betaPdf(x, d.alpha!, d.beta!, d.min ?? 0, d.max ?? 1);
    case 'GAMMA': {
      if (x < 0) return 0;
      const k = d.shape!, th = gammaScale(d);
      if (x === 0) return k < 1 ? Infinity : k === 1 ? 1 / th : 0;
      return Math.exp((k - 1) * Math.log(x) - x / th - lgamma(k) - k * Math.log(th));
    }
    case 'EXPONENTIAL':
      return x < 0 ? 0 : d.rate! * Math.exp(-d.rate! * x);
    case 'WEIBULL': {
      if (x < 0) return 0;
      const k = d.shape!, l = d.scale!;
      if (x === 0) return k < 1 ? Infinity : k === 1 ? 1 / l : 0;
      return (k / l) * Math.pow(x / l, k - 1) * Math.exp(-Math.pow(x / l, k));
    }
    case 'CUMULATIVE': {
      const v = d.values!, p = d.probabilities!;
      for (let i = 1; i < v.length; i++) if (x >= v[i - 1] && x <= v[i]) return (p[i] - p[i - 1]) / (v[i] - v[i - 1]);
      return 0;
    }
    case 'LOGISTIC': {
      const e = Math.exp(-Math.abs(x - d.alpha!) / d.beta!);
      return e / (d.beta! * (1 + e) * (1 + e));
    }
    case 'EXTREME_VALUE': {
      const z = (x - d.alpha!) / d.beta!;
      return Math.exp(-z - Math.exp(-z)) / d.beta!;
    }
    case 'STUDENT': {
      const nu = d.nu!;
      return Math.exp(lgamma((nu + 1) / 2) - lgamma(nu / 2) - ((nu + 1) / 2) * Math.log1p((x * x) / nu)) / Math.sqrt(nu * Math.PI);
    }
    case 'LOGLOGISTIC': {
      const z = (x - (d.min ?? 0)) / d.beta!, al = d.alpha!;
      if (z < 0) return 0;
      if (z === 0) return al < 1 ? Infinity : al === 1 ? 1 / d.beta! : 0;
      const za = Math.pow(z, al);
      return ((al / d.beta!) * (za / z)) / ((1 + za) * (1 + za));
    }
    case 'PARETO':
      return x < d.min! ? 0 : (d.shape! / x) * Math.pow(d.min! / x, d.shape!);
    case 'GENERAL': {
      const xs = [d.min!, ...d.values!, d.max!], fs = [0, ...d.probabilities!, 0];
      let area = 0;
      for (let i = 1; i < xs.length; i++) area += ((xs[i] - xs[i - 1]) * (fs[i] + fs[i - 1])) / 2;
      for (let i = 1; i < xs.length; i++)
        if (x >= xs[i - 1] && x <= xs[i] && xs[i] > xs[i - 1]) return (fs[i - 1] + ((fs[i] - fs[i - 1]) * (x - xs[i - 1])) / (xs[i] - xs[i - 1])) / area;
      return 0;
    }
    case 'HISTOGRAM': {
      const w = d.probabilities!, lo = d.min!, hi = d.max!;
      if (x < lo || x > hi) return 0;
      const total = w.reduce((a, b) => a + b, 0);
      const i = Math.min(w.length - 1, Math.floor(((x - lo) / (hi - lo)) * w.length));
      return (w[i] / total) * (w.length / (hi - lo));
    }
    case 'TRIGEN': {
      const [a, b] = trigenBounds(d);
      const c = d.mode!;
      if (x < a || x > b) return 0;
      if (x < c) return (2 * (x - a)) / ((b - a) * (c - a));
      if (x === c) return 2 / (b - a);
      return (2 * (b - x)) / ((b - a) * (b - c));
    }
  }
  return 0;
}

/**
 * The minimum and maximum of a TRIGEN: the triangle with the given mode
 * whose CDF is bottomPercentile/100 at bottom and topPercentile/100 at top,
 * found by bisection on its width as the engine does (engine/dist/trigen.go
 * explains why the root is unique and bracketed).
 */
export function trigenBounds(d: DistributionInput): [number, number] {
  const c = d.mode!, l = c - d.bottom!, r = d.top! - c;
  const pLo = d.bottomPercentile! / 100, q = 1 - d.topPercentile! / 100;
  const side = (dist: number, p: number, w: number) => dist + (p * w) / 2 + Math.sqrt(p * p * w * w + 4 * dist * p * w) / 2;
  let lo = l + r, hi = (2 * (l + r)) / (1 - q - pLo);
  for (let i = 0; i < 2200; i++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (side(l, pLo, mid) + side(r, q, mid) - mid >= 0) lo = mid;
    else hi = mid;
  }
  return [c - side(l, pLo, lo), c + side(r, q, lo)];
}

/** Probability mass (discrete) at integer/listed x, untruncated. */
function pmf(d: DistributionInput, x: number): number {
  switch (d.type) {
    case 'POISSON':
      if (x < 0 || !Number.isInteger(x)) return 0;
      return Math.exp(x * Math.log(d.lambda!) - d.lambda! - lgamma(x + 1));
    case 'BINOMIAL': {
      const n = d.n!, p = d.p!;
      if (x < 0 || x > n || !Number.isInteger(x)) return 0;
      if (p === 0) return x === 0 ? 1 : 0;
      if (p === 1) return x === n ? 1 : 0;
      return Math.exp(lgamma(n + 1) - lgamma(x + 1) - lgamma(n - x + 1) + x * Math.log(p) + (n - x) * Math.log(1 - p));
    }
    case 'BERNOULLI':
      return x === 1 ? d.p! : x === 0 ? 1 - d.p! : 0;
    case 'DISCRETE': {
      let m = 0;
      d.values!.forEach((v, i) => {
        if (v === x) m += d.probabilities![i];
      });
      return m;
    }
    case 'NEGATIVE_BINOMIAL': {
      const s = d.n!, p = d.p!;
      if (x < 0 || !Number.isInteger(x)) return 0;
      if (p === 1) return x === 0 ? 1 : 0;
      return Math.exp(lgamma(s + x) - lgamma(x + 1) - lgamma(s) + s * Math.log(p) + x * Math.log1p(-p));
    }
    case 'DISCRETE_UNIFORM':
      return d.values!.filter((v) => v === x).length / d.values!.length;
    case 'INTEGER_UNIFORM':
      return Number.isInteger(x) && x >= d.min! && x <= d.max! ? 1 / (d.max! - d.min! + 1) : 0;
  }
  return 0;
}

function inTruncation(d: DistributionInput, x: number): boolean {
  if (d.truncateMin !== undefined && d.truncateMin !== null && x < d.truncateMin) return false;
  if (d.truncateMax !== undefined && d.truncateMax !== null && x > d.truncateMax) return false;
  return true;
}

/** Range [lo, hi] that holds nearly all of the distribution's mass. */
export function support(d: DistributionInput): [number, number] {
  let lo: number, hi: number;
  switch (d.type) {
    case 'NORMAL':
      [lo, hi] = [d.mean! - 4 * d.stdDev!, d.mean! + 4 * d.stdDev!];
      break;
    case 'LOGNORMAL': {
      const { mu, sigma } = lognormalParams(d);
      [lo, hi] = [0, Math.exp(mu + 3.5 * sigma)];
      break;
    }
    case 'UNIFORM':
    case 'TRIANGULAR':
    case 'PERT': {
      const w = d.max! - d.min!;
      [lo, hi] = d.type === 'UNIFORM' ? [d.min! - w * 0.1, d.max! + w * 0.1] : [d.min!, d.max!];
      break;
    }
    case 'BETA':
      [lo, hi] = [d.min ?? 0, d.max ?? 1];
      break;
    case 'GAMMA': {
      const k = d.shape!, th = gammaScale(d);
      [lo, hi] = [0, k * th + 6 * Math.sqrt(k) * th];
      break;
    }
    case 'EXPONENTIAL':
      [lo, hi] = [0, 6 / d.rate!];
      break;
    case 'WEIBULL':
      [lo, hi] = [0, d.scale! * Math.pow(-Math.log(1e-4), 1 / d.shape!)];
      break;
    case 'POISSON':
      [lo, hi] = [Math.max(0, Math.floor(d.lambda! - 5 * Math.sqrt(d.lambda!)) - 1), Math.ceil(d.lambda! + 5 * Math.sqrt(d.lambda!)) + 1];
      break;
    case 'BINOMIAL':
      [lo, hi] = [0, d.n!];
      break;
    case 'BERNOULLI':
      [lo, hi] = [0, 1];
      break;
    case 'LOGISTIC':
      [lo, hi] = [d.alpha! - 7 * d.beta!, d.alpha! + 7 * d.beta!];
      break;
    case 'EXTREME_VALUE':
      [lo, hi] = [d.alpha! - 2.5 * d.beta!, d.alpha! + 8 * d.beta!];
      break;
    case 'STUDENT': {
      // Wider for heavier tails: ±16 holds 96% of a Cauchy (ν = 1),
      // ±6.4 over 99.9% of ν = 5.
      const w = 4 + 12 / d.nu!;
      [lo, hi] = [-w, w];
      break;
    }
    case 'LOGLOGISTIC': {
      const g = d.min ?? 0;
      [lo, hi] = [g, g + d.beta! * Math.pow(199, 1 / d.alpha!)]; // the 99.5% quantile
      break;
    }
    case 'PARETO':
      [lo, hi] = [d.min!, d.min! * Math.pow(0.005, -1 / d.shape!)]; // the 99.5% quantile
      break;
    case 'NEGATIVE_BINOMIAL': {
      const s = d.n!, p = d.p!;
      const mean = (s * (1 - p)) / p, sd = Math.sqrt((s * (1 - p)) / (p * p));
      [lo, hi] = [Math.max(0, Math.floor(mean - 5 * sd)), Math.ceil(mean + 6 * sd) + 1];
      break;
    }
    case 'GENERAL':
    case 'HISTOGRAM':
    case 'INTEGER_UNIFORM':
      [lo, hi] = [d.min!, d.max!];
      break;
    case 'TRIGEN':
      [lo, hi] = trigenBounds(d);
      break;
    case 'DISCRETE':
    case 'DISCRETE_UNIFORM':
    case 'CUMULATIVE': {
      const v = d.values!;
      lo = Math.min(...v);
      hi = Math.max(...v);
      if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
      break;
    }
    default:
      [lo, hi] = [0, 1];
  }
  if (d.truncateMin !== undefined && d.truncateMin !== null) lo = Math.max(lo, d.truncateMin);
  if (d.truncateMax !== undefined && d.truncateMax !== null) hi = Math.min(hi, d.truncateMax);
  return [lo, hi];
}

/** The most bars a discrete preview draws. */
const MAX_BARS = 200;

export interface DensityPoint {
  x: number;
  y: number;
}

export interface Density {
  discrete: boolean;
  points: DensityPoint[];
  lo: number;
  hi: number;
}

/**
 * The density (continuous: `samples` points across the support) or the
 * probability masses (discrete), truncation applied (not renormalized: the
 * preview is scaled to its maximum anyway).
 */
export function density(d: DistributionInput, samples = 96): Density {
  const [lo, hi] = support(d);
  const discrete = specOf(d.type).discrete;
  const points: DensityPoint[] = [];
  if (discrete) {
    // Integer supports wider than MAX_BARS integers show every stride-th.
    const count = Math.max(0, Math.floor(hi) - Math.ceil(lo) + 1);
    const stride = Math.max(1, Math.ceil(count / MAX_BARS));
    const xs =
      d.type === 'DISCRETE' || d.type === 'DISCRETE_UNIFORM'
        ? [...new Set(d.values!)].sort((a, b) => a - b)
        : Array.from({ length: Math.ceil(count / stride) }, (_, i) => Math.ceil(lo) + i * stride);
    for (const x of xs) if (inTruncation(d, x)) points.push({ x, y: pmf(d, x) });
  } else if (hi > lo) {
    for (let i = 0; i <= samples; i++) {
      const x = lo + ((hi - lo) * i) / samples;
      let y = inTruncation(d, x) ? pdf(d, x) : 0;
      if (!Number.isFinite(y)) y = NaN; // infinite density at an edge: drop the point
      if (!Number.isNaN(y)) points.push({ x, y });
    }
  }
  return { discrete, points, lo, hi };
}

function densityHasMass(d: DistributionInput): boolean {
  const [lo, hi] = support(d);
  if (specOf(d.type).discrete) return density(d).points.some((p) => p.y > 0);
  if (!(hi > lo)) return false;
  return density(d).points.some((p) => p.y > 0);
}
