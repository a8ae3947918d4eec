import { useQuery } from '@apollo/client/react';
import { ORGANIZATION } from '../graphql/operations';
import { formatDuration } from '../lib/format';
import { ProblemView } from '../components/Problem';

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

export function OrganizationPage() {
  const { data, error, loading } = useQuery(ORGANIZATION);
  if (error) return <div className="page"><ProblemView error={error} title="Could not load your organization" /></div>;
  if (loading && !data) return <div className="page"><p className="muted">Loading…</p></div>;
  if (!data) return null;
  const { me, tenantInfo: t, health } = data;
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
          <table className="table compact">
            <caption>Dependencies</caption>
            <tbody>
              {health.checks.map((c) => (
                <tr key={c.name}>
                  <th scope="row">{c.name}</th>
                  <td>
                    <span className={`status status-${c.status.toLowerCase()}`}>{c.status}</span>
                  </td>
                  <td className="num">{c.latencyMs.toFixed(1)} ms</td>
                  <td className="muted small">{c.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </div>
  );
}
