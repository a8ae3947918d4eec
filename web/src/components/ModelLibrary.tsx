// The organization's saved models: rename one in place, read its version
// history, make an earlier version current again (a new version with its
// definition) and delete it. The server decides who may change a model
// (its creator and administrators) and its refusal is shown as it comes.
import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { DELETE_MODEL, LIBRARY_MODELS, MODEL_VERSIONS, RENAME_MODEL, RESTORE_MODEL_VERSION, type LibraryModel } from '../graphql/models';
import { formatTime } from '../lib/format';
import { hasCode } from '../lib/errors';
import { Link } from '../lib/router';
import { ConfirmDialog } from './ConfirmDialog';
import { ProblemView } from './Problem';

export function ModelLibrary({ meId }: { meId: string | null }) {
  const id = useId();
  const { data, error, refetch } = useQuery(LIBRARY_MODELS, { fetchPolicy: 'cache-and-network' });
  const [remove, removeState] = useMutation(DELETE_MODEL, { refetchQueries: [{ query: LIBRARY_MODELS }] });
  const [deleting, setDeleting] = useState<LibraryModel | null>(null);
  const models = data?.models.edges.map((e) => e.node) ?? [];
  const confirmDelete = async () => {
    const m = deleting;
    setDeleting(null);
    if (!m) return;
    try {
      await remove({ variables: { id: m.id } });
    } catch {
      // shown from removeState.error
    }
  };
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>Model library</h2>
        <button type="button" onClick={() => void refetch()}>
          Refresh
        </button>
      </div>
      <ProblemView error={error} title="Could not load the saved models" />
      <ProblemView error={removeState.error} title="The model was not deleted" onDismiss={() => removeState.reset()} />
      {data && models.length === 0 && <p className="empty">No saved models yet. Save one from a workbook's model panel.</p>}
      {models.length > 0 && (
        <ul className="library" data-testid="model-library">
          {models.map((m) => (
            <ModelItem key={m.id} model={m} meId={meId} onDelete={() => setDeleting(m)} />
          ))}
        </ul>
      )}
      {deleting && (
        <ConfirmDialog title="Delete this model?" confirmLabel="Delete" danger onConfirm={() => void confirmDelete()} onCancel={() => setDeleting(null)}>
          <p>
            <strong>{deleting.name}</strong> and its {deleting.version === 1 ? 'version' : `${deleting.version} versions`} are deleted. The simulations that ran it stay.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function ModelItem({ model: m, meId, onDelete }: { model: LibraryModel; meId: string | null; onDelete: () => void }) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(m.name);
  const [history, setHistory] = useState(false);
  const [rename, renameState] = useMutation(RENAME_MODEL);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    renameState.reset();
    try {
      await rename({ variables: { id: m.id, expectedVersion: m.version, name: name.trim() } });
      setEditing(false);
    } catch {
      // shown from renameState.error
    }
  };
  return (
    <li className="library-item" data-model={m.id}>
      {editing ? (
        <form onSubmit={submit} className="toolbar" aria-label={`Rename ${m.name}`}>
          <div className="field">
            <label htmlFor={`${id}-name`}>New name</label>
            <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" autoFocus />
          </div>
          <button type="submit" className="primary" disabled={renameState.loading || name.trim() === '' || name.trim() === m.name}>
            Save name
          </button>
          <button
            type="button"
            onClick={() => {
              setEditing(false);
              setName(m.name);
              renameState.reset();
            }}
          >
            Cancel
          </button>
        </form>
      ) : (
        <div className="panel-head">
          <h3 className="item-title">
            {m.name} <span className="muted small">v{m.version}</span>
          </h3>
          <div className="row-actions">
            <button type="button" onClick={() => setEditing(true)}>
              Rename
            </button>
            <button type="button" aria-expanded={history} onClick={() => setHistory((h) => !h)}>
              {history ? 'Hide history' : 'History'}
            </button>
            <button type="button" className="danger" onClick={onDelete}>
              Delete
            </button>
          </div>
        </div>
      )}
      <p className="muted small">
        {m.workbook ? <Link to={`/workbooks/${encodeURIComponent(m.workbook.id)}`}>{m.workbook.name}</Link> : 'Workbook deleted'} · by{' '}
        {m.createdBy === meId ? 'you' : m.createdBy} · updated {formatTime(m.updatedAt)}
      </p>
      <ProblemView error={renameState.error} title="The model was not renamed" onDismiss={() => renameState.reset()} />
      {history && <VersionHistory model={m} meId={meId} />}
    </li>
  );
}

export function VersionHistory({ model: m, meId }: { model: LibraryModel; meId: string | null }) {
  const { data, error, refetch } = useQuery(MODEL_VERSIONS, { variables: { id: m.id }, fetchPolicy: 'cache-and-network' });
  const [restore, restoreState] = useMutation(RESTORE_MODEL_VERSION);
  const [done, setDone] = useState<string | null>(null);
  const versions = data?.model?.versions.edges.map((e) => e.node) ?? [];
  const current = data?.model?.version ?? m.version;
  const restoreVersion = async (version: number) => {
    restoreState.reset();
    setDone(null);
    try {
      const res = await restore({ variables: { id: m.id, version, expectedVersion: current } });
      if (res.data) setDone(`Version ${version} restored as version ${res.data.restoreModelVersion.version}.`);
      await refetch();
    } catch (err) {
      // A stale version: the history shows the current one again.
      if (hasCode(err, 'BAD_USER_INPUT')) void refetch();
    }
  };
  return (
    <div className="versions">
      <ProblemView error={error} title="Could not load the versions" />
      <ProblemView error={restoreState.error} title="The version was not restored" onDismiss={() => restoreState.reset()} />
      {done && (
        <p className="small" role="status">
          {done}
        </p>
      )}
      {versions.length > 0 && (
        <table className="table compact" data-testid="model-versions">
          <caption className="muted small">Versions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved by</th>
              <th scope="col">When</th>
              <th scope="col">Iterations</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.id}>
                <td>
                  v{v.version} {v.version === current && <span className="tag">current</span>}
                </td>
                <td>{v.createdBy === meId ? 'you' : v.createdBy}</td>
                <td>{formatTime(v.createdAt)}</td>
                <td className="num">{v.iterations.toLocaleString('en-US')}</td>
                <td className="row-actions">
                  {v.version !== current && (
                    <button type="button" disabled={restoreState.loading} onClick={() => void restoreVersion(v.version)}>
                      Restore v{v.version}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
