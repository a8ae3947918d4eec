// The live progress of a simulation: an accessible progress bar (role,
// aria-valuenow/min/max and a spoken value text), iterations, time left and
// the running mean ± standard error of each output.
import { formatEta, formatInt, formatNumber } from '../lib/format';

export interface ProgressValue {
  status: string;
  stage: string;
  percent: number;
  iterationsDone: number;
  iterationsTotal: number;
  elapsedMs?: number;
  etaMs: number | null;
  outputs: { cell: string; mean: number; stdError: number }[];
}

const STAGES: Record<string, string> = {
  queued: 'Queued',
  compiling: 'Compiling the workbook',
  sampling: 'Sampling inputs',
  running: 'Running',
  summarizing: 'Summarizing results',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function stageLabel(stage: string): string {
  return STAGES[stage.toLowerCase()] ?? stage.charAt(0).toUpperCase() + stage.slice(1);
}

export function clampPercent(p: number): number {
  if (!Number.isFinite(p)) return 0;
  return Math.min(100, Math.max(0, p));
}

export function progressText(p: ProgressValue): string {
  const pct = Math.floor(clampPercent(p.percent));
  const parts = [`${pct}%`, `${formatInt(p.iterationsDone)} of ${formatInt(p.iterationsTotal)} iterations`];
  const eta = formatEta(p.etaMs);
  if (eta && p.status === 'RUNNING') parts.push(eta === 'less than a second' ? 'less than a second left' : `about ${eta} left`);
  return parts.join(', ');
}

interface Props {
  progress: ProgressValue;
  label?: string;
  outputNames?: Record<string, string>;
  /** The running mean ± standard error table (hidden once results are in). */
  showOutputs?: boolean;
}

export function ProgressBar({ progress, label = 'Simulation progress', outputNames = {}, showOutputs = true }: Props) {
  const pct = clampPercent(progress.percent);
  const now = Math.floor(pct);
  const eta = formatEta(progress.etaMs);
  const tone = progress.status === 'FAILED' ? 'failed' : progress.status === 'CANCELLED' ? 'cancelled' : progress.status === 'COMPLETED' ? 'done' : 'running';
  return (
    <section className="progress" aria-label={label}>
      <div className="progress-head">
        <span className="progress-stage">{stageLabel(progress.stage)}</span>
        <span className="progress-percent" aria-hidden="true">
          {now}%
        </span>
      </div>
      <div
        className={`progress-track progress-${tone}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={now}
        aria-valuetext={progressText(progress)}
      >
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <dl className="progress-facts">
        <div>
          <dt>Iterations</dt>
          <dd>
            {formatInt(progress.iterationsDone)} / {formatInt(progress.iterationsTotal)}
          </dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd data-testid="eta">{progress.status === 'RUNNING' || progress.status === 'QUEUED' ? eta || 'estimating…' : '—'}</dd>
        </div>
      </dl>
      {showOutputs && progress.outputs.length > 0 && (
        <table className="convergence">
          <caption>Running estimates</caption>
          <thead>
            <tr>
              <th scope="col">Output</th>
              <th scope="col">Mean</th>
              <th scope="col">± standard error</th>
            </tr>
          </thead>
          <tbody>
            {progress.outputs.map((o) => (
              <tr key={o.cell}>
                <th scope="row">{outputNames[o.cell] ? `${outputNames[o.cell]} (${o.cell})` : o.cell}</th>
                <td className="num">{formatNumber(o.mean, 6)}</td>
                <td className="num">± {formatNumber(o.stdError, 3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
