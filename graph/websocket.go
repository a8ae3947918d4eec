package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/simgraph/simgraph/server/apperr"
)

// Websocket close codes, as graphql-ws (the graphql-transport-ws
// reference implementation) uses them: its client stops retrying on 4401
// and 4500.
const (
	CloseUnauthorized = 4401
	CloseForbidden    = 4403
	CloseInternal     = 4500
)

// CloseCodeFor is the close code a connection_init refused with code gets.
func CloseCodeFor(code apperr.Code) (int, string) {
	switch code {
	case apperr.Unauthenticated:
		return CloseUnauthorized, "Unauthorized"
	case apperr.Forbidden:
		return CloseForbidden, "Forbidden"
	}
	return CloseInternal, "Internal server error"
}

// websocketTransport is gqlgen's websocket transport with refusals that
// look like every other simgraph error: a rejected connection_init closes
// with 4401/4403/4500, the legacy protocol's connection_error payload is
// {message, extensions: {code}} with the safe message only, and a socket
// whose token expires closes with 4401 rather than a normal closure.
type websocketTransport struct {
	transport.Websocket
}

// socketAuth is what the init function learned, for the connection to
// report: the refusal, or the authenticated context (which ends when the
// token expires).
type socketAuth struct {
	mu      sync.Mutex
	refused *gqlerror.Error
	authed  context.Context
}

type socketAuthKey struct{}

func (t websocketTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	r = r.WithContext(context.WithValue(r.Context(), socketAuthKey{}, &socketAuth{}))
	t.Websocket.Do(w, r, exec)
}

// initFunc adapts HandlerOpts.WebsocketInit to gqlgen.
func initFunc(o HandlerOpts) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		sa, _ := ctx.Value(socketAuthKey{}).(*socketAuth)
		if o.WebsocketInit == nil {
			return ctx, nil, nil
		}
		authed, err := o.WebsocketInit(ctx, payload)
		if err != nil {
			code := apperr.CodeOf(err)
			closeCode, reason := CloseCodeFor(code)
			msg := apperr.MessageOf(err)
			if code == apperr.Internal {
				o.Log.ErrorContext(ctx, "websocket connection_init", "err", err)
			} else {
				o.Log.InfoContext(ctx, "websocket connection refused", "code", code, "err", err)
			}
			if sa != nil {
				sa.mu.Lock()
				sa.refused = &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(code)}}
				sa.mu.Unlock()
			}
			// gqlgen sends err's text as the legacy connection_error: only
			// the safe message, never the cause.
			return transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, closeCode), reason), nil, errors.New(msg)
		}
		if sa != nil {
			sa.mu.Lock()
			sa.authed = authed
			sa.mu.Unlock()
		}
		return withSubscriptionCap(authed, o.MaxSubscriptionsPerConnection), nil, nil
	}
}

// refusingImplementation wraps accepted connections to rewrite what
// gqlgen sends on refusal.
type refusingImplementation struct {
	transport.WebsocketImplementation
}

func (i refusingImplementation) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := i.WebsocketImplementation.Accept(w, r, o)
	if err != nil {
		return nil, err
	}
	sa, _ := r.Context().Value(socketAuthKey{}).(*socketAuth)
	if sa == nil {
		return conn, nil
	}
	return &refusingConn{WebsocketConn: conn, auth: sa}, nil
}

type refusingConn struct {
	transport.WebsocketConn
	auth *socketAuth
}

// The optional interfaces gqlgen looks for must stay visible through the
// wrapper: without them it neither caps message sizes nor enforces pongs.
func (c *refusingConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *refusingConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// WriteJSON marshals once and sends the bytes; only a connection_error or
// error message is looked into, to give its errors their codes.
func (c *refusingConn) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if bytes.Contains(b, []byte(`"type":"connection_error"`)) || bytes.Contains(b, []byte(`"type":"error"`)) {
		c.auth.mu.Lock()
		refused := c.auth.refused
		c.auth.mu.Unlock()
		b = codedSocketError(b, refused)
	}
	return c.WebsocketConn.WriteJSON(json.RawMessage(b))
}

// codedSocketError gives a connection_error the refusal of connection_init
// (its safe message and code) and any other error without a code
// BAD_USER_INPUT: gqlgen writes those itself, about malformed messages.
func codedSocketError(b []byte, refused *gqlerror.Error) []byte {
	var m struct {
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload,omitempty"`
	}
	if json.Unmarshal(b, &m) != nil {
		return b
	}
	var payload any
	switch {
	case m.Type == "connection_error" && refused != nil:
		payload = refused
	case m.Type == "connection_error":
		var e map[string]any
		if json.Unmarshal(m.Payload, &e) != nil {
			return b
		}
		withCode(e)
		payload = e
	case m.Type == "error":
		var list []map[string]any
		if json.Unmarshal(m.Payload, &list) != nil {
			return b
		}
		for _, e := range list {
			withCode(e)
		}
		payload = list
	default:
		return b
	}
	p, err := json.Marshal(payload)
	if err != nil {
		return b
	}
	m.Payload = p
	out, err := json.Marshal(m)
	if err != nil {
		return b
	}
	return out
}

func withCode(e map[string]any) {
	ext, _ := e["extensions"].(map[string]any)
	if ext == nil {
		ext = map[string]any{}
		e["extensions"] = ext
	}
	if _, ok := ext["code"]; !ok {
		ext["code"] = string(apperr.BadUserInput)
	}
}

func (c *refusingConn) WriteClose(code int, message string) error {
	c.auth.mu.Lock()
	authed := c.auth.authed
	c.auth.mu.Unlock()
	if code == transport.WebsocketCloseNormalClosure && authed != nil && errors.Is(authed.Err(), context.DeadlineExceeded) {
		code, message = CloseUnauthorized, "Unauthorized: token expired"
	}
	return c.WebsocketConn.WriteClose(code, message)
}
