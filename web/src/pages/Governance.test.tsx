import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MockedProvider } from '@apollo/client/testing/react';
import { GraphQLError } from 'graphql';
import { API_KEYS, AUDIT_LOG, CREATE_API_KEY, CREATE_WEBHOOK, REVOKE_API_KEY, WEBHOOKS, type ApiKey, type AuditEntry } from '../graphql/governance';
import { ApiKeysPanel, AuditLogPanel, WebhooksPanel, objectPath } from './Governance';

function entry(n: number, action: string, objectType: string, objectId: string, actorId: string | null = 'u1'): AuditEntry & { __typename: string } {
  return {
    __typename: 'AuditEntry',
    id: `a${n}`,
    eventId: `e${n}`,
    action,
    actorKind: actorId ? 'USER' : 'SYSTEM',
    actorId,
    objectType,
    objectId,
    objectName: `${objectType} ${n}`,
    occurredAt: `2026-12-07T10:0${n}:00Z`,
  };
}

function page(entries: AuditEntry[], endCursor: string | null, hasNextPage: boolean, totalCount: number) {
  return {
    auditLog: {
      __typename: 'AuditEntryConnection',
      edges: entries.map((node) => ({ __typename: 'AuditEntryEdge', cursor: `c-${node.id}`, node })),
      pageInfo: { __typename: 'PageInfo', hasNextPage, endCursor },
      totalCount,
    },
  };
}

const forbidden = (query: typeof API_KEYS | typeof WEBHOOKS) => ({
  request: { query },
  result: { errors: [new GraphQLError('only an organization administrator may do this', { extensions: { code: 'FORBIDDEN' } })] },
});

describe('objectPath', () => {
  it.each([
    ['workbook.uploaded', 'workbook', 'w1', '/workbooks/w1'],
    ['simulation.completed', 'simulation', 's1', '/simulations/s1'],
    ['workbook.deleted', 'workbook', 'w1', null],
    ['model.created', 'model', 'm1', null],
    ['apikey.created', 'apikey', 'k1', null],
  ])('%s of %s %s links to %s', (action, objectType, objectId, want) => {
    expect(objectPath({ action, objectType, objectId })).toBe(want);
  });
});

describe('AuditLogPanel', () => {
  it('shows the entries with links, loads more and filters by action', async () => {
    const first = [entry(3, 'simulation.created', 'simulation', 's1'), entry(2, 'workbook.uploaded', 'workbook', 'w1')];
    const second = [entry(1, 'user.created', 'user', 'u1', null)];
    const mocks = [
      { request: { query: AUDIT_LOG, variables: { first: 25, filter: {} } }, result: { data: page(first, 'c-a2', true, 3) } },
      { request: { query: AUDIT_LOG, variables: { first: 25, filter: {}, after: 'c-a2' } }, result: { data: page(second, 'c-a1', false, 3) } },
      { request: { query: AUDIT_LOG, variables: { first: 25, filter: { action: 'simulation.' } } }, result: { data: page([first[0]], 'c-a3', false, 1) } },
    ];
    render(
      <MockedProvider mocks={mocks}>
        <AuditLogPanel meId="u1" admin />
      </MockedProvider>,
    );
    const table = await screen.findByTestId('audit-log');
    expect(within(table).getByRole('link', { name: 'workbook 2' }).getAttribute('href')).toBe('/workbooks/w1');
    expect(within(table).getByRole('link', { name: 'simulation 3' }).getAttribute('href')).toBe('/simulations/s1');
    expect(within(table).getAllByText('you')).toHaveLength(2);
    expect(screen.getByText('2 of 3 entries, newest first')).toBeTruthy();

    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getByText('3 of 3 entries, newest first')).toBeTruthy());
    expect(within(screen.getByTestId('audit-log')).getByText('simgraph')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();

    await userEvent.selectOptions(screen.getByLabelText('Action'), 'simulation.');
    await waitFor(() => expect(screen.getByText('1 of 1 entry, newest first')).toBeTruthy());
    expect(within(screen.getByTestId('audit-log')).queryByText('workbook.uploaded')).toBeNull();
  });

  it('says when no entry matches', async () => {
    const mocks = [
      { request: { query: AUDIT_LOG, variables: { first: 25, filter: {} } }, result: { data: page([], null, false, 0) } },
      { request: { query: AUDIT_LOG, variables: { first: 25, filter: { objectType: 'webhook' } } }, result: { data: page([], null, false, 0) } },
    ];
    render(
      <MockedProvider mocks={mocks}>
        <AuditLogPanel meId="u1" admin={false} />
      </MockedProvider>,
    );
    expect(await screen.findByText('No entries yet.')).toBeTruthy();
    expect(screen.getByText(/You see the entries of your own changes/)).toBeTruthy();
    await userEvent.selectOptions(screen.getByLabelText('Object'), 'webhook');
    expect(await screen.findByText('No entries match these filters.')).toBeTruthy();
  });
});

const key = (over: Partial<ApiKey> = {}): ApiKey & { __typename: string } => ({
  __typename: 'ApiKey',
  id: 'k1',
  name: 'reporting',
  prefix: 'sgk_abc123',
  scopes: ['READ'],
  createdBy: 'u1',
  createdAt: '2026-12-07T09:00:00Z',
  revokedAt: null,
  ...over,
});

