package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

const simulationQuery = `query($id: ID!) { simulation(id: $id) { id status } }`

// credential is one way a client can present itself.
type credential struct {
	name  string
	token string
	// code is the refusal's extensions.code ("" when the request runs),
	// and message its text; found says whether the simulation is visible.
	code, message string
	found         bool
}

// credentials are the cases every transport is tested with: the
// simulation belongs to the "owner" organization.
func credentials(t *testing.T, s *servertest.Server) []credential {
	owner := s.Token(t, auth.TokenParams{Email: "owner@one.example", Org: "one"})
	stranger := s.Token(t, auth.TokenParams{Email: "stranger@two.example", Org: "two"})
	expired := s.Token(t, auth.TokenParams{Email: "owner@one.example", Org: "one", TTL: -time.Hour})
	return []credential{
		{name: "NoToken", code: "UNAUTHENTICATED", message: "sign in: send a bearer token"},
		{name: "BadToken", token: "not.a.jwt", code: "UNAUTHENTICATED", message: "invalid or expired token"},
		{name: "ExpiredToken", token: expired, code: "UNAUTHENTICATED", message: "invalid or expired token"},
		{name: "ValidToken", token: owner, found: true},
		// Another tenant's simulation is NOT_FOUND, like a missing one: a
		// client cannot tell the two apart.
		{name: "OtherTenant", token: stranger, code: "NOT_FOUND"},
	}
}

// jwtLibraryText are fragments of golang-jwt's messages, which must never
// reach a client.
var jwtLibraryText = []string{"token is malformed", "token has invalid", "signature", "exp claim", "token is expired"}

func requireSafeMessage(t *testing.T, raw string) {
	t.Helper()
	for _, s := range jwtLibraryText {
		require.NotContains(t, raw, s)
	}
}

// startAuthServer starts a server holding one QUEUED simulation of the
// "one" organization (no workers: it stays queued).
func startAuthServer(t *testing.T, cfg *config.Config) (*servertest.Server, string) {
	cfg.Workers = 0
	s := servertest.Start(t, cfg)
	owner := s.Token(t, auth.TokenParams{Email: "owner@one.example", Org: "one"})
	wb := s.UploadID(t, owner, "project-dcf.xlsx", dcfWorkbook(t))
	return s, createSimulation(t, s, owner, dcfSimulation(wb, 1000))
}

// rawResponse is a GraphQL response with its status and content type.
type rawResponse struct {
	status      int
	contentType string
	body        string
}

func doRaw(t *testing.T, req *http.Request, token string) rawResponse {
	t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawResponse{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: string(b)}
}

// requireGraphQLError checks a JSON error body: one error with code, and
// message as a prefix.
func requireGraphQLError(t *testing.T, body, code, message string) {
	t.Helper()
	var out servertest.Response
	require.NoError(t, json.Unmarshal([]byte(body), &out), body)
	require.NotEmpty(t, out.Errors, body)
	require.Equal(t, code, out.Code(), body)
	require.True(t, strings.HasPrefix(out.Errors[0].Message, message), "message %q, want %q", out.Errors[0].Message, message)
}

func TestAuthenticationOverHTTP(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		s, id := startAuthServer(t, cfg(t))
		vars, _ := json.Marshal(map[string]any{"id": id})
		transports := []struct {
			name    string
			request func() *http.Request
		}{
			{"POST", func() *http.Request {
				body, _ := json.Marshal(map[string]any{"query": simulationQuery, "variables": map[string]any{"id": id}})
				req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				return req
			}},
			{"GET", func() *http.Request {
				q := url.Values{"query": {simulationQuery}, "variables": {string(vars)}}
				req, _ := http.NewRequest(http.MethodGet, s.URL+"/graphql?"+q.Encode(), nil)
				return req
			}},
		}
		for _, tr := range transports {
			for _, c := range credentials(t, s) {
				t.Run(tr.name+"/"+c.name, func(t *testing.T) {
					resp := doRaw(t, tr.request(), c.token)
					require.Contains(t, resp.contentType, "application/json")
					switch {
					case c.code == "UNAUTHENTICATED":
						require.Equal(t, http.StatusUnauthorized, resp.status, resp.body)
						requireGraphQLError(t, resp.body, c.code, c.message)
						requireSafeMessage(t, resp.body)
					case c.found:
						require.Equal(t, http.StatusOK, resp.status, resp.body)
						require.Contains(t, resp.body, id)
						require.NotContains(t, resp.body, `"errors"`)
					default:
						// An execution error: the request itself was fine.
						require.Equal(t, http.StatusOK, resp.status, resp.body)
						requireGraphQLError(t, resp.body, c.code, "")
					}
				})
			}
		}
	})
}

