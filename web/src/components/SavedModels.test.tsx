import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MockedProvider } from '@apollo/client/testing/react';
import { CREATE_MODEL, UPDATE_MODEL, WORKBOOK_MODELS, type SavedModel } from '../graphql/models';
import { EMPTY_MODEL, type Model } from '../lib/model';
import { SavedModels } from './SavedModels';

const draft: Model = {
  ...EMPTY_MODEL,
  inputs: [{ cell: 'Inputs!B2', name: 'Price', distribution: { type: 'TRIANGULAR', min: 100, mode: 120, max: 150 } }],
  outputs: [{ cell: 'Summary!B2', name: 'NPV' }],
  settings: { iterations: 5000, seed: 42, sampling: 'LATIN_HYPERCUBE', name: '' },
};

// Every parameter the query selects, null when unused, as the server answers.
const PARAMS = ['min', 'mode', 'max', 'mean', 'stdDev', 'mu', 'sigma', 'alpha', 'beta', 'shape', 'scale', 'rate', 'lambda', 'n', 'p', 'values', 'probabilities', 'truncateMin', 'truncateMax'];
function answered(d: Record<string, unknown>) {
  return { __typename: 'Distribution', ...Object.fromEntries(PARAMS.map((k) => [k, null])), ...d } as unknown as Record<string, unknown> & { type: string };
}

// __typename is what lets the cache match the query's fragment on Model.
function saved(version: number, name = 'NPV plan'): SavedModel {
  return {
    __typename: 'Model',
    id: 'm1',
    name,
    description: '',
    version,
    updatedAt: '2026-12-07T06:00:00Z',
    current: {
      __typename: 'ModelVersion',
      version,
      iterations: 5000,
      seed: 42,
      sampling: 'LATIN_HYPERCUBE',
      inputs: [{ cell: 'Inputs!B2', name: 'Price', distribution: answered({ type: 'TRIANGULAR', min: 100, mode: 120, max: 150 }) }],
      outputVariables: [{ cell: 'Summary!B2', name: 'NPV' }],
      correlations: [],
    },
  } as SavedModel;
}

const list = (models: SavedModel[]) => ({
  request: { query: WORKBOOK_MODELS, variables: { workbookId: 'wb1' } },
  result: { data: { models: { edges: models.map((node) => ({ node })) } } },
});

// Harness keeps the draft the way the workbook page does.
function Harness({ initial, onLoad }: { initial: Model; onLoad?: (m: Model) => void }) {
  const [model, setModel] = useState(initial);
  return (
    <SavedModels
      workbookId="wb1"
      model={model}
      onLoad={(m) => {
        onLoad?.(m);
        setModel(m);
      }}
      onSaved={(saved) => setModel((m) => ({ ...m, saved }))}
    />
  );
}

describe('SavedModels', () => {
  it('saves the draft as a new model, then as its next version', async () => {
    const user = userEvent.setup();
    const created = vi.fn();
    const updated = vi.fn();
    render(
      <MockedProvider
        mocks={[
          list([]),
          {
            request: {
              query: CREATE_MODEL,
              variables: (v: Record<string, any>) => {
                created(v);
                return true;
              },
            },
            result: { data: { createModel: saved(1) } },
          },
          list([saved(1)]),
          {
            request: {
              query: UPDATE_MODEL,
              variables: (v: Record<string, any>) => {
                updated(v);
                return v.id === 'm1' && v.expectedVersion === 1;
              },
            },
            result: { data: { updateModel: saved(2) } },
          },
          list([saved(2)]),
        ]}
      >
        <Harness initial={draft} />
      </MockedProvider>,
    );
    await user.type(screen.getByLabelText('Model name'), 'NPV plan');
    await user.click(screen.getByRole('button', { name: 'Save as new model' }));
    expect(await screen.findByRole('status')).toHaveProperty('textContent', 'Saved “NPV plan” as version 1.');
    const input = created.mock.calls[0][0].input;
    expect(input.workbookId).toBe('wb1');
    expect(input.name).toBe('NPV plan');
    expect(input.definition.outputs).toEqual(['Summary!B2']);
    expect(input.definition.inputs[0].distribution).toEqual({ type: 'TRIANGULAR', min: 100, mode: 120, max: 150 });
    expect(input.definition.iterations).toBe(5000);
    expect(input.definition.seed).toBe(42);

    expect(screen.getByText(/Editing/).textContent).toContain('version 1');
    await user.click(screen.getByRole('button', { name: 'Save as version 2' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Saved “NPV plan” as version 2.'));
    expect(updated.mock.calls.at(-1)?.[0].expectedVersion).toBe(1);
    expect(screen.getByRole('button', { name: 'Save as version 3' })).toBeTruthy();
  });

  it('shows why a save based on an old version is refused', async () => {
    const user = userEvent.setup();
    const message = 'model "NPV plan" has changed: its current version is 3, not 2; reload it and apply your changes again';
    render(
      <MockedProvider
        mocks={[
          list([saved(3)]),
          {
            request: { query: UPDATE_MODEL, variables: (v: Record<string, any>) => v.expectedVersion === 2 },
            result: { errors: [{ message, extensions: { code: 'BAD_USER_INPUT', reason: 'VERSION_CONFLICT', currentVersion: 3 } }] },
          },
          list([saved(3)]),
        ]}
      >
        <Harness initial={{ ...draft, saved: { id: 'm1', name: 'NPV plan', version: 2 } }} />
      </MockedProvider>,
    );
    await user.click(screen.getByRole('button', { name: 'Save as version 3' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The model was not saved');
    expect(alert.textContent).toContain('its current version is 3');
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('loads a saved model into the draft without the server-only fields', async () => {
    const user = userEvent.setup();
    const loaded = vi.fn();
    render(
      <MockedProvider mocks={[list([saved(2)])]}>
        <Harness initial={EMPTY_MODEL} onLoad={loaded} />
      </MockedProvider>,
    );
    expect(screen.getByRole('button', { name: 'Save as new model' })).toHaveProperty('disabled', true);
    await user.selectOptions(await screen.findByLabelText('Saved model'), 'm1');
    await user.click(screen.getByRole('button', { name: 'Load' }));
    const m: Model = loaded.mock.calls[0][0];
    expect(m.inputs).toEqual([{ cell: 'Inputs!B2', name: 'Price', distribution: { type: 'TRIANGULAR', min: 100, mode: 120, max: 150 } }]);
    expect(m.outputs).toEqual([{ cell: 'Summary!B2', name: 'NPV' }]);
    expect(m.settings).toMatchObject({ iterations: 5000, seed: 42, sampling: 'LATIN_HYPERCUBE' });
    expect(m.saved).toEqual({ id: 'm1', name: 'NPV plan', version: 2 });
    expect(screen.getByRole('status').textContent).toBe('Loaded “NPV plan”, version 2.');
    expect((screen.getByLabelText('Model name') as HTMLInputElement).value).toBe('NPV plan');
  });
});
