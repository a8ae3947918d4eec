package graph

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// echoExecutor answers every operation with one response naming its query.
type echoExecutor struct{}

func (echoExecutor) CreateOperationContext(_ context.Context, p *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	return &graphql.OperationContext{RawQuery: p.Query, Operation: &ast.OperationDefinition{Operation: ast.Query}}, nil
}

func (echoExecutor) DispatchOperation(_ context.Context, oc *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	b, _ := json.Marshal(map[string]string{"query": oc.RawQuery})
	return graphql.OneShot(&graphql.Response{Data: b}), context.Background()
}

func (echoExecutor) DispatchError(_ context.Context, list gqlerror.List) *graphql.Response {
	return &graphql.Response{Errors: list}
}

func startTransport(t *testing.T) *httptest.Server {
	t.Helper()
	tr := newWebsocketTransport(HandlerOpts{Log: slog.New(slog.DiscardHandler)})
	tr.initTimeout = 300 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.Do(w, r, echoExecutor{})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func dialTransport(t *testing.T, srv *httptest.Server, protocol string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &websocket.DialOptions{Subprotocols: []string{protocol}})
	require.NoError(t, err)
	require.Equal(t, protocol, c.Subprotocol())
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func sendJSON(t *testing.T, c *websocket.Conn, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	require.NoError(t, c.Write(context.Background(), websocket.MessageText, b))
}

// readUntilClosed returns the messages read and the close status.
func readUntilClosed(t *testing.T, c *websocket.Conn) ([]map[string]any, websocket.StatusCode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var msgs []map[string]any
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return msgs, websocket.CloseStatus(err)
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		msgs = append(msgs, m)
	}
}

func readType(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestWebsocketCloseCodes(t *testing.T) {
	init := map[string]any{"type": "connection_init"}
	tests := []struct {
		name     string
		protocol string
		send     []any
		code     websocket.StatusCode
	}{
		{"InvalidJSON", "graphql-transport-ws", []any{init, "not json"}, CloseBadRequest},
		{"UnknownType", "graphql-transport-ws", []any{init, map[string]any{"type": "bogus"}}, CloseBadRequest},
		{"SubscribeWithoutID", "graphql-transport-ws", []any{init, map[string]any{"type": "subscribe", "payload": map[string]any{"query": "{ a }"}}}, CloseBadRequest},
		{"SubscribeBeforeInit", "graphql-transport-ws", []any{map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": "{ a }"}}}, CloseUnauthorized},
		{"SecondInit", "graphql-transport-ws", []any{init, init}, CloseTooManyInitReqs},
		{"NoInit", "graphql-transport-ws", nil, CloseInitTimeout},
		{"LegacyTerminate", "graphql-ws", []any{init, map[string]any{"type": "connection_terminate"}}, websocket.StatusNormalClosure},
		{"LegacyUnknownType", "graphql-ws", []any{init, map[string]any{"type": "bogus"}}, websocket.StatusProtocolError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialTransport(t, startTransport(t), tt.protocol)
			for _, m := range tt.send {
				if s, ok := m.(string); ok {
					require.NoError(t, c.Write(context.Background(), websocket.MessageText, []byte(s)))
					continue
				}
				sendJSON(t, c, m)
			}
			_, code := readUntilClosed(t, c)
			require.Equal(t, tt.code, code)
		})
	}
}

func TestWebsocketPingPongAndOperations(t *testing.T) {
	for _, protocol := range []string{"graphql-transport-ws", "graphql-ws"} {
		t.Run(protocol, func(t *testing.T) {
			c := dialTransport(t, startTransport(t), protocol)
			sendJSON(t, c, map[string]any{"type": "connection_init"})
			require.Equal(t, "connection_ack", readType(t, c)["type"])
			if protocol == "graphql-ws" {
				require.Equal(t, "ka", readType(t, c)["type"])
			} else {
				sendJSON(t, c, map[string]any{"type": "ping", "payload": map[string]any{"n": 1}})
				m := readType(t, c)
				require.Equal(t, "pong", m["type"])
				require.Equal(t, map[string]any{"n": float64(1)}, m["payload"])
			}
			// A websocket-level ping is answered too (coder's Ping waits for the pong).
			go func() { _, _, _ = c.Read(context.Background()) }()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			require.NoError(t, c.Ping(ctx))
		})
		t.Run(protocol+"/operation", func(t *testing.T) {
			c := dialTransport(t, startTransport(t), protocol)
			sendJSON(t, c, map[string]any{"type": "connection_init"})
			require.Equal(t, "connection_ack", readType(t, c)["type"])
			start, data := "subscribe", "next"
			if protocol == "graphql-ws" {
				start, data = "start", "data"
				require.Equal(t, "ka", readType(t, c)["type"])
			}
			sendJSON(t, c, map[string]any{"id": "q\"1", "type": start, "payload": map[string]any{"query": "{ a }"}})
			m := readType(t, c)
			require.Equal(t, data, m["type"])
			require.Equal(t, "q\"1", m["id"])
			require.Equal(t, map[string]any{"data": map[string]any{"query": "{ a }"}}, m["payload"])
			m = readType(t, c)
			require.Equal(t, "complete", m["type"])
			sendJSON(t, c, map[string]any{"id": "2", "type": start, "payload": "not an operation"})
			m = readType(t, c)
			require.Equal(t, "error", m["type"])
			require.Contains(t, mustJSON(m["payload"]), `"code":"BAD_USER_INPUT"`)
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
