import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { QuotaBar, QuotaBars, quotaPercent } from './QuotaBars';
import { quotaFixture } from '../test/fixtures';

describe('QuotaBars', () => {
  it('draws a labelled meter per limit with a usage figure', () => {
    render(<QuotaBars quota={quotaFixture} />);
    const meters = screen.getAllByRole('meter');
    expect(meters).toHaveLength(3);

    const concurrent = screen.getByRole('meter', { name: 'Concurrent simulations' });
    expect(concurrent.getAttribute('aria-valuemin')).toBe('0');
    expect(concurrent.getAttribute('aria-valuemax')).toBe('2');
    expect(concurrent.getAttribute('aria-valuenow')).toBe('2');
    expect(concurrent.getAttribute('aria-valuetext')).toBe('2 of 2 (100%)');
    expect((concurrent.firstElementChild as HTMLElement).style.width).toBe('100%');

    const month = screen.getByRole('meter', { name: /^Simulations this month/ });
    expect(month.getAttribute('aria-valuetext')).toBe('800 of 1,000 (80%)');
    expect((month.firstElementChild as HTMLElement).style.width).toBe('80%');

    const storage = screen.getByRole('meter', { name: 'Storage' });
    expect(storage.getAttribute('aria-valuetext')).toBe('1.4 MB of 9.3 GB (under 1%)');
  });

  it('colours by how full a quota is', () => {
    render(<QuotaBars quota={quotaFixture} />);
    expect(screen.getByRole('meter', { name: 'Concurrent simulations' }).closest('.quota')?.className).toContain('quota-full');
    expect(screen.getByRole('meter', { name: /^Simulations this month/ }).closest('.quota')?.className).toContain('quota-warn');
    expect(screen.getByRole('meter', { name: 'Storage' }).closest('.quota')?.className).toContain('quota-ok');
  });

  it('tags the limits an override changed and lists the others', () => {
    render(<QuotaBars quota={quotaFixture} />);
    const month = screen.getByRole('meter', { name: /^Simulations this month/ }).closest('.quota') as HTMLElement;
    expect(within(month).getByText('override')).toBeTruthy();
    expect(screen.getAllByText('override')).toHaveLength(1);
    expect(screen.getByText('Iterations per simulation').nextElementSibling?.textContent).toBe('10,000');
    expect(screen.getByText('Largest upload').nextElementSibling?.textContent).toBe('48 MB');
    expect(screen.getByText('Requests per minute').nextElementSibling?.textContent).toBe('3,000');
  });

  it('shows limits only when there is no usage', () => {
    render(<QuotaBars quota={{ ...quotaFixture, usage: null }} />);
    expect(screen.queryAllByRole('meter')).toHaveLength(0);
    expect(screen.getByText('Concurrent simulations').nextElementSibling?.textContent).toBe('2');
  });

  it('clamps a usage over the limit and survives a zero limit', () => {
    const { rerender } = render(<QuotaBar label="Runs" used={12} limit={10} />);
    const m = screen.getByRole('meter', { name: 'Runs' });
    expect(m.getAttribute('aria-valuenow')).toBe('10');
    expect(m.getAttribute('aria-valuetext')).toBe('12 of 10 (100%)');
    rerender(<QuotaBar label="Runs" used={3} limit={0} />);
    expect(screen.getByRole('meter', { name: 'Runs' }).getAttribute('aria-valuenow')).toBe('0');
    expect(quotaPercent(5, 0)).toBe(0);
    expect(quotaPercent(1, 4)).toBe(25);
  });
});
