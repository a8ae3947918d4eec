import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MockedProvider } from '@apollo/client/testing/react';
import { ComparePage, overlaidHistogram } from './Compare';
import { SIMULATIONS } from '../graphql/operations';
import { COMPARE_SIMULATIONS, type ComparedRun } from '../graphql/compare';

const summary = (id: string, name: string) => ({
  __typename: 'Simulation',
  id,
  name,
  workbookId: 'wb1',
  workbook: { __typename: 'Workbook', id: 'wb1', name: 'risk.xlsx' },
  status: 'COMPLETED',
  iterations: 5000,
  sampling: 'LATIN_HYPERCUBE',
  outputs: ['Model!B3'],
  createdAt: '2026-12-07T09:00:00Z',
  completedAt: '2026-12-07T09:00:01Z',
  elapsedMs: 900,
  error: null,
});

const percentiles = (shift: number) => [1, 5, 10, 25, 50, 75, 90, 95, 99].map((p) => ({ __typename: 'Percentile', p, value: 100 + p + shift }));

function run(id: string, name: string, shift: number, baseline: boolean) {
  return {
    __typename: 'ComparedRun',
    simulation: {
      __typename: 'Simulation',
      id,
      name,
      iterations: 5000,
      createdAt: '2026-12-07T09:00:00Z',
      workbook: { __typename: 'Workbook', id: 'wb1', name: 'risk.xlsx' },
      outputVariables: [
        { __typename: 'OutputVariable', cell: 'Model!B3', name: 'Total' },
        { __typename: 'OutputVariable', cell: 'Model!B4', name: null },
      ],
    },
    result: {
      __typename: 'Result',
      cell: 'Model!B3',
      name: 'Total',
      iterations: 5000,
      mean: 150 + shift,
      stdDev: 10,
      min: 100 + shift,
      max: 200 + shift,
      percentiles: percentiles(shift),
      histogram: {
        __typename: 'Histogram',
        method: 'sturges',
        bins: [
          { __typename: 'HistogramBin', lower: 100 + shift, upper: 150 + shift, count: 2500 },
          { __typename: 'HistogramBin', lower: 150 + shift, upper: 200 + shift, count: 2500 },
        ],
      },
      sensitivity: [{ __typename: 'Sensitivity', input: 'Model!B1', name: 'Demand', rankCorrelation: 0.9, contributionToVariance: 90 }],
    },
    meanDifference: baseline ? 0 : shift,
    percentileDifferences: [5, 10, 25, 50, 75, 90, 95].map((p) => ({
      __typename: 'PercentileDifference',
      p,
      value: 100 + p + shift,
      baseline: 100 + p,
      difference: baseline ? 0 : shift,
      relative: baseline ? 0 : shift / (100 + p),
    })),
  };
}

const listMock = {
  request: { query: SIMULATIONS, variables: { first: 50, status: 'COMPLETED', orderBy: { field: 'CREATED_AT', direction: 'DESC' } } },
  result: {
    data: {
      simulations: {
        __typename: 'SimulationConnection',
        totalCount: 3,
        pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
        edges: [
          { __typename: 'SimulationEdge', cursor: 'c1', node: summary('s1', 'Base case') },
          { __typename: 'SimulationEdge', cursor: 'c2', node: summary('s2', 'Shifted') },
          { __typename: 'SimulationEdge', cursor: 'c3', node: summary('s3', 'Third') },
        ],
      },
    },
  },
};

const compareMock = {
  request: { query: COMPARE_SIMULATIONS, variables: { ids: ['s1', 's2'], output: null } },
  result: { data: { compareSimulations: { __typename: 'SimulationComparison', output: 'Total', runs: [run('s1', 'Base case', 0, true), run('s2', 'Shifted', 10, false)] } } },
};

describe('ComparePage', () => {
  it('lists completed runs and adds a picked one to the address', async () => {
    const user = userEvent.setup();
    window.history.replaceState(null, '', '/compare?ids=s1');
    render(
      <MockedProvider mocks={[listMock, compareMock]}>
        <ComparePage />
      </MockedProvider>,
    );
    expect(screen.getByText('Pick two or more completed simulations.')).toBeTruthy();
    const base = await screen.findByRole('checkbox', { name: /Base case/ });
    expect((base as HTMLInputElement).checked).toBe(true);
    await user.click(screen.getByRole('checkbox', { name: /Shifted/ }));
    expect(window.location.search).toBe('?ids=s1,s2');
  });

  it('sets each run’s percentiles and mean against the first', async () => {
    window.history.replaceState(null, '', '/compare?ids=s1,s2');
    render(
      <MockedProvider mocks={[listMock, compareMock]}>
        <ComparePage />
      </MockedProvider>,
    );
    const table = await screen.findByRole('table', { name: 'Percentiles against the first run' });
    const rows = within(table).getAllByRole('row');
    expect(rows.map((r) => r.querySelector('th')?.textContent)).toEqual(['Statistic', 'Mean', 'P5', 'P10', 'P25', 'P50', 'P75', 'P90', 'P95']);
    expect(rows[1].textContent).toContain('150');
    expect(rows[1].textContent).toContain('160');
    expect(rows[1].textContent).toContain('+10 (+6.7%)');
    expect(rows[5].textContent).toContain('150');
    expect(rows[5].textContent).toContain('+10 (+6.7%)');
    expect(within(rows[0]).getByText(/\(vs 1\)/)).toBeTruthy();
    await waitFor(() => expect(screen.getByRole('combobox', { name: 'Output' })).toBeTruthy());
    const options = within(screen.getByRole('combobox', { name: 'Output' })).getAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual(['Total (Model!B3)', 'Model!B4']);
    expect(screen.getByTestId('compare-histogram')).toBeTruthy();
    expect(screen.getByTestId('compare-cdf')).toBeTruthy();
  });

  it('overlays histograms on one grid as probabilities', () => {
    const runs = [run('s1', 'a', 0, true), run('s2', 'b', 100, false)] as unknown as ComparedRun[];
    const rows = overlaidHistogram(runs, 4);
    expect(rows.map((r) => r.x)).toEqual([100, 150, 200, 250, 300]);
    expect(rows.map((r) => r.run0)).toEqual([50, 50, 0, 0, 0]);
    expect(rows.map((r) => r.run1)).toEqual([0, 0, 50, 50, 50]);
  });
});
