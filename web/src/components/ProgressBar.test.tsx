import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { ProgressBar, progressText, type ProgressValue } from './ProgressBar';
import { formatEta } from '../lib/format';

const running: ProgressValue = {
  status: 'RUNNING',
  stage: 'running',
  percent: 42.7,
  iterationsDone: 4270,
  iterationsTotal: 10000,
  elapsedMs: 1200,
  etaMs: 65_000,
  outputs: [{ cell: 'Summary!B2', mean: 1234.5678, stdError: 12.3 }],
};

describe('ProgressBar', () => {
  it('exposes role and aria values', () => {
    render(<ProgressBar progress={running} />);
    const bar = screen.getByRole('progressbar', { name: 'Simulation progress' });
    expect(bar.getAttribute('aria-valuemin')).toBe('0');
    expect(bar.getAttribute('aria-valuemax')).toBe('100');
    expect(bar.getAttribute('aria-valuenow')).toBe('42');
    expect(bar.getAttribute('aria-valuetext')).toBe('42%, 4,270 of 10,000 iterations, about 1 min 05 s left');
  });

  it('clamps out-of-range percentages', () => {
    const { rerender } = render(<ProgressBar progress={{ ...running, percent: 140 }} />);
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    rerender(<ProgressBar progress={{ ...running, percent: -5 }} />);
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('0');
    rerender(<ProgressBar progress={{ ...running, percent: Number.NaN }} />);
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('0');
  });

  it('shows iterations, time left and running estimates', () => {
    render(<ProgressBar progress={running} outputNames={{ 'Summary!B2': 'NPV' }} />);
    expect(screen.getByText('4,270 / 10,000')).toBeTruthy();
    expect(screen.getByTestId('eta').textContent).toBe('1 min 05 s');
    expect(screen.getByRole('rowheader', { name: 'NPV (Summary!B2)' })).toBeTruthy();
    expect(screen.getByText('1,234.57')).toBeTruthy();
    expect(screen.getByText('± 12.3')).toBeTruthy();
  });

  it('says it is estimating before an ETA is known, and nothing once done', () => {
    const { rerender } = render(<ProgressBar progress={{ ...running, etaMs: null }} />);
    expect(screen.getByTestId('eta').textContent).toBe('estimating…');
    rerender(<ProgressBar progress={{ ...running, status: 'COMPLETED', stage: 'completed', percent: 100, etaMs: 0 }} showOutputs={false} />);
    expect(screen.getByTestId('eta').textContent).toBe('—');
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(screen.getByText('Completed')).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('leaves the time out of the spoken text when not running', () => {
    expect(progressText({ ...running, status: 'QUEUED', percent: 0, iterationsDone: 0 })).toBe('0%, 0 of 10,000 iterations');
  });
});

describe('formatEta', () => {
  it.each([
    [null, ''],
    [-1, ''],
    [0, 'less than a second'],
    [999, 'less than a second'],
    [1000, '1 s'],
    [12_400, '12 s'],
    [59_499, '59 s'],
    [60_000, '1 min 00 s'],
    [185_000, '3 min 05 s'],
    [3_600_000, '1 h 00 min'],
    [7_620_000, '2 h 07 min'],
  ])('%s ms -> %j', (ms, text) => {
    expect(formatEta(ms as number | null)).toBe(text);
  });
});
