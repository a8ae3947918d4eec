// `metrics`: statements, errors, connections and latency quantiles per
// service database, tenants by tier, dedicated pools open.
import type { DatabaseMetrics } from '../graphql/operations';
import { formatInt, formatMs, formatTime } from '../lib/format';

const TIERS = ['TRIAL', 'STANDARD', 'PROFESSIONAL', 'ENTERPRISE'];

/** A latency quantile, or a dash before any statement was timed. */
function lat(samples: number, ms: number): string {
  return samples > 0 ? formatMs(ms) : '—';
}

export function MetricsView({ metrics }: { metrics: DatabaseMetrics }) {
  const tiers = [...metrics.tenantsByTier].sort((a, b) => {
    const ia = TIERS.indexOf(a.tier);
    const ib = TIERS.indexOf(b.tier);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  return (
    <div data-testid="metrics">
      <div className="table-scroll">
        <table className="table compact">
          <caption>
            Per service <span className="muted small">(collected {formatTime(metrics.collectedAt)})</span>
          </caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col" className="num">
                Queries
              </th>
              <th scope="col" className="num">
                Errors
              </th>
              <th scope="col" className="num">
                Acquired
              </th>
              <th scope="col" className="num">
                Idle
              </th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col" className="num">
                Max
              </th>
              <th scope="col" className="num">
                Waits
              </th>
              <th scope="col" className="num">
                p50
              </th>
              <th scope="col" className="num">
                p90
              </th>
              <th scope="col" className="num">
                p95
              </th>
              <th scope="col" className="num">
                p99
              </th>
              <th scope="col" className="num">
                Max latency
              </th>
            </tr>
          </thead>
          <tbody>
            {metrics.services.map((s) => (
              <tr key={s.name}>
                <th scope="row">
                  {s.name}
                  <div className="muted small">
                    <code>{s.database}</code>
                  </div>
                </th>
                <td className="num">{formatInt(s.queries)}</td>
                <td className={`num${s.errors > 0 ? ' error-text' : ''}`}>{formatInt(s.errors)}</td>
                <td className="num">{formatInt(s.acquiredConns)}</td>
                <td className="num">{formatInt(s.idleConns)}</td>
                <td className="num">{formatInt(s.totalConns)}</td>
                <td className="num">{formatInt(s.maxConns)}</td>
                <td className="num">
                  {formatInt(s.waits)}
                  {s.waits > 0 && <div className="muted small">{formatMs(s.waitTimeMs)}</div>}
                </td>
                <td className="num">{lat(s.latencySamples, s.latencyP50Ms)}</td>
                <td className="num">{lat(s.latencySamples, s.latencyP90Ms)}</td>
                <td className="num">{lat(s.latencySamples, s.latencyP95Ms)}</td>
                <td className="num">{lat(s.latencySamples, s.latencyP99Ms)}</td>
                <td className="num">
                  {lat(s.latencySamples, s.latencyMaxMs)}
                  <div className="muted small">{formatInt(s.latencySamples)} samples</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl className="facts">
        <dt>Tenants by tier</dt>
        <dd>{tiers.length === 0 ? '—' : tiers.map((t) => `${t.tier.toLowerCase()} ${formatInt(t.tenants)}`).join(', ')}</dd>
        <dt>Dedicated pools open</dt>
        <dd>{formatInt(metrics.dedicatedPoolsOpen)}</dd>
      </dl>
    </div>
  );
}
