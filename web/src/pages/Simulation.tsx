import { useEffect, useMemo, useState } from 'react';
import { flushSync } from 'react-dom';
import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { CANCEL_SIMULATION, CELLS, SIMULATION, SIMULATION_PROGRESS, type Result, type SimulationDetail, type SimulationProgress } from '../graphql/operations';
import { describe, type DistributionInput } from '../lib/distributions';
import { formatDate, formatDuration, formatInt, formatNumber } from '../lib/format';
import { Link } from '../lib/router';
import { ProgressBar } from '../components/ProgressBar';
import { ProblemView } from '../components/Problem';
import { StatusBadge, isTerminal } from '../components/StatusBadge';
import { Histogram, SCurve, Tornado } from '../components/Charts';
import { downloadFile } from '../lib/download';
import { DelimiterBar, type DelimiterState } from '../components/Delimiter';
import { formatterFromCode, formatterFromDisplay, type NumberFormatter } from '../lib/numberFormat';
import { columnName, parseRef } from '../lib/model';
import { outputFormatter, ScenarioResults } from '../components/ScenarioResults';

export function SimulationPage({ id }: { id: string }) {
  const { data, loading, error, refetch, startPolling, stopPolling } = useQuery(SIMULATION, { variables: { id } });
  const sim = data?.simulation;
  const live = !!sim && !isTerminal(sim.status);

  const [subDone, setSubDone] = useState(false);
  const [latest, setLatest] = useState<SimulationProgress | null>(null);
  const sub = useSubscription(SIMULATION_PROGRESS, {
    variables: { id },
    skip: !live,
    onComplete: () => setSubDone(true),
    // Commit every update the server sends (no batching away of a step), so
    // the bar moves through each one.
    onData: ({ data: d }) => {
      const p = d.data?.simulationProgress;
      if (!p) return;
      flushSync(() => setLatest(p));
      if (isTerminal(p.status)) void refetch();
    },
  });

  // The subscription completes after the terminal state; if it fails or ends
  // without one (a dropped socket), poll until the simulation is done.
  const needPoll = live && (!!sub.error || subDone);
  useEffect(() => {
    if (!needPoll) return undefined;
    startPolling(1000);
    return () => stopPolling();
  }, [needPoll, startPolling, stopPolling]);

  useEffect(() => {
    setLatest(null);
    setSubDone(false);
  }, [id]);

  const [cancel, cancelState] = useMutation(CANCEL_SIMULATION);

  if (error) return <div className="page"><ProblemView error={error} title="Could not load the simulation" /></div>;
  if (loading && !sim) return <div className="page"><p className="muted">Loading simulation…</p></div>;
  if (!sim)
    return (
      <div className="page">
        <h1>Simulation not found</h1>
        <p>
          It may belong to another organization. <Link to="/simulations">All simulations</Link>
        </p>
      </div>
    );

  const progress = pickProgress(sim, latest);
  const outputNames = outputNamesOf(sim);
  const title = sim.name || `${formatInt(sim.iterations)} iterations${sim.workbook ? ` of ${sim.workbook.name}` : ''}`;

  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link to="/simulations">Simulations</Link> <span aria-hidden="true">/</span> <span aria-current="page">{title}</span>
      </nav>
      <div className="page-head">
        <h1>
          {title} <StatusBadge status={progress.status} />
        </h1>
        <span className="muted">
          {sim.workbook ? (
            <>
              <Link to={`/workbooks/${encodeURIComponent(sim.workbookId)}`}>{sim.workbook.name}</Link> ·{' '}
            </>
          ) : null}
          {savedModelOf(sim) ? `${savedModelOf(sim)} · ` : ''}
          {sim.sampling === 'LATIN_HYPERCUBE' ? 'Latin hypercube' : 'Monte Carlo'} · seed {sim.seed} · started {formatDate(sim.startedAt ?? sim.createdAt)}
          {sim.elapsedMs !== null && sim.elapsedMs !== undefined ? ` · took ${formatDuration(sim.elapsedMs)}` : ''}
          {sim.status === 'COMPLETED' && (
            <>
              {' · '}
              <Link to={`/compare?ids=${encodeURIComponent(sim.id)}`}>Compare with other runs</Link>
            </>
          )}
        </span>
      </div>

      {sim.warnings.length > 0 && (
        <div className="notice warn" role="note">
          <strong>Warnings</strong>
          <ul>
            {sim.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </div>
      )}

      {(
        <section className="panel" aria-labelledby="progress-title">
          <div className="panel-head">
            <h2 id="progress-title">Progress</h2>
            {!isTerminal(progress.status) && (
              <button type="button" className="danger" disabled={cancelState.loading} onClick={() => void cancel({ variables: { id } }).then(() => refetch()).catch(() => undefined)}>
                {cancelState.loading ? 'Cancelling…' : 'Cancel simulation'}
              </button>
            )}
          </div>
          <ProgressBar progress={progress} outputNames={outputNames} showOutputs={!isTerminal(progress.status)} />
          <ProblemView error={cancelState.error} title="Could not cancel" onDismiss={cancelState.reset} />
          {sub.error && live && <p className="muted small">Live updates were interrupted; refreshing every second instead.</p>}
          {sim.status === 'FAILED' && (
            <div className="problem" role="alert">
              <strong>The simulation failed</strong>
              <p>{sim.error ?? 'No reason was given.'}</p>
            </div>
          )}
          {sim.status === 'CANCELLED' && <p className="muted">This simulation was cancelled{sim.results.length > 0 ? '; results below cover the iterations done' : ''}.</p>}
        </section>
      )}

      {sim.results.length > 0 && <Results sim={sim} outputNames={outputNames} />}
      {sim.results.length > 0 && (sim.scenarios?.length ?? 0) > 0 && <ScenarioResults scenarios={sim.scenarios!} outputs={sim.outputVariables} />}
      <ModelRecap sim={sim} />
    </div>
  );
}

