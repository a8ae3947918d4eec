import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ServicesTable } from './ServicesTable';
import { MetricsView } from './MetricsView';
import { metricsFixture, servicesFixture } from '../test/fixtures';

describe('ServicesTable', () => {
  it('renders a row per service with its health, latency, schema version and pool', () => {
    render(<ServicesTable services={servicesFixture} />);
    const table = screen.getByRole('table', { name: 'Service databases' });
    const headers = within(table)
      .getAllByRole('columnheader')
      .map((h) => h.textContent?.trim());
    expect(headers).toEqual(['Service', 'Database', 'Healthy', 'Latency', 'Schema', 'Tables', 'Pool', 'Connections', 'Checked']);

    const sim = screen.getByRole('rowheader', { name: /^simulation/ }).closest('tr') as HTMLElement;
    expect(within(sim).getByText('simulation_db.sqlite')).toBeTruthy();
    expect(within(sim).getByText('sqlite3')).toBeTruthy();
    expect(within(sim).getByText('tenant data')).toBeTruthy();
    expect(within(sim).getByText('Healthy').className).toContain('status-ok');
    expect(within(sim).getByText('0.02 ms')).toBeTruthy();
    expect(within(sim).getByText('v1')).toBeTruthy();
    expect(within(sim).getByText('20 + 30 overflow = 50 max')).toBeTruthy();
    expect(within(sim).getByText('3 open of 50: 1 in use, 2 idle')).toBeTruthy();
    expect(
      within(sim)
        .getByText(/^\d{1,2}:\d{2}:\d{2}/)
        .getAttribute('datetime'),
    ).toBe('2026-11-26T23:25:09.998Z');

    const billing = screen.getByRole('rowheader', { name: 'billing' }).closest('tr') as HTMLElement;
    expect(within(billing).getByText('Down').className).toContain('status-down');
    expect(within(billing).getByText(/connection refused/)).toBeTruthy();
    expect(within(billing).getByText('1,250 ms')).toBeTruthy();
    expect(within(billing).getByText('4 waits, 37.5 ms')).toBeTruthy();
    expect(within(billing).queryByText('tenant data')).toBeNull();
  });

  // <details>/<summary>: natively keyboard operable in browsers (jsdom only
  // implements the click activation).
  it('lists the tables on demand', async () => {
    const user = userEvent.setup();
    render(<ServicesTable services={servicesFixture} />);
    const summary = screen.getByText('3 tables').closest('summary') as HTMLElement;
    const details = summary.parentElement as HTMLDetailsElement;
    expect(details.open).toBe(false);
    expect(summary.textContent).toBe('3 tables in simulation');
    await user.click(summary);
    expect(details.open).toBe(true);
    expect(within(details).getByText('schema_migrations')).toBeTruthy();
    expect(screen.getByText('1 table')).toBeTruthy();
  });

  it('says so when there is no service', () => {
    render(<ServicesTable services={[]} />);
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.getByText('No service databases are configured.')).toBeTruthy();
  });
});

describe('MetricsView', () => {
  it('renders per-service figures, tenants by tier and dedicated pools', () => {
    render(<MetricsView metrics={metricsFixture} />);
    const row = screen.getByRole('rowheader', { name: /^simulation/ }).closest('tr') as HTMLElement;
    const cells = within(row)
      .getAllByRole('cell')
      .map((c) => c.textContent);
    expect(cells).toEqual(['40', '0', '0', '3', '3', '50', '0', '0.27 ms', '0.32 ms', '0.39 ms', '0.51 ms', '0.51 ms40 samples']);
    expect(screen.getByText('Tenants by tier').nextElementSibling?.textContent).toBe('trial 3, standard 1');
    expect(screen.getByText('Dedicated pools open').nextElementSibling?.textContent).toBe('0');
  });
});

describe('MetricsView without samples', () => {
  it('shows dashes for the latency of a service that ran no statement', () => {
    const idle = { ...metricsFixture.services[0], name: 'analytics', queries: 0, latencySamples: 0, latencyP50Ms: 0, latencyP90Ms: 0, latencyP95Ms: 0, latencyP99Ms: 0, latencyMaxMs: 0 };
    render(<MetricsView metrics={{ ...metricsFixture, services: [idle] }} />);
    const row = screen.getByRole('rowheader', { name: /^analytics/ }).closest('tr') as HTMLElement;
    const cells = within(row)
      .getAllByRole('cell')
      .map((c) => c.textContent);
    expect(cells.slice(7)).toEqual(['—', '—', '—', '—', '—0 samples']);
  });
});
