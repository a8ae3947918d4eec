// The scenarios of a run: named sets of overrides of the model's inputs (a
// constant, another distribution or a percentile range of the input's own
// distribution, e.g. its worst 10%), run with the base over the same
// random numbers.
import { useId, useState } from 'react';
import { describe } from '../lib/distributions';
import type { ModelInput, ModelScenario, ModelScenarioOverride } from '../lib/model';
import { DistributionForm } from './DistributionForm';

/** At most this many scenarios per simulation (the server's limit). */
export const MAX_SCENARIOS = 20;

type Kind = 'value' | 'distribution' | 'percentile';

/** How an override reads: "= 120", "Normal(…)", "P0–P10 of its range". */
export function describeOverride(o: ModelScenarioOverride): string {
  if (o.value !== undefined && o.value !== null) return `= ${o.value}`;
  if (o.distribution) return describe(o.distribution);
  if (o.percentileRange) return `P${pct(o.percentileRange.low)}–P${pct(o.percentileRange.high)} of its range`;
  return '';
}

function pct(x: number): string {
  return String(Math.round(x * 1000) / 10);
}

/** A problem with a scenario, or null. */
export function scenarioError(s: ModelScenario, all: ModelScenario[]): string | null {
  if (s.name.trim() === '') return 'Give the scenario a name';
  if (all.filter((o) => o.name.trim() === s.name.trim()).length > 1) return 'Another scenario has this name';
  if (s.overrides.length === 0) return 'Override at least one input';
  return null;
}

export function ScenarioEditor({ scenarios, inputs, onChange }: { scenarios: ModelScenario[]; inputs: ModelInput[]; onChange: (s: ModelScenario[]) => void }) {
  const set = (i: number, s: ModelScenario) => onChange(scenarios.map((x, j) => (j === i ? s : x)));
  const add = () => {
    let n = scenarios.length + 1;
    while (scenarios.some((s) => s.name === `Scenario ${n}`)) n++;
    onChange([...scenarios, { name: `Scenario ${n}`, overrides: [] }]);
  };
  return (
    <fieldset className="scenarios" aria-label="Scenarios">
      <legend>
        Scenarios <span className="muted small">(optional: run with the base over the same random numbers)</span>
      </legend>
      {scenarios.map((s, i) => (
        <ScenarioCard key={i} index={i} scenario={s} error={scenarioError(s, scenarios)} inputs={inputs} onChange={(next) => set(i, next)} onRemove={() => onChange(scenarios.filter((_, j) => j !== i))} />
      ))}
      {inputs.length === 0 && scenarios.length === 0 ? (
        <p className="muted small">Scenarios override inputs: add an input first.</p>
      ) : (
        <button type="button" onClick={add} disabled={scenarios.length >= MAX_SCENARIOS || inputs.length === 0}>
          Add scenario
        </button>
      )}
    </fieldset>
  );
}

function ScenarioCard({
  index,
  scenario,
  error,
  inputs,
  onChange,
  onRemove,
}: {
  index: number;
  scenario: ModelScenario;
  error: string | null;
  inputs: ModelInput[];
  onChange: (s: ModelScenario) => void;
  onRemove: () => void;
}) {
  const id = useId();
  const free = inputs.filter((i) => !scenario.overrides.some((o) => o.cell === i.cell));
  const [cell, setCell] = useState('');
  const [kind, setKind] = useState<Kind>('value');
  const [valueText, setValueText] = useState('');
  const [lowText, setLowText] = useState('0');
  const [highText, setHighText] = useState('10');
  const target = free.some((i) => i.cell === cell) ? cell : (free[0]?.cell ?? '');
  const input = inputs.find((i) => i.cell === target);

  const addOverride = (o: ModelScenarioOverride) => {
    onChange({ ...scenario, overrides: [...scenario.overrides, o] });
    setValueText('');
  };
  const value = valueText.trim() === '' ? NaN : Number(valueText.trim().replace(/[,_ ]/g, ''));
  const low = Number(lowText) / 100, high = Number(highText) / 100;
  const rangeError = !(Number.isFinite(low) && Number.isFinite(high) && low >= 0 && high <= 1 && low < high) ? 'Percentiles from 0 to 100, the low one below the high one' : null;

  return (
    <div role="group" aria-label={`Scenario ${index + 1}`} className="scenario panel-inset">
      <div className="param-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Scenario name</label>
          <input id={`${id}-name`} value={scenario.name} autoComplete="off" onChange={(e) => onChange({ ...scenario, name: e.target.value })} />
        </div>
        <button type="button" className="link" onClick={onRemove}>
          Remove scenario
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {scenario.overrides.length > 0 && (
        <ul aria-label={`Overrides of ${scenario.name}`} className="overrides">
          {scenario.overrides.map((o) => (
            <li key={o.cell}>
              <code>{o.cell}</code> {describeOverride(o)}{' '}
              <button type="button" className="link" aria-label={`Remove override of ${o.cell}`} onClick={() => onChange({ ...scenario, overrides: scenario.overrides.filter((x) => x.cell !== o.cell) })}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {free.length > 0 && (
        <div className="override-form">
          <div className="param-grid">
            <div className="field">
              <label htmlFor={`${id}-cell`}>Input</label>
              <select id={`${id}-cell`} value={target} onChange={(e) => setCell(e.target.value)}>
                {free.map((i) => (
                  <option key={i.cell} value={i.cell}>
                    {i.name ? `${i.name} (${i.cell})` : i.cell}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${id}-kind`}>Override with</label>
              <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
                <option value="value">A constant</option>
                <option value="distribution">Another distribution</option>
                <option value="percentile">A percentile range (stress)</option>
              </select>
            </div>
          </div>
          {kind === 'value' && (
            <div className="param-grid">
              <div className="field">
                <label htmlFor={`${id}-value`}>Value</label>
                <input id={`${id}-value`} inputMode="decimal" value={valueText} autoComplete="off" onChange={(e) => setValueText(e.target.value)} />
              </div>
              <button type="button" disabled={!Number.isFinite(value)} onClick={() => addOverride({ cell: target, value })}>
                Add override
              </button>
            </div>
          )}
          {kind === 'percentile' && (
            <>
              <div className="param-grid">
                <div className="field">
                  <label htmlFor={`${id}-low`}>From percentile</label>
                  <input id={`${id}-low`} inputMode="decimal" value={lowText} onChange={(e) => setLowText(e.target.value)} />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-high`}>To percentile</label>
                  <input id={`${id}-high`} inputMode="decimal" value={highText} onChange={(e) => setHighText(e.target.value)} />
                </div>
                <button type="button" disabled={!!rangeError} onClick={() => addOverride({ cell: target, percentileRange: { low, high } })}>
                  Add override
                </button>
              </div>
              {rangeError && <p className="field-error">{rangeError}</p>}
              <p className="muted small">E.g. 0 to 10: the input's lowest 10%, drawn from its own random numbers.</p>
            </>
          )}
          {kind === 'distribution' && input && (
            <DistributionForm key={`${target}-${scenario.overrides.length}`} cell={target} initial={input.distribution} submitLabel="Add override" onSubmit={(distribution) => addOverride({ cell: target, distribution })} />
          )}
        </div>
      )}
    </div>
  );
}
