package deploy_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server"
	"github.com/simgraph/simgraph/server/account"
	"github.com/simgraph/simgraph/server/health"
	"github.com/simgraph/simgraph/server/httpserver"
	"github.com/simgraph/simgraph/server/metrics"
)

// The probe paths the manifests must use. TestProbeRoutes checks them
// against the server's handler, so a renamed route fails it.
const (
	readyPath = "/readyz"  // every dependency answers
	livePath  = "/healthz" // the process serves HTTP
)

// routes is the server's real HTTP handler, with a health checker whose
// one dependency is up or down.
func routes(dependencyUp bool) http.Handler {
	checker := &health.Checker{}
	checker.Add("database:simulation", func(context.Context) error {
		if dependencyUp {
			return nil
		}
		return errors.New("connection refused")
	})
	return httpserver.New(httpserver.Deps{
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		GraphQL: http.NotFoundHandler(),
		Health:  checker,
		Metrics: metrics.New(),
		Authenticate: func(ctx context.Context, _ string) (context.Context, context.CancelFunc, error) {
			return ctx, func() {}, nil
		},
		Bearer:       account.BearerToken,
		MaxBodyBytes: 1 << 20,
	})
}

func status(t *testing.T, h http.Handler, path string) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code
}

// TestProbeRoutes: readiness follows the dependencies, liveness does not
// (a database outage must not restart every pod), and both are routes.
func TestProbeRoutes(t *testing.T) {
	up, down := routes(true), routes(false)
	for _, tc := range []struct {
		path           string
		whenUp, ifDown int
	}{
		{readyPath, http.StatusOK, http.StatusServiceUnavailable},
		{livePath, http.StatusOK, http.StatusOK},
		{"/metrics", http.StatusOK, http.StatusOK},
		// The control: a path the server does not route.
		{"/ready", http.StatusNotFound, http.StatusNotFound},
	} {
		t.Run(tc.path, func(t *testing.T) {
			require.Equal(t, tc.whenUp, status(t, up, tc.path), "dependencies up")
			require.Equal(t, tc.ifDown, status(t, down, tc.path), "a dependency down")
		})
	}
}

// TestEmbeddedDemoServes runs the real server with the embedded-demo
// overlay's settings (on a temporary data dir and a free port), asks its
// probe paths as the kubelet would, and shuts it down as the kubelet would
// with a subscriber connected.
func TestEmbeddedDemoServes(t *testing.T) {
	m := build(t, "embedded-demo")
	c := theContainer(t, m.Deployments["simgraph"])
	env := containerEnv(t, m, c)
	env["SIMGRAPH_DATA_DIR"] = t.TempDir()
	env["SIMGRAPH_ADDR"] = "127.0.0.1:0"
	cfg := loadConfig(t, env)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	listening := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, cfg, server.RunOpts{
			Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
			Listening: func(_ *server.App, addr net.Addr) { listening <- addr },
		})
	}()
	var addr net.Addr
	select {
	case addr = <-listening:
	case err := <-done:
		require.FailNow(t, "server did not start", "%v", err)
	}
	for _, p := range []struct{ kind, path string }{
		{"readiness", c.ReadinessProbe.HTTPGet.Path},
		{"liveness", c.LivenessProbe.HTTPGet.Path},
		{"startup", c.StartupProbe.HTTPGet.Path},
	} {
		resp, err := http.Get("http://" + addr.String() + p.path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s probe %s", p.kind, p.path)
	}

	// A subscriber over SSE: shutdown must end its stream rather than wait
	// for it until SIMGRAPH_SHUTDOWN_GRACE runs out (which fails Run).
	base := "http://" + addr.String()
	resp, err := http.Post(base+"/api/dev/sign-in", "application/json", nil)
	require.NoError(t, err)
	var signIn struct{ Token string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&signIn))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "the demo's one-click sign-in")
	req, err := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(`{"query":"subscription { notificationAdded { id } }"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+signIn.Token)
	sse, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer sse.Body.Close()
	require.Contains(t, sse.Header.Get("Content-Type"), "text/event-stream")
	first := make([]byte, 1)
	_, err = io.ReadFull(sse.Body, first) // gqlgen's opening comment: the stream is open
	require.NoError(t, err)

	cancel()
	require.NoError(t, <-done, "graceful shutdown, the SSE stream ended")
	_, err = io.Copy(io.Discard, sse.Body)
	require.NoError(t, err, "the subscriber's stream ended cleanly")
}
