package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/servertest"
)

// forged is token with its signature's last characters replaced: well
// formed, not signed by the server's key.
func forged(token string) string {
	return token[:len(token)-4] + "AAAA"
}

// dialWS opens a websocket with the upgrade request's headers set.
func dialWS(t *testing.T, s *servertest.Server, protocol string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{protocol}, HTTPHeader: header})
	if c != nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

// refusal is how a websocket's connection_init was refused: the close
// frame, and the legacy protocol's connection_error before it.
type refusal struct {
	status websocket.StatusCode
	reason string
	msgs   []servertest.Message
}

func readRefusal(t *testing.T, c *websocket.Conn) refusal {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var r refusal
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			require.True(t, errors.As(err, &ce), "the server closes the socket: %v", err)
			r.status, r.reason = ce.Code, ce.Reason
			return r
		}
		var m servertest.Message
		require.NoError(t, json.Unmarshal(b, &m))
		r.msgs = append(r.msgs, m)
	}
}

// TestWebsocketCredentials sends a token in every place the README
// documents for connection_init (and some it does not), over both
// protocols: an accepted one subscribes as its user; no token and a bad
// token are both closed with 4401, told apart by the close reason and
// the legacy connection_error, never with the JWT library's words.
func TestWebsocketCredentials(t *testing.T) {
	t.Parallel()
	s, id := startAuthServer(t, servertest.SQLiteConfig(t))
	owner := s.Token(t, auth.TokenParams{Email: "owner@one.example", Org: "one"})
	expired := s.Token(t, auth.TokenParams{Email: "owner@one.example", Org: "one", TTL: -time.Hour})
	bearer := http.Header{"Authorization": {"Bearer " + owner}}

	const (
		noToken  = "sign in: send a bearer token"
		badToken = "invalid or expired token"
	)
	tests := []struct {
		name    string
		header  http.Header
		payload map[string]any
		refused string // the refusal's message, "" when accepted
	}{
		{name: "AuthorizationBearer", payload: map[string]any{"Authorization": "Bearer " + owner}},
		{name: "AuthorizationLowercase", payload: map[string]any{"authorization": "Bearer " + owner}},
		{name: "AuthorizationBareJWT", payload: map[string]any{"Authorization": owner}},
		{name: "AuthToken", payload: map[string]any{"authToken": owner}},
		{name: "UpgradeHeader", header: bearer, payload: map[string]any{}},
		{name: "PayloadBeforeUpgradeHeader", header: bearer, payload: map[string]any{"authToken": "not.a.jwt"}, refused: badToken},
		{name: "NoPayload", refused: noToken},
		{name: "EmptyPayload", payload: map[string]any{}, refused: noToken},
		{name: "UndocumentedKey", payload: map[string]any{"token": owner}, refused: noToken},
		{name: "Malformed", payload: map[string]any{"Authorization": "Bearer not.a.jwt"}, refused: badToken},
		{name: "Forged", payload: map[string]any{"Authorization": "Bearer " + forged(owner)}, refused: badToken},
		{name: "Expired", payload: map[string]any{"authToken": expired}, refused: badToken},
	}
	for _, protocol := range []string{"graphql-transport-ws", "graphql-ws"} {
		reasons := map[string]string{}
		for _, tt := range tests {
			t.Run(protocol+"/"+tt.name, func(t *testing.T) {
				c, _, err := dialWS(t, s, protocol, tt.header)
				require.NoError(t, err)
				ws := &servertest.WS{Conn: c, Protocol: protocol}
				init := map[string]any{"type": "connection_init"}
				if tt.payload != nil {
					init["payload"] = tt.payload
				}
				b, _ := json.Marshal(init)
				require.NoError(t, c.Write(context.Background(), websocket.MessageText, b))
				if tt.refused == "" {
					m, err := ws.Read(10 * time.Second)
					require.NoError(t, err)
					require.Equal(t, "connection_ack", m.Type, "%s", m.Payload)
					start := "subscribe"
					if protocol == "graphql-ws" {
						start = "start"
					}
					q, _ := json.Marshal(map[string]any{"id": "1", "type": start,
						"payload": map[string]any{"query": progressSubscription, "variables": map[string]any{"id": id}}})
					require.NoError(t, c.Write(context.Background(), websocket.MessageText, q))
					m, err = ws.Read(10 * time.Second)
					require.NoError(t, err)
					require.Equal(t, ws.DataType(), m.Type, "%s", m.Payload)
					require.Contains(t, string(m.Payload), id, "subscribed as the owner")
					return
				}
				r := readRefusal(t, c)
				require.Equal(t, websocket.StatusCode(4401), r.status)
				require.True(t, strings.HasPrefix(r.reason, "Unauthorized: "+tt.refused), "close reason %q", r.reason)
				requireSafeMessage(t, r.reason)
				if protocol == "graphql-ws" {
					require.Len(t, r.msgs, 1)
					require.Equal(t, "connection_error", r.msgs[0].Type)
					raw, _ := json.Marshal(map[string]any{"errors": []json.RawMessage{r.msgs[0].Payload}})
					requireGraphQLError(t, string(raw), "UNAUTHENTICATED", tt.refused)
					requireSafeMessage(t, string(raw))
				} else {
					require.Empty(t, r.msgs, "graphql-transport-ws says it with the close frame")
				}
				reasons[tt.refused] = r.reason
			})
		}
		t.Run(protocol+"/RefusalsToldApart", func(t *testing.T) {
			require.Len(t, reasons, 2)
			require.NotEqual(t, reasons[noToken], reasons[badToken])
		})
		// A bad token in the upgrade request's header is refused before
		// the upgrade, as an HTTP request would be.
		t.Run(protocol+"/BadUpgradeHeader", func(t *testing.T) {
			for _, tok := range []string{"not.a.jwt", forged(owner), expired} {
				_, resp, err := dialWS(t, s, protocol, http.Header{"Authorization": {"Bearer " + tok}})
				require.Error(t, err)
				require.NotNil(t, resp)
				require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
				body, _ := io.ReadAll(resp.Body)
				requireGraphQLError(t, string(body), "UNAUTHENTICATED", badToken)
				requireSafeMessage(t, string(body))
			}
		})
	}
}

