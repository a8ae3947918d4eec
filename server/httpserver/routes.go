package httpserver

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/health"
	"github.com/simgraph/simgraph/server/metrics"
)

// Deps are what the routes serve.
type Deps struct {
	Log          *slog.Logger
	GraphQL      http.Handler
	Health       *health.Checker
	Metrics      *metrics.Metrics
	Authenticate Authenticate
	Bearer       func(header string) string
	CORSOrigins  []string
	MaxBodyBytes int64
	// Web serves the browser app on every other path, if set.
	Web http.Handler
	// DevSignIn, if set, serves POST /api/dev/sign-in (embedded development
	// mode only).
	DevSignIn http.Handler
	// AuthConfig, if set, serves GET /api/auth/config (browser sign-in
	// settings; public).
	AuthConfig http.Handler
	// Enterprise, if set, serves the REST endpoints under
	// /enterprise/database/, behind the same authentication as /graphql.
	Enterprise http.Handler
	// Downloads, if set, serves the files of simulations (reports, CSV)
	// under DownloadsPrefix, behind the same authentication as /graphql.
	Downloads       http.Handler
	DownloadsPrefix string
	// RateLimit, if set, wraps the authenticated handlers (GraphQL and
	// Enterprise) with the per-tenant rate limit.
	RateLimit func(http.Handler) http.Handler
}

// Server is the HTTP handler plus what graceful shutdown needs.
type Server struct {
	http.Handler
	sockets *socketContexts
}

// New returns simgraph's HTTP handler.
func New(d Deps) *Server {
	sockets := newSocketContexts()
	mux := http.NewServeMux()
	limit := d.RateLimit
	if limit == nil {
		limit = func(h http.Handler) http.Handler { return h }
	}
	gql := authenticate(d.Log, d.Authenticate, d.Bearer, limit(d.GraphQL))
	if d.Enterprise != nil {
		ent := authenticate(d.Log, d.Authenticate, d.Bearer, limit(d.Enterprise))
		mux.Handle("/enterprise/database/", d.Metrics.Instrument("/enterprise/database", limitBody(d.MaxBodyBytes, ent)))
	}
	if d.Downloads != nil {
		dl := authenticate(d.Log, d.Authenticate, d.Bearer, limit(d.Downloads))
		mux.Handle(d.DownloadsPrefix, d.Metrics.Instrument(d.DownloadsPrefix, dl))
	}
	mux.Handle("/graphql", d.Metrics.Instrument("/graphql", sockets.track(limitBody(d.MaxBodyBytes, gql))))
	mux.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	}))
	mux.Handle("GET /readyz", d.Metrics.Instrument("/readyz", readyz(d.Health)))
	mux.Handle("GET /metrics", d.Metrics.Handler())
	if d.DevSignIn != nil {
		mux.Handle("POST /api/dev/sign-in", d.DevSignIn)
	}
	if d.AuthConfig != nil {
		mux.Handle("GET /api/auth/config", d.AuthConfig)
	}
	if d.Web != nil {
		mux.Handle("/", d.Web)
	} else {
		mux.Handle("GET /{$}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte("simgraph: POST GraphQL to /graphql\n"))
		}))
	}
	return &Server{Handler: recoverPanics(d.Log, cors(d.CORSOrigins, mux)), sockets: sockets}
}

// CloseStreams ends every open websocket and SSE stream; it is registered
// with RegisterOnShutdown. http.Server.Shutdown does not track hijacked
// connections (websockets), and it would wait for an SSE response, which
// lasts as long as its subscription, until the grace period ran out. Each
// stream's context is cancelled: gqlgen closes a websocket with a normal
// closure frame and ends an SSE response, and the client reconnects
// elsewhere.
func (s *Server) CloseStreams() { s.sockets.cancelAll() }

func readyz(h *health.Checker) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep := h.Run(r.Context())
		w.Header().Set("Content-Type", "application/json")
		if rep.Status == health.Down {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		checks := map[string]string{}
		for _, c := range rep.Checks {
			checks[c.Name] = string(c.Status)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": rep.Status, "checks": checks})
	})
}

// socketContexts gives each streaming request (websocket or SSE) a
// context that shutdown can cancel without touching ordinary in-flight
// requests.
type socketContexts struct {
	mu      sync.Mutex
	next    int
	cancels map[int]context.CancelFunc
	closed  bool
}

func newSocketContexts() *socketContexts {
	return &socketContexts{cancels: map[int]context.CancelFunc{}}
}

func (s *socketContexts) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			cancel()
			writeError(w, r, http.StatusServiceUnavailable, apperr.Unavailable, "shutting down")
			return
		}
		id := s.next
		s.next++
		s.cancels[id] = cancel
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.cancels, id)
			s.mu.Unlock()
			cancel()
		}()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// isStream reports a websocket upgrade or an SSE request (gqlgen's SSE
// transport answers a POST that accepts text/event-stream).
func isStream(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") ||
		strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

func (s *socketContexts) cancelAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, cancel := range s.cancels {
		cancel()
	}
}
