// Result charts: histogram, cumulative S-curve and tornado (recharts).
import { useMemo } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Result } from '../graphql/operations';
import { formatNumber } from '../lib/format';
import { DelimiterOverlay, type DelimiterState } from './Delimiter';
import type { NumberFormatter } from '../lib/numberFormat';

/** Delimiters shared by an output's charts. */
export interface Delimiters {
  state: DelimiterState;
  onChange: (s: DelimiterState) => void;
}

const AXIS = { fontSize: 12, fill: 'var(--muted)' };

/** Round tick values (1, 2, 2.5, 5 × 10^k steps) inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}
const tick = (v: number) => formatNumber(v, 3);

function Figure({ title, description, testId, children }: { title: string; description: string; testId: string; children: React.ReactNode }) {
  return (
    <figure className="chart" data-testid={testId} aria-label={title}>
      <figcaption>
        <strong>{title}</strong>
        <span className="muted small"> {description}</span>
      </figcaption>
      {children}
    </figure>
  );
}

export function Histogram({ result, delimiters, format = tick }: { result: Result; delimiters?: Delimiters; format?: NumberFormatter }) {
  const data = useMemo(() => {
    const total = result.histogram.bins.reduce((a, b) => a + b.count, 0) || 1;
    return result.histogram.bins.map((b) => ({ mid: (b.lower + b.upper) / 2, lower: b.lower, upper: b.upper, count: b.count, share: b.count / total, percent: (b.count / total) * 100 }));
  }, [result]);
  if (data.length === 0) return <p className="muted">No histogram for this output.</p>;
  const p = (q: number) => result.percentiles.find((x) => x.p === q)?.value;
  const lo = data[0].lower, hi = data[data.length - 1].upper;
  return (
    <Figure title="Distribution" description={`probability per bin, ${data.length} bins (${result.histogram.method}); lines at P5, mean, P95`} testId="histogram">
      <Delimited domain={[lo, hi]} delimiters={delimiters} format={format} inset={{ left: 8 + 56, right: 16, top: 22, bottom: 4 + 30 }}>
        <ResponsiveContainer width="100%" height={280}>
          <BarChart data={data} margin={{ top: 22, right: 16, bottom: 4, left: 8 }} barCategoryGap={1}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="var(--grid)" />
            <XAxis dataKey="mid" type="number" domain={[lo, hi]} ticks={niceTicks(lo, hi)} tickFormatter={format} tick={AXIS} scale="linear" />
            <YAxis tickFormatter={(v: number) => `${formatNumber(v, 2)}%`} tick={AXIS} width={56} />
            <Tooltip
              formatter={(v, _n, item) => {
                const b = item?.payload as (typeof data)[number] | undefined;
                return [`${Number(v).toFixed(2)}%${b ? ` (${b.count} iterations)` : ''}`, 'probability'];
              }}
              labelFormatter={(_, payload) => {
                const b = payload?.[0]?.payload as (typeof data)[number] | undefined;
                return b ? `${format(b.lower)} – ${format(b.upper)}` : '';
              }}
            />
            <Bar dataKey="percent" fill="var(--accent)" isAnimationActive={false} />
            {p(5) !== undefined && <ReferenceLine x={p(5)} stroke="var(--muted)" strokeDasharray="4 3" label={{ value: 'P5', position: 'top', fontSize: 11 }} />}
            <ReferenceLine x={result.mean} stroke="var(--ink)" label={{ value: 'mean', position: 'top', fontSize: 11 }} />
            {p(95) !== undefined && <ReferenceLine x={p(95)} stroke="var(--muted)" strokeDasharray="4 3" label={{ value: 'P95', position: 'top', fontSize: 11 }} />}
          </BarChart>
        </ResponsiveContainer>
      </Delimited>
    </Figure>
  );
}

/** Cumulative probability from the histogram (or the percentiles when there is none). */
export function cumulativePoints(result: Result): { x: number; p: number }[] {
  const bins = result.histogram.bins;
  const total = bins.reduce((a, b) => a + b.count, 0);
  if (bins.length > 0 && total > 0) {
    const pts = [{ x: bins[0].lower, p: 0 }];
    let acc = 0;
    for (const b of bins) {
      acc += b.count;
      pts.push({ x: b.upper, p: (acc / total) * 100 });
    }
    return pts;
  }
  return [...result.percentiles].sort((a, b) => a.p - b.p).map((q) => ({ x: q.value, p: q.p }));
}

