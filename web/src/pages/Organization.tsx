import { useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { METRICS, ORGANIZATION, QUOTA, SERVICES, USER_DATA_SUMMARY, type DependencyCheck, type SimulationStatus, type UserDataSummary } from '../graphql/operations';
import { formatBytes, formatDate, formatDuration, formatInt, formatMs, formatTime } from '../lib/format';
import { hasCode } from '../lib/errors';
import { Link } from '../lib/router';
import { usePageVisible } from '../lib/visibility';
import { ProblemView } from '../components/Problem';
import { QuotaBars } from '../components/QuotaBars';
import { ServicesTable } from '../components/ServicesTable';
import { MetricsView } from '../components/MetricsView';
import { MigratePanel } from '../components/MigratePanel';
import { StatusBadge } from '../components/StatusBadge';

const TIER_TEXT: Record<string, string> = {
  TRIAL: 'Trial: shared database, tight quotas',
  STANDARD: 'Standard: shared database',
  PROFESSIONAL: 'Professional: a database of your own',
  ENTERPRISE: 'Enterprise: a database of your own with read replicas',
};

const DB_TEXT: Record<string, string> = {
  SHARED: "The service's shared database; your rows are isolated by tenant",
  DEDICATED: 'A database of your own',
  ENTERPRISE: 'A dedicated primary with read replicas',
};

/** How often the administrator's figures refresh while the page is open. */
export const ADMIN_POLL_MS = 10_000;

export function isAdmin(roles: readonly string[]): boolean {
  return roles.includes('ORG_ADMIN') || roles.includes('SYSTEM_ADMIN');
}

export function OrganizationPage() {
  const { data, error, loading } = useQuery(ORGANIZATION);
  if (error)
    return (
      <div className="page">
        <ProblemView error={error} title="Could not load your organization" />
      </div>
    );
  if (loading && !data)
    return (
      <div className="page">
        <p className="muted">Loading…</p>
      </div>
    );
  if (!data) return null;
  const { me, tenantInfo: t, health } = data;
  const admin = isAdmin(me.roles);
  const sysAdmin = me.roles.includes('SYSTEM_ADMIN');
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t.organization.name}</h1>
        <span className="muted">{t.organization.personal ? 'Personal organization' : 'Organization'}</span>
      </div>
      <div className="cards">
        <section className="panel" aria-labelledby="org-you">
          <h2 id="org-you">You</h2>
          <dl className="facts">
            <dt>Email</dt>
            <dd>{me.email}</dd>
            <dt>Subject</dt>
            <dd>
              <code>{me.subject}</code>
            </dd>
            <dt>Roles</dt>
            <dd>{me.roles.map((r) => r.replace('_', ' ').toLowerCase()).join(', ') || '—'}</dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="org-tenant">
          <h2 id="org-tenant">Tenant</h2>
          <dl className="facts">
            <dt>Tenant ID</dt>
            <dd>
              <code>{t.tenantId}</code>
            </dd>
            <dt>Tier</dt>
            <dd>{TIER_TEXT[t.tier] ?? t.tier}</dd>
            <dt>Data</dt>
            <dd>{DB_TEXT[t.databaseTier] ?? t.databaseTier}</dd>
            <dt>Connection pool</dt>
            <dd>
              {t.pool.size} kept open, up to {t.pool.max} under load
            </dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="org-health">
          <h2 id="org-health">Platform</h2>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <span className={`status status-${health.status.toLowerCase()}`}>{health.status}</span>
            </dd>
            <dt>Version</dt>
            <dd>{health.version}</dd>
            <dt>Mode</dt>
            <dd>{health.mode}</dd>
            <dt>Up for</dt>
            <dd>{formatDuration(health.uptimeSeconds * 1000)}</dd>
          </dl>
          {health.services.length === 0 && health.dependencies.length === 0 ? (
            <ChecksTable caption="Dependencies" checks={health.checks} />
          ) : (
            <>
              <ChecksTable caption="Databases" checks={health.services} />
              {health.dependencies.length > 0 ? (
                <ChecksTable caption="Other dependencies" checks={health.dependencies} />
              ) : (
                <p className="muted small">No other dependencies ({health.mode} mode).</p>
              )}
            </>
          )}
        </section>
      </div>
      <div className="cards">
        <DataSummaryPanel />
        <QuotaPanel />
      </div>
      {admin && <AdminPanels />}
      {sysAdmin && <MigratePanel />}
    </div>
  );
}

