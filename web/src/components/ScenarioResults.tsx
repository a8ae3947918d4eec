// A simulation's scenarios side by side: per output, each scenario's mean,
// P5, P50 and P95 (the base first) with its impact against the base, and
// the cumulative distributions overlaid. The scenarios ran over the same
// random numbers, so differences are the scenarios' and not noise.
import { useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ScenarioOutput, ScenarioResult } from '../graphql/operations';
import { formatNumber } from '../lib/format';
import { formatterFromCode, type NumberFormatter } from '../lib/numberFormat';
import { commonRange } from '../lib/overlay';
import { niceTicks } from './Charts';
import { RUN_COLORS } from '../pages/Compare';

const LEVELS = [5, 50, 95];
const AXIS = { fontSize: 12, fill: 'var(--muted)' };
const colorOf = (i: number) => RUN_COLORS[i % RUN_COLORS.length];

/** The formatter of an output's number format code, else the app's default. */
export function outputFormatter(code: string | null | undefined, digits = 6): NumberFormatter {
  return formatterFromCode(code) ?? ((x: number) => formatNumber(x, digits));
}

function percentile(r: ScenarioOutput | undefined, p: number): number | undefined {
  return r?.percentiles.find((q) => q.p === p)?.value;
}

function cdfOf(r: ScenarioOutput): { x: number; p: number }[] {
  const bins = r.histogram.bins;
  const total = bins.reduce((a, b) => a + b.count, 0);
  if (bins.length === 0 || total === 0) return [...r.percentiles].sort((a, b) => a.p - b.p).map((q) => ({ x: q.value, p: q.p }));
  const pts = [{ x: bins[0].lower, p: 0 }];
  let acc = 0;
  for (const b of bins) {
    acc += b.count;
    pts.push({ x: b.upper, p: (acc / total) * 100 });
  }
  return pts;
}

export function ScenarioResults({ scenarios, outputs }: { scenarios: ScenarioResult[]; outputs: { cell: string; name: string | null; numberFormat?: string | null }[] }) {
  const [active, setActive] = useState(0);
  if (scenarios.length === 0 || outputs.length === 0) return null;
  const output = outputs[Math.min(active, outputs.length - 1)];
  const label = (o: { cell: string; name: string | null }) => (o.name ? `${o.name} (${o.cell})` : o.cell);
  return (
    <section className="panel scenario-results" aria-labelledby="scenario-results-title" data-testid="scenario-results">
      <div className="panel-head">
        <h2 id="scenario-results-title">Scenarios</h2>
        {outputs.length > 1 && (
          <label className="inline">
            Output{' '}
            <select aria-label="Scenario output" value={output.cell} onChange={(e) => setActive(outputs.findIndex((o) => o.cell === e.target.value))}>
              {outputs.map((o) => (
                <option key={o.cell} value={o.cell}>
                  {label(o)}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <ScenarioTable scenarios={scenarios} output={output} caption={label(output)} />
      <ScenarioCdf scenarios={scenarios} output={output} />
    </section>
  );
}

function ScenarioTable({ scenarios, output, caption }: { scenarios: ScenarioResult[]; output: { cell: string; numberFormat?: string | null }; caption: string }) {
  const format = useMemo(() => outputFormatter(output.numberFormat), [output.numberFormat]);
  const signed = (d: number) => (d > 0 ? `+${format(d)}` : d < 0 ? format(d) : format(0));
  return (
    <table className="table compact" aria-label="Scenario statistics" data-testid="scenario-table">
      <caption>{caption}: each scenario against the base</caption>
      <thead>
        <tr>
          <th scope="col">Scenario</th>
          <th scope="col" className="num">
            Mean
          </th>
          {LEVELS.map((p) => (
            <th key={p} scope="col" className="num">
              P{p}
            </th>
          ))}
          <th scope="col" className="num">
            Mean vs base
          </th>
          {LEVELS.map((p) => (
            <th key={p} scope="col" className="num">
              P{p} vs base
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {scenarios.map((s) => {
          const r = s.results.find((x) => x.cell === output.cell);
          const impact = s.impacts.find((x) => x.output === output.cell);
          const cls = (d: number | undefined) => (d === undefined || d === 0 || s.index === 0 ? 'num' : d > 0 ? 'num diff up' : 'num diff down');
          return (
            <tr key={s.index} data-scenario={s.name}>
              <th scope="row">{s.name}</th>
              <td className="num">{r ? format(r.mean) : '—'}</td>
              {LEVELS.map((p) => {
                const v = percentile(r, p);
                return (
                  <td key={p} className="num">
                    {v === undefined ? '—' : format(v)}
                  </td>
                );
              })}
              <td className={cls(impact?.meanDifference)}>{s.index === 0 || !impact ? '—' : signed(impact.meanDifference)}</td>
              {LEVELS.map((p) => {
                const d = impact?.percentileDifferences.find((q) => q.p === p)?.difference;
                return (
                  <td key={p} className={cls(d)}>
                    {s.index === 0 || d === undefined ? '—' : signed(d)}
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ScenarioCdf({ scenarios, output }: { scenarios: ScenarioResult[]; output: { cell: string; numberFormat?: string | null } }) {
  const results = scenarios.map((s) => s.results.find((x) => x.cell === output.cell));
  const series = useMemo(() => results.map((r) => (r ? cdfOf(r) : [])), [results]);
  const range = commonRange(results.map((r) => r?.histogram.bins ?? []));
  const format = useMemo(() => outputFormatter(output.numberFormat, 3), [output.numberFormat]);
  if (!range) return null;
  return (
    <figure className="chart" data-testid="scenario-cdf">
      <figcaption>
        Cumulative probability per scenario <span className="muted small">chance that the output is at most a value</span>
      </figcaption>
      <ResponsiveContainer width="100%" height={300}>
        <LineChart margin={{ top: 10, right: 16, bottom: 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
          <XAxis dataKey="x" type="number" domain={range} ticks={niceTicks(range[0], range[1])} tickFormatter={format} tick={AXIS} allowDuplicatedCategory={false} />
          <YAxis domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} tickFormatter={(v: number) => `${v}%`} tick={AXIS} width={48} />
          <Tooltip formatter={(v, name) => [`${Number(v).toFixed(1)}%`, name]} labelFormatter={(x) => `x = ${format(Number(x))}`} />
          <Legend />
          {scenarios.map((s, i) =>
            series[i].length > 0 ? <Line key={s.index} data={series[i]} type="linear" dataKey="p" name={s.name} stroke={colorOf(i)} strokeWidth={2} dot={false} isAnimationActive={false} /> : null,
          )}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
