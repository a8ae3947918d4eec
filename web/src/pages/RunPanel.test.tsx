import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MockedProvider } from '@apollo/client/testing/react';
import { CREATE_SIMULATION } from '../graphql/operations';
import { RUN_MODEL } from '../graphql/models';
import { useModel, type Model } from '../lib/model';
import { RunPanel } from './Workbook';

function Harness({ workbookId }: { workbookId: string }) {
  const modelApi = useModel(workbookId);
  return <RunPanel workbookId={workbookId} modelApi={modelApi} />;
}

// A draft loaded from version 2 of saved model m1.
function linkedDraft(workbookId: string) {
  const draft: Model = {
    inputs: [{ cell: 'Inputs!B2', name: 'Price', distribution: { type: 'NORMAL', mean: 10, stdDev: 1 } }],
    outputs: [{ cell: 'Summary!B2', name: 'NPV' }],
    correlations: [],
    settings: { iterations: 5000, seed: 42, sampling: 'MONTE_CARLO', name: '' },
    saved: { id: 'm1', name: 'NPV plan', version: 2 },
  };
  localStorage.setItem(`simgraph.model.${workbookId}`, JSON.stringify(draft));
}

describe('RunPanel', () => {
  it('runs the saved version a draft still is, and the draft once edited', async () => {
    const user = userEvent.setup();
    vi.spyOn(window, 'scrollTo').mockImplementation(() => {}); // jsdom has no scrolling; navigate scrolls up
    linkedDraft('wb-run');
    const ranSaved = vi.fn();
    const created = vi.fn();
    render(
      <MockedProvider
        mocks={[
          {
            request: {
              query: RUN_MODEL,
              variables: (v: Record<string, any>) => {
                ranSaved(v);
                return true;
              },
            },
            result: { data: { runModel: { __typename: 'Simulation', id: 's1', status: 'QUEUED', modelVersion: 2 } } },
          },
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
        <Harness workbookId="wb-run" />
      </MockedProvider>,
    );
    expect(screen.getByText(/Runs saved version 2 of “NPV plan”/)).toBeTruthy();
    await user.type(screen.getByLabelText(/^Name/), 'first look');
    expect(screen.getByText(/Runs saved version 2/), 'the run name is not part of the model').toBeTruthy();
    await user.click(screen.getByRole('button', { name: /^Run / }));
    await waitFor(() => expect(ranSaved).toHaveBeenCalled());
    expect(ranSaved.mock.calls[0][0]).toEqual({ id: 'm1', input: { version: 2, name: 'first look' } });
    expect(created).not.toHaveBeenCalled();
    await waitFor(() => expect(window.location.pathname).toBe('/simulations/s1'));

    const iterations = screen.getByLabelText('Iterations');
    await user.clear(iterations);
    await user.type(iterations, '2000');
    expect(screen.queryByText(/Runs saved version/)).toBeNull();
    await user.click(screen.getByRole('button', { name: /^Run / }));
    await waitFor(() => expect(created).toHaveBeenCalled());
    expect(created.mock.calls[0][0].input).toMatchObject({ workbookId: 'wb-run', iterations: 2000, outputs: ['Summary!B2'] });
  });
});
