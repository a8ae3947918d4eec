import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MockedProvider } from '@apollo/client/testing/react';
import { CELLS, type Result } from '../graphql/operations';
import { DelimitedCharts } from '../pages/Simulation';
import { delimitedProbabilities } from './Delimiter';

// Uniform on [lo, hi]: ten equal bins of 100 iterations.
function uniform(lo: number, hi: number, cell = 'Model!B3'): Result {
  const w = (hi - lo) / 10;
  return {
    cell,
    name: null,
    mean: (lo + hi) / 2,
    min: lo,
    max: hi,
    percentiles: [5, 50, 95].map((p) => ({ p, value: lo + ((hi - lo) * p) / 100 })),
    histogram: { method: 'sturges', bins: Array.from({ length: 10 }, (_, i) => ({ lower: lo + i * w, upper: lo + (i + 1) * w, count: 100 })) },
    sensitivity: [],
  } as unknown as Result;
}

const text = (id: string) => screen.getByTestId(id).textContent;

describe('delimiters', () => {
  it.each([
    [{ lower: 5, upper: 95 }, 0.05, 0.9, 0.05],
    [{ lower: -10, upper: 200 }, 0, 1, 0],
    [{ lower: 25, upper: 25 }, 0.25, 0, 0.75],
    [{ lower: 50, upper: 10 }, 0.1, 0.4, 0.5],
  ])('split %o into below, between and above', (state, below, between, above) => {
    const p = delimitedProbabilities(uniform(0, 100).histogram.bins, state);
    expect(p.below).toBeCloseTo(below, 12);
    expect(p.between).toBeCloseTo(between, 12);
    expect(p.above).toBeCloseTo(above, 12);
  });

  it('start at P5 and P95 and move when typed or moved with the keyboard', async () => {
    const user = userEvent.setup();
    render(
      <MockedProvider mocks={[]}>
        <DelimitedCharts result={uniform(0, 100)} workbookId={null} />
      </MockedProvider>,
    );
    expect(text('prob-below')).toBe('below 5 5.0%');
    expect(text('prob-between')).toBe('between 90.0%');
    expect(text('prob-above')).toBe('above 95 5.0%');

    const upper = screen.getByLabelText('Upper delimiter');
    await user.clear(upper);
    await user.type(upper, '50');
    expect(text('prob-between')).toBe('between 45.0%');
    expect(text('prob-above')).toBe('above 50 50.0%');

    // Both charts share the delimiters: two lower lines, one state.
    const lines = screen.getAllByRole('slider', { name: 'Lower delimiter line' });
    expect(lines.length).toBeGreaterThan(0);
    fireEvent.keyDown(lines[0], { key: 'ArrowRight' });
    expect(text('prob-below')).toBe('below 6 6.0%');
    expect((screen.getByLabelText('Lower delimiter') as HTMLInputElement).value).toBe('6');
  });

  it('never let the lower line pass the upper one', () => {
    render(
      <MockedProvider mocks={[]}>
        <DelimitedCharts result={uniform(0, 100)} workbookId={null} />
      </MockedProvider>,
    );
    const lower = screen.getAllByRole('slider', { name: 'Lower delimiter line' })[0];
    for (let i = 0; i < 12; i++) fireEvent.keyDown(lower, { key: 'PageUp' });
    expect(text('prob-between')).toBe('between 0.0%');
    expect(text('prob-above')).toBe('above 95 5.0%');
  });

  it('show the output as the workbook formats it', async () => {
    render(
      <MockedProvider
        mocks={[
          {
            request: { query: CELLS, variables: { id: 'wb1', sheet: 'Model', range: 'B7' } },
            result: {
              data: {
                workbook: {
                  __typename: 'Workbook',
                  id: 'wb1',
                  cells: {
                    __typename: 'CellPage',
                    sheet: 'Model',
                    range: 'B7',
                    cells: [{ __typename: 'Cell', ref: 'Model!B7', row: 7, column: 2, value: '26.1%', number: 0.260609, type: 'NUMBER', formula: 'IRR(B1:B6)' }],
                  },
                },
              },
            },
          },
        ]}
      >
        <DelimitedCharts result={uniform(0, 0.5, 'Model!B7')} workbookId="wb1" />
      </MockedProvider>,
    );
    await waitFor(() => expect(text('prob-below')).toBe('below 2.5% 5.0%'));
    expect(text('prob-above')).toBe('above 47.5% 5.0%');
  });
});
