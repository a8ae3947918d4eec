// The model being built on a workbook (inputs, outputs, correlations, run
// settings), kept per workbook in localStorage so a reload loses nothing.
import { useCallback, useEffect, useState } from 'react';
import type { DistributionInput } from './distributions';
import type { Sampling } from '../graphql/operations';

export interface ModelInput {
  cell: string;
  name: string | null;
  distribution: DistributionInput;
}

export interface ModelOutput {
  cell: string;
  name: string | null;
}

export interface ModelCorrelation {
  cellA: string;
  cellB: string;
  coefficient: number;
}

/** An input's value in one scenario: exactly one of value, distribution, percentileRange. */
export interface ModelScenarioOverride {
  cell: string;
  value?: number;
  distribution?: DistributionInput;
  /** Quantile levels, 0 <= low < high <= 1: the input restricted to that band of its range. */
  percentileRange?: { low: number; high: number };
}

/** A named set of overrides run with the base over the same random numbers. */
export interface ModelScenario {
  name: string;
  overrides: ModelScenarioOverride[];
}

export interface RunSettings {
  iterations: number;
  seed: number | null;
  sampling: Sampling;
  name: string;
}

/** The server's saved model this draft was loaded from or saved as. */
export interface SavedLink {
  id: string;
  name: string;
  version: number;
  /** The draft has been edited since it was loaded or saved. */
  modified?: boolean;
}

export interface Model {
  inputs: ModelInput[];
  outputs: ModelOutput[];
  correlations: ModelCorrelation[];
  /** Scenarios; absent in drafts stored before there were any. */
  scenarios?: ModelScenario[];
  settings: RunSettings;
  saved?: SavedLink | null;
}

export const EMPTY_MODEL: Model = {
  inputs: [],
  outputs: [],
  correlations: [],
  settings: { iterations: 10000, seed: null, sampling: 'LATIN_HYPERCUBE', name: '' },
};

const key = (workbookId: string) => `simgraph.model.${workbookId}`;

export function loadModel(workbookId: string): Model {
  try {
    const raw = localStorage.getItem(key(workbookId));
    if (!raw) return EMPTY_MODEL;
    const m = JSON.parse(raw) as Partial<Model>;
    return {
      inputs: Array.isArray(m.inputs) ? m.inputs : [],
      outputs: Array.isArray(m.outputs) ? m.outputs : [],
      correlations: Array.isArray(m.correlations) ? m.correlations : [],
      scenarios: Array.isArray(m.scenarios) ? m.scenarios : [],
      settings: { ...EMPTY_MODEL.settings, ...(m.settings ?? {}) },
      saved: m.saved && typeof m.saved.id === 'string' ? m.saved : null,
    };
  } catch {
    return EMPTY_MODEL;
  }
}

export function saveModel(workbookId: string, model: Model) {
  try {
    localStorage.setItem(key(workbookId), JSON.stringify(model));
  } catch {
    // storage full or unavailable: the model lives in memory only
  }
}

function modified(m: Model): Model {
  return m.saved && !m.saved.modified ? { ...m, saved: { ...m.saved, modified: true } } : m;
}

export function useModel(workbookId: string) {
  const [model, setModel] = useState<Model>(() => loadModel(workbookId));
  useEffect(() => setModel(loadModel(workbookId)), [workbookId]);
  const update = useCallback(
    (f: (m: Model) => Model) =>
      setModel((m) => {
        const next = f(m);
        saveModel(workbookId, next);
        return next;
      }),
    [workbookId],
  );

  // edit changes the definition: a linked saved version no longer matches it.
  const edit = useCallback((f: (m: Model) => Model) => update((m) => modified(f(m))), [update]);

  const setInput = useCallback(
    (input: ModelInput) =>
      edit((m) => {
        const others = m.inputs.filter((i) => i.cell !== input.cell);
        return { ...m, inputs: [...others, input].sort(byRef), outputs: m.outputs.filter((o) => o.cell !== input.cell) };
      }),
    [edit],
  );
  const removeInput = useCallback(
    (cell: string) =>
      edit((m) => ({
        ...m,
        inputs: m.inputs.filter((i) => i.cell !== cell),
        correlations: m.correlations.filter((c) => c.cellA !== cell && c.cellB !== cell),
      })),
    [edit],
  );
  const setOutput = useCallback(
    (output: ModelOutput) =>
      edit((m) => ({ ...m, outputs: [...m.outputs.filter((o) => o.cell !== output.cell), output].sort(byRef), inputs: m.inputs.filter((i) => i.cell !== output.cell) })),
    [edit],
  );
  const removeOutput = useCallback((cell: string) => edit((m) => ({ ...m, outputs: m.outputs.filter((o) => o.cell !== cell) })), [edit]);
  const setCorrelations = useCallback((correlations: ModelCorrelation[]) => edit((m) => ({ ...m, correlations })), [edit]);
  const setScenarios = useCallback((scenarios: ModelScenario[]) => edit((m) => ({ ...m, scenarios })), [edit]);
  const setSettings = useCallback(
    (s: Partial<RunSettings>) =>
      update((m) => {
        const next = { ...m, settings: { ...m.settings, ...s } };
        // The run's name is not part of a saved definition; nor is a value set again.
        const changed = (Object.keys(s) as (keyof RunSettings)[]).some((k) => k !== 'name' && s[k] !== m.settings[k]);
        return changed ? modified(next) : next;
      }),
    [update],
  );
  const clear = useCallback(() => update(() => EMPTY_MODEL), [update]);
  const replace = useCallback((next: Model) => update(() => next), [update]);
  const setSaved = useCallback((saved: SavedLink | null) => update((m) => ({ ...m, saved })), [update]);

  return { model, setInput, removeInput, setOutput, removeOutput, setCorrelations, setScenarios, setSettings, clear, replace, setSaved };
}

// ---- A1 references -----------------------------------------------------------

export function columnName(n: number): string {
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

export function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/** "Sheet!B12" or "'My sheet'!$B$12" -> { sheet, col: 2, row: 12 } */
export function parseRef(ref: string): { sheet: string; col: number; row: number } | null {
  const bang = ref.lastIndexOf('!');
  let sheet = bang >= 0 ? ref.slice(0, bang) : '';
  if (sheet.startsWith("'") && sheet.endsWith("'")) sheet = sheet.slice(1, -1).replace(/''/g, "'");
  const m = /^\$?([A-Za-z]{1,3})\$?(\d+)$/.exec(bang >= 0 ? ref.slice(bang + 1) : ref);
  if (!m) return null;
  return { sheet, col: columnNumber(m[1]), row: Number(m[2]) };
}

function byRef(a: { cell: string }, b: { cell: string }): number {
  const x = parseRef(a.cell), y = parseRef(b.cell);
  if (!x || !y) return a.cell.localeCompare(b.cell);
  return x.sheet.localeCompare(y.sheet) || x.row - y.row || x.col - y.col;
}
