// The model the workbook defines in its own cells: its @RISK or ModelRisk
// inputs with their distributions, its marked outputs and what cannot be
// simulated, the correlations its matrices give, its t and Archimedean
// copulas (which a run without correlations imposes) and the scenarios of its
// RiskSimtable cells. A detected input can be overridden: it becomes an
// input of the draft, edited in the distribution form like any other.
import type { DetectedCopula, DetectedInput, DetectedModel } from '../graphql/incell';
import { describe, type DistributionInput } from '../lib/distributions';
import { formatNumber } from '../lib/format';
import type { Model, ModelInput } from '../lib/model';

/** A distribution from the API without its unset (null) parameters, as inputs are sent. */
export function cleanDistribution(d: Record<string, unknown>): DistributionInput {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) if (v !== null && v !== undefined && k !== '__typename') out[k] = v;
  return out as unknown as DistributionInput;
}

/** The draft input that overrides a detected one. */
export function overrideOf(d: DetectedInput): ModelInput {
  return { cell: d.cell, name: d.name, distribution: cleanDistribution(d.distribution) };
}

const sameCell = (a: string, b: string) => a.replace(/\$/g, '') === b.replace(/\$/g, '');

/**
 * Detection problems no draft input overrides: while any remains, the server
 * refuses the workbook's own model. Notes (refusesModel false) never refuse it.
 */
export function unresolvedProblems(detected: DetectedModel | undefined, model: Model) {
  return (detected?.detectionProblems ?? []).filter((p) => p.refusesModel !== false && !model.inputs.some((i) => sameCell(i.cell, p.cell)));
}

/** Whether the workbook's own model supplies what the draft lacks. */
export function hasDetectedModel(detected: DetectedModel | undefined): boolean {
  return (
    !!detected &&
    (detected.detectedInputs.length > 0 ||
      detected.detectedOutputs.length > 0 ||
      detected.detectionProblems.length > 0 ||
      (detected.detectedCorrelations?.length ?? 0) > 0 ||
      (detected.detectedCopulas?.length ?? 0) > 0 ||
      !!detected.detectedScenarios)
  );
}

const copulaFamilyNames: Record<string, string> = { NORMAL: 'Normal', T: 'Student t', CLAYTON: 'Clayton', GUMBEL: 'Gumbel', FRANK: 'Frank' };

/** A copula's parameters for people: ν and the off-diagonal correlations of a t copula, α or θ of an Archimedean one. */
export function copulaParameters(c: DetectedCopula): string {
  if (c.family === 'T' || c.family === 'NORMAL') {
    const parts: string[] = [];
    if (c.degreesOfFreedom != null) parts.push(`ν = ${formatNumber(c.degreesOfFreedom)}`);
    const m = c.correlation ?? [];
    for (let i = 0; i < m.length; i++) for (let j = i + 1; j < m[i].length; j++) parts.push(`r(${i + 1},${j + 1}) = ${formatNumber(m[i][j])}`);
    return parts.join(', ');
  }
  return c.theta == null ? '' : `${c.family === 'CLAYTON' ? 'α' : 'θ'} = ${formatNumber(c.theta)}`;
}

interface Props {
  detected: DetectedModel;
  model: Model;
  onGo: (cell: string) => void;
  onOverride: (input: ModelInput) => void;
  onRestore: (cell: string) => void;
}