describe('ApiKeysPanel', () => {
  it('creates a key and shows its secret once, with a copy button', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const created = key({ id: 'k2', name: 'robot', prefix: 'sgk_def456', scopes: ['READ', 'WRITE'] });
    const mocks = [
      { request: { query: API_KEYS }, result: { data: { apiKeys: [key()] } } },
      {
        request: { query: CREATE_API_KEY, variables: { name: 'robot', scopes: ['WRITE'] } },
        result: { data: { createApiKey: { __typename: 'CreatedApiKey', apiKey: created, secret: 'sgk_def456_secret' } } },
      },
      { request: { query: API_KEYS }, result: { data: { apiKeys: [created, key()] } } },
    ];
    render(
      <MockedProvider mocks={mocks}>
        <ApiKeysPanel admin />
      </MockedProvider>,
    );
    expect(await screen.findByText('reporting')).toBeTruthy();
    await userEvent.type(screen.getByLabelText('Key name'), ' robot ');
    await userEvent.selectOptions(screen.getByLabelText('Scope'), 'WRITE');
    await userEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect((await screen.findByTestId('secret')).textContent).toBe('sgk_def456_secret');
    await userEvent.click(screen.getByRole('button', { name: 'Copy' }));
    expect(writeText).toHaveBeenCalledWith('sgk_def456_secret');
    expect(await screen.findByText('Copied.')).toBeTruthy();
    await waitFor(() => expect(screen.getByText('robot')).toBeTruthy());
    await userEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByTestId('secret')).toBeNull();
    expect(screen.queryByText('sgk_def456_secret')).toBeNull();
  });

  it('revokes a key after confirmation', async () => {
    const mocks = [
      { request: { query: API_KEYS }, result: { data: { apiKeys: [key()] } } },
      { request: { query: REVOKE_API_KEY, variables: { id: 'k1' } }, result: { data: { revokeApiKey: { __typename: 'ApiKey', id: 'k1', revokedAt: '2026-12-07T11:00:00Z' } } } },
    ];
    render(
      <MockedProvider mocks={mocks}>
        <ApiKeysPanel admin />
      </MockedProvider>,
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Revoke' }));
    const dialog = screen.getByRole('dialog', { name: 'Revoke this API key?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Revoke' }));
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Revoke' }));
    expect(await screen.findByText(/^Revoked/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Revoke' })).toBeNull();
  });

  it("shows a member the server's refusal and no form", async () => {
    render(
      <MockedProvider mocks={[forbidden(API_KEYS)]}>
        <ApiKeysPanel admin={false} />
      </MockedProvider>,
    );
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Only organization administrators manage API keys')).toBeTruthy();
    expect(within(alert).getByText('FORBIDDEN')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Create key' })).toBeNull();
  });
});

describe('WebhooksPanel', () => {
  const hook = {
    __typename: 'Webhook',
    id: 'h1',
    url: 'https://hooks.example.com/a',
    events: ['SIMULATION_COMPLETED'],
    createdBy: 'u1',
    createdAt: '2026-12-07T08:00:00Z',
    deliveries: [
      {
        __typename: 'WebhookDelivery',
        id: 'd1',
        eventId: 'e1',
        eventType: 'SIMULATION_COMPLETED',
        status: 'FAILED',
        attempts: 10,
        lastStatusCode: 500,
        lastError: 'server error',
        createdAt: '2026-12-07T08:05:00Z',
        deliveredAt: null,
      },
    ],
  };

  it('lists the deliveries and creates a webhook, showing its secret once', async () => {
    const created = { __typename: 'Webhook', id: 'h2', url: 'https://hooks.example.com/b', events: ['SIMULATION_FAILED'], createdBy: 'u1', createdAt: '2026-12-07T12:00:00Z' };
    const mocks = [
      { request: { query: WEBHOOKS }, result: { data: { webhooks: [hook] } } },
      {
        request: { query: CREATE_WEBHOOK, variables: { url: 'https://hooks.example.com/b', events: ['SIMULATION_FAILED'] } },
        result: { data: { createWebhook: { __typename: 'CreatedWebhook', webhook: created, secret: 'whsec_1' } } },
      },
      { request: { query: WEBHOOKS }, result: { data: { webhooks: [hook, { ...created, deliveries: [] }] } } },
    ];
    render(
      <MockedProvider mocks={mocks}>
        <WebhooksPanel admin />
      </MockedProvider>,
    );
    expect(await screen.findByText('https://hooks.example.com/a')).toBeTruthy();
    expect(screen.getByText('FAILED')).toBeTruthy();
    expect(screen.getByText(/HTTP 500/)).toBeTruthy();
    await userEvent.type(screen.getByLabelText('Webhook URL'), 'https://hooks.example.com/b');
    await userEvent.click(screen.getByLabelText('Simulation completed'));
    await userEvent.click(screen.getByRole('button', { name: 'Create webhook' }));
    expect((await screen.findByTestId('secret')).textContent).toBe('whsec_1');
    expect(await screen.findByText('https://hooks.example.com/b')).toBeTruthy();
    expect(screen.getByText('No deliveries yet.')).toBeTruthy();
  });

  it("shows a member the server's refusal and no form", async () => {
    render(
      <MockedProvider mocks={[forbidden(WEBHOOKS)]}>
        <WebhooksPanel admin={false} />
      </MockedProvider>,
    );
    expect(await screen.findByText('Only organization administrators manage webhooks')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Create webhook' })).toBeNull();
  });
});
