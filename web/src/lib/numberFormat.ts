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

/**
 * The formatter of an Excel number format code ("0.0%", "$#,##0",
 * "#,##0.00 [$€-407]"), from its first (positive) section: percent,
 * scientific, thousands separators, decimals and literal text around the
 * number. Null for General, text and date or time codes.
 */
export function formatterFromCode(code: string | null | undefined): NumberFormatter | null {
  if (!code) return null;
  const section = splitSections(code)[0].trim();
  if (section === '' || /^general$/i.test(section) || section === '@') return null;
  // Literal text and currency symbols ([$€-407] -> €), without padding (_x) and fills (*x).
  let text = '';
  for (let i = 0; i < section.length; i++) {
    const ch = section[i];
    if (ch === '"') {
      const end = section.indexOf('"', i + 1);
      text += '\u0001' + section.slice(i + 1, end < 0 ? undefined : end) + '\u0002';
      i = end < 0 ? section.length : end;
    } else if (ch === '\\') {
      text += '\u0001' + (section[i + 1] ?? '') + '\u0002';
      i++;
    } else if (ch === '_' || ch === '*') {
      i++;
    } else if (ch === '[') {
      const end = section.indexOf(']', i);
      const inner = section.slice(i + 1, end < 0 ? undefined : end);
      if (inner.startsWith('$')) text += '\u0001' + inner.slice(1).split('-')[0] + '\u0002';
      i = end < 0 ? section.length : end;
    } else {
      text += ch;
    }
  }
  const bare = text.replace(/\u0001[^\u0002]*\u0002/g, '');
  if (/[ymdhs]/i.test(bare) || !/[0#?]/.test(bare)) return null;
  const first = text.search(/[0#?]/);
  let last = first;
  for (let i = first; i < text.length; i++) {
    const ch = text[i];
    if (/[0#?,.%]/.test(ch) || (/[Ee]/.test(ch) && /[+-]/.test(text[i + 1] ?? '')) || (/[+-]/.test(ch) && /[Ee]/.test(text[i - 1] ?? ''))) last = i;
    else if (ch !== ' ') break;
  }
  const literal = (s: string) => s.replace(/[\u0001\u0002]/g, '').replace(/[()]/g, '');
  const prefix = literal(text.slice(0, first)).trimStart();
  const number = text.slice(first, last + 1);
  const suffix = literal(text.slice(last + 1)).trimEnd();
  const dot = number.indexOf('.');
  const decimals = dot < 0 ? 0 : (number.slice(dot + 1).split(/[Ee]/)[0].match(/[0#?]/g) ?? []).length;
  const percent = number.includes('%');
  const scientific = /E[+-]/i.test(number);
  const grouped = /[0#?],[0#?]/.test(number);
  const nf = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals, useGrouping: grouped });
  return (x) => {
    if (!Number.isFinite(x)) return String(x);
    const v = percent ? x * 100 : x;
    const body = scientific ? Math.abs(v).toExponential(decimals).toUpperCase().replace(/E([+-])(\d)$/, 'E$10$2') : nf.format(Math.abs(v));
    return `${v < 0 ? '−' : ''}${prefix}${body}${percent ? '%' : ''}${suffix}`;
  };
}

/** The sections of a format code (positive;negative;zero;text), quotes respected. */
function splitSections(code: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (ch === '"') quoted = !quoted;
    if (ch === '\\' && !quoted) {
      cur += ch + (code[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === ';' && !quoted) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out;
}
