package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
	"github.com/simgraph/simgraph/server/servertest/rediscluster"
)

const tenantQuery = `{ tenantInfo { tenantId tier databaseTier dedicated pool { size overflow max } organization { name } } me { email roles } }`

type tenantInfo struct {
	TenantInfo struct {
		TenantID     string `json:"tenantId"`
		Tier         string `json:"tier"`
		DatabaseTier string `json:"databaseTier"`
		Dedicated    bool   `json:"dedicated"`
		Pool         struct{ Size, Overflow, Max int }
		Organization struct{ Name string }
	} `json:"tenantInfo"`
	Me struct {
		Email string   `json:"email"`
		Roles []string `json:"roles"`
	} `json:"me"`
}

// forEachBackend runs the same test against SQLite and PostgreSQL.
func forEachBackend(t *testing.T, f func(t *testing.T, cfg func(testing.TB) *config.Config)) {
	for _, b := range servertest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f(t, b.Config)
		})
	}
}

// TestMain stops the servers the package's suites start once, on first use:
// the PgBouncer of the PgBouncer backend and the shared Redis Cluster.
func TestMain(m *testing.M) {
	code := m.Run()
	servertest.StopPgBouncer()
	rediscluster.StopShared()
	os.Exit(code)
}

// forEachBackendAndPgBouncer is forEachBackend plus server mode with every
// PostgreSQL connection through PgBouncer in transaction pooling mode, for
// the tests that show the whole server (its advisory locks included) works
// behind a transaction pooler.
func forEachBackendAndPgBouncer(t *testing.T, f func(t *testing.T, cfg func(testing.TB) *config.Config)) {
	for _, b := range append(servertest.Backends(), servertest.PgBouncerBackend) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f(t, b.Config)
		})
	}
}

// forEachBackendAndCluster is forEachBackend plus server mode on the
// package's Redis Cluster.
func forEachBackendAndCluster(t *testing.T, f func(t *testing.T, cfg func(testing.TB) *config.Config)) {
	backends := append(servertest.Backends(), servertest.Backend{Name: "RedisCluster", Config: servertest.ClusterConfig})
	for _, b := range backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f(t, b.Config)
		})
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		s := servertest.Start(t, cfg(t))
		good := s.Token(t, auth.TokenParams{Email: "ada@acme.example", Org: "acme"})
		expired := s.Token(t, auth.TokenParams{Email: "ada@acme.example", Org: "acme", TTL: -time.Hour})
		otherSecret, err := auth.Mint([]byte("another-secret-another-secret-0123"), s.Config.JWTIssuer, s.Config.JWTAudience, auth.ClaimNames{Email: "email", Org: "org", Roles: "roles"}, auth.TokenParams{Email: "x@y", TTL: time.Hour})
		require.NoError(t, err)
		tests := []struct {
			name   string
			token  string
			status int
			code   string
		}{
			{"NoToken", "", http.StatusUnauthorized, "UNAUTHENTICATED"},
			{"Garbage", "garbage", http.StatusUnauthorized, "UNAUTHENTICATED"},
			{"Expired", expired, http.StatusUnauthorized, "UNAUTHENTICATED"},
			{"ForeignSecret", otherSecret, http.StatusUnauthorized, "UNAUTHENTICATED"},
			{"Valid", good, http.StatusOK, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp := s.Query(t, tt.token, `{ me { email } }`, nil)
				require.Equal(t, tt.status, resp.Status)
				require.Equal(t, tt.code, resp.Code())
			})
		}
		// health is public.
		resp := s.Query(t, "", `{ health { status version mode checks { name status } } }`, nil)
		var h struct {
			Health struct {
				Status string
				Mode   string
				Checks []struct{ Name, Status string }
			}
		}
		resp.Decode(t, &h)
		require.Equal(t, "OK", h.Health.Status)
		require.GreaterOrEqual(t, len(h.Health.Checks), 6, "one check per service database")
	})
}

