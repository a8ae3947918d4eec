import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MockedProvider } from '@apollo/client/testing/react';
import { GraphQLError } from 'graphql';
import { DELETE_MODEL, LIBRARY_MODELS, MODEL_VERSIONS, RENAME_MODEL, RESTORE_MODEL_VERSION, type LibraryModel } from '../graphql/models';
import { ModelLibrary } from './ModelLibrary';

function model(over: Partial<LibraryModel> = {}): LibraryModel & { __typename: string } {
  return {
    __typename: 'Model',
    id: 'm1',
    name: 'NPV plan',
    version: 2,
    createdBy: 'u1',
    updatedAt: '2026-12-07T10:00:00Z',
    workbookId: 'w1',
    workbook: { __typename: 'Workbook', id: 'w1', name: 'dcf.xlsx' } as LibraryModel['workbook'],
    ...over,
  };
}

const list = (models: LibraryModel[]) => ({ request: { query: LIBRARY_MODELS }, result: { data: { models: { __typename: 'ModelConnection', edges: models.map((node) => ({ __typename: 'ModelEdge', node })), totalCount: models.length } } } });

function versions(current: number, by: Record<number, string>) {
  const nodes = Object.keys(by)
    .map(Number)
    .sort((a, b) => b - a)
    .map((v) => ({ __typename: 'ModelVersion', id: `v${v}`, version: v, iterations: v * 1000, createdBy: by[v], createdAt: `2026-12-07T0${v}:00:00Z` }));
  return {
    request: { query: MODEL_VERSIONS, variables: { id: 'm1' } },
    result: { data: { model: { __typename: 'Model', id: 'm1', version: current, versions: { __typename: 'ModelVersionConnection', edges: nodes.map((node) => ({ __typename: 'ModelVersionEdge', node })), totalCount: nodes.length } } } },
  };
}

describe('ModelLibrary', () => {
  it('renames a model in place', async () => {
    const mocks = [
      list([model()]),
      { request: { query: RENAME_MODEL, variables: { id: 'm1', expectedVersion: 2, name: 'NPV base case' } }, result: { data: { updateModel: model({ name: 'NPV base case' }) } } },
    ];
    render(
      <MockedProvider mocks={mocks}>
        <ModelLibrary meId="u1" />
      </MockedProvider>,
    );
    expect(await screen.findByRole('heading', { name: /NPV plan/ })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'dcf.xlsx' }).getAttribute('href')).toBe('/workbooks/w1');
    await userEvent.click(screen.getByRole('button', { name: 'Rename' }));
    const input = screen.getByLabelText('New name');
    await userEvent.clear(input);
    await userEvent.type(input, 'NPV base case');
    await userEvent.click(screen.getByRole('button', { name: 'Save name' }));
    expect(await screen.findByRole('heading', { name: /NPV base case/ })).toBeTruthy();
    expect(screen.queryByLabelText('New name')).toBeNull();
  });

  it("shows the server's refusal of a rename", async () => {
    const mocks = [
      list([model({ createdBy: 'u2' })]),
      {
        request: { query: RENAME_MODEL, variables: { id: 'm1', expectedVersion: 2, name: 'mine now' } },
        result: { errors: [new GraphQLError('only the model\u2019s creator or an organization administrator may change or delete model "NPV plan"', { extensions: { code: 'FORBIDDEN' } })] },
      },
    ];
    render(
      <MockedProvider mocks={mocks}>
        <ModelLibrary meId="u1" />
      </MockedProvider>,
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Rename' }));
    await userEvent.clear(screen.getByLabelText('New name'));
    await userEvent.type(screen.getByLabelText('New name'), 'mine now');
    await userEvent.click(screen.getByRole('button', { name: 'Save name' }));
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('FORBIDDEN')).toBeTruthy();
    expect(within(alert).getByText('Your role does not allow this.')).toBeTruthy();
  });

  it('lists the versions with who saved them and restores an earlier one', async () => {
    const mocks = [
      list([model()]),
      versions(2, { 1: 'u2', 2: 'u1' }),
      { request: { query: RESTORE_MODEL_VERSION, variables: { id: 'm1', version: 1, expectedVersion: 2 } }, result: { data: { restoreModelVersion: model({ version: 3 }) } } },
      versions(3, { 1: 'u2', 2: 'u1', 3: 'u1' }),
    ];
    render(
      <MockedProvider mocks={mocks}>
        <ModelLibrary meId="u1" />
      </MockedProvider>,
    );
    await userEvent.click(await screen.findByRole('button', { name: 'History' }));
    const table = await screen.findByTestId('model-versions');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByText('current')).toBeTruthy();
    expect(within(rows[0]).getByText('you')).toBeTruthy();
    expect(within(rows[1]).getByText('u2')).toBeTruthy();
    expect(within(rows[0]).queryByRole('button')).toBeNull();
    await userEvent.click(within(rows[1]).getByRole('button', { name: 'Restore v1' }));
    expect(await screen.findByText('Version 1 restored as version 3.')).toBeTruthy();
    await waitFor(() => expect(within(screen.getByTestId('model-versions')).getAllByRole('row')).toHaveLength(4));
    expect(screen.getByRole('heading', { name: /v3/ })).toBeTruthy();
  });

  it('deletes a model after confirmation', async () => {
    const mocks = [list([model()]), { request: { query: DELETE_MODEL, variables: { id: 'm1' } }, result: { data: { deleteModel: 'm1' } } }, list([])];
    render(
      <MockedProvider mocks={mocks}>
        <ModelLibrary meId="u1" />
      </MockedProvider>,
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete this model?' });
    expect(within(dialog).getByText(/2 versions are deleted/)).toBeTruthy();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(await screen.findByText(/No saved models yet/)).toBeTruthy();
  });
});
