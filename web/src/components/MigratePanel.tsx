// SYSTEM_ADMIN: `migrate(dryRun)`. A dry run lists what is pending; Apply
// (after a confirmation) migrates every service database and every dedicated
// tenant database, the first as a canary.
import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { MIGRATE, type MigrationReport } from '../graphql/operations';
import { formatDate, formatDuration, formatInt } from '../lib/format';
import { ProblemView } from './Problem';
import { ConfirmDialog } from './ConfirmDialog';

const STATUS_CLASS: Record<string, string> = {
  APPLIED: 'status-completed',
  UP_TO_DATE: 'status-ok',
  PENDING: 'status-queued',
  FAILED: 'status-failed',
  SKIPPED: 'status-cancelled',
};

export function MigrationReportView({ report }: { report: MigrationReport }) {
  const pending = report.databases.filter((d) => d.status === 'PENDING').length;
  const failed = report.databases.filter((d) => d.status === 'FAILED').length;
  return (
    <div data-testid="migration-report">
      <p className="small">
        {report.dryRun ? 'Dry run' : 'Migration'} started {formatDate(report.startedAt)}, took {formatDuration(report.durationMs)}
        {report.waitedMs >= 1 && <>, waited {formatDuration(report.waitedMs)} for another run</>}.{' '}
        {report.dryRun
          ? pending === 0
            ? 'Every database is up to date.'
            : `${formatInt(pending)} ${pending === 1 ? 'database has' : 'databases have'} pending migrations.`
          : failed > 0
            ? `${formatInt(failed)} failed; the run stopped there.`
            : 'Done.'}
      </p>
      <div className="table-scroll">
        <table className="table compact">
          <caption className="visually-hidden">Migration report per database</caption>
          <thead>
            <tr>
              <th scope="col">Database</th>
              <th scope="col" className="num">
                From
              </th>
              <th scope="col" className="num">
                To
              </th>
              <th scope="col" className="num">
                Statements
              </th>
              <th scope="col">Status</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {report.databases.map((d) => (
              <tr key={d.database + (d.tenantId ?? '')}>
                <th scope="row">
                  <code>{d.database}</code>
                  {d.canary && <span className="tag warn">canary</span>}
                  <div className="muted small">
                    {d.service}
                    {d.tenantId && <> · tenant {d.tenantId}</>}
                  </div>
                </th>
                <td className="num">v{d.fromVersion}</td>
                <td className="num">v{d.toVersion}</td>
                <td className="num">
                  {formatInt(d.statementsApplied)}
                  {d.statements.length > 0 && (
                    <details className="statements">
                      <summary>
                        {report.dryRun ? 'pending' : 'applied'}
                        <span className="visually-hidden"> statements of {d.database}</span>
                      </summary>
                      <ol>
                        {d.statements.map((s, i) => (
                          <li key={i}>
                            <code>{s}</code>
                          </li>
                        ))}
                      </ol>
                    </details>
                  )}
                </td>
                <td>
                  <span className={`status ${STATUS_CLASS[d.status] ?? ''}`}>{d.status.replace(/_/g, ' ').toLowerCase()}</span>
                </td>
                <td className="small error-text">{d.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function MigratePanel() {
  const [migrate, { data, loading, error, reset }] = useMutation(MIGRATE, { refetchQueries: ['Services'] });
  const [confirming, setConfirming] = useState(false);
  const run = (dryRun: boolean) => {
    reset();
    void migrate({ variables: { dryRun } }).catch(() => undefined);
  };
  return (
    <section className="panel" aria-labelledby="org-migrate" aria-busy={loading}>
      <div className="panel-head">
        <h2 id="org-migrate">Migrations</h2>
        <div className="actions tight">
          <button type="button" disabled={loading} onClick={() => run(true)}>
            Dry run
          </button>
          <button type="button" className="primary" disabled={loading} onClick={() => setConfirming(true)}>
            Apply…
          </button>
        </div>
      </div>
      <p className="muted small">
        Applies pending schema migrations to every service database and every dedicated tenant database. The first database is a canary: a failure there stops the run before any
        other is touched.
      </p>
      <div aria-live="polite">{loading && <p className="muted">Migrating…</p>}</div>
      <ProblemView error={error} title="The migration did not run" />
      {data && <MigrationReportView report={data.migrate} />}
      {confirming && (
        <ConfirmDialog
          title="Apply migrations?"
          confirmLabel="Apply migrations"
          danger
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            run(false);
          }}
        >
          <p>Pending migrations will be applied to every service database and every dedicated tenant database, one run at a time. Run a dry run first to see what is pending.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