export function DetectedModelPanel({ detected, model, onGo, onOverride, onRestore }: Props) {
  if (!hasDetectedModel(detected)) return null;
  const overridden = (cell: string) => model.inputs.some((i) => sameCell(i.cell, cell));
  const problems = unresolvedProblems(detected, model);
  return (
    <section className="panel" aria-labelledby="detected-title" data-testid="detected-model">
      <h2 id="detected-title">Model in the workbook</h2>
      <p className="muted small">
        Distributions and outputs written in the workbook’s cells (@RISK, ModelRisk). A run uses them with no inputs or outputs of yours; an input of
        yours on the same cell overrides the workbook’s.
      </p>
      <h3>
        Inputs <span className="count">{detected.detectedInputs.length}</span>
      </h3>
      {detected.detectedInputs.length === 0 ? (
        <p className="muted small">No in-cell distributions.</p>
      ) : (
        <table className="table compact" aria-label="Detected inputs">
          <thead>
            <tr>
              <th scope="col">Cell</th>
              <th scope="col">Name</th>
              <th scope="col">Distribution</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {detected.detectedInputs.map((d) => {
              const over = overridden(d.cell);
              return (
                <tr key={d.cell} className={over ? 'overridden' : undefined}>
                  <td>
                    <button type="button" className="link-button" onClick={() => onGo(d.cell)}>
                      {d.cell}
                    </button>
                  </td>
                  <td>{d.name ?? <span className="muted">—</span>}</td>
                  <td>
                    <span title={`=${d.function}(…) · static value ${formatNumber(d.staticValue)}`}>{describe(cleanDistribution(d.distribution))}</span>
                    {typeof d.distribution.shift === 'number' && <span> shifted by {formatNumber(d.distribution.shift)}</span>}
                    <span className="muted small"> {d.function}</span>
                    {over && <span className="tag">overridden</span>}
                  </td>
                  <td>
                    {over ? (
                      <button type="button" className="link-button" aria-label={`Use the workbook's distribution for ${d.cell}`} onClick={() => onRestore(d.cell)}>
                        Use workbook’s
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="link-button"
                        aria-label={`Override ${d.cell}`}
                        onClick={() => {
                          onOverride(overrideOf(d));
                          onGo(d.cell);
                        }}
                      >
                        Override
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <h3>
        Outputs <span className="count">{detected.detectedOutputs.length}</span>
      </h3>
      {detected.detectedOutputs.length === 0 ? (
        <p className="muted small">No cells marked with RiskOutput or VoseOutput.</p>
      ) : (
        <>
          <ul className="model-list" aria-label="Detected outputs">
            {detected.detectedOutputs.map((o) => (
              <li key={o.cell}>
                <button type="button" className="link-button" onClick={() => onGo(o.cell)}>
                  {o.cell}
                </button>
                {o.name && <span> {o.name}</span>}
              </li>
            ))}
          </ul>
          {model.outputs.length > 0 && <p className="muted small">Your outputs replace these in a run.</p>}
        </>
      )}
      {(detected.detectedCorrelations?.length ?? 0) > 0 && (
        <>
          <h3>
            Correlations <span className="count">{detected.detectedCorrelations!.length}</span>
          </h3>
          <table className="table compact" aria-label="Detected correlations">
            <thead>
              <tr>
                <th scope="col">Inputs</th>
                <th scope="col">Rank correlation</th>
                <th scope="col">Matrix</th>
              </tr>
            </thead>
            <tbody>
              {detected.detectedCorrelations!.map((c) => (
                <tr key={`${c.cellA}|${c.cellB}`}>
                  <td>
                    <button type="button" className="link-button" onClick={() => onGo(c.cellA)}>
                      {c.cellA}
                    </button>{' '}
                    ↔{' '}
                    <button type="button" className="link-button" onClick={() => onGo(c.cellB)}>
                      {c.cellB}
                    </button>
                  </td>
                  <td>{formatNumber(c.coefficient)}</td>
                  <td className="muted small">{c.matrix}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {model.correlations.length > 0 && <p className="muted small">Your correlations replace these in a run.</p>}
        </>
      )}
      {(detected.detectedCopulas?.length ?? 0) > 0 && (
        <>
          <h3>
            Copulas <span className="count">{detected.detectedCopulas!.length}</span>
          </h3>
          <table className="table compact" aria-label="Detected copulas">
            <thead>
              <tr>
                <th scope="col">Family</th>
                <th scope="col">Inputs</th>
                <th scope="col">Parameters</th>
                <th scope="col">Copula</th>
              </tr>
            </thead>
            <tbody>
              {detected.detectedCopulas!.map((c) => (
                <tr key={c.matrix}>
                  <td>{copulaFamilyNames[c.family] ?? c.family}</td>
                  <td>
                    {c.cells.map((cell, i) => (
                      <span key={cell}>
                        {i > 0 && ', '}
                        <button type="button" className="link-button" onClick={() => onGo(cell)}>
                          {cell}
                        </button>
                        {overridden(cell) && <span className="muted small"> (overridden: leaves the copula)</span>}
                      </span>
                    ))}
                  </td>
                  <td>{copulaParameters(c)}</td>
                  <td className="muted small">{c.matrix}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {model.correlations.length > 0 && <p className="muted small">Your correlations replace these in a run.</p>}
        </>
      )}
      {detected.detectedScenarios && (
        <>
          <h3>
            Scenarios <span className="count">{detected.detectedScenarios.count}</span>
          </h3>
          <p className="muted small">RiskSimtable cells: scenario k sets each to its k-th value. A run uses the first.</p>
          <table className="table compact" aria-label="Detected scenarios">
            <thead>
              <tr>
                <th scope="col">Cell</th>
                {Array.from({ length: detected.detectedScenarios.count }, (_, k) => (
                  <th scope="col" key={k}>
                    {k + 1}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {detected.detectedScenarios.cells.map((c) => (
                <tr key={c.cell}>
                  <td>
                    <button type="button" className="link-button" onClick={() => onGo(c.cell)}>
                      {c.cell}
                    </button>
                  </td>
                  {Array.from({ length: detected.detectedScenarios!.count }, (_, k) => (
                    <td key={k}>{k < c.values.length ? formatNumber(c.values[k]) : <span className="muted">{formatNumber(c.values[0])}</span>}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {detected.detectionProblems.length > 0 && (
        <div className={problems.length > 0 ? 'notice warn' : 'notice'} role="note">
          <p>
            {problems.length > 0
              ? 'These cells use functions the engine cannot simulate; override each with a distribution of yours to run the workbook:'
              : 'Every cell the engine could not simulate is overridden:'}
          </p>
          <ul aria-label="Detection problems">
            {detected.detectionProblems.map((p) => (
              <li key={p.cell}>
                <button type="button" className="link-button" onClick={() => onGo(p.cell)}>
                  {p.cell}
                </button>{' '}
                {p.message}
                {overridden(p.cell) && <span className="tag">overridden</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