func TestTenantInfoPerTier(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		s := servertest.Start(t, cfg(t))
		admin := s.Token(t, auth.TokenParams{Email: "root@platform.example", Org: "platform", Roles: []string{"SYSTEM_ADMIN"}})
		tests := []struct {
			tier, dbTier        string
			dedicated           bool
			size, overflow, max int
		}{
			{"TRIAL", "SHARED", false, 20, 30, 50},
			{"STANDARD", "SHARED", false, 20, 30, 50},
			{"PROFESSIONAL", "DEDICATED", true, 10, 20, 30},
			{"ENTERPRISE", "ENTERPRISE", true, 50, 100, 150},
		}
		for _, tt := range tests {
			t.Run(tt.tier, func(t *testing.T) {
				org := "org-" + strings.ToLower(tt.tier)
				tok := s.Token(t, auth.TokenParams{Email: "admin@" + org, Org: org, OrgName: "Org " + tt.tier})
				var before tenantInfo
				s.Query(t, tok, tenantQuery, nil).Decode(t, &before)
				require.Equal(t, "STANDARD", before.TenantInfo.Tier, "new organizations get the default tier")
				require.Len(t, before.TenantInfo.TenantID, 16)

				var me struct {
					Me struct{ Organization struct{ ID string } }
				}
				s.Query(t, tok, `{ me { organization { id } } }`, nil).Decode(t, &me)
				var moved struct {
					SetOrganizationTier struct{ Tier, DatabaseTier string }
				}
				s.Query(t, admin, `mutation($org: ID!, $tier: Tier!) { setOrganizationTier(organizationId: $org, tier: $tier) { tier databaseTier } }`,
					map[string]any{"org": me.Me.Organization.ID, "tier": tt.tier}).Decode(t, &moved)
				require.Equal(t, tt.tier, moved.SetOrganizationTier.Tier)

				var got tenantInfo
				s.Query(t, tok, tenantQuery, nil).Decode(t, &got)
				require.Equal(t, before.TenantInfo.TenantID, got.TenantInfo.TenantID)
				require.Equal(t, tt.tier, got.TenantInfo.Tier)
				require.Equal(t, tt.dbTier, got.TenantInfo.DatabaseTier)
				require.Equal(t, tt.dedicated, got.TenantInfo.Dedicated)
				require.Equal(t, tt.size, got.TenantInfo.Pool.Size)
				require.Equal(t, tt.overflow, got.TenantInfo.Pool.Overflow)
				require.Equal(t, tt.max, got.TenantInfo.Pool.Max)
				require.Equal(t, "Org "+tt.tier, got.TenantInfo.Organization.Name)
			})
		}
		// Only a system administrator moves tenants.
		member := s.Token(t, auth.TokenParams{Email: "m@org-trial", Org: "org-trial"})
		resp := s.Query(t, member, `mutation { setOrganizationTier(organizationId: "00000000-0000-0000-0000-000000000000", tier: PROFESSIONAL) { tier } }`, nil)
		require.Equal(t, "FORBIDDEN", resp.Code())
	})
}

func TestConcurrentProvisioning(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		s := servertest.Start(t, cfg(t))
		tok := s.Token(t, auth.TokenParams{Email: "first@initech.example", Org: "initech"})
		var wg sync.WaitGroup
		tenants := make([]string, 10)
		for i := range tenants {
			wg.Go(func() {
				resp := s.Query(t, tok, tenantQuery, nil)
				var ti tenantInfo
				if len(resp.Errors) == 0 && json.Unmarshal(resp.Data, &ti) == nil {
					tenants[i] = ti.TenantInfo.TenantID
				}
			})
		}
		wg.Wait()
		for _, id := range tenants {
			require.Equal(t, tenants[0], id)
			require.Len(t, id, 16)
		}
		users := s.App.Store.Service("user").Client
		ctx := context.Background()
		require.Equal(t, 1, users.Organization.Query().CountX(ctx), "one organization")
		require.Equal(t, 1, users.User.Query().CountX(ctx), "one user")
	})
}

func TestPersonalOrganizations(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.SQLiteConfig(t))
	ids := map[string]bool{}
	for _, email := range []string{"alice@gmail.com", "bob@gmail.com"} {
		var ti tenantInfo
		s.Query(t, s.Token(t, auth.TokenParams{Email: email}), tenantQuery, nil).Decode(t, &ti)
		ids[ti.TenantInfo.TenantID] = true
		require.Contains(t, ti.Me.Roles, "ORG_ADMIN", "the owner administers a personal organization")
	}
	require.Len(t, ids, 2, "people sharing an email domain do not share a tenant")
}

func TestRequestLimits(t *testing.T) {
	t.Parallel()
	c := servertest.SQLiteConfig(t)
	c.MaxQueryDepth = 2
	c.MaxComplexity = 5
	c.MaxBodyBytes = 2048
	c.Introspection = false
	s := servertest.Start(t, c)
	tok := s.Token(t, auth.TokenParams{Email: "limits@example.com"})
	tests := []struct {
		name, query, code, reason string
	}{
		{"ParseError", `{ me { email `, "BAD_USER_INPUT", "GRAPHQL_PARSE_FAILED"},
		{"UnknownField", `{ nope }`, "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"},
		{"TooDeepThroughFragment", `fragment F on Organization { name } { me { organization { ...F } } }`, "BAD_USER_INPUT", "DEPTH_LIMIT_EXCEEDED"},
		{"IntrospectionOff", `{ __schema { types { name } } }`, "FORBIDDEN", ""},
		{"IntrospectionOffInFragment", `fragment F on Query { __type(name: "User") { name } } { ...F }`, "FORBIDDEN", ""},
		{"TooComplex", `{ a: me { email } b: me { email } c: me { email } d: me { email } }`, "BAD_USER_INPUT", "COMPLEXITY_LIMIT_EXCEEDED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.Query(t, tok, tt.query, nil)
			require.Equal(t, tt.code, resp.Code(), "%+v", resp.Errors)
			if tt.reason != "" {
				require.Equal(t, tt.reason, resp.Errors[0].Extensions["reason"])
			}
		})
	}
	var ok struct{ Me struct{ Email string } }
	s.Query(t, tok, `{ me { email } }`, nil).Decode(t, &ok)
	require.Equal(t, "limits@example.com", ok.Me.Email, "within every limit")

	big := `{ me { email } }` + strings.Repeat(" ", 4096)
	resp := s.Query(t, tok, big, nil)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.Status)
	require.Equal(t, "BAD_USER_INPUT", resp.Code())
}

