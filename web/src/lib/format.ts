// Number, size and time formatting shared by the screens.

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatInt(n: number): string {
  return grouped.format(n);
}

/** A number with about `digits` significant digits, grouped, no exponent for everyday magnitudes. */
export function formatNumber(n: number | null | undefined, digits = 4): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '−∞';
  if (n === 0) return '0';
  const a = Math.abs(n);
  if (a >= 1e15 || a < 1e-6) return n.toExponential(digits - 1).replace('-', '−');
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  const s = new Intl.NumberFormat('en-US', { maximumFractionDigits: Math.min(decimals, 10), minimumFractionDigits: 0 }).format(n);
  return s.replace('-', '−');
}

export function formatPercent(x: number, digits = 1): string {
  return `${x.toFixed(digits)}%`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/**
 * A time left (or taken) as a person says it: "less than a second",
 * "12 s", "3 min 05 s", "2 h 07 min". Null or negative: "".
 */
export function formatEta(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return 'less than a second';
  const total = Math.round(ms / 1000);
  if (total < 60) return `${total} s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(s).padStart(2, '0')} s`;
}

/** A duration in milliseconds: "850 ms", "4.2 s", "3 min 05 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return formatEta(ms);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * What a grid cell shows: the server's displayed value when it is formatted
 * (percent, currency, text), a readable number when it is a raw one
 * ("1.03429022823191e+06" -> "1,034,290.23").
 */
export function cellText(value: string | null, type: string, n: number | null): string {
  if (type !== 'NUMBER' || n === null || !Number.isFinite(n)) return value ?? '';
  if (value !== null && !PLAIN_NUMBER.test(value.trim())) return value;
  const a = Math.abs(n);
  if (a !== 0 && (a < 1e-4 || a >= 1e15)) return n.toExponential(4);
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: a >= 1000 ? 2 : a >= 1 ? 4 : 6 }).format(n);
}

/** A time of day with seconds ("14:03:27"), for figures that change every few seconds. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A latency in milliseconds: "0.27 ms", "12.4 ms", "1,250 ms". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${formatInt(Math.round(ms))} ms`;
}
