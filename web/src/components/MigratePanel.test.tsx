import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MockedProvider } from '@apollo/client/testing/react';
import { MIGRATE, type MigrationReport } from '../graphql/operations';
import { MigratePanel } from './MigratePanel';

function report(dryRun: boolean): MigrationReport {
  return {
    dryRun,
    startedAt: '2026-11-26T23:30:00Z',
    durationMs: 42,
    waitedMs: 0,
    databases: [
      {
        database: 'simulation_db',
        service: 'simulation',
        tenantId: null,
        canary: true,
        fromVersion: 1,
        toVersion: 2,
        statementsApplied: dryRun ? 0 : 1,
        statements: ['ALTER TABLE simulations ADD COLUMN note TEXT'],
        status: dryRun ? 'PENDING' : 'APPLIED',
        error: null,
        durationMs: 12,
      },
      {
        database: 'tenant_acme',
        service: 'simulation',
        tenantId: 'acme',
        canary: false,
        fromVersion: 2,
        toVersion: 2,
        statementsApplied: 0,
        statements: [],
        status: 'UP_TO_DATE',
        error: null,
        durationMs: 3,
      },
    ],
  };
}

describe('MigratePanel', () => {
  it('runs a dry run and shows the report per database', async () => {
    const user = userEvent.setup();
    render(
      <MockedProvider mocks={[{ request: { query: MIGRATE, variables: { dryRun: true } }, result: { data: { migrate: report(true) } } }]}>
        <MigratePanel />
      </MockedProvider>,
    );
    await user.click(screen.getByRole('button', { name: 'Dry run' }));
    const table = await screen.findByRole('table', { name: 'Migration report per database' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByText('canary')).toBeTruthy();
    expect(within(rows[0]).getByText('pending', { selector: '.status' })).toBeTruthy();
    expect(within(rows[1]).getByText('up to date', { selector: '.status' })).toBeTruthy();
    expect(within(rows[1]).getByText(/tenant acme/)).toBeTruthy();
    expect(within(rows[0]).getByText('ALTER TABLE simulations ADD COLUMN note TEXT')).toBeTruthy();
    expect(screen.getByText(/1 database has pending migrations/)).toBeTruthy();
  });

  it('applies only after confirmation; Escape cancels', async () => {
    const user = userEvent.setup();
    render(
      <MockedProvider mocks={[{ request: { query: MIGRATE, variables: { dryRun: false } }, result: { data: { migrate: report(false) } } }]}>
        <MigratePanel />
      </MockedProvider>,
    );
    const apply = screen.getByRole('button', { name: 'Apply…' });
    await user.click(apply);
    let dialog = screen.getByRole('dialog', { name: 'Apply migrations?' });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(apply);
    expect(screen.queryByTestId('migration-report')).toBeNull();

    await user.click(apply);
    dialog = screen.getByRole('dialog', { name: 'Apply migrations?' });
    await user.click(within(dialog).getByRole('button', { name: 'Apply migrations' }));
    expect(await screen.findByText('applied', { selector: '.status' })).toBeTruthy();
    expect(screen.getByText(/Migration started .*Done\./)).toBeTruthy();
  });
});
