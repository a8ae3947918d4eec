// Movable delimiters on an output's histogram and S-curve, as @RISK has
// them: two vertical lines, dragged or typed, and the probability left of
// the lower, between them and right of the upper. Probabilities come from
// the stored histogram (uniform within a bin), so they need no samples.
import { useEffect, useId, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';
import { cdfAt, type Bin } from '../lib/overlay';
import { formatNumber } from '../lib/format';
import type { NumberFormatter } from '../lib/numberFormat';

export interface DelimiterState {
  lower: number;
  upper: number;
}

/** The three probabilities the delimiters split the output into (0 to 1). */
export function delimitedProbabilities(bins: Bin[], { lower, upper }: DelimiterState): { below: number; between: number; above: number } {
  const lo = Math.min(lower, upper), hi = Math.max(lower, upper);
  const below = cdfAt(bins, lo);
  const atUpper = cdfAt(bins, hi);
  return { below, between: atUpper - below, above: 1 - atUpper };
}

const pct = (p: number) => (Number.isFinite(p) ? `${(p * 100).toFixed(1)}%` : '—');

/** Where the chart draws its plot: the overlay's inset in pixels. */
export interface PlotInset {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

interface OverlayProps {
  domain: [number, number];
  state: DelimiterState;
  inset: PlotInset;
  onChange: (s: DelimiterState) => void;
  format: NumberFormatter;
  children: ReactNode;
}

/** Wraps a chart with two draggable vertical lines over its plot area. */
export function DelimiterOverlay({ domain, state, inset, onChange, format, children }: OverlayProps) {
  const area = useRef<HTMLDivElement>(null);
  const dragging = useRef<'lower' | 'upper' | null>(null);
  const [lo, hi] = domain;
  const span = hi - lo;
  const at = (x: number) => `${Math.min(100, Math.max(0, ((x - lo) / span) * 100))}%`;
  const valueAt = (clientX: number) => {
    const r = area.current?.getBoundingClientRect();
    if (!r || r.width === 0) return null;
    const f = Math.min(1, Math.max(0, (clientX - r.left) / r.width));
    return lo + f * span;
  };
  const set = (which: 'lower' | 'upper', v: number) => {
    const next = { ...state, [which]: Math.min(hi, Math.max(lo, v)) };
    // The lines never cross: the one moved stops at the other.
    if (next.lower > next.upper) next[which] = which === 'lower' ? next.upper : next.lower;
    onChange(next);
  };
  const handle = (which: 'lower' | 'upper') => ({
    role: 'slider',
    tabIndex: 0,
    'aria-label': which === 'lower' ? 'Lower delimiter line' : 'Upper delimiter line',
    'aria-valuemin': lo,
    'aria-valuemax': hi,
    'aria-valuenow': state[which],
    'aria-valuetext': format(state[which]),
    className: `delimiter-line delimiter-${which}`,
    style: { left: at(state[which]) },
    onPointerDown: (e: PointerEvent<HTMLDivElement>) => {
      dragging.current = which;
      e.currentTarget.setPointerCapture?.(e.pointerId);
      e.preventDefault();
    },
    onPointerMove: (e: PointerEvent<HTMLDivElement>) => {
      if (dragging.current !== which) return;
      const v = valueAt(e.clientX);
      if (v !== null) set(which, v);
    },
    onPointerUp: () => {
      dragging.current = null;
    },
    onKeyDown: (e: KeyboardEvent<HTMLDivElement>) => {
      const step = span / (e.shiftKey ? 10 : 100);
      const moves: Record<string, number> = { ArrowLeft: -step, ArrowDown: -step, ArrowRight: step, ArrowUp: step, PageDown: -span / 10, PageUp: span / 10 };
      if (e.key in moves) {
        e.preventDefault();
        set(which, state[which] + moves[e.key]);
      }
    },
  });
  return (
    <div className="delimited">
      {children}
      {span > 0 && (
        <div className="delimiter-area" ref={area} style={{ left: inset.left, right: inset.right, top: inset.top, bottom: inset.bottom }}>
          <div className="delimiter-shade" style={{ left: 0, width: at(state.lower) }} aria-hidden="true" />
          <div className="delimiter-shade" style={{ left: at(state.upper), right: 0 }} aria-hidden="true" />
          <div {...handle('lower')} />
          <div {...handle('upper')} />
        </div>
      )}
    </div>
  );
}

interface BarProps {
  bins: Bin[];
  state: DelimiterState;
  onChange: (s: DelimiterState) => void;
  format: NumberFormatter;
}

/** The probabilities and the delimiters as numbers, typed or read. */
export function DelimiterBar({ bins, state, onChange, format }: BarProps) {
  const id = useId();
  const p = delimitedProbabilities(bins, state);
  return (
    <div className="delimiter-bar" data-testid="delimiter-bar">
      <div className="delimiter-probs" aria-live="polite">
        <span data-testid="prob-below">
          <span className="muted small">below {format(state.lower)}</span> <strong>{pct(p.below)}</strong>
        </span>
        <span data-testid="prob-between">
          <span className="muted small">between</span> <strong>{pct(p.between)}</strong>
        </span>
        <span data-testid="prob-above">
          <span className="muted small">above {format(state.upper)}</span> <strong>{pct(p.above)}</strong>
        </span>
      </div>
      <div className="delimiter-inputs">
        <NumberField id={`${id}-lo`} label="Lower delimiter" value={state.lower} onValue={(v) => onChange({ lower: Math.min(v, state.upper), upper: state.upper })} />
        <NumberField id={`${id}-hi`} label="Upper delimiter" value={state.upper} onValue={(v) => onChange({ lower: state.lower, upper: Math.max(v, state.lower) })} />
      </div>
    </div>
  );
}

function NumberField({ id, label, value, onValue }: { id: string; label: string; value: number; onValue: (v: number) => void }) {
  const [text, setText] = useState(formatNumber(value, 6).replace(/,/g, '').replace('−', '-'));
  const editing = useRef(false);
  useEffect(() => {
    if (!editing.current) setText(formatNumber(value, 6).replace(/,/g, '').replace('−', '-'));
  }, [value]);
  const parsed = Number(text.replace(/[,_ ]/g, ''));
  const invalid = text.trim() === '' || !Number.isFinite(parsed);
  return (
    <span className="field inline">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        inputMode="decimal"
        value={text}
        aria-invalid={invalid ? true : undefined}
        onFocus={() => (editing.current = true)}
        onBlur={() => {
          editing.current = false;
          setText(formatNumber(value, 6).replace(/,/g, '').replace('−', '-'));
        }}
        onChange={(e) => {
          setText(e.target.value);
          const v = Number(e.target.value.replace(/[,_ ]/g, ''));
          if (e.target.value.trim() !== '' && Number.isFinite(v)) onValue(v);
        }}
      />
    </span>
  );
}
