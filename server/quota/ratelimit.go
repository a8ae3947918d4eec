package quota

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/viewer"
)

// Window is the rate limit's fixed window.
const Window = time.Minute

// Counter counts requests per key and window.
type Counter interface {
	// Incr adds one request to key's current window and returns the count
	// and the time the window ends.
	Incr(ctx context.Context, key string) (int64, time.Time, error)
}

// MemoryCounter is the embedded mode's Counter.
type MemoryCounter struct {
	mu      sync.Mutex
	windows map[string]memWindow
}

type memWindow struct {
	start time.Time
	n     int64
}

// Incr implements Counter.
func (m *MemoryCounter) Incr(_ context.Context, key string) (int64, time.Time, error) {
	now := time.Now()
	start := now.Truncate(Window)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.windows == nil {
		m.windows = map[string]memWindow{}
	}
	w := m.windows[key]
	if !w.start.Equal(start) {
		w = memWindow{start: start}
		if len(m.windows) > 100000 {
			for k, old := range m.windows {
				if old.start.Before(start) {
					delete(m.windows, k)
				}
			}
		}
	}
	w.n++
	m.windows[key] = w
	return w.n, start.Add(Window), nil
}

// RedisCounter is the server mode's Counter: one key per tenant and window,
// shared by every replica, expiring after the window.
type RedisCounter struct {
	RDB    redis.UniversalClient
	Prefix string
}

var incrScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`)

// Incr implements Counter.
func (r *RedisCounter) Incr(ctx context.Context, key string) (int64, time.Time, error) {
	start := time.Now().Truncate(Window)
	k := r.Prefix + "ratelimit:" + key + ":" + strconv.FormatInt(start.Unix(), 10)
	n, err := incrScript.Run(ctx, r.RDB, []string{k}, (Window + 5*time.Second).Milliseconds()).Int64()
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("rate limit: %w", err)
	}
	return n, start.Add(Window), nil
}

// RateLimit answers 429 RATE_LIMITED once the viewer's organization has
// made its tier's requests per minute; requests without a viewer pass (they
// can only reach public fields). When the counter is unreachable requests
// pass: the rate limit protects the service, it must not take it down.
func (s *Service) RateLimit(counter Counter, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := viewer.FromContext(r.Context())
		if v == nil || counter == nil {
			next.ServeHTTP(w, r)
			return
		}
		limit := s.RequestsPerMinuteOf(r.Context(), v)
		n, reset, err := counter.Incr(r.Context(), v.TenantID)
		if err != nil {
			log.WarnContext(r.Context(), "rate limit unavailable; letting the request through", "err", err)
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
		h.Set("X-RateLimit-Remaining", strconv.FormatInt(max(int64(limit)-n, 0), 10))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		if limit > 0 && n > int64(limit) {
			retry := max(int(time.Until(reset).Seconds()+0.999), 1)
			h.Set("Retry-After", strconv.Itoa(retry))
			h.Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
				"message":    fmt.Sprintf("rate limit exceeded: %d requests per minute; retry in %d s", limit, retry),
				"extensions": map[string]any{"code": string(apperr.RateLimited), "limit": limit, "retryAfterSeconds": retry},
			}}})
			return
		}
		next.ServeHTTP(w, r)
	})
}
