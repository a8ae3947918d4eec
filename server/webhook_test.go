package server_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/ent/outboxevent"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
	"github.com/simgraph/simgraph/server/webhook"
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

// TestWebhookOncePerCompletionUnderKilledRelay completes simulations while
// the event relay is down, then has it die between publishing the events
// and stamping them published (so that it publishes them all again when it
// comes back), with the webhook consumer killed and restarted meanwhile:
// the endpoint is sent each completion once, signed, with one event per
// simulation.
func TestWebhookOncePerCompletionUnderKilledRelay(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers, c.Quotas = 1, false
		c.WebhookAllowPrivate = true
		c.WebhookRetryBase = 10 * time.Millisecond
		s := servertest.Start(t, c)
		p := s.App.Operations
		admin := s.Token(t, auth.TokenParams{Email: "admin@relayhooks.example", Org: "relayhooks", Roles: []string{"ORG_ADMIN"}})
		rcv := &receiver{attempts: map[string]int{}, delivered: map[string]int{}, bodies: map[string][]string{}}
		endpoint := httptest.NewServer(rcv)
		t.Cleanup(endpoint.Close)
		var created struct{ CreateWebhook struct{ Secret string } }
		s.Query(t, admin, `mutation($u: String!) { createWebhook(url: $u, events: [SIMULATION_COMPLETED]) { secret } }`,
			map[string]any{"u": endpoint.URL}).Decode(t, &created)
		rcv.mu.Lock()
		rcv.secret = created.CreateWebhook.Secret
		rcv.mu.Unlock()
		wb := s.UploadID(t, admin, "relay.xlsx", labelledWorkbook(t))
		run := func() string {
			in := priceModel(100)
			in["workbookId"] = wb
			var sim struct{ CreateSimulation struct{ ID string } }
			s.Query(t, admin, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": in}).Decode(t, &sim)
			return sim.CreateSimulation.ID
		}
		ctx := context.Background()

		p.Relay.Stop()
		var ids []string
		for range 3 {
			ids = append(ids, run())
		}
		waitCompleted(t, s, admin, ids)
		// The relay publishes everything, then "dies" before its stamps
		// count: every event is unpublished again, and the webhook
		// consumer dies too.
		require.NoError(t, p.Relay.Poll(ctx))
		p.Consumers.Stop(webhook.ConsumerName)
		for _, src := range p.Relay.Sources() {
			require.NoError(t, src.Client.OutboxEvent.Update().Where(outboxevent.PublishedAtNotNil()).ClearPublishedAt().Exec(ctx))
		}
		p.Consumers.Start(ctx, webhook.ConsumerName)
		p.Relay.Start(ctx)

		// A last completion, after every republished one in the stream:
		// once it is delivered, the duplicates have been handled.
		last := run()
		ids = append(ids, last)
		delivered := func(simID string) bool {
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			for _, bodies := range rcv.bodies {
				if strings.Contains(bodies[0], simID) {
					return true
				}
			}
			return false
		}
		require.Eventually(t, func() bool { return delivered(last) }, 60*time.Second, 20*time.Millisecond)
		// Deliveries are sent oldest first: a duplicate queued before the
		// last one would have been sent before it.
		deliveryStatuses := func() []string {
			var got struct {
				Webhooks []struct {
					Deliveries []struct{ EventID, Status string }
				}
			}
			s.Query(t, admin, `{ webhooks { deliveries(first: 100) { eventId status } } }`, nil).Decode(t, &got)
			var out []string
			for _, d := range got.Webhooks[0].Deliveries {
				out = append(out, d.Status)
			}
			return out
		}
		var statuses []string
		require.Eventually(t, func() bool {
			statuses = deliveryStatuses()
			return !slices.Contains(statuses, "PENDING")
		}, 30*time.Second, 20*time.Millisecond, "the last attempt is recorded")
		require.Equal(t, []string{"DELIVERED", "DELIVERED", "DELIVERED", "DELIVERED"}, statuses, "one delivery per completion")

		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		require.Empty(t, rcv.bad, "every delivery is signed")
		require.Len(t, rcv.delivered, len(ids), "one event per completion")
		perSimulation := map[string]int{}
		for id, n := range rcv.delivered {
			require.Equal(t, 1, n, "event %s accepted once", id)
			require.Equal(t, 1, rcv.attempts[id], "event %s sent once", id)
			var body struct{ Data struct{ SimulationID string } }
			require.NoError(t, json.Unmarshal([]byte(rcv.bodies[id][0]), &body))
			perSimulation[body.Data.SimulationID]++
		}
		for _, id := range ids {
			require.Equal(t, 1, perSimulation[id], "completions of %s sent", id)
		}
	})
}