// readSSE returns the data lines of an event stream.
func readSSE(t *testing.T, body io.Reader) []string {
	t.Helper()
	var data []string
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if sc.Text() == "event: complete" {
			break
		}
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok && d != "" {
			data = append(data, d)
			if strings.Contains(d, `"QUEUED"`) {
				break // queued for good: no workers
			}
		}
	}
	return data
}

func TestAuthenticationOverSSE(t *testing.T) {
	t.Parallel()
	s, id := startAuthServer(t, servertest.SQLiteConfig(t))
	for _, c := range credentials(t, s) {
		t.Run(c.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"query": progressSubscription, "variables": map[string]any{"id": id}})
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "text/event-stream")
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			if c.code == "UNAUTHENTICATED" {
				// A refusal is a JSON error body, not an event stream.
				require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
				require.Contains(t, resp.Header.Get("Content-Type"), "application/json")
				b, _ := io.ReadAll(resp.Body)
				requireGraphQLError(t, string(b), c.code, c.message)
				requireSafeMessage(t, string(b))
				return
			}
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Contains(t, resp.Header.Get("Content-Type"), "text/event-stream")
			data := readSSE(t, resp.Body)
			require.NotEmpty(t, data)
			if c.found {
				require.Contains(t, data[0], id)
				return
			}
			requireGraphQLError(t, data[0], c.code, "")
			require.NotContains(t, data[0], `"simulationId"`)
		})
	}
}

// closeStatus reads until the server closes the socket and returns the
// close status, with the messages read before it.
func closeStatus(t *testing.T, c *websocket.Conn) (websocket.StatusCode, []map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var msgs []map[string]any
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return websocket.CloseStatus(err), msgs
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		msgs = append(msgs, m)
	}
}

func TestAuthenticationOverWebsockets(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		s, id := startAuthServer(t, cfg(t))
		for _, protocol := range []string{"graphql-transport-ws", "graphql-ws"} {
			for _, c := range credentials(t, s) {
				t.Run(protocol+"/"+c.name, func(t *testing.T) {
					ws := s.DialWS(t, protocol)
					payload := map[string]any{}
					if c.token != "" {
						payload["Authorization"] = "Bearer " + c.token
					}
					ws.Send(map[string]any{"type": "connection_init", "payload": payload})
					if c.code == "UNAUTHENTICATED" {
						status, msgs := closeStatus(t, ws.Conn)
						require.Equal(t, websocket.StatusCode(4401), status)
						if protocol == "graphql-ws" {
							// The legacy protocol says why in a message first.
							require.NotEmpty(t, msgs)
							require.Equal(t, "connection_error", msgs[0]["type"])
							raw, _ := json.Marshal(map[string]any{"errors": []any{msgs[0]["payload"]}})
							requireGraphQLError(t, string(raw), c.code, c.message)
							requireSafeMessage(t, string(raw))
						}
						return
					}
					m, err := ws.Read(10 * time.Second)
					require.NoError(t, err)
					require.Equal(t, "connection_ack", m.Type)
					ws.Subscribe("1", progressSubscription, map[string]any{"id": id})
					m, err = ws.Read(10 * time.Second)
					require.NoError(t, err)
					if c.found {
						require.Equal(t, ws.DataType(), m.Type, "%s", m.Payload)
						require.Contains(t, string(m.Payload), id)
						return
					}
					require.Contains(t, []string{"error", ws.DataType()}, m.Type)
					require.Contains(t, string(m.Payload), `"code":"`+c.code+`"`)
					require.NotContains(t, string(m.Payload), `"simulationId"`)
				})
			}
		}
	})
}

