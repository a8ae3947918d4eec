package graph

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/simgraph/simgraph/server/apperr"
)

// holdExecutor's operations stay open until their context ends, as a
// subscription does.
type holdExecutor struct{ echoExecutor }

func (holdExecutor) CreateOperationContext(_ context.Context, p *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	return &graphql.OperationContext{RawQuery: p.Query, Operation: &ast.OperationDefinition{Operation: ast.Subscription}}, nil
}

func (holdExecutor) DispatchOperation(ctx context.Context, _ *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	return func(ctx context.Context) *graphql.Response {
		<-ctx.Done()
		return nil
	}, ctx
}

func TestWebsocketDuplicateSubscriptionID(t *testing.T) {
	tr := newWebsocketTransport(HandlerOpts{Log: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tr.Do(w, r, holdExecutor{}) }))
	t.Cleanup(srv.Close)
	tests := []struct {
		name     string
		protocol string
		start    string
		code     websocket.StatusCode
	}{
		{"TransportWS", "graphql-transport-ws", "subscribe", CloseDuplicateID},
		{"Legacy", "graphql-ws", "start", websocket.StatusProtocolError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialTransport(t, srv, tt.protocol)
			sendJSON(t, c, map[string]any{"type": "connection_init"})
			require.Equal(t, "connection_ack", readType(t, c)["type"])
			sub := map[string]any{"id": "1", "type": tt.start, "payload": map[string]any{"query": "subscription { a }"}}
			sendJSON(t, c, sub)
			sendJSON(t, c, map[string]any{"id": "2", "type": tt.start, "payload": map[string]any{"query": "subscription { a }"}})
			sendJSON(t, c, sub)
			_, code := readUntilClosed(t, c)
			require.Equal(t, tt.code, code, "a second subscribe with an id in use")
		})
	}
}

// TestWebsocketWithdrawnCredentials ends the context connection_init
// authenticated: a cause that is UNAUTHENTICATED (a revoked API key)
// closes with 4401, after a connection_error on the legacy protocol; an
// expired token with 4401 too; any other end of it closes normally.
func TestWebsocketWithdrawnCredentials(t *testing.T) {
	revoked := apperr.Errorf(apperr.Unauthenticated, "the API key was revoked")
	tests := []struct {
		name      string
		protocol  string
		cause     error
		code      websocket.StatusCode
		connError bool
	}{
		{"RevokedTransportWS", "graphql-transport-ws", revoked, CloseUnauthorized, false},
		{"RevokedLegacy", "graphql-ws", revoked, CloseUnauthorized, true},
		{"ExpiredTransportWS", "graphql-transport-ws", context.DeadlineExceeded, CloseUnauthorized, false},
		{"EndedTransportWS", "graphql-transport-ws", context.Canceled, websocket.StatusNormalClosure, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var end context.CancelCauseFunc
			tr := newWebsocketTransport(HandlerOpts{Log: slog.New(slog.DiscardHandler), WebsocketInit: func(ctx context.Context, _ transport.InitPayload) (context.Context, error) {
				ctx, cancel := context.WithCancelCause(ctx)
				mu.Lock()
				end = cancel
				mu.Unlock()
				return ctx, nil
			}})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tr.Do(w, r, holdExecutor{}) }))
			t.Cleanup(srv.Close)
			c := dialTransport(t, srv, tt.protocol)
			sendJSON(t, c, map[string]any{"type": "connection_init"})
			require.Equal(t, "connection_ack", readType(t, c)["type"])
			start := "subscribe"
			if tt.protocol == "graphql-ws" {
				start = "start"
			}
			sendJSON(t, c, map[string]any{"id": "1", "type": start, "payload": map[string]any{"query": "subscription { a }"}})
			time.Sleep(50 * time.Millisecond)
			mu.Lock()
			end(tt.cause)
			mu.Unlock()
			msgs, code := readUntilClosed(t, c)
			require.Equal(t, tt.code, code)
			var types []string
			for _, m := range msgs {
				types = append(types, m["type"].(string))
			}
			if tt.connError {
				require.Contains(t, types, "connection_error")
				for _, m := range msgs {
					if m["type"] == "connection_error" {
						require.Contains(t, mustJSON(m["payload"]), `"code":"UNAUTHENTICATED"`)
					}
				}
			} else {
				require.NotContains(t, types, "connection_error")
			}
		})
	}
}
