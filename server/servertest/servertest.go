// Package servertest starts real simgraph servers for tests: embedded on
// SQLite in a temporary directory, and in server mode on PostgreSQL and
// Redis with databases of unique names that are dropped afterwards.
//
// Services come from SIMGRAPH_TEST_POSTGRES_URL and SIMGRAPH_TEST_REDIS_URL
// (defaults: the local servers). A missing service fails the test with how
// to start it; nothing is skipped silently.
package servertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/servertest/rediscluster"
)

// Defaults for the local services of a development machine and CI.
const (
	DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	DefaultRedisURL    = "redis://127.0.0.1:6379/0"
	testSecret         = "servertest-secret-0123456789abcdef"
)

// PostgresURL returns the test PostgreSQL server's URL, failing the test
// with instructions when it does not answer.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SIMGRAPH_TEST_POSTGRES_URL")
	if u == "" {
		u = DefaultPostgresURL
	}
	db, err := sql.Open("pgx", u)
	require.NoError(t, err)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("PostgreSQL at %s does not answer (%v).\nStart it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\nor point SIMGRAPH_TEST_POSTGRES_URL at one.", u, err)
	}
	return u
}

// RedisURL returns the test Redis server's URL, failing the test with
// instructions when it does not answer.
func RedisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SIMGRAPH_TEST_REDIS_URL")
	if u == "" {
		u = DefaultRedisURL
	}
	c, err := config.NewRedisClient(u)
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("Redis at %s does not answer (%v).\nStart it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no\nor point SIMGRAPH_TEST_REDIS_URL at one.", u, err)
	}
	return u
}

// RedisBackend is one kind of Redis the server mode runs on.
type RedisBackend struct {
	Name string
	// URL returns a SIMGRAPH_REDIS_URL of this kind.
	URL func(t testing.TB) string
}

// RedisBackends lists a single node (SIMGRAPH_TEST_REDIS_URL) and the
// package's Redis Cluster (rediscluster.Shared; the package's TestMain
// stops it with rediscluster.StopShared).
func RedisBackends() []RedisBackend {
	return []RedisBackend{
		{Name: "SingleNode", URL: RedisURL},
		{Name: "Cluster", URL: func(t testing.TB) string { return rediscluster.Shared(t).URL() }},
	}
}

// ClusterConfig is PostgresConfig with the package's Redis Cluster.
func ClusterConfig(t testing.TB) *config.Config {
	cfg := PostgresConfig(t)
	cfg.RedisURL = rediscluster.Shared(t).URL()
	return cfg
}

// UniquePrefix returns a database-name prefix no other test run uses.
func UniquePrefix() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return "sgt_" + hex.EncodeToString(b) + "_"
}

// Backend is one way of running the server.
type Backend struct {
	Name string
	// Config returns a fresh configuration on this backend whose databases
	// are removed when the test ends.
	Config func(t testing.TB) *config.Config
}

// Backends lists the embedded (SQLite) and server (PostgreSQL + Redis) modes.
func Backends() []Backend {
	return []Backend{
		{Name: "SQLite", Config: SQLiteConfig},
		{Name: "PostgreSQL", Config: PostgresConfig},
	}
}

func baseConfig(t testing.TB, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] })
	require.NoError(t, err)
	cfg.Addr = "127.0.0.1:0"
	cfg.DemoOrg = false
	cfg.ShutdownGrace = 5 * time.Second
	return cfg
}

// SQLiteConfig is an embedded configuration in a temporary directory.
func SQLiteConfig(t testing.TB) *config.Config {
	return baseConfig(t, map[string]string{"SIMGRAPH_DATA_DIR": t.TempDir(), "SIMGRAPH_JWT_SECRET": testSecret})
}

// PostgresConfig is a server-mode configuration whose service databases
// get a unique prefix and are dropped at the end of the test.
func PostgresConfig(t testing.TB) *config.Config {
	pg := PostgresURL(t)
	cfg := baseConfig(t, map[string]string{
		"SIMGRAPH_POSTGRES_URL":    pg,
		"SIMGRAPH_REDIS_URL":       RedisURL(t),
		"SIMGRAPH_JWT_SECRET":      testSecret,
		"SIMGRAPH_DATABASE_PREFIX": UniquePrefix(),
	})
	t.Cleanup(func() { DropDatabases(t, pg, cfg.DatabasePrefix) })
	return cfg
}

