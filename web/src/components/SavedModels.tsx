// Saving the draft model to the server as a versioned model, and loading a
// saved one back into the draft.
import { useEffect, useId, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { CREATE_MODEL, UPDATE_MODEL, WORKBOOK_MODELS, type SavedModel } from '../graphql/models';
import type { Model, SavedLink } from '../lib/model';
import { definitionOf, draftOf } from '../lib/savedModels';
import { ProblemView } from './Problem';

export interface SavedModelsProps {
  workbookId: string;
  model: Model;
  /** Replaces the draft (loading a saved model). */
  onLoad: (model: Model) => void;
  /** Links the draft to the version just saved. */
  onSaved: (link: SavedLink) => void;
}

export function SavedModels({ workbookId, model, onLoad, onSaved }: SavedModelsProps) {
  const id = useId();
  const { data, refetch } = useQuery(WORKBOOK_MODELS, { variables: { workbookId } });
  const [create, createState] = useMutation(CREATE_MODEL);
  const [update, updateState] = useMutation(UPDATE_MODEL);
  const saved = data?.models.edges.map((e) => e.node) ?? [];
  const linked = model.saved ?? null;
  const [picked, setPicked] = useState('');
  const [name, setName] = useState(linked?.name ?? '');
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => setName(linked?.name ?? ''), [linked?.id, linked?.name]);

  const busy = createState.loading || updateState.loading;
  const error = createState.error ?? updateState.error;
  const missing = model.inputs.length === 0 || model.outputs.length === 0;
  const canSave = !busy && !missing && name.trim() !== '';

  const reset = () => {
    createState.reset();
    updateState.reset();
    setDone(null);
  };
  const finish = (m: SavedModel, what: string) => {
    onSaved({ id: m.id, name: m.name, version: m.version });
    setDone(`${what} “${m.name}” as version ${m.version}.`);
    void refetch();
  };
  const saveNew = async () => {
    reset();
    try {
      const res = await create({ variables: { input: { workbookId, name: name.trim(), definition: definitionOf(model) } } });
      if (res.data) finish(res.data.createModel, 'Saved');
    } catch {
      // shown from `error`
    }
  };
  const saveVersion = async () => {
    if (!linked) return;
    reset();
    try {
      const res = await update({
        variables: { id: linked.id, expectedVersion: linked.version, input: { name: name.trim(), definition: definitionOf(model) } },
      });
      if (res.data) finish(res.data.updateModel, 'Saved');
    } catch {
      // shown from `error`; a stale version says so and the list shows the current one
      void refetch();
    }
  };
  const load = () => {
    const m = saved.find((s) => s.id === picked);
    if (!m) return;
    reset();
    onLoad(draftOf(m, model.settings.name));
    setDone(`Loaded “${m.name}”, version ${m.version}.`);
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Saved models</h2>
      {linked && (
        <p className="small">
          Editing <strong>{linked.name}</strong>, version {linked.version}
          {linked.modified && <span className="muted"> (changed since)</span>}
        </p>
      )}
      {saved.length > 0 && (
        <div className="field">
          <label htmlFor={`${id}-pick`}>Saved model</label>
          <select id={`${id}-pick`} value={picked} onChange={(e) => setPicked(e.target.value)}>
            <option value="">Choose a model…</option>
            {saved.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} (v{m.version})
              </option>
            ))}
          </select>
          <button type="button" disabled={!picked} onClick={load}>
            Load
          </button>
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-name`}>Model name</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
      </div>
      {missing && <p className="muted small">To save, add at least one input and one output.</p>}
      <ProblemView error={error} title="The model was not saved" onDismiss={reset} />
      {done && (
        <p className="small" role="status">
          {done}
        </p>
      )}
      {linked && (
        <button type="button" className="primary" disabled={!canSave} onClick={saveVersion}>
          Save as version {linked.version + 1}
        </button>
      )}
      <button type="button" disabled={!canSave} onClick={saveNew}>
        Save as new model
      </button>
    </section>
  );
}