// TestRefusalsCarryCodes covers what is not about tokens: public fields,
// FORBIDDEN for a valid token without the role, and the transport's own
// refusals.
func TestRefusalsCarryCodes(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.SQLiteConfig(t))
	member := s.Token(t, auth.TokenParams{Email: "member@one.example", Org: "one"})
	post := func(contentType, accept, body string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		return req
	}
	// As Apollo Client asks: an error body in the media type it prefers,
	// which it reads as a GraphQL response whatever the status.
	apollo := func(body string) *http.Request {
		return post("application/json", "application/graphql-response+json,application/json;q=0.9", body)
	}
	get := func(query string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/graphql?"+url.Values{"query": {query}}.Encode(), nil)
		req.Header.Set("Accept", "text/event-stream")
		return req
	}
	tests := []struct {
		name    string
		req     *http.Request
		token   string
		status  int
		code    string // "" for no error
		message string
	}{
		{"PublicHealth", post("application/json", "", `{"query":"{ health { status } }"}`), "", http.StatusOK, "", ""},
		{"PublicIntrospection", post("application/json", "", `{"query":"{ __typename __schema { queryType { name } } }"}`), "", http.StatusOK, "", ""},
		{"PublicAndPrivate", post("application/json", "", `{"query":"{ health { status } me { email } }"}`), "", http.StatusUnauthorized, "UNAUTHENTICATED", "sign in"},
		{"PrivateThroughFragment", post("application/json", "", `{"query":"{ ...F } fragment F on Query { me { email } }"}`), "", http.StatusUnauthorized, "UNAUTHENTICATED", "sign in"},
		{"AnonymousMutation", post("application/json", "", `{"query":"mutation { migrate(dryRun: true) { dryRun } }"}`), "", http.StatusUnauthorized, "UNAUTHENTICATED", "sign in"},
		{"ForbiddenRole", post("application/json", "", `{"query":"mutation { migrate(dryRun: true) { dryRun } }"}`), member, http.StatusOK, "FORBIDDEN", "only a system administrator"},
		{"SubscriptionOverGET", get(`subscription { simulationProgress(id: "x") { status } }`), member, http.StatusNotAcceptable, "BAD_USER_INPUT", "GET requests only allow query"},
		{"MalformedJSON", post("application/json", "text/event-stream", `{"query":`), member, http.StatusBadRequest, "BAD_USER_INPUT", ""},
		{"UnsupportedContentType", post("text/plain", "", `{ me { email } }`), member, http.StatusBadRequest, "BAD_USER_INPUT", ""},
		{"ApolloNoToken", apollo(`{"query":"{ me { email } }"}`), "", http.StatusUnauthorized, "UNAUTHENTICATED", "sign in"},
		{"ApolloBadToken", apollo(`{"query":"{ me { email } }"}`), "forged", http.StatusUnauthorized, "UNAUTHENTICATED", "invalid or expired token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := doRaw(t, tt.req, tt.token)
			require.Equal(t, tt.status, resp.status, resp.body)
			wantType := "application/json"
			if strings.HasPrefix(tt.req.Header.Get("Accept"), "application/graphql-response+json") {
				wantType = "application/graphql-response+json"
			}
			require.Equal(t, wantType, strings.Split(resp.contentType, ";")[0])
			if tt.code == "" {
				require.NotContains(t, resp.body, `"errors"`)
				return
			}
			requireGraphQLError(t, resp.body, tt.code, tt.message)
		})
	}
}

// TestWebsocketClosesWhenTokenExpires: an open socket does not outlive its
// token, and says why with the same close code as a refused one.
func TestWebsocketClosesWhenTokenExpires(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.SQLiteConfig(t))
	for _, protocol := range []string{"graphql-transport-ws", "graphql-ws"} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			tok := s.Token(t, auth.TokenParams{Email: "brief@one.example", Org: "one", TTL: 2 * time.Second})
			ws := s.DialWS(t, protocol)
			ws.Init(map[string]any{"authToken": tok})
			status, _ := closeStatus(t, ws.Conn)
			require.Equal(t, websocket.StatusCode(4401), status)
		})
	}
}

// TestWebsocketErrorsCarryCodes: errors the websocket transport writes
// itself, about a malformed message, carry a code too.
func TestWebsocketErrorsCarryCodes(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.SQLiteConfig(t))
	tok := s.Token(t, auth.TokenParams{Email: "ws@one.example", Org: "one"})
	for _, protocol := range []string{"graphql-transport-ws", "graphql-ws"} {
		t.Run(protocol, func(t *testing.T) {
			ws := s.DialWS(t, protocol)
			ws.Init(map[string]any{"authToken": tok})
			start := "subscribe"
			if protocol == "graphql-ws" {
				start = "start"
			}
			ws.Send(map[string]any{"id": "1", "type": start, "payload": "not an operation"})
			m, err := ws.Read(10 * time.Second)
			require.NoError(t, err)
			require.Equal(t, "error", m.Type, "%s", m.Payload)
			require.Contains(t, string(m.Payload), `"code":"BAD_USER_INPUT"`)
		})
	}
}
