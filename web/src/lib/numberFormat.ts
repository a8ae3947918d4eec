// Numbers shown as the workbook shows them. The API gives a cell's displayed
// value beside its number (Cell.value, Cell.number); the format is read back
// from the pair: a percent with its decimals, a currency prefix or suffix,
// thousands separators. Without a displayed value the app's default stays.

export type NumberFormatter = (x: number) => string;

const CURRENCY = /^([$€£¥]|[A-Z]{3}\s?)|(\s?[$€£¥]|\s?[A-Z]{3})$/;

/** The formatter a cell's displayed value implies, or null when it shows a plain number (or nothing). */
export function formatterFromDisplay(value: string | null | undefined, n: number | null | undefined): NumberFormatter | null {
  if (!value || n === null || n === undefined || !Number.isFinite(n)) return null;
  const text = value.trim();
  const decimalsOf = (s: string) => {
    const m = /\.(\d+)/.exec(s);
    return m ? m[1].length : 0;
  };
  if (/%$/.test(text)) {
    const d = decimalsOf(text);
    return (x) => `${minus((x * 100).toFixed(d))}%`;
  }
  const cur = CURRENCY.exec(text);
  const grouped = /\d,\d{3}/.test(text);
  if (!cur && !grouped) return null;
  const d = decimalsOf(text);
  const nf = new Intl.NumberFormat('en-US', { minimumFractionDigits: d, maximumFractionDigits: d, useGrouping: grouped || !!cur });
  const prefix = cur?.[1] ?? '';
  const suffix = cur?.[2] ?? '';
  return (x) => {
    const s = nf.format(Math.abs(x));
    return `${x < 0 ? '−' : ''}${prefix}${s}${suffix}`;
  };
}

function minus(s: string): string {
  return s.replace('-', '−');
}
