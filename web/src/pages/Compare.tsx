// Compare runs: pick two or more completed simulations (of any workbook),
// see one output's distributions overlaid (histogram as probabilities, CDF),
// the percentiles against the first run's, and the tornadoes side by side.
// The selection lives in the address (?ids=a,b&output=NPV) so a comparison
// can be shared or reloaded.
import { useId, useMemo } from 'react';
import { useQuery } from '@apollo/client/react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { SIMULATIONS } from '../graphql/operations';
import { COMPARE_SIMULATIONS, type ComparedRun, type SimulationComparison } from '../graphql/compare';
import { formatDate, formatInt, formatNumber } from '../lib/format';
import { navigate, useLocation } from '../lib/router';
import { commonRange, rebin } from '../lib/overlay';
import { niceTicks, Tornado } from '../components/Charts';
import { ProblemView } from '../components/Problem';

const MAX_RUNS = 20;
const OVERLAY_BINS = 40;
/** Distinct hues in run order; the first run (the baseline) takes the accent. */
export const RUN_COLORS = ['var(--accent)', '#d9480f', '#2b8a3e', '#862e9c', '#c92a2a', '#1864ab', '#e67700', '#087f5b'];
const colorOf = (i: number) => RUN_COLORS[i % RUN_COLORS.length];
const AXIS = { fontSize: 12, fill: 'var(--muted)' };
const tick = (v: number) => formatNumber(v, 3);

export function runLabel(run: Pick<ComparedRun, 'simulation'>): string {
  const s = run.simulation;
  // Unnamed runs of one workbook differ by their ID, as in the picker.
  return s.name || `Run ${s.id.slice(-6)} (${s.workbook?.name ?? 'deleted workbook'})`;
}

function addressOf(ids: string[], output: string | null): string {
  const q = new URLSearchParams();
  if (ids.length > 0) q.set('ids', ids.join(','));
  if (output) q.set('output', output);
  const s = q.toString();
  return s ? `/compare?${s.replace(/%2C/g, ',')}` : '/compare';
}

export function ComparePage() {
  const { search } = useLocation();
  const ids = (search.get('ids') ?? '').split(',').filter(Boolean).slice(0, MAX_RUNS);
  const output = search.get('output');
  const setIds = (next: string[]) => navigate(addressOf(next, output), { replace: true });
  const setOutput = (o: string | null) => navigate(addressOf(ids, o), { replace: true });

  const cmp = useQuery(COMPARE_SIMULATIONS, { variables: { ids, output }, skip: ids.length < 2 });
  const comparison = ids.length >= 2 ? cmp.data?.compareSimulations : undefined;

  return (
    <div className="page page-wide">
      <div className="page-head">
        <h1>Compare runs</h1>
        <span className="muted">{ids.length < 2 ? 'Pick two or more completed simulations.' : `${ids.length} runs, each against the first`}</span>
      </div>
      <div className="compare-layout">
        <RunPicker selected={ids} onChange={setIds} />
        <section className="compare-main" aria-label="Comparison">
          <ProblemView error={ids.length >= 2 ? cmp.error : undefined} title="Could not compare these runs" />
          {ids.length >= 2 && cmp.loading && !comparison && <p className="muted">Comparing…</p>}
          {comparison && <ComparisonView comparison={comparison} onOutput={setOutput} />}
        </section>
      </div>
    </div>
  );
}

function RunPicker({ selected, onChange }: { selected: string[]; onChange: (ids: string[]) => void }) {
  const { data, error, fetchMore } = useQuery(SIMULATIONS, { variables: { first: 50, status: 'COMPLETED', orderBy: { field: 'CREATED_AT', direction: 'DESC' } } });
  const conn = data?.simulations;
  const toggle = (id: string, on: boolean) => onChange(on ? [...selected.filter((x) => x !== id), id] : selected.filter((x) => x !== id));
  return (
    <section className="panel compare-picker" aria-labelledby="picker-title">
      <h2 id="picker-title">Completed runs</h2>
      <ProblemView error={error} title="Could not list the simulations" />
      {conn && conn.edges.length === 0 && <p className="muted small">No completed simulations yet.</p>}
      {conn && conn.edges.length > 0 && (
        <fieldset className="checklist">
          <legend className="visually-hidden">Simulations to compare</legend>
          {conn.edges.map(({ node }) => {
            const i = selected.indexOf(node.id);
            return (
              <label key={node.id} className="check">
                <input
                  type="checkbox"
                  checked={i >= 0}
                  disabled={i < 0 && selected.length >= MAX_RUNS}
                  onChange={(e) => toggle(node.id, e.target.checked)}
                />
                <span>
                  {i >= 0 && <span className="run-swatch" style={{ background: colorOf(i) }} aria-hidden="true" />}
                  {node.name || `Run ${node.id.slice(-6)}`}
                  {i === 0 && <span className="tag">baseline</span>}
                  <span className="muted small">
                    {' '}
                    {node.workbook?.name ?? 'deleted workbook'} · {formatInt(node.iterations)} it. · {formatDate(node.createdAt)}
                  </span>
                </span>
              </label>
            );
          })}
        </fieldset>
      )}
      {conn?.pageInfo.hasNextPage && (
        <button type="button" className="link-button" onClick={() => fetchMore({ variables: { after: conn.pageInfo.endCursor } })}>
          Show more
        </button>
      )}
    </section>
  );
}