export function SCurve({ result, delimiters, format = tick }: { result: Result; delimiters?: Delimiters; format?: NumberFormatter }) {
  const data = useMemo(() => cumulativePoints(result), [result]);
  if (data.length < 2) return <p className="muted">Not enough data for a cumulative curve.</p>;
  const p50 = result.percentiles.find((x) => x.p === 50)?.value;
  return (
    <Figure title="Cumulative probability" description="chance that the output is at most a value" testId="s-curve">
      <Delimited domain={[data[0].x, data[data.length - 1].x]} delimiters={delimiters} format={format} inset={{ left: 8 + 48, right: 16, top: 10, bottom: 4 + 30 }}>
        <ResponsiveContainer width="100%" height={280}>
          <LineChart data={data} margin={{ top: 10, right: 16, bottom: 4, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            <XAxis dataKey="x" type="number" domain={[data[0].x, data[data.length - 1].x]} ticks={niceTicks(data[0].x, data[data.length - 1].x)} tickFormatter={format} tick={AXIS} />
            <YAxis domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} tickFormatter={(v: number) => `${v}%`} tick={AXIS} width={48} />
            <Tooltip formatter={(v) => [`${Number(v).toFixed(1)}%`, 'P(output ≤ x)']} labelFormatter={(x) => `x = ${format(Number(x))}`} />
            <Line type="monotone" dataKey="p" stroke="var(--accent)" strokeWidth={2} dot={false} isAnimationActive={false} />
            {p50 !== undefined && <ReferenceLine x={p50} stroke="var(--muted)" strokeDasharray="4 3" label={{ value: 'median', position: 'insideTopLeft', fontSize: 11 }} />}
            <ReferenceLine y={50} stroke="var(--grid-strong)" />
          </LineChart>
        </ResponsiveContainer>
      </Delimited>
    </Figure>
  );
}

type SensitivityBars = { sensitivity: Pick<Result['sensitivity'][number], 'input' | 'name' | 'rankCorrelation' | 'contributionToVariance'>[] };

function Delimited({
  domain,
  delimiters,
  format,
  inset,
  children,
}: {
  domain: [number, number];
  delimiters?: Delimiters;
  format: NumberFormatter;
  inset: { left: number; right: number; top: number; bottom: number };
  children: React.ReactNode;
}) {
  if (!delimiters) return <>{children}</>;
  return (
    <DelimiterOverlay domain={domain} state={delimiters.state} onChange={delimiters.onChange} format={format} inset={inset}>
      {children}
    </DelimiterOverlay>
  );
}

export function Tornado({ result, inputNames, title = 'Sensitivity (tornado)' }: { result: SensitivityBars; inputNames: Record<string, string>; title?: string }) {
  const data = useMemo(
    () =>
      [...result.sensitivity]
        .sort((a, b) => Math.abs(b.rankCorrelation) - Math.abs(a.rankCorrelation))
        .map((s) => ({
          label: s.name || inputNames[s.input] || s.input,
          input: s.input,
          rankCorrelation: s.rankCorrelation,
          contribution: s.contributionToVariance,
        })),
    [result, inputNames],
  );
  if (data.length === 0) return <p className="muted">No sensitivity data for this output.</p>;
  return (
    <Figure title={title} description="Spearman rank correlation of each input with the output" testId="tornado">
      <ResponsiveContainer width="100%" height={Math.max(140, 36 * data.length + 50)}>
        <BarChart data={data} layout="vertical" margin={{ top: 8, right: 24, bottom: 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke="var(--grid)" />
          <XAxis type="number" domain={[-1, 1]} ticks={[-1, -0.5, 0, 0.5, 1]} tick={AXIS} />
          <YAxis type="category" dataKey="label" width={150} tick={AXIS} interval={0} />
          <Tooltip
            formatter={(v, _n, item) => {
              const d = item?.payload as (typeof data)[number] | undefined;
              return [`${Number(v).toFixed(3)}${d ? ` · ${d.contribution.toFixed(1)}% of variance` : ''}`, d?.input ?? 'rank correlation'];
            }}
          />
          <ReferenceLine x={0} stroke="var(--ink)" />
          <Bar dataKey="rankCorrelation" isAnimationActive={false} barSize={20}>
            {data.map((d) => (
              <Cell key={d.input} fill={d.rankCorrelation >= 0 ? 'var(--pos)' : 'var(--neg)'} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </Figure>
  );
}
