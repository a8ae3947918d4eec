// The organization's governance: who changed what (the audit log), the API
// keys programs use, and the webhooks told of finished runs. Every member
// reads their own audit entries; keys and webhooks are for organization
// administrators, and a member sees the server's refusal instead.
import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { ME } from '../graphql/operations';
import {
  API_KEYS,
  AUDIT_LOG,
  CREATE_API_KEY,
  CREATE_WEBHOOK,
  DELETE_WEBHOOK,
  REVOKE_API_KEY,
  WEBHOOKS,
  type ApiKey,
  type ApiKeyScope,
  type AuditEntry,
  type AuditLogFilter,
  type Webhook,
  type WebhookEvent,
} from '../graphql/governance';
import { formatTime } from '../lib/format';
import { hasCode } from '../lib/errors';
import { Link } from '../lib/router';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ProblemView } from '../components/Problem';
import { ModelLibrary } from '../components/ModelLibrary';
import { isAdmin } from './Organization';

/** Entries per page of the audit log. */
export const AUDIT_PAGE = 25;

/** The actions the log records, by kind of object (server/audit). */
export const AUDIT_ACTIONS: Record<string, string[]> = {
  workbook: ['uploaded', 'renamed', 'deleted'],
  simulation: ['created', 'renamed', 'cancelled', 'started', 'completed', 'failed'],
  model: ['created', 'updated', 'deleted'],
  user: ['created'],
  apikey: ['created', 'revoked'],
  webhook: ['created', 'deleted'],
};

const OBJECT_LABELS: Record<string, string> = {
  workbook: 'Workbook',
  simulation: 'Simulation',
  model: 'Model',
  user: 'User',
  apikey: 'API key',
  webhook: 'Webhook',
};

export function GovernancePage() {
  const me = useQuery(ME, { fetchPolicy: 'cache-first' });
  const roles = me.data?.me.roles ?? [];
  const admin = isAdmin(roles);
  const meId = me.data?.me.id ?? null;
  return (
    <div className="page">
      <div className="page-head">
        <h1>Governance</h1>
        <span className="muted">{admin ? 'Every change in your organization' : 'Your own changes'}</span>
      </div>
      <AuditLogPanel meId={meId} admin={admin} />
      <ModelLibrary meId={meId} />
      <ApiKeysPanel admin={admin} />
      <WebhooksPanel admin={admin} />
    </div>
  );
}

/** Where an audit entry's object can be seen, if it has a page. */
export function objectPath(e: Pick<AuditEntry, 'objectType' | 'objectId' | 'action'>): string | null {
  if (e.action.endsWith('.deleted')) return null;
  if (e.objectType === 'workbook') return `/workbooks/${encodeURIComponent(e.objectId)}`;
  if (e.objectType === 'simulation') return `/simulations/${encodeURIComponent(e.objectId)}`;
  return null;
}

function actorText(e: AuditEntry, meId: string | null): string {
  if (e.actorKind === 'SYSTEM' || !e.actorId) return 'simgraph';
  const who = e.actorId === meId ? 'you' : e.actorId;
  return e.actorKind === 'API_KEY' ? `API key ${who}` : who;
}

