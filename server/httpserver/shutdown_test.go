package httpserver_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/account"
	"github.com/simgraph/simgraph/server/health"
	"github.com/simgraph/simgraph/server/httpserver"
	"github.com/simgraph/simgraph/server/metrics"
)

// shutdownBound only keeps a failing run from hanging: a stream that
// shutdown does not end holds http.Server.Shutdown until it expires.
const shutdownBound = 30 * time.Second

// TestShutdownEndsStreams: a subscription stays open for as long as its
// simulation runs, so graceful shutdown ends the streams (websockets and
// SSE) itself instead of waiting for them until SIMGRAPH_SHUTDOWN_GRACE
// runs out; an ordinary request in flight is still let finish.
func TestShutdownEndsStreams(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header http.Header
	}{
		{"Websocket", http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}},
		{"SSE", http.Header{"Accept": {"text/event-stream"}, "Content-Type": {"application/json"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			started, ended := make(chan struct{}), make(chan struct{})
			// Stands in for gqlgen's transports: a stream that ends with
			// its request's context.
			stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				_ = http.NewResponseController(w).Flush()
				close(started)
				<-r.Context().Done()
				close(ended)
			})
			h := httpserver.New(httpserver.Deps{
				Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
				GraphQL: stream,
				Health:  &health.Checker{},
				Metrics: metrics.New(),
				Authenticate: func(ctx context.Context, _ string) (context.Context, context.CancelFunc, error) {
					return ctx, func() {}, nil
				},
				Bearer:       account.BearerToken,
				MaxBodyBytes: 1 << 20,
			})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			srv := &http.Server{Handler: h}
			srv.RegisterOnShutdown(h.CloseStreams)
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()
			t.Cleanup(func() { srv.Close() })

			req, err := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/graphql", nil)
			require.NoError(t, err)
			req.Header = tc.header
			got := make(chan error, 1)
			go func() {
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				got <- err
			}()
			<-started

			ctx, cancel := context.WithTimeout(context.Background(), shutdownBound)
			defer cancel()
			require.NoError(t, srv.Shutdown(ctx), "the stream was ended, not waited out")
			<-ended
			require.NoError(t, <-got, "the client saw its stream end")
			require.ErrorIs(t, <-served, http.ErrServerClosed)
		})
	}
}
