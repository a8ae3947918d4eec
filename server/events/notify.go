package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/notification"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/viewer"
)

// Notifier tells a user's open subscriptions about new notifications, on
// whichever process they are.
type Notifier interface {
	Publish(ctx context.Context, n *ent.Notification) error
	// Subscribe returns the user's new notifications until ctx ends.
	Subscribe(ctx context.Context, user uuid.UUID) (<-chan *ent.Notification, error)
}

// MemoryNotifier is the embedded mode's Notifier.
type MemoryNotifier struct {
	mu   sync.Mutex
	subs map[uuid.UUID]map[chan *ent.Notification]struct{}
}

// NewMemoryNotifier returns an in-process Notifier.
func NewMemoryNotifier() *MemoryNotifier {
	return &MemoryNotifier{subs: map[uuid.UUID]map[chan *ent.Notification]struct{}{}}
}

// Publish implements Notifier; a subscriber that is not reading loses the
// message rather than blocking the consumer.
func (m *MemoryNotifier) Publish(_ context.Context, n *ent.Notification) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for ch := range m.subs[n.UserID] {
		select {
		case ch <- n:
		default:
		}
	}
	return nil
}

// Subscribe implements Notifier.
func (m *MemoryNotifier) Subscribe(ctx context.Context, user uuid.UUID) (<-chan *ent.Notification, error) {
	ch := make(chan *ent.Notification, 16)
	m.mu.Lock()
	if m.subs[user] == nil {
		m.subs[user] = map[chan *ent.Notification]struct{}{}
	}
	m.subs[user][ch] = struct{}{}
	m.mu.Unlock()
	out := make(chan *ent.Notification)
	go func() {
		defer close(out)
		defer func() {
			m.mu.Lock()
			delete(m.subs[user], ch)
			if len(m.subs[user]) == 0 {
				delete(m.subs, user)
			}
			m.mu.Unlock()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-ch:
				select {
				case out <- n:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// RedisNotifier is the server mode's Notifier: Redis pub/sub, one channel
// per user.
type RedisNotifier struct {
	rdb    redis.UniversalClient
	prefix string
	log    *slog.Logger
}

// NewRedisNotifier returns a Notifier on rdb under key prefix.
func NewRedisNotifier(rdb redis.UniversalClient, prefix string, log *slog.Logger) *RedisNotifier {
	return &RedisNotifier{rdb: rdb, prefix: prefix + "notifications:", log: log}
}

// Publish implements Notifier.
func (r *RedisNotifier) Publish(ctx context.Context, n *ent.Notification) error {
	b, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return r.rdb.Publish(ctx, r.prefix+n.UserID.String(), b).Err()
}

// Subscribe implements Notifier.
func (r *RedisNotifier) Subscribe(ctx context.Context, user uuid.UUID) (<-chan *ent.Notification, error) {
	ps := r.rdb.Subscribe(ctx, r.prefix+user.String())
	if _, err := ps.Receive(ctx); err != nil {
		ps.Close()
		return nil, fmt.Errorf("subscribing to notifications: %w", err)
	}
	out := make(chan *ent.Notification)
	go func() {
		defer close(out)
		defer ps.Close()
		ch := ps.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case msg, ok := <-ch:
				if !ok {
					return
				}
				var n ent.Notification
				if err := json.Unmarshal([]byte(msg.Payload), &n); err != nil {
					r.log.WarnContext(ctx, "notifications: undecodable message", "err", err)
					continue
				}
				select {
				case out <- &n:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// Inbox is the viewer's notifications: every operation is limited to the
// viewer's own user.
type Inbox struct {
	// Users is the user service's database.
	Users *ent.Client
	Hub   Notifier
}

func requireViewer(ctx context.Context) (*viewer.Viewer, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.Errorf(apperr.Unauthenticated, "sign in: send a bearer token in the Authorization header")
	}
	if !validTenant(v.TenantID) {
		return nil, apperr.Errorf(apperr.Forbidden, "the viewer has no tenant")
	}
	return v, nil
}

// validTenant reports whether id has the form of a tenant ID (16 lowercase
// hex characters; see tenancy.ID, which this package does not import).
func validTenant(id string) bool {
	if len(id) != 16 {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// List returns the viewer's notifications, newest first (at most 100).
func (in *Inbox) List(ctx context.Context, first *int, unreadOnly bool) ([]*ent.Notification, error) {
	v, err := requireViewer(ctx)
	if err != nil {
		return nil, err
	}
	n := 20
	if first != nil {
		n = min(max(*first, 0), 100)
	}
	q := in.Users.Notification.Query().Where(notification.UserID(v.UserID))
	if unreadOnly {
		q = q.Where(notification.ReadAtIsNil())
	}
	out, err := q.Order(ent.Desc(notification.FieldCreatedAt), ent.Desc(notification.FieldID)).Limit(n).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading notifications: %w", err)
	}
	return out, nil
}

// MarkRead marks one of the viewer's notifications read; anyone else's is
// NOT_FOUND.
func (in *Inbox) MarkRead(ctx context.Context, id string) (*ent.Notification, error) {
	v, err := requireViewer(ctx)
	if err != nil {
		return nil, err
	}
	uid, err := uuid.Parse(id)
	if err != nil {
		return nil, apperr.Errorf(apperr.NotFound, "notification %s not found", id)
	}
	n, err := in.Users.Notification.Query().Where(notification.ID(uid), notification.UserID(v.UserID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.Errorf(apperr.NotFound, "notification %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("reading notification: %w", err)
	}
	if n.ReadAt != nil {
		return n, nil
	}
	return n.Update().SetReadAt(time.Now()).Save(ctx)
}

// Subscribe streams the viewer's new notifications.
func (in *Inbox) Subscribe(ctx context.Context) (<-chan *ent.Notification, error) {
	v, err := requireViewer(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := in.Hub.Subscribe(ctx, v.UserID)
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, err, "notifications are unavailable; try again")
	}
	return ch, nil
}