export function AuditLogPanel({ meId, admin }: { meId: string | null; admin: boolean }) {
  const id = useId();
  const [action, setAction] = useState('');
  const [objectType, setObjectType] = useState('');
  const [loadingMore, setLoadingMore] = useState(false);
  const filter: AuditLogFilter = {};
  if (action) filter.action = action;
  if (objectType) filter.objectType = objectType;
  const { data, error, loading, fetchMore, refetch } = useQuery(AUDIT_LOG, {
    variables: { first: AUDIT_PAGE, filter },
    fetchPolicy: 'cache-and-network',
    notifyOnNetworkStatusChange: true,
  });
  const log = data?.auditLog;
  const more = async () => {
    if (!log?.pageInfo.endCursor) return;
    setLoadingMore(true);
    try {
      await fetchMore({
        variables: { after: log.pageInfo.endCursor },
        updateQuery: (prev, { fetchMoreResult }) => {
          if (!fetchMoreResult) return prev;
          return {
            auditLog: {
              ...fetchMoreResult.auditLog,
              edges: [...(prev.auditLog?.edges ?? []), ...fetchMoreResult.auditLog.edges],
            },
          } as typeof prev;
        },
      });
    } finally {
      setLoadingMore(false);
    }
  };
  return (
    <section className="panel" aria-labelledby={`${id}-title`} aria-busy={loading}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>Audit log</h2>
        <button type="button" onClick={() => void refetch()}>
          Refresh
        </button>
      </div>
      {!admin && <p className="muted small">You see the entries of your own changes; administrators see everyone's.</p>}
      <div className="toolbar">
        <div className="field">
          <label htmlFor={`${id}-action`}>Action</label>
          <select id={`${id}-action`} value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">Every action</option>
            {Object.entries(AUDIT_ACTIONS).map(([kind, verbs]) => (
              <optgroup key={kind} label={OBJECT_LABELS[kind]}>
                <option value={`${kind}.`}>Every {OBJECT_LABELS[kind].toLowerCase()} action</option>
                {verbs.map((v) => (
                  <option key={v} value={`${kind}.${v}`}>
                    {kind}.{v}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-type`}>Object</label>
          <select id={`${id}-type`} value={objectType} onChange={(e) => setObjectType(e.target.value)}>
            <option value="">Every object</option>
            {Object.keys(AUDIT_ACTIONS).map((k) => (
              <option key={k} value={k}>
                {OBJECT_LABELS[k]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ProblemView error={error} title="Could not load the audit log" />
      {log && log.edges.length === 0 && <p className="empty">No entries{action || objectType ? ' match these filters' : ' yet'}.</p>}
      {log && log.edges.length > 0 && (
        <table className="table" data-testid="audit-log">
          <caption className="muted small">
            {log.edges.length} of {log.totalCount} {log.totalCount === 1 ? 'entry' : 'entries'}, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Object</th>
            </tr>
          </thead>
          <tbody>
            {log.edges.map(({ node: e }) => {
              const path = objectPath(e);
              const label = e.objectName || e.objectId;
              return (
                <tr key={e.id} data-action={e.action}>
                  <td>{formatTime(e.occurredAt)}</td>
                  <td>{actorText(e, meId)}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>
                    <span className="muted">{OBJECT_LABELS[e.objectType] ?? e.objectType}</span> {path ? <Link to={path}>{label}</Link> : label}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {log?.pageInfo.hasNextPage && (
        <button type="button" disabled={loadingMore} onClick={() => void more()}>
          {loadingMore ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}

/** A secret shown once, with a button that copies it. */
export function SecretOnce({ label, secret, onDone }: { label: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="notice" role="status">
      <p>
        <strong>{label}</strong> Copy it now: it is not shown again.
      </p>
      <p>
        <code data-testid="secret" className="secret">
          {secret}
        </code>
      </p>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
        {copied === true && <span className="muted small">Copied.</span>}
        {copied === false && <span className="muted small">The browser refused to copy: select the text instead.</span>}
      </div>
    </div>
  );
}

export function ApiKeysPanel({ admin }: { admin: boolean }) {
  const id = useId();
  const { data, error } = useQuery(API_KEYS);
  const [create, createState] = useMutation(CREATE_API_KEY, { refetchQueries: [{ query: API_KEYS }] });
  const [revoke, revokeState] = useMutation(REVOKE_API_KEY);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ApiKeyScope>('READ');
  const [secret, setSecret] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const forbidden = hasCode(error, 'FORBIDDEN');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    createState.reset();
    setSecret(null);
    try {
      const res = await create({ variables: { name: name.trim(), scopes: [scope] } });
      if (res.data) {
        setSecret(res.data.createApiKey.secret);
        setName('');
      }
    } catch {
      // shown from createState.error
    }
  };
  const confirmRevoke = async () => {
    const k = revoking;
    setRevoking(null);
    if (!k) return;
    try {
      await revoke({ variables: { id: k.id } });
    } catch {
      // shown from revokeState.error
    }
  };
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>API keys</h2>
      <p className="muted small">
        Programs send a key as <code>Authorization: Bearer sgk_…</code>. READ keys run queries and subscriptions, WRITE keys mutations too.
      </p>
      {forbidden ? (
        <ProblemView error={error} title="Only organization administrators manage API keys" />
      ) : (
        <ProblemView error={error} title="Could not load the API keys" />
      )}
      {data && data.apiKeys.length === 0 && <p className="empty">No API keys yet.</p>}
      {data && data.apiKeys.length > 0 && (
        <table className="table" data-testid="api-keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Scope</th>
              <th scope="col">Created</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.apiKeys.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{k.scopes.join(', ')}</td>
                <td>{formatTime(k.createdAt)}</td>
                <td>{k.revokedAt ? <span className="status status-cancelled">Revoked {formatTime(k.revokedAt)}</span> : <span className="status status-ok">Active</span>}</td>
                <td className="row-actions">
                  {admin && !k.revokedAt && (
                    <button type="button" className="danger" onClick={() => setRevoking(k)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ProblemView error={revokeState.error} title="The key was not revoked" onDismiss={() => revokeState.reset()} />
      {secret && <SecretOnce label="Your new API key." secret={secret} onDone={() => setSecret(null)} />}
      {admin && (
        <form onSubmit={submit} aria-label="Create an API key">
          <div className="toolbar">
            <div className="field">
              <label htmlFor={`${id}-name`}>Key name</label>
              <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
            </div>
            <div className="field">
              <label htmlFor={`${id}-scope`}>Scope</label>
              <select id={`${id}-scope`} value={scope} onChange={(e) => setScope(e.target.value as ApiKeyScope)}>
                <option value="READ">READ: queries and subscriptions</option>
                <option value="WRITE">WRITE: mutations too</option>
              </select>
            </div>
          </div>
          <ProblemView error={createState.error} title="The key was not created" onDismiss={() => createState.reset()} />
          <button type="submit" className="primary" disabled={createState.loading || name.trim() === ''}>
            Create key
          </button>
        </form>
      )}
      {revoking && (
        <ConfirmDialog title="Revoke this API key?" confirmLabel="Revoke" danger onConfirm={() => void confirmRevoke()} onCancel={() => setRevoking(null)}>
          <p>
            Programs using <strong>{revoking.name}</strong> (<code>{revoking.prefix}…</code>) are refused from now on. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

const WEBHOOK_EVENTS: { value: WebhookEvent; label: string }[] = [
  { value: 'SIMULATION_COMPLETED', label: 'Simulation completed' },
  { value: 'SIMULATION_FAILED', label: 'Simulation failed' },
];

export function WebhooksPanel({ admin }: { admin: boolean }) {
  const id = useId();
  const { data, error, refetch } = useQuery(WEBHOOKS);
  const [create, createState] = useMutation(CREATE_WEBHOOK, { refetchQueries: [{ query: WEBHOOKS }] });
  const [remove, removeState] = useMutation(DELETE_WEBHOOK, { refetchQueries: [{ query: WEBHOOKS }] });
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>(['SIMULATION_COMPLETED', 'SIMULATION_FAILED']);
  const [secret, setSecret] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const forbidden = hasCode(error, 'FORBIDDEN');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    createState.reset();
    setSecret(null);
    try {
      const res = await create({ variables: { url: url.trim(), events } });
      if (res.data) {
        setSecret(res.data.createWebhook.secret || null);
        setUrl('');
      }
    } catch {
      // shown from createState.error
    }
  };
  const confirmDelete = async () => {
    const w = deleting;
    setDeleting(null);
    if (!w) return;
    try {
      await remove({ variables: { id: w.id } });
    } catch {
      // shown from removeState.error
    }
  };
  const toggle = (ev: WebhookEvent, on: boolean) => setEvents((cur) => (on ? [...cur.filter((x) => x !== ev), ev] : cur.filter((x) => x !== ev)));
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>Webhooks</h2>
        {data && (
          <button type="button" onClick={() => void refetch()}>
            Refresh
          </button>
        )}
      </div>
      <p className="muted small">
        Each event is POSTed as JSON, signed in the <code>Simgraph-Signature</code> header with the webhook's secret.
      </p>
      {forbidden ? (
        <ProblemView error={error} title="Only organization administrators manage webhooks" />
      ) : (
        <ProblemView error={error} title="Could not load the webhooks" />
      )}
      {data && data.webhooks.length === 0 && <p className="empty">No webhooks yet.</p>}
      {data?.webhooks.map((w) => (
        <div key={w.id} className="webhook" data-testid="webhook">
          <div className="panel-head">
            <h3 className="item-title">
              <code>{w.url}</code>
            </h3>
            {admin && (
              <button type="button" className="danger" onClick={() => setDeleting(w)}>
                Delete
              </button>
            )}
          </div>
          <p className="muted small">
            {w.events.map((ev) => WEBHOOK_EVENTS.find((x) => x.value === ev)?.label ?? ev).join(', ')} · since {formatTime(w.createdAt)}
          </p>
          {w.deliveries.length === 0 ? (
            <p className="muted small">No deliveries yet.</p>
          ) : (
            <table className="table compact">
              <caption className="muted small">Recent deliveries</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last answer</th>
                </tr>
              </thead>
              <tbody>
                {w.deliveries.map((d) => (
                  <tr key={d.id}>
                    <td>{formatTime(d.createdAt)}</td>
                    <td>{d.eventType}</td>
                    <td>
                      <span className={`status status-${d.status === 'DELIVERED' ? 'ok' : d.status === 'FAILED' ? 'failed' : 'queued'}`}>{d.status}</span>
                    </td>
                    <td className="num">{d.attempts}</td>
                    <td className="muted small">{d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : ''} {d.lastError}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ))}
      <ProblemView error={removeState.error} title="The webhook was not deleted" onDismiss={() => removeState.reset()} />
      {secret && <SecretOnce label="The webhook's signing secret." secret={secret} onDone={() => setSecret(null)} />}
      {admin && (
        <form onSubmit={submit} aria-label="Create a webhook">
          <div className="field">
            <label htmlFor={`${id}-url`}>Webhook URL</label>
            <input id={`${id}-url`} type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/simgraph" autoComplete="off" />
          </div>
          <fieldset>
            <legend>Events</legend>
            {WEBHOOK_EVENTS.map((ev) => (
              <label key={ev.value} className="check">
                <input type="checkbox" checked={events.includes(ev.value)} onChange={(e) => toggle(ev.value, e.target.checked)} /> {ev.label}
              </label>
            ))}
          </fieldset>
          <ProblemView error={createState.error} title="The webhook was not created" onDismiss={() => createState.reset()} />
          <button type="submit" className="primary" disabled={createState.loading || url.trim() === '' || events.length === 0}>
            Create webhook
          </button>
        </form>
      )}
      {deleting && (
        <ConfirmDialog title="Delete this webhook?" confirmLabel="Delete" danger onConfirm={() => void confirmDelete()} onCancel={() => setDeleting(null)}>
          <p>
            <code>{deleting.url}</code> is told of no more events, and its deliveries are removed.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
