package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/servertest"
)

// streamEnd is how and when a websocket or SSE stream ended.
type streamEnd struct {
	name   string
	status websocket.StatusCode // -1 for an SSE stream
	msgs   []map[string]any
	at     time.Time
}

// TestRevokedAPIKeyEndsItsStreams opens, with one API key, a
// graphql-transport-ws socket, a legacy graphql-ws socket and an SSE
// stream on each of two replicas sharing PostgreSQL and Redis, each
// following a simulation's progress, and revokes the key on the first:
// its streams end at once there (4401; connection_error then 4401 on the
// legacy protocol; the SSE response ends) and within a few seconds on the
// other replica, told through Redis. Another key's socket stays open.
func TestRevokedAPIKeyEndsItsStreams(t *testing.T) {
	t.Parallel()
	cfg := servertest.PostgresConfig(t)
	cfg.Workers, cfg.Quotas = 0, false
	first := servertest.Start(t, cfg)
	other := *cfg
	second := servertest.Start(t, &other)

	admin := first.Token(t, auth.TokenParams{Email: "admin@revoke.example", Org: "revoke", Roles: []string{"ORG_ADMIN"}})
	key, secret := createAPIKey(t, first, admin, "dashboard", "WRITE")
	_, keptSecret := createAPIKey(t, first, admin, "kept", "READ")
	wb := first.UploadID(t, secret, "project-dcf.xlsx", dcfWorkbook(t))
	simID := createSimulation(t, first, secret, dcfSimulation(wb, 1000))
	vars := map[string]any{"id": simID}

	ends := make(chan streamEnd, 8)
	openWS := func(s *servertest.Server, name, protocol, token string) *servertest.WS {
		ws := s.DialWS(t, protocol)
		ws.Init(map[string]any{"Authorization": "Bearer " + token})
		ws.Subscribe("1", progressSubscription, vars)
		m, err := ws.Read(10 * time.Second)
		require.NoError(t, err)
		require.Equal(t, ws.DataType(), m.Type, "%s: %s", name, m.Payload)
		return ws
	}
	watchWS := func(name string, ws *servertest.WS) {
		go func() {
			status, msgs := readToClose(ws.Conn)
			ends <- streamEnd{name: name, status: status, msgs: msgs, at: time.Now()}
		}()
	}
	openSSE := func(s *servertest.Server, name string) {
		body, _ := json.Marshal(map[string]any{"query": progressSubscription, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		require.Equal(t, http.StatusOK, resp.StatusCode)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() && !strings.HasPrefix(sc.Text(), "data: {") {
		}
		go func() {
			for sc.Scan() {
			}
			ends <- streamEnd{name: name, status: -1, at: time.Now()}
		}()
	}
	for _, s := range []struct {
		name string
		srv  *servertest.Server
	}{{"first", first}, {"second", second}} {
		watchWS(s.name+"/graphql-transport-ws", openWS(s.srv, s.name, "graphql-transport-ws", secret))
		watchWS(s.name+"/graphql-ws", openWS(s.srv, s.name, "graphql-ws", secret))
		openSSE(s.srv, s.name+"/sse")
	}
	kept := openWS(second, "kept", "graphql-transport-ws", keptSecret)
	keyID := uuid.MustParse(key.ID)
	require.Eventually(t, func() bool {
		return first.App.APIKeys.OpenStreams(keyID) >= 3 && second.App.APIKeys.OpenStreams(keyID) >= 3
	}, 10*time.Second, 20*time.Millisecond, "every stream is bound to the key")

	revokedAt := time.Now()
	first.Query(t, admin, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, map[string]any{"id": key.ID})
	answered := time.Since(revokedAt)
	got := map[string]streamEnd{}
	timeout := time.After(15 * time.Second)
	for len(got) < 6 {
		select {
		case e := <-ends:
			got[e.name] = e
		case <-timeout:
			t.Fatalf("streams ended within 15s: %v", got)
		}
	}
	for name, e := range got {
		took := e.at.Sub(revokedAt)
		if strings.HasPrefix(name, "first/") {
			require.Less(t, took, answered+time.Second, "%s ends at once on the revoking replica", name)
		} else {
			require.Less(t, took, 5*time.Second, "%s ends within seconds on another replica", name)
		}
		switch {
		case e.status == -1:
		case strings.HasSuffix(name, "/graphql-ws"):
			require.Equal(t, websocket.StatusCode(4401), e.status, name)
			var types []string
			for _, m := range e.msgs {
				types = append(types, m["type"].(string))
			}
			require.Contains(t, types, "connection_error", name)
		default:
			require.Equal(t, websocket.StatusCode(4401), e.status, name)
		}
	}
	require.Eventually(t, func() bool {
		return first.App.APIKeys.OpenStreams(keyID) == 0 && second.App.APIKeys.OpenStreams(keyID) == 0
	}, 5*time.Second, 20*time.Millisecond, "nothing stays bound to a revoked key")

	// The other key's socket still answers.
	kept.Send(map[string]any{"type": "ping"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, b, err := kept.Conn.Read(ctx)
		require.NoError(t, err, "the other key's socket stays open")
		if bytes.Contains(b, []byte(`"pong"`)) {
			break
		}
	}
}

// readToClose reads until the server closes c (or 20 s pass) and returns
// the close status and the messages before it.
func readToClose(c *websocket.Conn) (websocket.StatusCode, []map[string]any) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var msgs []map[string]any
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return websocket.CloseStatus(err), msgs
		}
		var m map[string]any
		if json.Unmarshal(b, &m) == nil {
			msgs = append(msgs, m)
		}
	}
}