// DropDatabases drops every database whose name starts with prefix.
func DropDatabases(t testing.TB, serverURL, prefix string) {
	db, err := sql.Open("pgx", serverURL)
	if err != nil {
		t.Errorf("dropping test databases: %v", err)
		return
	}
	defer db.Close()
	// Each drop checkpoints; tests with dedicated tenant databases drop
	// dozens, so the budget grows with their number.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT datname FROM pg_database WHERE starts_with(datname, $1)", prefix)
	if err != nil {
		t.Errorf("listing test databases: %v", err)
		return
	}
	var names []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		dropCtx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		_, err := db.ExecContext(dropCtx, "DROP DATABASE IF EXISTS "+database.QuoteIdent(n)+" WITH (FORCE)")
		cancel()
		if err != nil {
			t.Errorf("dropping %s: %v", n, err)
		}
	}
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The application role (database.AppRoleName) is named after the
	// prefix; roles are cluster-wide, so it goes with the databases.
	if _, err := db.ExecContext(ctx, "DROP ROLE IF EXISTS "+database.QuoteIdent(database.AppRoleName(prefix))); err != nil {
		t.Errorf("dropping role %s: %v", database.AppRoleName(prefix), err)
	}
}

// Server is a running simgraph server.
type Server struct {
	URL    string
	Config *config.Config
	App    *server.App
	Logs   *SyncBuffer
	stop   context.CancelFunc
	done   chan error
}

// Start runs a server on cfg until the test ends.
func Start(t testing.TB, cfg *config.Config) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{Config: cfg, Logs: &SyncBuffer{}, stop: cancel, done: make(chan error, 1)}
	type started struct {
		app  *server.App
		addr net.Addr
	}
	ready := make(chan started, 1)
	go func() {
		s.done <- server.Run(ctx, cfg, server.RunOpts{
			Log:       slog.New(slog.NewTextHandler(s.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			Listening: func(app *server.App, a net.Addr) { ready <- started{app, a} },
		})
	}()
	select {
	case st := <-ready:
		s.App = st.app
		s.URL = "http://" + st.addr.String()
	case err := <-s.done:
		t.Fatalf("server did not start: %v\n%s", err, s.Logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not start within 60s\n%s", s.Logs.String())
	}
	t.Cleanup(func() {
		_ = s.Stop()
		if t.Failed() {
			// An INTERNAL error's cause is in the log, not in the response.
			t.Logf("server log, warnings and errors:\n%s", s.Logs.Lines("level=WARN", "level=ERROR"))
		}
	})
	return s
}

// Stop shuts the server down gracefully and returns Run's result.
func (s *Server) Stop() error {
	s.stop()
	select {
	case err, ok := <-s.done:
		if ok {
			close(s.done)
		}
		return err
	case <-time.After(30 * time.Second):
		return context.DeadlineExceeded
	}
}

// Token mints a token the server accepts.
func (s *Server) Token(t testing.TB, p auth.TokenParams) string {
	t.Helper()
	if p.TTL == 0 {
		p.TTL = time.Hour
	}
	tok, err := auth.Mint([]byte(s.Config.JWTSecret), s.Config.JWTIssuer, s.Config.JWTAudience, server.ClaimNames(s.Config), p)
	require.NoError(t, err)
	return tok
}

// Response is a GraphQL response.
type Response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// Code returns the first error's extensions.code, or "".
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Decode unmarshals data into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	require.Empty(t, r.Errors, "unexpected errors")
	require.NoError(t, json.Unmarshal(r.Data, v))
}

// Query posts a GraphQL operation with an optional bearer token.
func (s *Server) Query(t testing.TB, token, query string, vars map[string]any) *Response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return Do(t, req)
}

// Do sends req and decodes a GraphQL response.
func Do(t testing.TB, req *http.Request) *Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	out := &Response{Status: resp.StatusCode}
	require.NoError(t, json.Unmarshal(raw, out), "response: %s", raw)
	return out
}

// SyncBuffer is a log sink safe for concurrent writers.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Lines returns the log's lines holding any of subs.
func (b *SyncBuffer) Lines(subs ...string) string {
	var out strings.Builder
	for line := range strings.Lines(b.String()) {
		for _, sub := range subs {
			if strings.Contains(line, sub) {
				out.WriteString(line)
				break
			}
		}
	}
	return out.String()
}

// Contains reports whether the log has s.
func (b *SyncBuffer) Contains(s string) bool { return strings.Contains(b.String(), s) }
