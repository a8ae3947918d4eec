import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { gql, type TypedDocumentNode } from '@apollo/client';
import { useMutation, useQuery } from '@apollo/client/react';
import { CELLS, CREATE_SIMULATION, WORKBOOK, type Cell, type Sampling, type SimulationSummary } from '../graphql/operations';
import { describe } from '../lib/distributions';
import { cellText, formatBytes, formatDate, formatInt } from '../lib/format';
import { columnName, parseRef, useModel, type Model, type ModelCorrelation } from '../lib/model';
import { Link, navigate } from '../lib/router';
import { DistributionForm } from '../components/DistributionForm';
import { ScenarioEditor, scenarioError } from '../components/ScenarioEditor';
import { ProblemView } from '../components/Problem';
import { SavedModels } from '../components/SavedModels';
import { RUN_MODEL } from '../graphql/models';
import { StatusBadge } from '../components/StatusBadge';
import { DETECTED_MODEL, type DetectedModel } from '../graphql/incell';
import { DetectedModelPanel, cleanDistribution, hasDetectedModel, unresolvedProblems } from '../components/DetectedModel';

const WORKBOOK_SIMULATIONS: TypedDocumentNode<
  { workbook: { id: string; simulations: { totalCount: number; edges: { node: SimulationSummary }[] } } | null },
  { id: string }
> = gql`
  query WorkbookSimulations($id: ID!) {
    workbook(id: $id) {
      id
      simulations(first: 5) {
        totalCount
        edges {
          node {
            id
            name
            workbookId
            workbook {
              id
              name
            }
            status
            iterations
            sampling
            outputs
            createdAt
            completedAt
            elapsedMs
            error
          }
        }
      }
    }
  }
`;

export function WorkbookPage({ id }: { id: string }) {
  const { data, loading, error } = useQuery(WORKBOOK, { variables: { id } });
  const wb = data?.workbook;
  const modelApi = useModel(id);
  // The in-cell model is read apart from the workbook: a workbook whose
  // detection fails still opens.
  const detectedQuery = useQuery(DETECTED_MODEL, { variables: { id } });
  const detected = detectedQuery.data?.workbook ?? undefined;
  const [sheet, setSheet] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);

  useEffect(() => {
    if (wb && (!sheet || !wb.sheets.some((s) => s.name === sheet))) setSheet(wb.sheets[0]?.name ?? null);
  }, [wb, sheet]);

  if (error) return <div className="page"><ProblemView error={error} title="Could not open the workbook" /></div>;
  if (loading && !wb) return <div className="page"><p className="muted">Loading workbook…</p></div>;
  if (!wb)
    return (
      <div className="page">
        <h1>Workbook not found</h1>
        <p>
          It may have been deleted, or it belongs to another organization. <Link to="/workbooks">Back to your workbooks</Link>
        </p>
      </div>
    );

  const goTo = (ref: string) => {
    const p = parseRef(ref);
    if (p?.sheet) setSheet(p.sheet);
    setSelected(ref);
  };

  return (
    <div className="page page-wide">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link to="/workbooks">Workbooks</Link> <span aria-hidden="true">/</span> <span aria-current="page">{wb.name}</span>
      </nav>
      <div className="page-head">
        <h1>{wb.name}</h1>
        <span className="muted">
          {wb.sheets.length} sheet{wb.sheets.length === 1 ? '' : 's'} · {formatInt(wb.formulaCount)} formulas · {formatBytes(wb.size)} · uploaded{' '}
          {formatDate(wb.createdAt)}
        </span>
      </div>
      {wb.unsupportedFunctions.length > 0 && (
        <div className="notice warn" role="note">
          This workbook uses functions the engine does not implement:{' '}
          {wb.unsupportedFunctions.map((f) => `${f.name} (×${f.count})`).join(', ')}. Outputs that depend on them cannot be simulated.
        </div>
      )}
      <div className="workbench">
        <section className="sheet-area" aria-label="Spreadsheet">
          <div role="tablist" aria-label="Sheets" className="sheet-tabs">
            {wb.sheets.map((s) => (
              <button
                key={s.name}
                role="tab"
                type="button"
                aria-selected={s.name === sheet}
                tabIndex={s.name === sheet ? 0 : -1}
                onClick={() => setSheet(s.name)}
                onKeyDown={(e) => {
                  const i = wb.sheets.findIndex((x) => x.name === s.name);
                  const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : null;
                  if (next !== null && wb.sheets[(next + wb.sheets.length) % wb.sheets.length]) {
                    e.preventDefault();
                    const t = wb.sheets[(next + wb.sheets.length) % wb.sheets.length];
                    setSheet(t.name);
                    (e.currentTarget.parentElement?.children[(next + wb.sheets.length) % wb.sheets.length] as HTMLElement | undefined)?.focus();
                  }
                }}
              >
                {s.name}
                <span className="muted small"> {s.dimension}</span>
              </button>
            ))}
          </div>
          {sheet && <SheetGrid workbookId={id} sheet={sheet} model={modelApi.model} detected={detected} selected={selected} onSelect={setSelected} />}
        </section>
        <aside className="side" aria-label="Model">
          <CellEditor workbookId={id} selected={selected} modelApi={modelApi} detected={detected} onClose={() => setSelected(null)} />
          {detected && (
            <DetectedModelPanel detected={detected} model={modelApi.model} onGo={goTo} onOverride={modelApi.setInput} onRestore={modelApi.removeInput} />
          )}
          {detectedQuery.error && <ProblemView error={detectedQuery.error} title="Could not read the model in the workbook's cells" />}
          <ModelSummary model={modelApi.model} onGo={goTo} onRemoveInput={modelApi.removeInput} onRemoveOutput={modelApi.removeOutput} />
          <SavedModels workbookId={id} model={modelApi.model} onLoad={modelApi.replace} onSaved={modelApi.setSaved} />
          <RunPanel workbookId={id} modelApi={modelApi} detected={detected} />
          <RecentRuns workbookId={id} />
        </aside>
      </div>
    </div>
  );
}

