// The header's bell: the unread count from the `notifications` query, kept
// current by the `notificationAdded` subscription (graphql-ws; it polls if
// the socket fails), and a dropdown listing them with mark-as-read.
import { useEffect, useId, useRef, useState } from 'react';
import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { MARK_NOTIFICATION_READ, NOTIFICATIONS, NOTIFICATION_ADDED, type Notification } from '../graphql/operations';
import { formatDate } from '../lib/format';
import { Link } from '../lib/router';

function subjectLink(n: Notification): string | null {
  if (n.kind.startsWith('simulation.') && n.subjectId) return `/simulations/${encodeURIComponent(n.subjectId)}`;
  return null;
}

export function NotificationBell() {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const wrap = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  // A notification that arrives before the list has loaded may be missing
  // from the list's answer: the list is fetched again once it is there.
  const [missed, setMissed] = useState(false);
  const sub = useSubscription(NOTIFICATION_ADDED, {
    onData: ({ client, data }) => {
      const n = data.data?.notificationAdded;
      if (!n) return;
      if (!client.cache.readQuery({ query: NOTIFICATIONS })) setMissed(true);
      client.cache.updateQuery({ query: NOTIFICATIONS }, (prev) =>
        prev
          ? {
              notifications: [n, ...prev.notifications.filter((x) => x.id !== n.id)].slice(0, 20),
              unread: n.read ? prev.unread : [{ __typename: 'Notification' as const, id: n.id, read: n.read }, ...prev.unread.filter((x) => x.id !== n.id)],
            }
          : prev,
      );
      setAnnouncement(`New notification: ${n.title}`);
    },
  });
  // Without the socket, poll.
  const { data, error, refetch } = useQuery(NOTIFICATIONS, { pollInterval: sub.error ? 30_000 : 0 });
  useEffect(() => {
    if (!missed || !data) return;
    setMissed(false);
    void refetch().catch(() => undefined);
  }, [missed, data, refetch]);
  const [markRead] = useMutation(MARK_NOTIFICATION_READ);

  const list = data?.notifications ?? [];
  const unread = data ? data.unread.filter((n) => !n.read).length : 0;
  const unreadIds = new Set([...(data?.unread ?? []).filter((n) => !n.read).map((n) => n.id), ...list.filter((n) => !n.read).map((n) => n.id)]);

  useEffect(() => {
    if (!open) return undefined;
    const onDown = (e: MouseEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) setOpen(false);
    };
    // Escape closes it wherever focus is (a "Mark as read" button that was
    // pressed is gone, and focus with it).
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };
  const mark = (n: { id: string }) => void markRead({ variables: { id: n.id } }).catch(() => undefined);

  const label = unread > 0 ? `Notifications, ${unread >= 100 ? 'over 99' : unread} unread` : 'Notifications';
  return (
    <div className="bell" ref={wrap}>
      <button ref={button} type="button" className="bell-button" aria-label={label} aria-expanded={open} aria-controls={`${id}-panel`} onClick={() => setOpen(!open)}>
        <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path
            d="M12 3a6 6 0 0 0-6 6v3.6L4.3 15.4A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.6L18 12.6V9a6 6 0 0 0-6-6Zm0 19a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Z"
            fill="currentColor"
          />
        </svg>
        {unread > 0 && (
          <span className="bell-count" data-testid="notification-count" aria-hidden="true">
            {unread >= 100 ? '99+' : unread}
          </span>
        )}
      </button>
      <div id={`${id}-panel`} className="bell-panel" role="region" aria-label="Notifications" hidden={!open}>
        {open && (
          <>
            <div className="bell-head">
              <h2>Notifications</h2>
              {unreadIds.size > 0 && (
                <button type="button" className="link-button small" onClick={() => unreadIds.forEach((nid) => mark({ id: nid }))}>
                  Mark all as read
                </button>
              )}
            </div>
            {error && !data && <p className="small error-text">Could not load notifications: {error.message}</p>}
            {data && list.length === 0 && <p className="muted small bell-empty">No notifications yet.</p>}
            {list.length > 0 && (
              <ul className="bell-list">
                {list.map((n) => {
                  const to = subjectLink(n);
                  return (
                    <li key={n.id} className={n.read ? 'read' : 'unread'} tabIndex={-1}>
                      <div className="bell-title">
                        {!n.read && <span className="bell-dot" aria-hidden="true" />}
                        <strong>{n.title}</strong>
                        {!n.read && <span className="visually-hidden"> (unread)</span>}
                      </div>
                      <p className="bell-body">{n.body}</p>
                      <div className="bell-meta small">
                        <time className="muted" dateTime={n.createdAt}>
                          {formatDate(n.createdAt)}
                        </time>
                        {to && (
                          <Link
                            to={to}
                            onClick={() => {
                              if (!n.read) mark(n);
                              close(false);
                            }}
                          >
                            Open simulation
                          </Link>
                        )}
                        {!n.read && (
                          <button
                            type="button"
                            className="link-button"
                            aria-label={`Mark “${n.title}” as read`}
                            onClick={(e) => {
                              // the button goes once it is read: keep focus on the item
                              e.currentTarget.closest('li')?.focus();
                              mark(n);
                            }}
                          >
                            Mark as read
                          </button>
                        )}
                      </div>
                    </li>
                  );
                })}
              </ul>
            )}
          </>
        )}
      </div>
      <div className="visually-hidden" aria-live="polite">
        {announcement}
      </div>
    </div>
  );
}