func TestHTTPEndpoints(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		s := servertest.Start(t, cfg(t))
		for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
			resp, err := http.Get(s.URL + path)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, body)
			if path == "/metrics" {
				require.Contains(t, string(body), "simgraph_http_requests_total")
			}
		}
		req, _ := http.NewRequest(http.MethodOptions, s.URL+"/graphql", nil)
		req.Header.Set("Origin", "http://app.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNoContent, resp.StatusCode)
		require.Equal(t, "http://app.example", resp.Header.Get("Access-Control-Allow-Origin"))
	})
}

func TestGETAndSSETransports(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.SQLiteConfig(t))
	tok := s.Token(t, auth.TokenParams{Email: "get@example.com"})
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/graphql?query="+strings.ReplaceAll("{ me { email } }", " ", "%20"), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	var me struct{ Me struct{ Email string } }
	servertest.Do(t, req).Decode(t, &me)
	require.Equal(t, "get@example.com", me.Me.Email)

	req, _ = http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(`{"query":"{ me { email } }"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Contains(t, resp.Header.Get("Content-Type"), "text/event-stream")
	sc := bufio.NewScanner(resp.Body)
	var sawData bool
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data:") && strings.Contains(sc.Text(), "get@example.com") {
			sawData = true
		}
	}
	require.True(t, sawData, "SSE delivers the result")
}

// wsDial opens a GraphQL websocket with the given subprotocol.
func wsDial(t *testing.T, s *servertest.Server, protocol string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{protocol}})
	require.NoError(t, err)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func wsSend(t *testing.T, c *websocket.Conn, msg map[string]any) {
	t.Helper()
	b, _ := json.Marshal(msg)
	require.NoError(t, c.Write(context.Background(), websocket.MessageText, b))
}

// wsNext reads messages until one of type want (skipping keep-alives).
func wsNext(t *testing.T, c *websocket.Conn, want string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		if m["type"] == want {
			return m
		}
		if m["type"] == "ka" || m["type"] == "ping" || m["type"] == "pong" {
			continue
		}
		t.Fatalf("want %s, got %s", want, b)
	}
}

func TestWebsocketProtocols(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.SQLiteConfig(t))
	tok := s.Token(t, auth.TokenParams{Email: "ws@example.com"})
	tests := []struct {
		protocol, start, data string
		payload               map[string]any
	}{
		{"graphql-transport-ws", "subscribe", "next", map[string]any{"Authorization": "Bearer " + tok}},
		{"graphql-transport-ws", "subscribe", "next", map[string]any{"authToken": tok}},
		{"graphql-ws", "start", "data", map[string]any{"authToken": tok}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v", tt.protocol, len(tt.payload)), func(t *testing.T) {
			c := wsDial(t, s, tt.protocol)
			wsSend(t, c, map[string]any{"type": "connection_init", "payload": tt.payload})
			wsNext(t, c, "connection_ack")
			wsSend(t, c, map[string]any{"id": "1", "type": tt.start, "payload": map[string]any{"query": "{ me { email } }"}})
			m := wsNext(t, c, tt.data)
			require.Contains(t, fmt.Sprint(m["payload"]), "ws@example.com")
		})
	}
}

func TestWebsocketRejectsBadToken(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.SQLiteConfig(t))
	for _, payload := range []map[string]any{{"authToken": "forged"}, {}} {
		c := wsDial(t, s, "graphql-transport-ws")
		wsSend(t, c, map[string]any{"type": "connection_init", "payload": payload})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var err error
		for err == nil {
			_, _, err = c.Read(ctx)
		}
		cancel()
		require.Equal(t, websocket.StatusCode(4401), websocket.CloseStatus(err), "%v", err)
	}
}

func TestGracefulShutdownClosesWebsockets(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		s := servertest.Start(t, cfg(t))
		tok := s.Token(t, auth.TokenParams{Email: "shutdown@example.com"})
		c := wsDial(t, s, "graphql-transport-ws")
		wsSend(t, c, map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": tok}})
		wsNext(t, c, "connection_ack")

		closed := make(chan error, 1)
		go func() {
			var err error
			for err == nil {
				_, _, err = c.Read(context.Background())
			}
			closed <- err
		}()
		start := time.Now()
		require.NoError(t, s.Stop(), "shutdown is graceful")
		require.Less(t, time.Since(start), s.Config.ShutdownGrace, "websockets do not hold shutdown up to the grace period")
		select {
		case err := <-closed:
			require.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err), "closed with a close frame: %v", err)
		case <-time.After(5 * time.Second):
			t.Fatal("websocket still open after shutdown")
		}
		_, err := http.Get(s.URL + "/healthz")
		require.Error(t, err, "no longer accepting")
	})
}
