// The organization's quotas: a meter per limit that has a usage figure
// (concurrent simulations, simulations this month, storage), the other
// limits as plain figures. A limit the organization's override changed is
// tagged.
import { useId } from 'react';
import type { QuotaLimits, QuotaStatus } from '../graphql/operations';
import { formatBytes, formatInt } from '../lib/format';

type Key = keyof QuotaLimits;

const METERED: { key: Key; usage: 'concurrentSimulations' | 'simulationsThisMonth' | 'storageBytes'; label: string; bytes?: boolean }[] = [
  { key: 'concurrentSimulations', usage: 'concurrentSimulations', label: 'Concurrent simulations' },
  { key: 'simulationsPerMonth', usage: 'simulationsThisMonth', label: 'Simulations this month' },
  { key: 'storageBytes', usage: 'storageBytes', label: 'Storage', bytes: true },
];

const PLAIN: { key: Key; label: string; bytes?: boolean }[] = [
  { key: 'iterationsPerSimulation', label: 'Iterations per simulation' },
  { key: 'uploadBytes', label: 'Largest upload', bytes: true },
  { key: 'requestsPerMinute', label: 'Requests per minute' },
];

/** Used over limit as a percentage, 0..100 (a limit of 0 or less: 0). */
export function quotaPercent(used: number, limit: number): number {
  if (!(limit > 0) || !Number.isFinite(used)) return 0;
  return Math.min(100, Math.max(0, (used / limit) * 100));
}

function level(pct: number): 'ok' | 'warn' | 'full' {
  if (pct >= 90) return 'full';
  if (pct >= 75) return 'warn';
  return 'ok';
}

export function QuotaBar({ label, used, limit, bytes = false, overridden = false }: { label: string; used: number; limit: number; bytes?: boolean; overridden?: boolean }) {
  const id = useId();
  const fmt = bytes ? formatBytes : formatInt;
  const pct = quotaPercent(used, limit);
  const text = `${fmt(used)} of ${fmt(limit)} (${pct < 1 && used > 0 ? 'under 1' : Math.round(pct)}%)`;
  return (
    <div className={`quota quota-${level(pct)}`}>
      <div className="quota-head">
        <span id={`${id}-label`}>
          {label}
          {overridden && <span className="tag warn">override</span>}
        </span>
        <span className="quota-figure" aria-hidden="true">
          {fmt(used)} / {fmt(limit)}
        </span>
      </div>
      <div
        className="meter-track"
        role="meter"
        aria-labelledby={`${id}-label`}
        aria-valuemin={0}
        aria-valuemax={limit > 0 ? limit : 0}
        aria-valuenow={Math.min(Math.max(used, 0), limit > 0 ? limit : 0)}
        aria-valuetext={text}
      >
        <div className={used > 0 ? 'meter-fill nonzero' : 'meter-fill'} style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

export function QuotaBars({ quota }: { quota: QuotaStatus }) {
  const { limits, tierLimits, usage } = quota;
  const changed = (k: Key) => quota.overridden && limits[k] !== tierLimits[k];
  return (
    <div className="quotas" data-testid="quota-bars">
      {usage ? (
        METERED.map((m) => <QuotaBar key={m.key} label={m.label} used={usage[m.usage]} limit={limits[m.key]} bytes={m.bytes} overridden={changed(m.key)} />)
      ) : (
        <p className="muted small">Usage is shown for your own organization only.</p>
      )}
      <dl className="facts quota-limits">
        {!usage &&
          METERED.map((m) => (
            <div key={m.key} className="contents">
              <dt>{m.label}</dt>
              <dd>
                {m.bytes ? formatBytes(limits[m.key]) : formatInt(limits[m.key])}
                {changed(m.key) && <span className="tag warn">override</span>}
              </dd>
            </div>
          ))}
        {PLAIN.map((m) => (
          <div key={m.key} className="contents">
            <dt>{m.label}</dt>
            <dd>
              {m.bytes ? formatBytes(limits[m.key]) : formatInt(limits[m.key])}
              {changed(m.key) && <span className="tag warn">override</span>}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