function pickProgress(sim: SimulationDetail, latest: SimulationProgress | null): SimulationProgress {
  // The query's snapshot is authoritative once terminal; otherwise the latest
  // of the query and the subscription.
  if (isTerminal(sim.status)) return { ...sim.progress, status: sim.status };
  if (latest && latest.iterationsDone >= sim.progress.iterationsDone) return latest;
  return sim.progress;
}

/** Which saved model version the simulation ran, if it ran one. */
export function savedModelOf(sim: Pick<SimulationDetail, 'model' | 'modelVersion'>): string | null {
  if (sim.modelVersion === null || sim.modelVersion === undefined) return null;
  return `${sim.model ? `model ${sim.model.name}` : 'a deleted model'}, version ${sim.modelVersion}`;
}

/** The outputs' names as the server stores them (given, else the workbook's labels). */
export function outputNamesOf(sim: SimulationDetail): Record<string, string> {
  const names: Record<string, string> = {};
  for (const o of sim.outputVariables ?? []) if (o.name) names[o.cell] = o.name;
  for (const r of sim.results) if (r.name) names[r.cell] = r.name;
  return names;
}

function Results({ sim, outputNames }: { sim: SimulationDetail; outputNames: Record<string, string> }) {
  const [active, setActive] = useState(0);
  const result = sim.results[Math.min(active, sim.results.length - 1)];
  const inputNames = useMemo(() => Object.fromEntries(sim.inputs.filter((i) => i.name).map((i) => [i.cell, i.name!])), [sim.inputs]);
  return (
    <section className="results" aria-labelledby="results-title">
      <div className="panel-head">
        <h2 id="results-title">Results</h2>
        <Downloads sim={sim} />
      </div>
      {sim.results.length > 1 && (
        <div role="tablist" aria-label="Outputs" className="sheet-tabs">
          {sim.results.map((r, i) => (
            <button
              key={r.cell}
              type="button"
              role="tab"
              id={`out-tab-${i}`}
              aria-controls="out-panel"
              aria-selected={i === active}
              tabIndex={i === active ? 0 : -1}
              onClick={() => setActive(i)}
              onKeyDown={(e) => {
                const n = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : null;
                if (n === null) return;
                e.preventDefault();
                const k = (n + sim.results.length) % sim.results.length;
                setActive(k);
                (e.currentTarget.parentElement?.children[k] as HTMLElement | undefined)?.focus();
              }}
            >
              {outputNames[r.cell] ? `${outputNames[r.cell]} (${r.cell})` : r.cell}
            </button>
          ))}
        </div>
      )}
      <div id="out-panel" role={sim.results.length > 1 ? 'tabpanel' : undefined} aria-labelledby={sim.results.length > 1 ? `out-tab-${active}` : undefined}>
        <div className="results-grid">
          <StatsTable result={result} name={outputNames[result.cell]} />
          <div className="charts">
            <DelimitedCharts key={result.cell} result={result} workbookId={sim.workbook ? sim.workbookId : null} />
            <Tornado result={result} inputNames={inputNames} />
          </div>
        </div>
      </div>
    </section>
  );
}