function ComparisonView({ comparison, onOutput }: { comparison: SimulationComparison; onOutput: (o: string | null) => void }) {
  const id = useId();
  const baseline = comparison.runs[0];
  const options = baseline.simulation.outputVariables.map((o) => ({ value: o.name || o.cell, label: o.name ? `${o.name} (${o.cell})` : o.cell }));
  if (!options.some((o) => o.value === comparison.output)) options.unshift({ value: comparison.output, label: comparison.output });
  const missing = comparison.runs.filter((r) => !r.result);
  return (
    <>
      <div className="toolbar">
        <label htmlFor={`${id}-output`}>Output</label>
        <select id={`${id}-output`} value={comparison.output} onChange={(e) => onOutput(e.target.value)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        <span className="muted small">matched in each run by name, else by cell</span>
      </div>
      {missing.length > 0 && (
        <div className="notice warn" role="note">
          No result for “{comparison.output}” in {missing.map(runLabel).join(', ')}.
        </div>
      )}
      <div className="charts compare-charts">
        <OverlaidHistogram runs={comparison.runs} />
        <OverlaidCdf runs={comparison.runs} />
      </div>
      <DifferencesTable runs={comparison.runs} />
      <h2>Sensitivity</h2>
      <div className="tornadoes">
        {comparison.runs.map((r, i) =>
          r.result ? (
            <div key={r.simulation.id} className="tornado-cell">
              <Tornado result={r.result} inputNames={{}} title={`${i + 1}. ${runLabel(r)}`} />
            </div>
          ) : null,
        )}
      </div>
    </>
  );
}

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

/** One row per grid bin, a probability column per run: `run0`, `run1`, … */
export function overlaidHistogram(runs: ComparedRun[], bins = OVERLAY_BINS): { x: number; [run: string]: number }[] {
  const hists = runs.map((r) => r.result?.histogram.bins ?? []);
  const range = commonRange(hists);
  if (!range) return [];
  const [lo, hi] = range;
  const probs = hists.map((h) => rebin(h, lo, hi, bins));
  const w = (hi - lo) / bins;
  // Step lines need the left edge of every bin and the right edge of the last.
  return Array.from({ length: bins + 1 }, (_, i) => {
    const row: { x: number; [run: string]: number } = { x: lo + i * w };
    probs.forEach((p, k) => {
      if (hists[k].length > 0) row[`run${k}`] = p[Math.min(i, bins - 1)] * 100;
    });
    return row;
  });
}

function OverlaidHistogram({ runs }: { runs: ComparedRun[] }) {
  const data = useMemo(() => overlaidHistogram(runs), [runs]);
  if (data.length === 0) return <p className="muted">No histograms to overlay.</p>;
  const lo = data[0].x, hi = data[data.length - 1].x;
  return (
    <Figure title="Distributions" description={`probability per bin, ${OVERLAY_BINS} bins on the common range`} testId="compare-histogram">
      <ResponsiveContainer width="100%" height={300}>
        <LineChart data={data} margin={{ top: 10, right: 16, bottom: 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
          <XAxis dataKey="x" type="number" domain={[lo, hi]} ticks={niceTicks(lo, hi)} tickFormatter={tick} tick={AXIS} />
          <YAxis tickFormatter={(v: number) => `${formatNumber(v, 2)}%`} tick={AXIS} width={52} />
          <Tooltip formatter={(v, name) => [`${Number(v).toFixed(2)}%`, name]} labelFormatter={(x) => `from ${formatNumber(Number(x))}`} />
          <Legend />
          {runs.map((r, i) =>
            r.result ? (
              <Line key={r.simulation.id} type="stepAfter" dataKey={`run${i}`} name={`${i + 1}. ${runLabel(r)}`} stroke={colorOf(i)} strokeWidth={2} dot={false} isAnimationActive={false} />
            ) : null,
          )}
        </LineChart>
      </ResponsiveContainer>
    </Figure>
  );
}

function cdfPoints(run: ComparedRun): { x: number; p: number }[] {
  const bins = run.result?.histogram.bins ?? [];
  const total = bins.reduce((a, b) => a + b.count, 0);
  if (bins.length === 0 || total === 0) return [];
  const pts = [{ x: bins[0].lower, p: 0 }];
  let acc = 0;
  for (const b of bins) {
    acc += b.count;
    pts.push({ x: b.upper, p: (acc / total) * 100 });
  }
  return pts;
}

function OverlaidCdf({ runs }: { runs: ComparedRun[] }) {
  const series = useMemo(() => runs.map(cdfPoints), [runs]);
  const range = commonRange(runs.map((r) => r.result?.histogram.bins ?? []));
  if (!range) return null;
  return (
    <Figure title="Cumulative probability" description="chance that the output is at most a value" testId="compare-cdf">
      <ResponsiveContainer width="100%" height={300}>
        <LineChart margin={{ top: 10, right: 16, bottom: 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
          <XAxis dataKey="x" type="number" domain={range} ticks={niceTicks(range[0], range[1])} tickFormatter={tick} tick={AXIS} allowDuplicatedCategory={false} />
          <YAxis domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} tickFormatter={(v: number) => `${v}%`} tick={AXIS} width={48} />
          <Tooltip formatter={(v, name) => [`${Number(v).toFixed(1)}%`, name]} labelFormatter={(x) => `x = ${formatNumber(Number(x))}`} />
          <Legend />
          {runs.map((r, i) =>
            series[i].length > 0 ? (
              <Line key={r.simulation.id} data={series[i]} type="linear" dataKey="p" name={`${i + 1}. ${runLabel(r)}`} stroke={colorOf(i)} strokeWidth={2} dot={false} isAnimationActive={false} />
            ) : null,
          )}
        </LineChart>
      </ResponsiveContainer>
    </Figure>
  );
}

const signed = (n: number) => (n > 0 ? `+${formatNumber(n)}` : formatNumber(n));

function DifferencesTable({ runs }: { runs: ComparedRun[] }) {
  const baseline = runs[0];
  const levels = [5, 10, 25, 50, 75, 90, 95];
  const pOf = (r: ComparedRun, p: number) => r.result?.percentiles.find((q) => q.p === p)?.value;
  const rows: { label: string; value: (r: ComparedRun) => number | undefined; diff: (r: ComparedRun) => { d: number; rel: number | null } | undefined }[] = [
    {
      label: 'Mean',
      value: (r) => r.result?.mean,
      diff: (r) =>
        r.meanDifference === null ? undefined : { d: r.meanDifference, rel: baseline.result && baseline.result.mean !== 0 ? r.meanDifference / Math.abs(baseline.result.mean) : null },
    },
    ...levels.map((p) => ({
      label: `P${p}`,
      value: (r: ComparedRun) => pOf(r, p),
      diff: (r: ComparedRun) => {
        const d = r.percentileDifferences.find((x) => x.p === p);
        return d ? { d: d.difference, rel: d.relative } : undefined;
      },
    })),
  ];
  return (
    <table className="table compare-table" aria-label="Percentiles against the first run">
      <thead>
        <tr>
          <th scope="col">Statistic</th>
          {runs.map((r, i) => (
            <th key={r.simulation.id} scope="col" className="num">
              <span className="run-swatch" style={{ background: colorOf(i) }} aria-hidden="true" />
              {i + 1}. {runLabel(r)}
              {i > 0 && <span className="muted small"> (vs 1)</span>}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.label}>
            <th scope="row">{row.label}</th>
            {runs.map((r, i) => {
              const v = row.value(r);
              const d = i > 0 ? row.diff(r) : undefined;
              return (
                <td key={r.simulation.id} className="num">
                  {v === undefined ? '—' : formatNumber(v)}
                  {d && (
                    <span className={`diff ${d.d > 0 ? 'up' : d.d < 0 ? 'down' : ''}`}>
                      {' '}
                      {signed(d.d)}
                      {d.rel !== null && ` (${d.rel > 0 ? '+' : ''}${(d.rel * 100).toFixed(1)}%)`}
                    </span>
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}