// ---- grid ---------------------------------------------------------------------

interface GridProps {
  workbookId: string;
  sheet: string;
  model: Model;
  detected?: DetectedModel;
  selected: string | null;
  onSelect: (ref: string) => void;
}

function refOf(sheet: string, col: number, row: number) {
  const q = /^[A-Za-z_][A-Za-z0-9_.]*$/.test(sheet) ? sheet : `'${sheet.replace(/'/g, "''")}'`;
  return `${q}!${columnName(col)}${row}`;
}

function SheetGrid({ workbookId, sheet, model, detected, selected, onSelect }: GridProps) {
  const { data, loading, error } = useQuery(CELLS, { variables: { id: workbookId, sheet } });
  const page = data?.workbook?.cells;
  const [active, setActive] = useState<{ row: number; col: number }>({ row: 1, col: 1 });
  const gridRef = useRef<HTMLTableElement>(null);

  const layout = useMemo(() => {
    const byPos = new Map<string, Cell>();
    let maxRow = 1, maxCol = 1;
    for (const c of page?.cells ?? []) {
      const p = parseRef(c.ref);
      const row = p?.row ?? c.row;
      const col = p?.col ?? c.column;
      byPos.set(`${row}:${col}`, c);
      maxRow = Math.max(maxRow, row);
      maxCol = Math.max(maxCol, col);
    }
    return { byPos, maxRow, maxCol };
  }, [page]);

  const inputs = useMemo(() => new Map(model.inputs.map((i) => [i.cell, i])), [model.inputs]);
  const outputs = useMemo(() => new Map(model.outputs.map((o) => [o.cell, o])), [model.outputs]);
  const detectedInputs = useMemo(() => new Map((detected?.detectedInputs ?? []).map((d) => [d.cell.replace(/\$/g, ''), d])), [detected]);
  const detectedOutputs = useMemo(() => new Set((detected?.detectedOutputs ?? []).map((d) => d.cell.replace(/\$/g, ''))), [detected]);

  useEffect(() => {
    setActive({ row: 1, col: 1 });
  }, [sheet]);

  if (error) return <ProblemView error={error} title={`Could not load the cells of ${sheet}`} />;
  if (loading && !page) return <p className="muted">Loading cells…</p>;
  if (!page) return null;

  const cellRef = (row: number, col: number) => layout.byPos.get(`${row}:${col}`)?.ref ?? refOf(sheet, col, row);
  const sameRef = (a: string | null, b: string) => a !== null && a.replace(/\$/g, '') === b.replace(/\$/g, '');

  const move = (row: number, col: number) => {
    const r = Math.min(layout.maxRow, Math.max(1, row));
    const c = Math.min(layout.maxCol, Math.max(1, col));
    setActive({ row: r, col: c });
    requestAnimationFrame(() => gridRef.current?.querySelector<HTMLElement>(`[data-pos="${r}:${c}"]`)?.focus());
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const { row, col } = active;
    const keys: Record<string, () => void> = {
      ArrowUp: () => move(row - 1, col),
      ArrowDown: () => move(row + 1, col),
      ArrowLeft: () => move(row, col - 1),
      ArrowRight: () => move(row, col + 1),
      Home: () => move(e.ctrlKey ? 1 : row, 1),
      End: () => move(e.ctrlKey ? layout.maxRow : row, layout.maxCol),
      PageUp: () => move(row - 10, col),
      PageDown: () => move(row + 10, col),
      Enter: () => onSelect(cellRef(row, col)),
      ' ': () => onSelect(cellRef(row, col)),
    };
    const f = keys[e.key];
    if (f) {
      e.preventDefault();
      f();
    }
  };

  const rows = [];
  for (let r = 1; r <= layout.maxRow; r++) {
    const tds = [];
    for (let c = 1; c <= layout.maxCol; c++) {
      const cell = layout.byPos.get(`${r}:${c}`);
      const ref = cellRef(r, c);
      const input = cell ? inputs.get(cell.ref) : undefined;
      const output = cell ? outputs.get(cell.ref) : undefined;
      const inCell = cell && !input ? detectedInputs.get(cell.ref.replace(/\$/g, '')) : undefined;
      const inCellOutput = !!cell && !output && model.outputs.length === 0 && detectedOutputs.has(cell.ref.replace(/\$/g, ''));
      const isActive = active.row === r && active.col === c;
      const classes = ['cell'];
      if (cell?.formula) classes.push('cell-formula');
      if (cell?.type === 'NUMBER') classes.push('num');
      if (input) classes.push('cell-input');
      if (output) classes.push('cell-output');
      if (inCell) classes.push('cell-input', 'cell-detected');
      if (inCellOutput) classes.push('cell-output', 'cell-detected');
      if (cell?.type === 'ERROR') classes.push('cell-error');
      const sel = sameRef(selected, ref);
      if (sel) classes.push('cell-selected');
      const title = cell
        ? `${cell.ref}${cell.formula ? ` = ${cell.formula}` : ''}${input ? ` — input: ${describe(input.distribution)}` : ''}${output ? ' — output' : ''}`
        : ref;
      tds.push(
        <td
          key={c}
          role="gridcell"
          className={classes.join(' ')}
          data-pos={`${r}:${c}`}
          data-ref={cell?.ref ?? ref}
          aria-selected={sel}
          tabIndex={isActive ? 0 : -1}
          title={title}
          onClick={() => {
            setActive({ row: r, col: c });
            onSelect(ref);
          }}
          onFocus={() => !isActive && setActive({ row: r, col: c })}
        >
          {input && <span className="cell-tag tag-input" aria-label="input">◆</span>}
          {output && <span className="cell-tag tag-output" aria-label="output">◎</span>}
          {inCell && <span className="cell-tag tag-input" aria-label="input in the workbook">◆</span>}
          {inCellOutput && <span className="cell-tag tag-output" aria-label="output in the workbook">◎</span>}
          {cell ? cellText(cell.value, cell.type, cell.number) : ''}
        </td>,
      );
    }
    rows.push(
      <tr key={r}>
        <th scope="row" className="row-head">
          {r}
        </th>
        {tds}
      </tr>,
    );
  }

  const selCell = selected ? [...layout.byPos.values()].find((c) => sameRef(c.ref, selected)) : undefined;

  return (
    <>
      <div className="formula-bar" aria-live="polite">
        <span className="formula-ref">{selected ?? cellRef(active.row, active.col)}</span>
        <span className="formula-text">{selCell ? (selCell.formula ? `=${selCell.formula}` : selCell.value ?? '') : ''}</span>
      </div>
      <div className="grid-scroll">
        <table className="grid" role="grid" aria-label={`Sheet ${sheet}`} aria-rowcount={layout.maxRow} aria-colcount={layout.maxCol} ref={gridRef} onKeyDown={onKeyDown}>
          <thead>
            <tr>
              <th className="corner" aria-hidden="true" />
              {Array.from({ length: layout.maxCol }, (_, i) => (
                <th key={i} scope="col" className="col-head">
                  {columnName(i + 1)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{rows}</tbody>
        </table>
      </div>
      <p className="muted small legend">
        <span className="cell-tag tag-input">◆</span> input <span className="cell-tag tag-output">◎</span> output <span className="legend-formula">ƒ</span> formula. Select a
        constant to make it an input, a formula to make it an output. Arrow keys move, Enter selects.
      </p>
    </>
  );
}

// ---- the selected cell ------------------------------------------------------------

type ModelApi = ReturnType<typeof useModel>;

function CellEditor({
  workbookId,
  selected,
  modelApi,
  detected,
  onClose,
}: {
  workbookId: string;
  selected: string | null;
  modelApi: ModelApi;
  detected?: DetectedModel;
  onClose: () => void;
}) {
  const sheet = selected ? parseRef(selected)?.sheet ?? '' : '';
  const { data } = useQuery(CELLS, { variables: { id: workbookId, sheet }, skip: !selected || !sheet, fetchPolicy: 'cache-first' });
  const nameId = useId();
  const [outName, setOutName] = useState('');
  const norm = (s: string) => s.replace(/\$/g, '');
  const cell = selected ? data?.workbook?.cells.cells.find((c) => norm(c.ref) === norm(selected)) : undefined;
  const ref = cell?.ref ?? selected;
  const input = ref ? modelApi.model.inputs.find((i) => i.cell === ref) : undefined;
  const output = ref ? modelApi.model.outputs.find((o) => o.cell === ref) : undefined;
  const inCell = ref ? detected?.detectedInputs.find((d) => norm(d.cell) === norm(ref)) : undefined;
  const problem = ref ? detected?.detectionProblems.find((p) => norm(p.cell) === norm(ref)) : undefined;

  useEffect(() => setOutName(output?.name ?? ''), [ref, output?.name]);

  if (!selected || !ref) {
    return (
      <section className="panel" aria-labelledby="cell-editor-title">
        <h2 id="cell-editor-title">Cell</h2>
        <p className="muted">Select a cell in the sheet.</p>
      </section>
    );
  }

  let body;
  // A formula whose file carries no cached value (written by a library, not
  // recalculated by a spreadsheet) is still a formula: blank only without one.
  if (inCell || problem || (input && cell?.formula)) {
    // A distribution written in the cell: overriding it makes it an input of the draft.
    body = (
      <>
        {cell?.formula && (
          <p className="formula-preview">
            <code>={cell.formula}</code>
          </p>
        )}
        {problem && !input && <p className="notice warn">{problem.message}</p>}
        {inCell && !input && <p className="muted small">The workbook draws this input from {describe(cleanDistribution(inCell.distribution))}. Override it here:</p>}
        <DistributionForm
          key={ref}
          cell={ref}
          cellValue={inCell?.staticValue ?? cell?.number ?? null}
          initial={input?.distribution ?? (inCell ? cleanDistribution(inCell.distribution) : undefined)}
          initialName={input?.name ?? inCell?.name}
          submitLabel={input ? 'Save input' : 'Override input'}
          onSubmit={(distribution, name) => modelApi.setInput({ cell: ref, name, distribution })}
          onRemove={input ? () => modelApi.removeInput(ref) : undefined}
        />
      </>
    );
  } else if (!cell || (cell.type === 'BLANK' && !cell.formula)) {
    body = <p className="muted">This cell is empty. Inputs are cells holding a number; outputs are formula cells.</p>;
  } else if (cell.formula) {
    body = (
      <>
        <p className="formula-preview">
          <code>={cell.formula}</code>
        </p>
        <p>
          Current value: <strong>{cell.value ?? '—'}</strong>
        </p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            modelApi.setOutput({ cell: ref, name: outName.trim() || null });
          }}
        >
          <div className="field">
            <label htmlFor={nameId}>
              Output name <span className="muted">(optional)</span>
            </label>
            <input id={nameId} value={outName} onChange={(e) => setOutName(e.target.value)} placeholder="e.g. NPV" autoComplete="off" />
          </div>
          <div className="actions">
            <button type="submit" className="primary">
              {output ? 'Save output' : 'Make output'}
            </button>
            {output && (
              <button type="button" className="danger" onClick={() => modelApi.removeOutput(ref)}>
                Remove output
              </button>
            )}
          </div>
        </form>
      </>
    );
  } else if (cell.type === 'NUMBER') {
    body = (
      <DistributionForm
        key={ref}
        cell={ref}
        cellValue={cell.number}
        initial={input?.distribution}
        initialName={input?.name}
        submitLabel={input ? 'Save input' : 'Make input'}
        onSubmit={(distribution, name) => modelApi.setInput({ cell: ref, name, distribution })}
        onRemove={input ? () => modelApi.removeInput(ref) : undefined}
      />
    );
  } else {
    body = <p className="muted">This cell holds {cell.type === 'STRING' ? 'text' : cell.type.toLowerCase()}, not a number: it cannot be an input.</p>;
  }

  return (
    <section className="panel" aria-labelledby="cell-editor-title">
      <div className="panel-head">
        <h2 id="cell-editor-title">
          {ref}{' '}
          {input && <span className="tag tag-input">input</span>}
          {output && <span className="tag tag-output">output</span>}
        </h2>
        <button type="button" className="icon-button" aria-label="Close the cell editor" onClick={onClose}>
          ×
        </button>
      </div>
      {cell && !cell.formula && cell.type === 'NUMBER' && (
        <p className="muted small">
          Value in the workbook: {cell.value} {input ? `· now ${describe(input.distribution)}` : ''}
        </p>
      )}
      {body}
    </section>
  );
}

// ---- model summary ----------------------------------------------------------------

function ModelSummary({
  model,
  onGo,
  onRemoveInput,
  onRemoveOutput,
}: {
  model: Model;
  onGo: (ref: string) => void;
  onRemoveInput: (ref: string) => void;
  onRemoveOutput: (ref: string) => void;
}) {
  return (
    <section className="panel" aria-labelledby="model-title">
      <h2 id="model-title">Model</h2>
      <h3>
        Inputs <span className="count">{model.inputs.length}</span>
      </h3>
      {model.inputs.length === 0 ? (
        <p className="muted small">No inputs yet.</p>
      ) : (
        <ul className="model-list" aria-label="Inputs">
          {model.inputs.map((i) => (
            <li key={i.cell}>
              <button type="button" className="link-button" onClick={() => onGo(i.cell)}>
                {i.cell}
              </button>
              {i.name && <span> {i.name}</span>}
              <span className="muted small"> {describe(i.distribution)}</span>
              <button type="button" className="icon-button" aria-label={`Remove input ${i.cell}`} onClick={() => onRemoveInput(i.cell)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <h3>
        Outputs <span className="count">{model.outputs.length}</span>
      </h3>
      {model.outputs.length === 0 ? (
        <p className="muted small">No outputs yet.</p>
      ) : (
        <ul className="model-list" aria-label="Outputs">
          {model.outputs.map((o) => (
            <li key={o.cell}>
              <button type="button" className="link-button" onClick={() => onGo(o.cell)}>
                {o.cell}
              </button>
              {o.name && <span> {o.name}</span>}
              <button type="button" className="icon-button" aria-label={`Remove output ${o.cell}`} onClick={() => onRemoveOutput(o.cell)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// ---- run ---------------------------------------------------------------------------

const MAX_ITERATIONS = 10_000_000;

export function RunPanel({ workbookId, modelApi, detected }: { workbookId: string; modelApi: ModelApi; detected?: DetectedModel }) {
  const { model, setSettings, setCorrelations, setScenarios } = modelApi;
  const scenarios = model.scenarios ?? [];
  const id = useId();
  const [iterText, setIterText] = useState(String(model.settings.iterations));
  const [seedText, setSeedText] = useState(model.settings.seed === null ? '' : String(model.settings.seed));
  const [create, createState] = useMutation(CREATE_SIMULATION);
  const [runSaved, runSavedState] = useMutation(RUN_MODEL);
  const loading = createState.loading || runSavedState.loading;
  const error = createState.error ?? runSavedState.error;
  const reset = () => {
    createState.reset();
    runSavedState.reset();
  };
  const [targetsText, setTargetsText] = useState('');

  useEffect(() => {
    setIterText(String(model.settings.iterations));
    setSeedText(model.settings.seed === null ? '' : String(model.settings.seed));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [workbookId, model.saved?.id, model.saved?.version]);

  const iterations = /^\d+$/.test(iterText.trim().replace(/[,_ ]/g, '')) ? Number(iterText.trim().replace(/[,_ ]/g, '')) : NaN;
  const iterError = !Number.isInteger(iterations) || iterations < 1 ? 'Enter a whole number of iterations' : iterations > MAX_ITERATIONS ? `At most ${formatInt(MAX_ITERATIONS)}` : null;
  const seed = seedText.trim() === '' ? null : /^-?\d+$/.test(seedText.trim()) ? Number(seedText.trim()) : NaN;
  const seedError = seed !== null && !Number.isSafeInteger(seed) ? 'Enter a whole number, or leave empty for a random seed' : null;
  const corrErrors = model.correlations.map((c) => correlationError(c, model));
  // The workbook's own model supplies inputs and outputs the draft lacks.
  const inCell = hasDetectedModel(detected);
  const hasInputs = model.inputs.length > 0 || (detected?.detectedInputs.length ?? 0) > 0;
  const hasOutputs = model.outputs.length > 0 || (detected?.detectedOutputs.length ?? 0) > 0;
  const missing = [hasInputs ? null : 'at least one input', hasOutputs ? null : 'at least one output'].filter(Boolean);
  const blocking = unresolvedProblems(detected, model);
  const targetParts = targetsText.split(',').map((t) => t.trim().replace(/[_ ]/g, '')).filter((t) => t !== '');
  const targets = targetParts.map(Number);
  const targetsError = targets.some((x) => !Number.isFinite(x)) ? 'Enter numbers separated by commas' : null;
  const scenariosOk = scenarios.every((sc) => !scenarioError(sc, scenarios));
  const canRun = !iterError && !seedError && !targetsError && scenariosOk && corrErrors.every((e) => !e) && missing.length === 0 && blocking.length === 0 && !loading;

  // A draft that is still exactly a saved version runs that version, so
  // the simulation records it; targets are not part of a saved model.
  const saved = model.saved && !model.saved.modified && targets.length === 0 ? model.saved : null;

  const run = async () => {
    reset();
    try {
      if (saved) {
        const res = await runSaved({ variables: { id: saved.id, input: { version: saved.version, name: model.settings.name.trim() || undefined } } });
        const sim = res.data?.runModel;
        if (sim) navigate(`/simulations/${encodeURIComponent(sim.id)}`);
        return;
      }
      const res = await create({
        variables: {
          input: {
            workbookId,
            name: model.settings.name.trim() || undefined,
            inputs: model.inputs.map((i) => ({ cell: i.cell, name: i.name ?? undefined, distribution: i.distribution })),
            outputs: model.outputs.map((o) => o.cell),
            outputNames: model.outputs.map((o) => o.name?.trim() || null),
            targets: targets.length > 0 ? targets : undefined,
            iterations,
            seed: seed ?? undefined,
            sampling: model.settings.sampling,
            correlations: model.correlations.length > 0 ? model.correlations : undefined,
            scenarios: scenarios.length > 0 ? scenarios : undefined,
          },
        },
      });
      const sim = res.data?.createSimulation;
      if (sim) navigate(`/simulations/${encodeURIComponent(sim.id)}`);
    } catch {
      // shown from `error`
    }
  };

  return (
    <section className="panel" aria-labelledby="run-title">
      <h2 id="run-title">Run</h2>
      <div className="field">
        <label htmlFor={`${id}-name`}>
          Name <span className="muted">(optional)</span>
        </label>
        <input id={`${id}-name`} value={model.settings.name} onChange={(e) => setSettings({ name: e.target.value })} autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-targets`}>
          Targets <span className="muted">(optional: probabilities of each output falling below and above these values)</span>
        </label>
        <input
          id={`${id}-targets`}
          value={targetsText}
          placeholder="e.g. 0, 1000000"
          autoComplete="off"
          aria-invalid={targetsError ? true : undefined}
          aria-describedby={targetsError ? `${id}-targets-error` : undefined}
          onChange={(e) => setTargetsText(e.target.value)}
        />
        {targetsError && (
          <p className="field-error" id={`${id}-targets-error`} role="alert">
            {targetsError}
          </p>
        )}
      </div>
      <div className="param-grid">
        <div className="field">
          <label htmlFor={`${id}-iter`}>Iterations</label>
          <input
            id={`${id}-iter`}
            inputMode="numeric"
            value={iterText}
            aria-invalid={iterError ? true : undefined}
            aria-describedby={iterError ? `${id}-iter-error` : undefined}
            onChange={(e) => {
              setIterText(e.target.value);
              const n = Number(e.target.value.replace(/[,_ ]/g, ''));
              if (Number.isInteger(n) && n > 0) setSettings({ iterations: n });
            }}
          />
          {iterError && (
            <p className="field-error" id={`${id}-iter-error`} role="alert">
              {iterError}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={`${id}-seed`}>
            Seed <span className="muted">(optional)</span>
          </label>
          <input
            id={`${id}-seed`}
            inputMode="numeric"
            value={seedText}
            placeholder="random"
            aria-invalid={seedError ? true : undefined}
            aria-describedby={seedError ? `${id}-seed-error` : undefined}
            onChange={(e) => {
              setSeedText(e.target.value);
              const t = e.target.value.trim();
              if (t === '') setSettings({ seed: null });
              else if (/^-?\d+$/.test(t)) setSettings({ seed: Number(t) });
            }}
          />
          {seedError && (
            <p className="field-error" id={`${id}-seed-error`} role="alert">
              {seedError}
            </p>
          )}
        </div>
      </div>
      <fieldset className="radio-group">
        <legend>Sampling</legend>
        {(
          [
            ['LATIN_HYPERCUBE', 'Latin hypercube', 'stratified: converges faster'],
            ['MONTE_CARLO', 'Monte Carlo', 'independent random draws'],
          ] as [Sampling, string, string][]
        ).map(([v, label, hint]) => (
          <label key={v} className="radio">
            <input type="radio" name={`${id}-sampling`} value={v} checked={model.settings.sampling === v} onChange={() => setSettings({ sampling: v })} />
            <span>
              {label}
              <span className="muted small radio-hint">{hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <Correlations model={model} errors={corrErrors} onChange={setCorrelations} />
      <ScenarioEditor scenarios={scenarios} inputs={model.inputs} onChange={setScenarios} />
      {missing.length > 0 && <p className="muted small">To run, add {missing.join(' and ')}.</p>}
      {blocking.length > 0 && (
        <p className="muted small">
          To run, override {blocking.length === 1 ? 'the cell' : 'the cells'} the engine cannot simulate: {blocking.map((p) => p.cell).join(', ')}.
        </p>
      )}
      {inCell && missing.length === 0 && blocking.length === 0 && <p className="muted small" data-testid="run-scope">{runScope(model, detected!)}</p>}
      {saved && (
        <p className="muted small">
          Runs saved version {saved.version} of “{saved.name}”.
        </p>
      )}
      <ProblemView error={error} title="The simulation was not started" onDismiss={reset} />
      <button type="button" className="primary wide" disabled={!canRun} onClick={run}>
        {loading ? 'Starting…' : `Run ${Number.isFinite(iterations) ? formatInt(iterations) : ''} iterations${scenarios.length > 0 ? ` × ${scenarios.length + 1} scenarios` : ''}`}
      </button>
    </section>
  );
}

function correlationError(c: ModelCorrelation, model: Model): string | null {
  if (!c.cellA || !c.cellB) return 'Choose two inputs';
  if (c.cellA === c.cellB) return 'Choose two different inputs';
  if (!model.inputs.some((i) => i.cell === c.cellA) || !model.inputs.some((i) => i.cell === c.cellB)) return 'Both cells must be inputs';
  if (!(c.coefficient >= -1 && c.coefficient <= 1)) return 'The coefficient must be between −1 and 1';
  const dup = model.correlations.filter((d) => (d.cellA === c.cellA && d.cellB === c.cellB) || (d.cellA === c.cellB && d.cellB === c.cellA));
  if (dup.length > 1) return 'This pair is correlated twice';
  return null;
}

function Correlations({ model, errors, onChange }: { model: Model; errors: (string | null)[]; onChange: (c: ModelCorrelation[]) => void }) {
  const id = useId();
  const [texts, setTexts] = useState<string[]>(() => model.correlations.map((c) => String(c.coefficient)));
  useEffect(() => {
    if (texts.length !== model.correlations.length) setTexts(model.correlations.map((c) => String(c.coefficient)));
  }, [model.correlations, texts.length]);
  const canAdd = model.inputs.length >= 2;
  const update = (i: number, patch: Partial<ModelCorrelation>) => onChange(model.correlations.map((c, j) => (j === i ? { ...c, ...patch } : c)));

  return (
    <fieldset className="correlations">
      <legend>Correlations</legend>
      {model.correlations.length === 0 && <p className="muted small">{canAdd ? 'Inputs are independent.' : 'Correlate inputs once you have two or more.'}</p>}
      {model.correlations.map((c, i) => (
        <div className="corr-row" key={i}>
          <label className="visually-hidden" htmlFor={`${id}-a${i}`}>
            First input of correlation {i + 1}
          </label>
          <select id={`${id}-a${i}`} value={c.cellA} onChange={(e) => update(i, { cellA: e.target.value })}>
            {model.inputs.map((inp) => (
              <option key={inp.cell} value={inp.cell}>
                {inp.name ? `${inp.name} (${inp.cell})` : inp.cell}
              </option>
            ))}
          </select>
          <label className="visually-hidden" htmlFor={`${id}-b${i}`}>
            Second input of correlation {i + 1}
          </label>
          <select id={`${id}-b${i}`} value={c.cellB} onChange={(e) => update(i, { cellB: e.target.value })}>
            {model.inputs.map((inp) => (
              <option key={inp.cell} value={inp.cell}>
                {inp.name ? `${inp.name} (${inp.cell})` : inp.cell}
              </option>
            ))}
          </select>
          <label className="visually-hidden" htmlFor={`${id}-r${i}`}>
            Rank correlation coefficient {i + 1}
          </label>
          <input
            id={`${id}-r${i}`}
            className="corr-coef"
            inputMode="decimal"
            value={texts[i] ?? String(c.coefficient)}
            aria-invalid={errors[i] ? true : undefined}
            aria-describedby={errors[i] ? `${id}-e${i}` : undefined}
            onChange={(e) => {
              const t = [...texts];
              t[i] = e.target.value;
              setTexts(t);
              const v = Number(e.target.value);
              update(i, { coefficient: e.target.value.trim() === '' || Number.isNaN(v) ? NaN : v });
            }}
          />
          <button
            type="button"
            className="icon-button"
            aria-label={`Remove correlation ${i + 1}`}
            onClick={() => {
              setTexts(texts.filter((_, j) => j !== i));
              onChange(model.correlations.filter((_, j) => j !== i));
            }}
          >
            ×
          </button>
          {errors[i] && (
            <p className="field-error" id={`${id}-e${i}`} role="alert">
              {errors[i]}
            </p>
          )}
        </div>
      ))}
      {canAdd && (
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setTexts([...texts, '0.5']);
            onChange([...model.correlations, { cellA: model.inputs[0].cell, cellB: model.inputs[1].cell, coefficient: 0.5 }]);
          }}
        >
          + Add correlation
        </button>
      )}
    </fieldset>
  );
}

function RecentRuns({ workbookId }: { workbookId: string }) {
  const { data } = useQuery(WORKBOOK_SIMULATIONS, { variables: { id: workbookId } });
  const sims = data?.workbook?.simulations;
  if (!sims || sims.edges.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="recent-title">
      <h2 id="recent-title">Recent runs</h2>
      <ul className="model-list">
        {sims.edges.map(({ node }) => (
          <li key={node.id}>
            <Link to={`/simulations/${encodeURIComponent(node.id)}`}>{node.name || `${formatInt(node.iterations)} iterations`}</Link> <StatusBadge status={node.status} />
            <span className="muted small"> {formatDate(node.createdAt)}</span>
          </li>
        ))}
      </ul>
      {sims.totalCount > sims.edges.length && (
        <Link to="/simulations" className="small">
          All {formatInt(sims.totalCount)} runs
        </Link>
      )}
    </section>
  );
}


/** What a run of the draft on a workbook with an in-cell model will use. */
export function runScope(model: Model, detected: DetectedModel): string {
  const overridden = detected.detectedInputs.filter((d) => model.inputs.some((i) => i.cell.replace(/\$/g, '') === d.cell.replace(/\$/g, ''))).length;
  const kept = detected.detectedInputs.length - overridden;
  const added = model.inputs.length - overridden;
  const parts = [`the workbook's ${kept} input${kept === 1 ? '' : 's'}`];
  if (overridden > 0) parts.push(`${overridden} overridden`);
  if (added > 0) parts.push(`${added} of yours`);
  const outs = model.outputs.length > 0 ? `your ${model.outputs.length} output${model.outputs.length === 1 ? '' : 's'}` : `the workbook's ${detected.detectedOutputs.length} output${detected.detectedOutputs.length === 1 ? '' : 's'}`;
  return `Runs ${parts.join(', ')}; ${outs}.`;
}
