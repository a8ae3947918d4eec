import { describe, expect, it } from 'vitest';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ApolloLink } from '@apollo/client';
import { MockLink } from '@apollo/client/testing';
import { MockedProvider } from '@apollo/client/testing/react';
import { getMainDefinition } from '@apollo/client/utilities';
import { Observable } from 'rxjs';
import { MARK_NOTIFICATION_READ, NOTIFICATIONS, NOTIFICATION_ADDED, type Notification } from '../graphql/operations';
import { NotificationBell } from './NotificationBell';

const welcome: Notification = {
  __typename: 'Notification',
  id: 'n1',
  kind: 'user.created',
  title: 'Welcome to simgraph',
  body: 'Upload an Excel workbook.',
  subjectId: 'u1',
  read: false,
  readAt: null,
  createdAt: '2026-11-26T23:00:00Z',
};
const completed: Notification = {
  ...welcome,
  id: 'n2',
  kind: 'simulation.completed',
  title: 'Simulation completed',
  body: 'DCF: 10,000 iterations.',
  subjectId: 'sim-1',
  createdAt: '2026-11-26T23:05:00Z',
};

const list = { request: { query: NOTIFICATIONS }, result: { data: { notifications: [welcome], unread: [{ __typename: 'Notification', id: 'n1', read: false }] } } };

describe('NotificationBell', () => {
  it('counts unread notifications, lists them and marks one read', async () => {
    const user = userEvent.setup();
    render(
      <MockedProvider
        mocks={[
          list,
          { request: { query: NOTIFICATION_ADDED }, result: { data: null }, delay: Infinity },
          {
            request: { query: MARK_NOTIFICATION_READ, variables: { id: 'n1' } },
            result: { data: { markNotificationRead: { ...welcome, read: true, readAt: '2026-11-26T23:10:00Z' } } },
          },
        ]}
      >
        <NotificationBell />
      </MockedProvider>,
    );
    const bell = await screen.findByRole('button', { name: 'Notifications, 1 unread' });
    expect(bell.getAttribute('aria-expanded')).toBe('false');
    expect(screen.getByTestId('notification-count').textContent).toBe('1');

    await user.click(bell);
    expect(bell.getAttribute('aria-expanded')).toBe('true');
    const panel = screen.getByRole('region', { name: 'Notifications' });
    expect(within(panel).getByText('Welcome to simgraph')).toBeTruthy();
    await user.click(within(panel).getByRole('button', { name: 'Mark “Welcome to simgraph” as read' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Notifications' })).toBeTruthy());
    expect(screen.queryByTestId('notification-count')).toBeNull();

    await user.keyboard('{Escape}');
    expect(bell.getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(bell);
  });

  // notificationAdded from a hand-driven link, the rest from mocks.
  function linkWith(mocks: ConstructorParameters<typeof MockLink>[0]) {
    const subscribers: ((n: Notification) => void)[] = [];
    const sub = new ApolloLink(
      () =>
        new Observable((o) => {
          subscribers.push((n) => o.next({ data: { notificationAdded: n } }));
        }),
    );
    const link = ApolloLink.split(
      ({ query }) => {
        const d = getMainDefinition(query);
        return d.kind === 'OperationDefinition' && d.operation === 'subscription';
      },
      sub,
      new MockLink(mocks),
    );
    return { link, push: (n: Notification) => act(() => subscribers.forEach((f) => f(n))) };
  }

  it('adds what notificationAdded delivers and announces it', async () => {
    const user = userEvent.setup();
    const { link, push } = linkWith([list]);
    render(
      <MockedProvider link={link}>
        <NotificationBell />
      </MockedProvider>,
    );
    await screen.findByRole('button', { name: 'Notifications, 1 unread' });
    push(completed);
    const bell = await screen.findByRole('button', { name: 'Notifications, 2 unread' });
    expect(screen.getByText('New notification: Simulation completed')).toBeTruthy();
    await user.click(bell);
    const items = within(screen.getByRole('region', { name: 'Notifications' })).getAllByRole('listitem');
    expect(items.map((li) => li.querySelector('strong')?.textContent)).toEqual(['Simulation completed', 'Welcome to simgraph']);
    expect(within(items[0]).getByRole('link', { name: 'Open simulation' }).getAttribute('href')).toBe('/simulations/sim-1');
  });

  it('fetches the list again when a notification arrives before it has loaded', async () => {
    const both = {
      request: { query: NOTIFICATIONS },
      result: {
        data: {
          notifications: [completed, welcome],
          unread: [
            { __typename: 'Notification', id: 'n2', read: false },
            { __typename: 'Notification', id: 'n1', read: false },
          ],
        },
      },
    };
    const { link, push } = linkWith([{ ...list, delay: 100 }, both]);
    render(
      <MockedProvider link={link}>
        <NotificationBell />
      </MockedProvider>,
    );
    await waitFor(() => expect(screen.getByRole('button', { name: 'Notifications' })).toBeTruthy());
    push(completed);
    expect(await screen.findByRole('button', { name: 'Notifications, 2 unread' }, { timeout: 3000 })).toBeTruthy();
  });
});
