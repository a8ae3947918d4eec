import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MockedProvider } from '@apollo/client/testing/react';
import { DetectedModelPanel, unresolvedProblems } from './DetectedModel';
import { CREATE_SIMULATION } from '../graphql/operations';
import type { DetectedModel } from '../graphql/incell';
import { EMPTY_MODEL, useModel, type Model } from '../lib/model';
import { RunPanel } from '../pages/Workbook';

const nulls = { min: null, mode: null, max: null, mu: null, sigma: null, truncateMin: null, truncateMax: null };

// Shaped like the server's answer for the @RISK workbook of server/incell_test.go.
const detected: DetectedModel = {
  detectedInputs: [
    { cell: 'Model!B1', name: 'Demand', function: 'RiskNormal', staticValue: 100, distribution: { ...nulls, type: 'NORMAL', mean: 100, stdDev: 10 } },
    { cell: 'Model!B2', name: null, function: 'RiskUniform', staticValue: 5, distribution: { ...nulls, type: 'UNIFORM', min: 0, max: 10, mean: null, stdDev: null } },
  ],
  detectedOutputs: [
    { cell: 'Model!B3', name: 'Total' },
    { cell: 'Model!B4', name: null },
  ],
  detectionProblems: [],
};

const withProblem: DetectedModel = { ...detected, detectionProblems: [{ cell: 'Model!B5', message: 'RiskMakeInput is not supported' }] };