function ChecksTable({ caption, checks }: { caption: string; checks: DependencyCheck[] }) {
  return (
    <table className="table compact">
      <caption>{caption}</caption>
      <tbody>
        {checks.map((c) => (
          <tr key={c.name}>
            <th scope="row">{c.name}</th>
            <td>
              <span className={`status status-${c.status.toLowerCase()}`}>{c.status}</span>
            </td>
            <td className="num">{formatMs(c.latencyMs)}</td>
            <td className="muted small">{c.error ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const STATUS_ORDER: SimulationStatus[] = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];

function DataSummaryPanel() {
  const { data, error, loading } = useQuery(USER_DATA_SUMMARY);
  return (
    <section className="panel" aria-labelledby="org-data" aria-busy={loading && !data}>
      <h2 id="org-data">Your organization's data</h2>
      <ProblemView error={error} title="Could not load the data summary" />
      {loading && !data && <p className="muted">Loading…</p>}
      {data && <DataSummary summary={data.userDataSummary} />}
    </section>
  );
}

export function DataSummary({ summary: s }: { summary: UserDataSummary }) {
  const byStatus = [...s.simulations.byStatus].sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status));
  return (
    <div data-testid="data-summary">
      <dl className="facts">
        <dt>Simulations</dt>
        <dd>
          <span data-testid="simulations-total">{formatInt(s.simulations.total)}</span>
          {byStatus.length > 0 && <span className="muted"> ({byStatus.map((b) => `${formatInt(b.count)} ${b.status.toLowerCase()}`).join(', ')})</span>}
        </dd>
        <dt>Workbooks</dt>
        <dd>
          {formatInt(s.workbooks.count)} <span className="muted">({formatBytes(s.workbooks.bytes)})</span>
        </dd>
        <dt>Results</dt>
        <dd>{formatInt(s.results.count)}</dd>
      </dl>
      <h3>This month</h3>
      <dl className="facts">
        <dt>Simulations</dt>
        <dd>{formatInt(s.usage.simulationsThisMonth)}</dd>
        <dt>Iterations</dt>
        <dd>{formatInt(s.usage.iterationsThisMonth)}</dd>
        <dt>Storage</dt>
        <dd>{formatBytes(s.usage.storageBytes)}</dd>
        <dt>Billed</dt>
        <dd>
          {formatInt(s.usage.billedSimulationsThisMonth)} {s.usage.billedSimulationsThisMonth === 1 ? 'simulation' : 'simulations'},{' '}
          {formatDuration(s.usage.billedComputeSecondsThisMonth * 1000)} of compute
        </dd>
      </dl>
      <h3>Where it lives</h3>
      <dl className="facts">
        <dt>Database tier</dt>
        <dd>{DB_TEXT[s.routing.databaseTier] ?? s.routing.databaseTier}</dd>
        <dt>Dedicated</dt>
        <dd>{s.routing.dedicated ? 'Yes' : 'No'}</dd>
        <dt>Databases</dt>
        <dd>
          {s.routing.databases.length === 0
            ? '—'
            : s.routing.databases.map((d, i) => (
                <span key={d}>
                  {i > 0 && ', '}
                  <code>{d}</code>
                </span>
              ))}
        </dd>
      </dl>
      <h3>Most recent simulations</h3>
      {s.simulations.recent.length === 0 ? (
        <p className="muted small">
          None yet. Open a <Link to="/workbooks">workbook</Link> and run one.
        </p>
      ) : (
        <table className="table compact">
          <caption className="visually-hidden">The five most recent simulations</caption>
          <thead>
            <tr>
              <th scope="col">Simulation</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Iterations
              </th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {s.simulations.recent.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link to={`/simulations/${encodeURIComponent(r.id)}`}>{r.name || `Run ${r.id.slice(-6)}`}</Link>
                  {r.workbook && <div className="muted small">{r.workbook.name}</div>}
                </td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td className="num">{formatInt(r.iterations)}</td>
                <td className="small">{formatDate(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function QuotaPanel() {
  const { data, error, loading } = useQuery(QUOTA);
  return (
    <section className="panel" aria-labelledby="org-quota" aria-busy={loading && !data}>
      <div className="panel-head">
        <h2 id="org-quota">Quota</h2>
        {data && (
          <span className="muted small">
            {data.quota.tier.toLowerCase()} tier{data.quota.overridden ? ', with an override' : ''}
          </span>
        )}
      </div>
      <ProblemView error={error} title="Could not load the quota" />
      {loading && !data && <p className="muted">Loading…</p>}
      {data && <QuotaBars quota={data.quota} />}
    </section>
  );
}

/**
 * ORG_ADMIN and SYSTEM_ADMIN: services and metrics, polled while the page is
 * open and visible. A FORBIDDEN answer (roles changed since sign-in) hides
 * them instead of showing a failure.
 */
function AdminPanels() {
  const visible = usePageVisible();
  const poll = visible ? ADMIN_POLL_MS : 0;
  const services = useQuery(SERVICES, { pollInterval: poll });
  const metrics = useQuery(METRICS, { pollInterval: poll });
  const [refreshedAt, setRefreshedAt] = useState<string | null>(null);
  const [refreshing, setRefreshing] = useState(false);

  if (hasCode(services.error, 'FORBIDDEN') || hasCode(metrics.error, 'FORBIDDEN')) return null;

  const refresh = async () => {
    setRefreshing(true);
    try {
      await Promise.allSettled([services.refetch(), metrics.refetch()]);
      setRefreshedAt(new Date().toISOString());
    } finally {
      setRefreshing(false);
    }
  };
  const busy = refreshing || (services.loading && !services.data) || (metrics.loading && !metrics.data);
  const collected = metrics.data?.metrics.collectedAt ?? refreshedAt;

  return (
    <>
      <section className="panel" aria-labelledby="org-services" aria-busy={busy}>
        <div className="panel-head">
          <h2 id="org-services">Services</h2>
          <div className="actions tight">
            <span className="muted small">{collected ? `Updated ${formatTime(collected)}, every ${ADMIN_POLL_MS / 1000} s` : ''}</span>
            <span className="visually-hidden" aria-live="polite">
              {refreshing ? 'Refreshing' : refreshedAt ? 'Refreshed' : ''}
            </span>
            <button type="button" onClick={() => void refresh()} disabled={refreshing}>
              Refresh
            </button>
          </div>
        </div>
        <ProblemView error={services.error} title="Could not load the services" />
        {services.loading && !services.data && <p className="muted">Loading…</p>}
        {services.data && <ServicesTable services={services.data.services} />}
      </section>
      <section className="panel" aria-labelledby="org-metrics">
        <h2 id="org-metrics">Database metrics</h2>
        <ProblemView error={metrics.error} title="Could not load the metrics" />
        {metrics.loading && !metrics.data && <p className="muted">Loading…</p>}
        {metrics.data && <MetricsView metrics={metrics.data.metrics} />}
      </section>
    </>
  );
}
