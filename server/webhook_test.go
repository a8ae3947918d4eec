package server_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

// receiver is a webhook endpoint that fails the first attempts of every
// event and records what it was sent.
type receiver struct {
	secret   string
	failures int

	mu        sync.Mutex
	attempts  map[string]int // by event ID
	delivered map[string]int // accepted deliveries by event ID
	bodies    map[string][]string
	bad       []string // signature problems
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id := req.Header.Get("Simgraph-Event-Id")
	r.mu.Lock()
	defer r.mu.Unlock()
	if !validSignature(r.secret, req.Header.Get("Simgraph-Signature"), body) {
		r.bad = append(r.bad, req.Header.Get("Simgraph-Signature"))
	}
	r.attempts[id]++
	r.bodies[id] = append(r.bodies[id], string(body))
	if r.attempts[id] <= r.failures {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	r.delivered[id]++
	w.WriteHeader(http.StatusNoContent)
}

// validSignature checks t=...,v1=... as a receiver would.
func validSignature(secret, header string, body []byte) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := hex.EncodeToString(mac.Sum(nil))
	return ts != "" && hmac.Equal([]byte(sig), []byte(want))
}

// TestWebhookDelivery registers a webhook whose endpoint fails twice per
// event, completes a simulation and checks that the event arrives signed,
// is retried until accepted, is accepted once, carries the same body and
// event ID on every attempt, and that webhook.deliveries shows the
// attempts.
func TestWebhookDelivery(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers, c.Quotas = 1, false
		c.WebhookAllowPrivate = true // the endpoint is an httptest server on 127.0.0.1
		c.WebhookRetryBase = 10 * time.Millisecond
		s := servertest.Start(t, c)
		admin := s.Token(t, auth.TokenParams{Email: "admin@hooks.example", Org: "hooks", Roles: []string{"ORG_ADMIN"}})
		member := s.Token(t, auth.TokenParams{Email: "member@hooks.example", Org: "hooks", Roles: []string{"MEMBER"}})

		rcv := &receiver{failures: 2, attempts: map[string]int{}, delivered: map[string]int{}, bodies: map[string][]string{}}
		endpoint := httptest.NewServer(rcv)
		t.Cleanup(endpoint.Close)

		require.Equal(t, "FORBIDDEN", s.Query(t, member, `mutation($u: String!) { createWebhook(url: $u, events: [SIMULATION_COMPLETED]) { secret } }`,
			map[string]any{"u": endpoint.URL}).Code(), "members do not manage webhooks")
		require.Equal(t, "BAD_USER_INPUT", s.Query(t, admin, `mutation { createWebhook(url: "ftp://203.0.113.10/", events: [SIMULATION_COMPLETED]) { secret } }`, nil).Code())

		var created struct {
			CreateWebhook struct {
				Webhook struct {
					ID     string
					Events []string
				}
				Secret string
			}
		}
		s.Query(t, admin, `mutation($u: String!) { createWebhook(url: $u, events: [SIMULATION_COMPLETED]) { webhook { id events } secret } }`,
			map[string]any{"u": endpoint.URL + "/hook"}).Decode(t, &created)
		require.Equal(t, []string{"SIMULATION_COMPLETED"}, created.CreateWebhook.Webhook.Events)
		rcv.mu.Lock()
		rcv.secret = created.CreateWebhook.Secret
		rcv.mu.Unlock()

		wb := s.UploadID(t, member, "hooked.xlsx", labelledWorkbook(t))
		in := priceModel(200)
		in["workbookId"] = wb
		var sim struct{ CreateSimulation struct{ ID string } }
		s.Query(t, member, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": in}).Decode(t, &sim)

		type delivery struct {
			EventID, EventType, Status, LastError string
			Attempts                              int
			LastStatusCode                        *int
		}
		var got struct {
			Webhooks []struct{ Deliveries []delivery }
		}
		started := time.Now()
		require.Eventually(t, func() bool {
			resp := s.Query(t, admin, `{ webhooks { deliveries { eventId eventType status attempts lastStatusCode lastError } } }`, nil)
			if len(resp.Errors) > 0 || json.Unmarshal(resp.Data, &got) != nil {
				t.Logf("webhooks: %+v", resp.Errors)
				return false
			}
			done := len(got.Webhooks) == 1 && len(got.Webhooks[0].Deliveries) == 1 && got.Webhooks[0].Deliveries[0].Status == "DELIVERED"
			if !done && time.Since(started) > 50*time.Second {
				t.Logf("still: %+v", got)
			}
			return done
		}, 60*time.Second, 20*time.Millisecond, "never delivered (the webhooks and their deliveries are logged above)")
		d := got.Webhooks[0].Deliveries[0]
		require.Equal(t, "SIMULATION_COMPLETED", d.EventType)
		require.Equal(t, 3, d.Attempts, "two refusals, then accepted")
		require.Equal(t, 204, *d.LastStatusCode)
		require.Empty(t, d.LastError)

		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		require.Empty(t, rcv.bad, "every attempt is signed with the webhook's secret")
		require.Equal(t, map[string]int{d.EventID: 3}, rcv.attempts, "one event, three attempts, no other event")
		require.Equal(t, map[string]int{d.EventID: 1}, rcv.delivered, "accepted once")
		bodies := rcv.bodies[d.EventID]
		require.Equal(t, bodies[0], bodies[1])
		require.Equal(t, bodies[0], bodies[2], "every attempt sends the same body")
		var body struct {
			ID, Type string
			Data     struct {
				SimulationID string
				Iterations   int
			}
		}
		require.NoError(t, json.Unmarshal([]byte(bodies[0]), &body))
		require.Equal(t, d.EventID, body.ID)
		require.Equal(t, "simulation.completed", body.Type)
		require.Equal(t, sim.CreateSimulation.ID, body.Data.SimulationID)
		require.Equal(t, 200, body.Data.Iterations)
	})
}