function StatsTable({ result, name }: { result: Result; name?: string }) {
  // Values in the output's units take the workbook's format; variance and moments do not.
  const f = outputFormatter(result.numberFormat);
  const rows: [string, string][] = [
    ['Mean', f(result.mean)],
    ['95% confidence of the mean', `${f(result.ciLower)} – ${f(result.ciUpper)}`],
    ['Standard error', formatNumber(result.stdError, 3)],
    ['Standard deviation', f(result.stdDev)],
    ['Variance', formatNumber(result.variance, 5)],
    ['Skewness', formatNumber(result.skewness, 3)],
    ['Kurtosis', formatNumber(result.kurtosis, 3)],
    ['Minimum', f(result.min)],
    ['Maximum', f(result.max)],
    ['Iterations', formatInt(result.iterations)],
  ];
  const errors = result.errors.filter((e) => e.count > 0);
  return (
    <div className="stats">
      <table className="table compact" data-testid="stats-table">
        <caption>{name ? `${name} (${result.cell})` : result.cell}</caption>
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td className="num">{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="table compact">
        <caption>Percentiles</caption>
        <thead>
          <tr>
            <th scope="col">P</th>
            <th scope="col" className="num">
              Value
            </th>
          </tr>
        </thead>
        <tbody>
          {result.percentiles.map((p) => (
            <tr key={p.p}>
              <th scope="row">P{p.p}</th>
              <td className="num">{f(p.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <TailTables result={result} />
      {errors.length > 0 && (
        <table className="table compact">
          <caption>Iterations with errors</caption>
          <tbody>
            {errors.map((e) => (
              <tr key={e.kind}>
                <th scope="row">
                  <code>{e.kind}</code>
                </th>
                <td className="num">{formatInt(e.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Value at risk, expected shortfall and target probabilities of an output. */
export function TailTables({ result }: { result: Result }) {
  const tail = result.tail ?? [];
  const targets = result.targets ?? [];
  const pct = (x: number) => `${formatNumber(100 * x, 4)}%`;
  const sens = (result.sensitivity ?? []).slice().sort((a, b) => Math.abs(b.changeInMean) - Math.abs(a.changeInMean));
  return (
    <>
      {tail.length > 0 && (
        <table className="table compact" data-testid="tail-table">
          <caption>Value at risk and expected shortfall</caption>
          <thead>
            <tr>
              <th scope="col">Level</th>
              <th scope="col" className="num" title="the (1 − level) percentile: low outcomes">
                VaR
              </th>
              <th scope="col" className="num" title="mean of the outcomes at or below VaR">
                CVaR
              </th>
              <th scope="col" className="num" title="the level percentile: high outcomes">
                Upper VaR
              </th>
              <th scope="col" className="num" title="mean of the outcomes at or above the upper VaR">
                Upper CVaR
              </th>
            </tr>
          </thead>
          <tbody>
            {tail.map((t) => (
              <tr key={t.level}>
                <th scope="row">{pct(t.level)}</th>
                <td className="num">{formatNumber(t.var, 6)}</td>
                <td className="num">{formatNumber(t.cvar, 6)}</td>
                <td className="num">{formatNumber(t.upperVar, 6)}</td>
                <td className="num">{formatNumber(t.upperCvar, 6)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {targets.length > 0 && (
        <table className="table compact" data-testid="targets-table">
          <caption>Targets</caption>
          <thead>
            <tr>
              <th scope="col">Target</th>
              <th scope="col" className="num">
                P(below)
              </th>
              <th scope="col" className="num">
                P(above)
              </th>
            </tr>
          </thead>
          <tbody>
            {targets.map((t, i) => (
              <tr key={i}>
                <th scope="row">{formatNumber(t.value, 6)}</th>
                <td className="num">{pct(t.probBelow)}</td>
                <td className="num">{pct(t.probAbove)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {sens.length > 0 && (
        <table className="table compact" data-testid="change-in-mean-table">
          <caption>Change in mean, bottom to top decile of each input</caption>
          <thead>
            <tr>
              <th scope="col">Input</th>
              <th scope="col" className="num">
                Change
              </th>
              <th scope="col" className="num" title="standardised regression coefficient">
                SRC
              </th>
              <th scope="col" className="num" title="share of the output's variance">
                Share
              </th>
            </tr>
          </thead>
          <tbody>
            {sens.map((s) => (
              <tr key={s.input}>
                <th scope="row">{s.name ? `${s.name} (${s.input})` : s.input}</th>
                <td className="num">{formatNumber(s.changeInMean, 5)}</td>
                <td className="num">{s.standardizedRegression === null ? '—' : formatNumber(s.standardizedRegression, 3)}</td>
                <td className="num">{s.varianceShare === null ? '—' : pct(s.varianceShare)}</td>
              </tr>
            ))}
            {result.unexplainedVariance !== null && result.unexplainedVariance !== undefined && (
              <tr>
                <th scope="row">Unexplained</th>
                <td />
                <td />
                <td className="num">{pct(result.unexplainedVariance)}</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </>
  );
}

function ModelRecap({ sim }: { sim: SimulationDetail }) {
  return (
    <details className="panel recap">
      <summary>
        Model: {sim.inputs.length} input{sim.inputs.length === 1 ? '' : 's'}, {sim.outputs.length} output{sim.outputs.length === 1 ? '' : 's'}
        {sim.correlations.length > 0 ? `, ${sim.correlations.length} correlation${sim.correlations.length === 1 ? '' : 's'}` : ''}
      </summary>
      <table className="table compact">
        <thead>
          <tr>
            <th scope="col">Input</th>
            <th scope="col">Distribution</th>
          </tr>
        </thead>
        <tbody>
          {sim.inputs.map((i) => (
            <tr key={i.cell}>
              <td>
                {i.cell}
                {i.name ? ` — ${i.name}` : ''}
              </td>
              <td>{describe(cleanDistribution(i.distribution))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Outputs:{' '}
        {(sim.outputVariables ?? sim.outputs.map((cell) => ({ cell, name: null }))).map((o) => (o.name ? `${o.name} (${o.cell})` : o.cell)).join(', ')}
      </p>
      {sim.correlations.length > 0 && (
        <p>
          Correlations:{' '}
          {sim.correlations.map((c) => `${c.cellA} ~ ${c.cellB}: ${c.coefficient}`).join('; ')}
        </p>
      )}
    </details>
  );
}

function cleanDistribution(d: Record<string, unknown>): DistributionInput {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) if (v !== null && v !== undefined && k !== '__typename') out[k] = v;
  return out as unknown as DistributionInput;
}

/** The server's downloads of a completed simulation; an error is shown beside them. */
function Downloads({ sim }: { sim: SimulationDetail }) {
  const [failure, setFailure] = useState<string | null>(null);
  const files: [string, string | null, string][] = [
    ['Excel report', sim.reportUrl, `simulation-${sim.id}-report.xlsx`],
    ['Summary CSV', sim.summaryCsvUrl, `simulation-${sim.id}-summary.csv`],
    ['Samples CSV', sim.samplesCsvUrl, `simulation-${sim.id}-samples.csv`],
  ];
  return (
    <div className="downloads">
      {files.map(([label, url, name]) =>
        url ? (
          <button key={label} type="button" onClick={() => downloadFile(url, name).then(() => setFailure(null), (e: Error) => setFailure(e.message))}>
            {label}
          </button>
        ) : null,
      )}
      {failure && <span role="alert" className="error">{failure}</span>}
    </div>
  );
}

/** An output's value at percentile p, if stored. */
function percentileValue(result: Result, p: number): number | undefined {
  return result.percentiles.find((x) => x.p === p)?.value;
}

/**
 * The output's number format, read from its cell's displayed value in the
 * workbook (null while loading, for a deleted workbook or a plain number).
 */
export function useOutputFormat(workbookId: string | null, cell: string): NumberFormatter | null {
  const ref = parseRef(cell);
  const { data } = useQuery(CELLS, {
    variables: { id: workbookId ?? '', sheet: ref?.sheet ?? '', range: ref ? `${columnName(ref.col)}${ref.row}` : null },
    skip: !workbookId || !ref?.sheet,
    fetchPolicy: 'cache-first',
  });
  const c = data?.workbook?.cells.cells[0];
  return useMemo(() => formatterFromDisplay(c?.value, c?.number), [c?.value, c?.number]);
}

/** Histogram and S-curve with one pair of delimiters, at P5 and P95 to begin with. */
export function DelimitedCharts({ result, workbookId }: { result: Result; workbookId: string | null }) {
  const bins = result.histogram.bins;
  const initial = (): DelimiterState => ({
    lower: percentileValue(result, 5) ?? bins[0]?.lower ?? result.min,
    upper: percentileValue(result, 95) ?? bins[bins.length - 1]?.upper ?? result.max,
  });
  const [state, setState] = useState<DelimiterState>(initial);
  const fromDisplay = useOutputFormat(workbookId, result.cell);
  const format = formatterFromCode(result.numberFormat) ?? fromDisplay ?? ((x: number) => formatNumber(x));
  const delimiters = { state, onChange: setState };
  return (
    <>
      {bins.length > 0 && <DelimiterBar bins={bins} state={state} onChange={setState} format={format} />}
      <Histogram result={result} delimiters={delimiters} format={format} />
      <SCurve result={result} delimiters={delimiters} format={format} />
    </>
  );
}
