import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { TailTables, outputNamesOf, savedModelOf } from './Simulation';
import type { Result, SimulationDetail } from '../graphql/operations';

const result = {
  cell: 'Summary!B2',
  name: 'NPV',
  rSquared: 0.9,
  unexplainedVariance: 0.1,
  targets: [{ value: 0, probBelow: 0.125, probAbove: 0.875 }],
  tail: [{ level: 0.95, var: -100, cvar: -250, upperVar: 900, upperCvar: 1100 }],
  sensitivity: [
    { input: 'Inputs!B2', name: 'Price', rankCorrelation: 0.8, contributionToVariance: 70, deciles: [], lowDecileMean: 10, highDecileMean: 510, changeInMean: 500, standardizedRegression: 0.85, varianceShare: 0.7 },
    { input: 'Inputs!B3', name: null, rankCorrelation: -0.3, contributionToVariance: -30, deciles: [], lowDecileMean: 300, highDecileMean: 100, changeInMean: -200, standardizedRegression: null, varianceShare: null },
  ],
} as unknown as Result;

describe('Simulation results', () => {
  it('names outputs from the server, not the browser', () => {
    localStorage.setItem('simgraph.model.wb1', JSON.stringify({ outputs: [{ cell: 'Summary!B2', name: 'Local name' }] }));
    const sim = {
      workbookId: 'wb1',
      outputVariables: [
        { cell: 'Summary!B2', name: 'NPV' },
        { cell: 'Summary!B3', name: null },
      ],
      results: [],
    } as unknown as SimulationDetail;
    expect(outputNamesOf(sim)).toEqual({ 'Summary!B2': 'NPV' });
  });

  it.each([
    { model: { id: 'm1', name: 'NPV plan' }, modelVersion: 2, want: 'model NPV plan, version 2' },
    { model: null, modelVersion: 1, want: 'a deleted model, version 1' },
    { model: null, modelVersion: null, want: null },
  ])('says which saved model version ran: $want', ({ model, modelVersion, want }) => {
    expect(savedModelOf({ model, modelVersion })).toBe(want);
  });

  it('shows VaR, CVaR, targets and the change-in-mean tornado', () => {
    render(<TailTables result={result} />);
    const tail = screen.getByTestId('tail-table');
    const row = within(tail).getByRole('row', { name: /95%/ });
    expect(row.textContent).toContain('−100');
    expect(row.textContent).toContain('−250');
    const targets = screen.getByTestId('targets-table');
    expect(targets.textContent).toContain('12.5%');
    expect(targets.textContent).toContain('87.5%');
    const cim = screen.getByTestId('change-in-mean-table');
    const rows = within(cim).getAllByRole('row');
    expect(rows[1].textContent).toContain('Price (Inputs!B2)');
    expect(rows[2].textContent).toContain('Inputs!B3');
    expect(rows[2].textContent).toContain('—');
    expect(rows[3].textContent).toContain('Unexplained');
    expect(rows[3].textContent).toContain('10%');
  });
});
