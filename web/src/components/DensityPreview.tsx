// A small SVG of a distribution's density (continuous) or masses (discrete),
// computed client-side from the parameters as typed.
import { useMemo } from 'react';
import { density, describe, type DistributionInput } from '../lib/distributions';
import { formatNumber } from '../lib/format';

interface Props {
  distribution: DistributionInput | null;
  width?: number;
  height?: number;
}

export function DensityPreview({ distribution, width = 280, height = 110 }: Props) {
  const d = useMemo(() => (distribution ? density(distribution) : null), [distribution]);
  const pad = { l: 4, r: 4, t: 6, b: 18 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;

  if (!distribution || !d || d.points.length === 0) {
    return (
      <div className="density density-empty" style={{ width, height }} data-testid="density-preview-empty">
        Enter valid parameters to see the distribution.
      </div>
    );
  }
  const yMax = Math.max(...d.points.map((p) => p.y)) || 1;
  const span = d.hi - d.lo || 1;
  const X = (x: number) => pad.l + ((x - d.lo) / span) * w;
  const Y = (y: number) => pad.t + h - (y / yMax) * h;
  const label = `Density preview of ${describe(distribution)}`;

  let shape;
  if (d.discrete) {
    const bw = Math.max(1.5, Math.min(14, (w / Math.max(1, d.points.length)) * 0.6));
    shape = d.points.map((p) => (
      <rect key={p.x} className="density-bar" x={(d.points.length === 1 ? pad.l + w / 2 : X(p.x)) - bw / 2} y={Y(p.y)} width={bw} height={pad.t + h - Y(p.y)} />
    ));
  } else {
    const line = d.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${X(p.x).toFixed(2)},${Y(p.y).toFixed(2)}`).join(' ');
    const first = d.points[0], last = d.points[d.points.length - 1];
    const area = `${line} L${X(last.x).toFixed(2)},${(pad.t + h).toFixed(2)} L${X(first.x).toFixed(2)},${(pad.t + h).toFixed(2)} Z`;
    shape = (
      <>
        <path className="density-area" d={area} />
        <path className="density-line" d={line} />
      </>
    );
  }
  return (
    <svg className="density" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-testid="density-preview">
      <title>{label}</title>
      <line className="density-axis" x1={pad.l} x2={pad.l + w} y1={pad.t + h} y2={pad.t + h} />
      {shape}
      <text className="density-tick" x={pad.l} y={height - 4} textAnchor="start">
        {formatNumber(d.lo)}
      </text>
      <text className="density-tick" x={pad.l + w} y={height - 4} textAnchor="end">
        {formatNumber(d.hi)}
      </text>
    </svg>
  );
}
