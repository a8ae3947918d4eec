import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import { MockedProvider } from '@apollo/client/testing/react';
import { GraphQLError } from 'graphql';
import { METRICS, ORGANIZATION, QUOTA, SERVICES, USER_DATA_SUMMARY } from '../graphql/operations';
import { OrganizationPage } from './Organization';
import { metricsFixture, quotaFixture, servicesFixture, summaryFixture } from '../test/fixtures';

function organization(roles: string[]) {
  return {
    request: { query: ORGANIZATION },
    result: {
      data: {
        me: { __typename: 'User', id: 'u1', email: 'demo@simgraph.local', subject: 'demo@simgraph.local', roles },
        tenantInfo: {
          __typename: 'TenantInfo',
          tenantId: 'ecd0820b3f1da765',
          tier: 'STANDARD',
          databaseTier: 'SHARED',
          dedicated: false,
          pool: { __typename: 'PoolSettings', size: 5, overflow: 5, max: 10 },
          organization: { __typename: 'Organization', id: 'o1', name: 'Demo Organization', personal: false },
        },
        health: {
          __typename: 'Health',
          status: 'OK',
          version: 'dev',
          mode: 'embedded',
          uptimeSeconds: 12,
          checks: [{ __typename: 'DependencyCheck', name: 'database:user', status: 'OK', latencyMs: 0.1, error: null }],
          services: [{ __typename: 'DependencyCheck', name: 'user', status: 'OK', latencyMs: 0.1, error: null }],
          dependencies: [],
        },
      },
    },
  };
}

const common = [
  { request: { query: USER_DATA_SUMMARY }, result: { data: { userDataSummary: summaryFixture } } },
  { request: { query: QUOTA }, result: { data: { quota: quotaFixture } } },
];

const forbidden = (query: typeof SERVICES | typeof METRICS) => ({
  request: { query },
  result: { errors: [new GraphQLError('only an organization or system administrator may see the platform\u2019s databases', { extensions: { code: 'FORBIDDEN' } })] },
});

describe('OrganizationPage', () => {
  it('shows the data summary and quota to a member, and no administration', async () => {
    render(
      <MockedProvider mocks={[organization(['MEMBER']), ...common]}>
        <OrganizationPage />
      </MockedProvider>,
    );
    expect(await screen.findByRole('heading', { name: 'Demo Organization', level: 1 })).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('simulations-total').textContent).toBe('3'));
    await waitFor(() => expect(screen.getAllByRole('meter')).toHaveLength(3));
    const data = screen.getByRole('region', { name: "Your organization's data" });
    expect(within(data).getByText(/2 completed, 1 failed/)).toBeTruthy();
    expect(within(data).getByRole('link', { name: 'DCF' }).getAttribute('href')).toBe('/simulations/sim-000001');
    expect(screen.queryByRole('heading', { name: 'Services' })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Migrations' })).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows services and metrics to an organization administrator', async () => {
    render(
      <MockedProvider
        mocks={[
          organization(['MEMBER', 'ORG_ADMIN']),
          ...common,
          { request: { query: SERVICES }, result: { data: { services: servicesFixture } } },
          { request: { query: METRICS }, result: { data: { metrics: metricsFixture } } },
        ]}
      >
        <OrganizationPage />
      </MockedProvider>,
    );
    expect(await screen.findByRole('table', { name: 'Service databases' })).toBeTruthy();
    expect(await screen.findByTestId('metrics')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Refresh' })).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Migrations' })).toBeNull();
  });

  it('hides the administration when the server answers FORBIDDEN', async () => {
    render(
      <MockedProvider mocks={[organization(['ORG_ADMIN']), ...common, forbidden(SERVICES), forbidden(METRICS)]}>
        <OrganizationPage />
      </MockedProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('simulations-total').textContent).toBe('3'));
    await waitFor(() => expect(screen.queryByRole('heading', { name: 'Services' })).toBeNull());
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('offers migrations to a system administrator', async () => {
    render(
      <MockedProvider
        mocks={[
          organization(['SYSTEM_ADMIN']),
          ...common,
          { request: { query: SERVICES }, result: { data: { services: servicesFixture } } },
          { request: { query: METRICS }, result: { data: { metrics: metricsFixture } } },
        ]}
      >
        <OrganizationPage />
      </MockedProvider>,
    );
    const panel = await screen.findByRole('region', { name: 'Migrations' });
    expect(within(panel).getByRole('button', { name: 'Dry run' })).toBeTruthy();
    expect(within(panel).getByRole('button', { name: 'Apply…' })).toBeTruthy();
  });
});