// TestHTTPCredentials: over POST and GET, no token and a bad token are
// refused alike (401, UNAUTHENTICATED, told apart by the message); a bad
// token whatever the operation, no token only for an operation that is
// not public; a subscription or mutation over GET is BAD_USER_INPUT (406)
// with or without a token, as no token would make it acceptable.
func TestHTTPCredentials(t *testing.T) {
	t.Parallel()
	s, id := startAuthServer(t, servertest.SQLiteConfig(t))
	owner := s.Token(t, auth.TokenParams{Email: "owner@one.example", Org: "one"})
	vars, _ := json.Marshal(map[string]any{"id": id})
	const (
		public       = `{ health { status } }`
		private      = simulationQuery
		subscription = `subscription($id: ID!) { simulationProgress(id: $id) { status } }`
	)
	request := func(method, query string) *http.Request {
		if method == http.MethodGet {
			req, _ := http.NewRequest(method, s.URL+"/graphql?"+url.Values{"query": {query}, "variables": {string(vars)}}.Encode(), nil)
			return req
		}
		body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"id": id}})
		req, _ := http.NewRequest(method, s.URL+"/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		return req
	}
	tests := []struct {
		name, method, query, token string
		status                     int
		code, message              string // "" when answered
	}{
		{"POST/Public/NoToken", http.MethodPost, public, "", http.StatusOK, "", ""},
		{"POST/Public/BadToken", http.MethodPost, public, "not.a.jwt", http.StatusUnauthorized, "UNAUTHENTICATED", "invalid or expired token"},
		{"POST/Public/Forged", http.MethodPost, public, forged(owner), http.StatusUnauthorized, "UNAUTHENTICATED", "invalid or expired token"},
		{"POST/Private/NoToken", http.MethodPost, private, "", http.StatusUnauthorized, "UNAUTHENTICATED", "sign in: send a bearer token"},
		{"POST/Private/BadToken", http.MethodPost, private, "not.a.jwt", http.StatusUnauthorized, "UNAUTHENTICATED", "invalid or expired token"},
		{"POST/Private/ValidToken", http.MethodPost, private, owner, http.StatusOK, "", ""},
		{"GET/Public/NoToken", http.MethodGet, public, "", http.StatusOK, "", ""},
		{"GET/Public/BadToken", http.MethodGet, public, "not.a.jwt", http.StatusUnauthorized, "UNAUTHENTICATED", "invalid or expired token"},
		{"GET/Private/NoToken", http.MethodGet, private, "", http.StatusUnauthorized, "UNAUTHENTICATED", "sign in: send a bearer token"},
		{"GET/Private/BadToken", http.MethodGet, private, "not.a.jwt", http.StatusUnauthorized, "UNAUTHENTICATED", "invalid or expired token"},
		{"GET/Subscription/ValidToken", http.MethodGet, subscription, owner, http.StatusNotAcceptable, "BAD_USER_INPUT", "GET requests only allow query"},
		{"GET/Subscription/NoToken", http.MethodGet, subscription, "", http.StatusNotAcceptable, "BAD_USER_INPUT", "GET requests only allow query"},
		{"GET/Subscription/BadToken", http.MethodGet, subscription, "not.a.jwt", http.StatusUnauthorized, "UNAUTHENTICATED", "invalid or expired token"},
		{"GET/Mutation/NoToken", http.MethodGet, `mutation { migrate(dryRun: true) { dryRun } }`, "", http.StatusNotAcceptable, "BAD_USER_INPUT", "GET requests only allow query"},
		{"POST/Mutation/NoToken", http.MethodPost, `mutation { migrate(dryRun: true) { dryRun } }`, "", http.StatusUnauthorized, "UNAUTHENTICATED", "sign in: send a bearer token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := doRaw(t, request(tt.method, tt.query), tt.token)
			require.Equal(t, tt.status, resp.status, resp.body)
			require.Contains(t, resp.contentType, "application/json")
			requireSafeMessage(t, resp.body)
			if tt.code == "" {
				require.NotContains(t, resp.body, `"errors"`)
				return
			}
			requireGraphQLError(t, resp.body, tt.code, tt.message)
		})
	}
}
