// The platform's service databases as `services` reports them: health, ping,
// schema version, tables, pool configuration and database/sql's live figures.
import type { ServiceStatus } from '../graphql/operations';
import { formatInt, formatMs, formatTime } from '../lib/format';

export function ServicesTable({ services, caption = 'Service databases' }: { services: ServiceStatus[]; caption?: string }) {
  if (services.length === 0) return <p className="empty">No service databases are configured.</p>;
  return (
    <div className="table-scroll">
      <table className="table compact" data-testid="services-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Database</th>
            <th scope="col">Healthy</th>
            <th scope="col" className="num">
              Latency
            </th>
            <th scope="col" className="num">
              Schema
            </th>
            <th scope="col">Tables</th>
            <th scope="col">Pool</th>
            <th scope="col">Connections</th>
            <th scope="col">Checked</th>
          </tr>
        </thead>
        <tbody>
          {services.map((s) => {
            const st = s.pool.stats;
            return (
              <tr key={s.name}>
                <th scope="row">
                  {s.name}
                  {s.tenantRouted && (
                    <span className="tag tag-input" title="Holds tenant data and follows the tenant router">
                      tenant data
                    </span>
                  )}
                </th>
                <td>
                  <code>{s.database}</code>
                  <div className="muted small">{s.dialect}</div>
                </td>
                <td>
                  <span className={`status status-${s.healthy ? 'ok' : 'down'}`}>{s.healthy ? 'Healthy' : 'Down'}</span>
                  {s.error && <div className="small error-text">{s.error}</div>}
                </td>
                <td className="num">{formatMs(s.latencyMs)}</td>
                <td className="num">v{s.schemaVersion}</td>
                <td>
                  <details className="tables-list">
                    <summary>
                      {s.tables.length} {s.tables.length === 1 ? 'table' : 'tables'}
                      <span className="visually-hidden"> in {s.name}</span>
                    </summary>
                    <ul>
                      {s.tables.map((t) => (
                        <li key={t}>
                          <code>{t}</code>
                        </li>
                      ))}
                    </ul>
                  </details>
                </td>
                <td className="small">
                  {s.pool.size} + {s.pool.overflow} overflow = {s.pool.max} max
                </td>
                <td className="small">
                  {formatInt(st.open)} open of {formatInt(st.maxOpen)}: {formatInt(st.inUse)} in use, {formatInt(st.idle)} idle
                  {st.waitCount > 0 && (
                    <div className="muted">
                      {formatInt(st.waitCount)} waits, {formatMs(st.waitDurationMs)}
                    </div>
                  )}
                  {st.maxIdleClosed + st.maxIdleTimeClosed + st.maxLifetimeClosed > 0 && (
                    <div className="muted">
                      closed: {formatInt(st.maxIdleClosed)} idle, {formatInt(st.maxIdleTimeClosed)} idle time, {formatInt(st.maxLifetimeClosed)} lifetime
                    </div>
                  )}
                </td>
                <td className="small nowrap">
                  <time dateTime={s.checkedAt}>{formatTime(s.checkedAt)}</time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