describe('DetectedModelPanel', () => {
  it('lists the detected inputs with their distributions and outputs, and overrides an input', async () => {
    const user = userEvent.setup();
    const onOverride = vi.fn();
    const onGo = vi.fn();
    render(<DetectedModelPanel detected={detected} model={EMPTY_MODEL} onGo={onGo} onOverride={onOverride} onRestore={() => {}} />);
    const rows = within(screen.getByRole('table', { name: 'Detected inputs' })).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(rows[1].textContent).toContain('Model!B1');
    expect(rows[1].textContent).toContain('Demand');
    expect(rows[1].textContent).toMatch(/Normal/i);
    expect(rows[1].textContent).toContain('100');
    expect(rows[1].textContent).toContain('RiskNormal');
    expect(rows[2].textContent).toMatch(/Uniform/i);
    const outputs = within(screen.getByRole('list', { name: 'Detected outputs' })).getAllByRole('listitem');
    expect(outputs.map((o) => o.textContent)).toEqual(['Model!B3 Total', 'Model!B4']);

    await user.click(screen.getByRole('button', { name: 'Override Model!B1' }));
    expect(onOverride).toHaveBeenCalledWith({ cell: 'Model!B1', name: 'Demand', distribution: { type: 'NORMAL', mean: 100, stdDev: 10 } });
    expect(onGo).toHaveBeenCalledWith('Model!B1');
  });

  it('marks an overridden input and offers the workbook’s back', async () => {
    const user = userEvent.setup();
    const onRestore = vi.fn();
    const model: Model = { ...EMPTY_MODEL, inputs: [{ cell: 'Model!B1', name: 'Demand', distribution: { type: 'NORMAL', mean: 120, stdDev: 5 } }] };
    render(<DetectedModelPanel detected={detected} model={model} onGo={() => {}} onOverride={() => {}} onRestore={onRestore} />);
    expect(screen.getByText('overridden')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Override Model!B1' })).toBeNull();
    await user.click(screen.getByRole('button', { name: "Use the workbook's distribution for Model!B1" }));
    expect(onRestore).toHaveBeenCalledWith('Model!B1');
  });

  it('shows the detection problems', () => {
    render(<DetectedModelPanel detected={withProblem} model={EMPTY_MODEL} onGo={() => {}} onOverride={() => {}} onRestore={() => {}} />);
    const problems = within(screen.getByRole('list', { name: 'Detection problems' })).getAllByRole('listitem');
    expect(problems[0].textContent).toContain('Model!B5');
    expect(problems[0].textContent).toContain('RiskMakeInput is not supported');
    expect(screen.getByRole('note').textContent).toMatch(/override each/);
  });

  it('renders nothing for a workbook without an in-cell model', () => {
    const { container } = render(
      <DetectedModelPanel detected={{ detectedInputs: [], detectedOutputs: [], detectionProblems: [] }} model={EMPTY_MODEL} onGo={() => {}} onOverride={() => {}} onRestore={() => {}} />,
    );
    expect(container.textContent).toBe('');
  });
});

function Harness({ workbookId, model }: { workbookId: string; model: DetectedModel }) {
  const modelApi = useModel(workbookId);
  return <RunPanel workbookId={workbookId} modelApi={modelApi} detected={model} />;
}

describe('RunPanel with an in-cell model', () => {
  it('runs the workbook’s own model with no inputs or outputs given', async () => {
    const user = userEvent.setup();
    vi.spyOn(window, 'scrollTo').mockImplementation(() => {});
    const created = vi.fn();
    render(
      <MockedProvider
        mocks={[
          {
            request: {
              query: CREATE_SIMULATION,
              variables: (v: Record<string, any>) => {
                created(v);
                return true;
              },
            },
            result: { errors: [{ message: 'stop here', extensions: { code: 'BAD_USER_INPUT' } }] },
          },
        ]}
      >
        <Harness workbookId="wb-incell" model={detected} />
      </MockedProvider>,
    );
    expect(screen.queryByText(/To run, add/)).toBeNull();
    expect(screen.getByTestId('run-scope').textContent).toBe("Runs the workbook's 2 inputs; the workbook's 2 outputs.");
    await user.click(screen.getByRole('button', { name: /^Run / }));
    await waitFor(() => expect(created).toHaveBeenCalled());
    expect(created.mock.calls[0][0].input).toMatchObject({ workbookId: 'wb-incell', inputs: [], outputs: [] });
  });

  it('sends an overridden input as an ordinary one', async () => {
    const user = userEvent.setup();
    const created = vi.fn();
    const draft: Model = { ...EMPTY_MODEL, inputs: [{ cell: 'Model!B1', name: 'Demand', distribution: { type: 'NORMAL', mean: 120, stdDev: 5 } }] };
    localStorage.setItem('simgraph.model.wb-override', JSON.stringify(draft));
    render(
      <MockedProvider
        mocks={[
          {
            request: {
              query: CREATE_SIMULATION,
              variables: (v: Record<string, any>) => {
                created(v);
                return true;
              },
            },
            result: { errors: [{ message: 'stop here', extensions: { code: 'BAD_USER_INPUT' } }] },
          },
        ]}
      >
        <Harness workbookId="wb-override" model={detected} />
      </MockedProvider>,
    );
    expect(screen.getByTestId('run-scope').textContent).toBe("Runs the workbook's 1 input, 1 overridden; the workbook's 2 outputs.");
    await user.click(screen.getByRole('button', { name: /^Run / }));
    await waitFor(() => expect(created).toHaveBeenCalled());
    expect(created.mock.calls[0][0].input.inputs).toEqual([{ cell: 'Model!B1', name: 'Demand', distribution: { type: 'NORMAL', mean: 120, stdDev: 5 } }]);
    expect(created.mock.calls[0][0].input.outputs).toEqual([]);
  });

  it('will not run while a cell the engine cannot simulate is not overridden', () => {
    render(
      <MockedProvider mocks={[]}>
        <Harness workbookId="wb-problem" model={withProblem} />
      </MockedProvider>,
    );
    expect(screen.getByText(/override the cell the engine cannot simulate: Model!B5/)).toBeTruthy();
    expect((screen.getByRole('button', { name: /^Run / }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('DetectedModelPanel correlations and scenarios', () => {
  const correlated: DetectedModel = {
    ...detected,
    detectedCorrelations: [{ cellA: 'Model!B1', cellB: 'Model!B2', coefficient: 0.6, matrix: 'Corr' }],
    detectedScenarios: {
      count: 3,
      cells: [
        { cell: 'Model!D1', values: [10, 20, 30] },
        { cell: 'Model!D2', values: [5, 6] },
      ],
    },
    detectionProblems: [{ cell: 'Model!D1', message: 'RiskSimtable: the simulation uses its first value, 10', refusesModel: false }],
  };

  it('lists the correlations of the workbook’s matrices and says when the draft’s replace them', () => {
    const { rerender } = render(<DetectedModelPanel detected={correlated} model={EMPTY_MODEL} onGo={() => {}} onOverride={() => {}} onRestore={() => {}} />);
    const rows = within(screen.getByRole('table', { name: 'Detected correlations' })).getAllByRole('row');
    expect(rows).toHaveLength(2);
    expect(rows[1].textContent).toContain('Model!B1');
    expect(rows[1].textContent).toContain('Model!B2');
    expect(rows[1].textContent).toContain('0.6');
    expect(rows[1].textContent).toContain('Corr');
    expect(screen.queryByText('Your correlations replace these in a run.')).toBeNull();
    const model: Model = { ...EMPTY_MODEL, correlations: [{ cellA: 'Model!B1', cellB: 'Model!B2', coefficient: 0.2 }] };
    rerender(<DetectedModelPanel detected={correlated} model={model} onGo={() => {}} onOverride={() => {}} onRestore={() => {}} />);
    expect(screen.getByText('Your correlations replace these in a run.')).toBeTruthy();
  });

  it('lists the workbook’s copulas with their family and parameters, and marks an overridden member', () => {
    const withCopulas: DetectedModel = {
      ...detected,
      detectedCopulas: [
        { family: 'T', cells: ['Model!B1', 'Model!B2'], correlation: [[1, 0.6], [0.6, 1]], degreesOfFreedom: 4, theta: null, matrix: 'VoseCopulaMultiT in Model!A7:B7' },
        { family: 'CLAYTON', cells: ['Model!C1', 'Model!C2'], correlation: null, degreesOfFreedom: null, theta: 3, matrix: 'VoseCopulaBiClayton in Model!A8:B8' },
      ],
    };
    const onGo = vi.fn();
    const model: Model = { ...EMPTY_MODEL, inputs: [{ cell: 'Model!C2', name: null, distribution: { type: 'NORMAL', mean: 0, stdDev: 1 } }] };
    render(<DetectedModelPanel detected={withCopulas} model={model} onGo={onGo} onOverride={() => {}} onRestore={() => {}} />);
    const rows = within(screen.getByRole('table', { name: 'Detected copulas' })).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(within(rows[1]).getAllByRole('cell').map((c) => c.textContent)).toEqual([
      'Student t',
      'Model!B1, Model!B2',
      'ν = 4, r(1,2) = 0.6',
      'VoseCopulaMultiT in Model!A7:B7',
    ]);
    expect(within(rows[2]).getAllByRole('cell')[0].textContent).toBe('Clayton');
    expect(within(rows[2]).getAllByRole('cell')[1].textContent).toBe('Model!C1, Model!C2 (overridden: leaves the copula)');
    expect(within(rows[2]).getAllByRole('cell')[2].textContent).toBe('α = 3');
  });

  it('shows a workbook whose only model is a copula', () => {
    const only: DetectedModel = {
      detectedInputs: [],
      detectedOutputs: [],
      detectionProblems: [],
      detectedCopulas: [{ family: 'GUMBEL', cells: ['Model!B1', 'Model!B2'], theta: 2, matrix: 'VoseCopulaBiGumbel in Model!A7:B7' }],
    };
    render(<DetectedModelPanel detected={only} model={EMPTY_MODEL} onGo={() => {}} onOverride={() => {}} onRestore={() => {}} />);
    expect(within(screen.getByRole('table', { name: 'Detected copulas' })).getAllByRole('row')[1].textContent).toContain('θ = 2');
  });

  it('lists the scenarios per cell, a short table keeping its first value', () => {
    render(<DetectedModelPanel detected={correlated} model={EMPTY_MODEL} onGo={() => {}} onOverride={() => {}} onRestore={() => {}} />);
    const table = screen.getByRole('table', { name: 'Detected scenarios' });
    const rows = within(table).getAllByRole('row');
    expect(within(rows[0]).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Cell', '1', '2', '3']);
    expect(within(rows[1]).getAllByRole('cell').map((c) => c.textContent)).toEqual(['Model!D1', '10', '20', '30']);
    expect(within(rows[2]).getAllByRole('cell').map((c) => c.textContent)).toEqual(['Model!D2', '5', '6', '5']);
  });

  it('does not count a note as a problem that refuses the model', () => {
    expect(unresolvedProblems(correlated, EMPTY_MODEL)).toEqual([]);
    expect(unresolvedProblems(withProblem, EMPTY_MODEL).map((p) => p.cell)).toEqual(['Model!B5']);
  });
});
