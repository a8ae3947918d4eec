// The distribution picker of an input cell: a type, its parameters validated
// as typed (each field says what is wrong with it), optional truncation and
// a density preview.
import { useId, useMemo, useState, type FormEvent } from 'react';
import {
  DISTRIBUTIONS,
  TRUNCATION,
  defaultDraft,
  draftOf,
  paramsOf,
  parseDraft,
  specOf,
  type DistributionDraft,
  type DistributionInput,
  type DistributionType,
  type ParamKey,
  type ParamSpec,
} from '../lib/distributions';
import { DensityPreview } from './DensityPreview';

interface Props {
  /** Sheet!A1 of the cell, for labels. */
  cell: string;
  /** The cell's current value: starting parameters are centred on it. */
  cellValue?: number | null;
  initial?: DistributionInput | null;
  initialName?: string | null;
  submitLabel?: string;
  onSubmit: (distribution: DistributionInput, name: string | null) => void;
  onCancel?: () => void;
  onRemove?: () => void;
}

export function DistributionForm({ cell, cellValue = null, initial, initialName, submitLabel = 'Save input', onSubmit, onCancel, onRemove }: Props) {
  const id = useId();
  const [draft, setDraft] = useState<DistributionDraft>(() => (initial ? draftOf(initial) : defaultDraft('TRIANGULAR', cellValue)));
  const [name, setName] = useState(initialName ?? '');
  const [touched, setTouched] = useState<Partial<Record<ParamKey, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [showTruncation, setShowTruncation] = useState(
    () => !!initial && ((initial.truncateMin ?? null) !== null || (initial.truncateMax ?? null) !== null),
  );

  const parsed = useMemo(() => parseDraft(draft), [draft]);
  const spec = specOf(draft.type);
  const params = paramsOf(draft.type, draft.variant);

  const setType = (type: DistributionType) => {
    const next = defaultDraft(type, cellValue);
    // keep the truncation the user typed
    next.fields.truncateMin = draft.fields.truncateMin;
    next.fields.truncateMax = draft.fields.truncateMax;
    setDraft(next);
    setTouched({});
    setSubmitted(false);
  };

  const setField = (key: ParamKey, value: string) => {
    setDraft((d) => ({ ...d, fields: { ...d.fields, [key]: value } }));
    setTouched((t) => ({ ...t, [key]: true }));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (parsed.input) onSubmit(parsed.input, name.trim() === '' ? null : name.trim());
  };

  const field = (p: ParamSpec) => {
    const fid = `${id}-${p.key}`;
    const err = touched[p.key] || submitted ? parsed.errors[p.key] : undefined;
    return (
      <div className={`field${p.list ? ' field-wide' : ''}`} key={p.key}>
        <label htmlFor={fid}>
          {p.label}
          {p.optional && <span className="muted"> (optional)</span>}
        </label>
        <input
          id={fid}
          name={p.key}
          inputMode={p.list ? 'text' : 'decimal'}
          autoComplete="off"
          value={draft.fields[p.key] ?? ''}
          placeholder={p.hint}
          aria-invalid={err ? true : undefined}
          aria-describedby={err ? `${fid}-error` : undefined}
          onChange={(e) => setField(p.key, e.target.value)}
          onBlur={() => setTouched((t) => ({ ...t, [p.key]: true }))}
        />
        {err && (
          <p className="field-error" id={`${fid}-error`} role="alert">
            {err}
          </p>
        )}
      </div>
    );
  };

  return (
    <form className="dist-form" onSubmit={submit} aria-label={`Distribution of ${cell}`} noValidate>
      <div className="field">
        <label htmlFor={`${id}-type`}>Distribution</label>
        <select id={`${id}-type`} value={draft.type} onChange={(e) => setType(e.target.value as DistributionType)}>
          {DISTRIBUTIONS.map((d) => (
            <option key={d.type} value={d.type}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
      {spec.variants && (
        <div className="field">
          <label htmlFor={`${id}-variant`}>Parameters</label>
          <select
            id={`${id}-variant`}
            value={draft.variant ?? spec.variants[0].id}
            onChange={(e) => {
              const variant = e.target.value;
              setDraft((d) => {
                const fields = { ...d.fields };
                for (const p of paramsOf(d.type, d.variant)) if (!paramsOf(d.type, variant).some((q) => q.key === p.key)) delete fields[p.key];
                return { ...d, variant, fields };
              });
            }}
          >
            {spec.variants.map((v) => (
              <option key={v.id} value={v.id}>
                {v.label}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="param-grid">{params.map(field)}</div>

      <button type="button" className="link-button" aria-expanded={showTruncation} onClick={() => setShowTruncation((s) => !s)}>
        {showTruncation ? 'Hide truncation' : 'Truncate…'}
      </button>
      {showTruncation && <div className="param-grid">{TRUNCATION.map(field)}</div>}

      <div className="field">
        <label htmlFor={`${id}-name`}>
          Name <span className="muted">(optional)</span>
        </label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Unit price" autoComplete="off" />
      </div>

      <DensityPreview distribution={parsed.input} />
      {submitted && !parsed.input && parsed.errors.truncateMax && !touched.truncateMax && (
        <p className="field-error" role="alert">
          {parsed.errors.truncateMax}
        </p>
      )}

      <div className="actions">
        <button type="submit" className="primary" disabled={submitted && !parsed.input}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        {onRemove && (
          <button type="button" className="danger" onClick={onRemove}>
            Remove input
          </button>
        )}
      </div>
    </form>
  );
}
