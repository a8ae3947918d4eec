package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/ent/analyticsevent"
	"github.com/simgraph/simgraph/ent/usagerecord"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/events"
	"github.com/simgraph/simgraph/server/servertest"
)

// rest sends a request to an enterprise REST endpoint and returns the
// status and the decoded body.
func rest(t *testing.T, s *servertest.Server, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, s.URL+"/enterprise/database/"+path, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var v any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	if out, ok := v.(map[string]any); ok {
		return resp.StatusCode, out
	}
	return resp.StatusCode, map[string]any{"items": v}
}

func restCode(out map[string]any) string {
	errs, _ := out["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	code, _ := ext["code"].(string)
	return code
}

type serviceMetrics struct {
	Name          string
	Queries       int
	Errors        int
	AcquiredConns int
	IdleConns     int
	TotalConns    int
	MaxConns      int
	LatencyP50Ms  float64
	LatencyP99Ms  float64
}

func metricsOf(t *testing.T, s *servertest.Server, token string) map[string]serviceMetrics {
	t.Helper()
	var out struct {
		Metrics struct {
			Services      []serviceMetrics
			TenantsByTier []struct {
				Tier    string
				Tenants int
			}
		}
	}
	s.Query(t, token, `{ metrics { services { name queries errors acquiredConns idleConns totalConns maxConns latencyP50Ms latencyP99Ms } tenantsByTier { tier tenants } dedicatedPoolsOpen } }`, nil).Decode(t, &out)
	m := map[string]serviceMetrics{}
	for _, sm := range out.Metrics.Services {
		m[sm.Name] = sm
	}
	return m
}

func TestServicesAndMetricsFollowLoad(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		s := servertest.Start(t, cfg(t))
		admin := s.Token(t, auth.TokenParams{Email: "ops@metrics.example", Org: "metrics", Roles: []string{"ORG_ADMIN"}})

		var svc struct {
			Services []struct {
				Name, Database string
				Healthy        bool
				LatencyMs      float64
				SchemaVersion  int
				Tables         []string
				Pool           struct {
					Size, Overflow, Max int
					Stats               struct{ MaxOpen, Open, InUse, Idle int }
				}
			}
		}
		s.Query(t, admin, `{ services { name database healthy latencyMs schemaVersion tables checkedAt pool { size overflow max stats { maxOpen open inUse idle waitCount waitDurationMs } } } }`, nil).Decode(t, &svc)
		require.Len(t, svc.Services, 6)
		pools := map[string]int{"simulation": 50, "user": 20, "file": 30, "results": 50, "billing": 20, "analytics": 30}
		for _, sv := range svc.Services {
			require.True(t, sv.Healthy, sv.Name)
			require.GreaterOrEqual(t, sv.SchemaVersion, 1, sv.Name)
			require.Equal(t, pools[sv.Name], sv.Pool.Max, sv.Name)
			require.Equal(t, sv.Pool.Max, sv.Pool.Stats.MaxOpen, sv.Name)
			require.Contains(t, sv.Tables, "schema_migrations")
		}
		require.Contains(t, svc.Services[0].Tables, "outbox")

		before := metricsOf(t, s, admin)
		const n = 25
		for range n {
			s.Query(t, admin, `{ me { email } workbooks(first: 5) { totalCount } }`, nil)
		}
		after := metricsOf(t, s, admin)
		// Every request reads the user database (authentication, me) and the
		// file database (workbooks).
		require.GreaterOrEqual(t, after["user"].Queries-before["user"].Queries, n)
		require.GreaterOrEqual(t, after["file"].Queries-before["file"].Queries, n)
		require.Greater(t, after["user"].TotalConns, 0)
		require.Greater(t, after["user"].LatencyP50Ms, 0.0)
		require.GreaterOrEqual(t, after["user"].LatencyP99Ms, after["user"].LatencyP50Ms)

		// Connections held elsewhere show as acquired.
		db := s.App.Store.Service(database.Analytics).DB
		ctx := context.Background()
		var conns []interface{ Close() error }
		for range 3 {
			c, err := db.Conn(ctx)
			require.NoError(t, err)
			conns = append(conns, c)
		}
		held := metricsOf(t, s, admin)["analytics"]
		require.GreaterOrEqual(t, held.AcquiredConns, 3)
		for _, c := range conns {
			c.Close()
		}
		require.Less(t, metricsOf(t, s, admin)["analytics"].AcquiredConns, held.AcquiredConns)

		// The same through REST.
		status, body := rest(t, s, admin, http.MethodGet, "metrics", nil)
		require.Equal(t, http.StatusOK, status)
		require.Len(t, body["services"], 6)
		status, body = rest(t, s, admin, http.MethodGet, "services", nil)
		require.Equal(t, http.StatusOK, status, "%v", body)
		require.Len(t, body["items"], 6)

		// Health is public, per service and per dependency.
		var h struct {
			Health struct {
				Services     []struct{ Name, Status string }
				Dependencies []struct{ Name, Status string }
			}
		}
		s.Query(t, "", `{ health { status services { name status } dependencies { name status } } }`, nil).Decode(t, &h)
		require.Len(t, h.Health.Services, 6)
		if !s.Config.Embedded() {
			require.Equal(t, "redis", h.Health.Dependencies[0].Name)
			require.Equal(t, "OK", h.Health.Dependencies[0].Status)
		}
		status, _ = rest(t, s, "", http.MethodGet, "health", nil)
		require.Equal(t, http.StatusOK, status)
	})
}

func TestAdminPermissions(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		s := servertest.Start(t, cfg(t))
		member := s.Token(t, auth.TokenParams{Email: "m@perm.example", Org: "perm"})
		orgAdmin := s.Token(t, auth.TokenParams{Email: "a@perm.example", Org: "perm", Roles: []string{"ORG_ADMIN"}})
		sysAdmin := s.Token(t, auth.TokenParams{Email: "root@ops.example", Org: "ops", Roles: []string{"SYSTEM_ADMIN"}})
		ops := []struct{ name, gql, method, path string }{
			{"services", `{ services { name } }`, http.MethodGet, "services"},
			{"metrics", `{ metrics { services { name } } }`, http.MethodGet, "metrics"},
			{"migrate", `mutation { migrate(dryRun: true) { databases { database } } }`, http.MethodPost, "migrate"},
		}
		want := map[string]map[string]string{
			"member":   {"services": "FORBIDDEN", "metrics": "FORBIDDEN", "migrate": "FORBIDDEN"},
			"orgAdmin": {"services": "", "metrics": "", "migrate": "FORBIDDEN"},
			"sysAdmin": {"services": "", "metrics": "", "migrate": ""},
			"none":     {"services": "UNAUTHENTICATED", "metrics": "UNAUTHENTICATED", "migrate": "UNAUTHENTICATED"},
		}
		tokens := map[string]string{"member": member, "orgAdmin": orgAdmin, "sysAdmin": sysAdmin, "none": ""}
		statuses := map[string]int{"": http.StatusOK, "FORBIDDEN": http.StatusForbidden, "UNAUTHENTICATED": http.StatusUnauthorized}
		for who, tok := range tokens {
			for _, op := range ops {
				t.Run(who+"/"+op.name, func(t *testing.T) {
					require.Equal(t, want[who][op.name], s.Query(t, tok, op.gql, nil).Code())
					status, body := rest(t, s, tok, op.method, op.path, map[string]any{"dryRun": true})
					require.Equal(t, statuses[want[who][op.name]], status, "%v", body)
					require.Equal(t, want[who][op.name], restCode(body))
				})
			}
		}
		// Everyone sees their own summary and tenant info, through either API.
		var g struct {
			TenantInfo      struct{ TenantID, Tier, DatabaseTier string }
			UserDataSummary struct {
				TenantID string
				Routing  struct {
					DatabaseTier string
					Dedicated    bool
					Databases    []string
				}
			}
		}
		s.Query(t, member, `{ tenantInfo { tenantId tier databaseTier } userDataSummary { tenantId routing { databaseTier dedicated databases } } }`, nil).Decode(t, &g)
		status, ti := rest(t, s, member, http.MethodGet, "tenant-info", nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, g.TenantInfo.TenantID, ti["tenantId"])
		require.Equal(t, g.TenantInfo.DatabaseTier, ti["databaseTier"])
		status, sum := rest(t, s, member, http.MethodGet, "user-data-summary", nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, g.UserDataSummary.TenantID, sum["tenantId"])
		require.Equal(t, g.TenantInfo.TenantID, g.UserDataSummary.TenantID)
		require.Equal(t, "SHARED", g.UserDataSummary.Routing.DatabaseTier)
		require.Len(t, g.UserDataSummary.Routing.Databases, 3)
		status, _ = rest(t, s, "", http.MethodGet, "user-data-summary", nil)
		require.Equal(t, http.StatusUnauthorized, status)
		status, body := rest(t, s, member, http.MethodGet, "nothing-here", nil)
		require.Equal(t, http.StatusNotFound, status)
		require.Equal(t, "NOT_FOUND", restCode(body))
	})
}

type migration struct {
	Database, Service, Status string
	Canary                    bool
	FromVersion, ToVersion    int
	StatementsApplied         int
	Statements                []string
}

func migrate(t *testing.T, s *servertest.Server, token string, dryRun bool) []migration {
	t.Helper()
	var out struct {
		Migrate struct{ Databases []migration }
	}
	s.Query(t, token, `mutation($dry: Boolean) { migrate(dryRun: $dry) { dryRun durationMs databases { database service canary fromVersion toVersion statementsApplied statements status error durationMs } } }`,
		map[string]any{"dry": dryRun}).Decode(t, &out)
	return out.Migrate.Databases
}

func byService(ms []migration) map[string]migration {
	out := map[string]migration{}
	for _, m := range ms {
		out[m.Service] = m
	}
	return out
}

func TestMigrateIdempotentAndLocked(t *testing.T) {
	t.Parallel()
	forEachBackendAndPgBouncer(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		s := servertest.Start(t, cfg(t))
		root := s.Token(t, auth.TokenParams{Email: "root@migrate.example", Org: "ops", Roles: []string{"SYSTEM_ADMIN"}})

		first := migrate(t, s, root, false)
		require.Len(t, first, 6)
		require.True(t, first[0].Canary)
		for _, m := range first {
			require.Equal(t, "UP_TO_DATE", m.Status, m.Database)
			require.Zero(t, m.StatementsApplied)
			require.Equal(t, m.FromVersion, m.ToVersion)
		}

		// A table goes missing: the next migration has work to do.
		_, err := s.App.Store.Service(database.Analytics).DB.Exec("DROP TABLE analytics_events")
		require.NoError(t, err)
		dry := byService(migrate(t, s, root, true))["analytics"]
		require.Equal(t, "PENDING", dry.Status)
		require.NotEmpty(t, dry.Statements)
		require.Zero(t, dry.StatementsApplied)
		require.Equal(t, dry.FromVersion, dry.ToVersion)

		// Two at once: one applies, the other waits and finds nothing.
		var wg sync.WaitGroup
		reports := make([][]migration, 2)
		for i := range reports {
			wg.Go(func() { reports[i] = migrate(t, s, root, false) })
		}
		wg.Wait()
		a, b := byService(reports[0])["analytics"], byService(reports[1])["analytics"]
		require.Equal(t, 1, btoi(a.StatementsApplied > 0)+btoi(b.StatementsApplied > 0), "exactly one run applies: %+v %+v", a, b)
		applied := a
		if b.StatementsApplied > 0 {
			applied = b
		}
		require.Equal(t, "APPLIED", applied.Status)
		require.Equal(t, dry.FromVersion+1, applied.ToVersion)
		require.Equal(t, len(dry.Statements), applied.StatementsApplied)

		// And again: nothing.
		for _, m := range migrate(t, s, root, false) {
			require.Zero(t, m.StatementsApplied, m.Database)
			require.Equal(t, "UP_TO_DATE", m.Status)
		}
		// Through REST too.
		status, body := rest(t, s, root, http.MethodPost, "migrate", map[string]any{"dryRun": false})
		require.Equal(t, http.StatusOK, status, "%v", body)
		require.Len(t, body["databases"], 6)
		var v struct {
			Services []struct {
				Name          string
				SchemaVersion int
			}
		}
		s.Query(t, root, `{ services { name schemaVersion } }`, nil).Decode(t, &v)
		for _, sv := range v.Services {
			if sv.Name == "analytics" {
				require.Equal(t, applied.ToVersion, sv.SchemaVersion)
			}
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestQuotaConcurrentSimulations(t *testing.T) {
	t.Parallel()
	forEachBackendAndPgBouncer(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 0 // they stay QUEUED
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "q@quota.example", Org: "quota"})
		wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))

		const callers = 50
		codes := make([]string, callers)
		exts := make([]map[string]any, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				resp := s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": dcfSimulation(wb, 1000)})
				codes[i] = resp.Code()
				if len(resp.Errors) > 0 {
					exts[i] = resp.Errors[0].Extensions
				}
			})
		}
		wg.Wait()
		accepted := 0
		for i, code := range codes {
			switch code {
			case "":
				accepted++
			case "QUOTA_EXCEEDED":
				require.Equal(t, "concurrentSimulations", exts[i]["quota"])
				require.EqualValues(t, 2, exts[i]["limit"])
				require.EqualValues(t, 2, exts[i]["used"])
			default:
				t.Fatalf("unexpected error %s: %v", code, exts[i])
			}
		}
		require.Equal(t, 2, accepted, "a STANDARD organization runs 2 simulations at once")

		// Iterations per simulation.
		resp := s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": dcfSimulation(wb, 1_000_001)})
		require.Equal(t, "QUOTA_EXCEEDED", resp.Code())
		require.Equal(t, "iterationsPerSimulation", resp.Errors[0].Extensions["quota"])
		require.EqualValues(t, 1_000_000, resp.Errors[0].Extensions["limit"])
		require.EqualValues(t, 1_000_001, resp.Errors[0].Extensions["requested"])
		require.Contains(t, resp.Errors[0].Message, "requested: 1000001")

		// A system administrator raises the organization's limit.
		root := s.Token(t, auth.TokenParams{Email: "root@ops.example", Org: "ops", Roles: []string{"SYSTEM_ADMIN"}})
		var q struct {
			Quota struct {
				TenantID string
				Limits   struct{ ConcurrentSimulations int }
				Usage    struct{ ConcurrentSimulations int }
			}
		}
		s.Query(t, token, `{ quota { tenantId limits { concurrentSimulations } usage { concurrentSimulations } } }`, nil).Decode(t, &q)
		require.Equal(t, 2, q.Quota.Usage.ConcurrentSimulations)
		set := `mutation($org: ID!) { setQuotaOverride(organizationId: $org, input: {concurrentSimulations: 3}) { overridden limits { concurrentSimulations } } }`
		require.Equal(t, "FORBIDDEN", s.Query(t, token, set, map[string]any{"org": q.Quota.TenantID}).Code())
		var so struct {
			SetQuotaOverride struct {
				Overridden bool
				Limits     struct{ ConcurrentSimulations int }
			}
		}
		s.Query(t, root, set, map[string]any{"org": q.Quota.TenantID}).Decode(t, &so)
		require.True(t, so.SetQuotaOverride.Overridden)
		require.Equal(t, 3, so.SetQuotaOverride.Limits.ConcurrentSimulations)
		require.Empty(t, s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": dcfSimulation(wb, 1000)}).Errors)
		require.Equal(t, "QUOTA_EXCEEDED", s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": dcfSimulation(wb, 1000)}).Code())

		// Upload size.
		s.Query(t, root, `mutation($org: ID!) { setQuotaOverride(organizationId: $org, input: {uploadBytes: 1000}) { overridden } }`, map[string]any{"org": q.Quota.TenantID})
		up := s.Upload(t, token, "project-dcf.xlsx", dcfWorkbook(t))
		require.Equal(t, "QUOTA_EXCEEDED", up.Code())
		require.Equal(t, "uploadBytes", up.Errors[0].Extensions["quota"])
	})
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	forEachBackendAndCluster(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.RateLimits = map[string]int{"STANDARD": 5}
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "busy@rate.example", Org: "rate"})
		codes := []string{}
		for range 6 {
			codes = append(codes, s.Query(t, token, `{ me { email } }`, nil).Code())
		}
		// The window may turn over mid-test: at most one extra request passes.
		require.Contains(t, codes, "RATE_LIMITED")
		resp := s.Query(t, token, `{ me { email } }`, nil)
		if resp.Code() == "RATE_LIMITED" {
			require.Equal(t, http.StatusTooManyRequests, resp.Status)
		}
		status, body := rest(t, s, token, http.MethodGet, "tenant-info", nil)
		if status == http.StatusTooManyRequests {
			require.Equal(t, "RATE_LIMITED", restCode(body))
		}
		// Another organization has its own budget.
		other := s.Token(t, auth.TokenParams{Email: "calm@other.example", Org: "other"})
		require.Empty(t, s.Query(t, other, `{ me { email } }`, nil).Errors)
	})
}

// ownRedis runs a redis-server of the test's own on a free port, so that
// the test can stop and start it without touching the shared one.
type ownRedis struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
}

func startOwnRedis(t *testing.T) *ownRedis {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &ownRedis{t: t, port: port}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *ownRedis) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *ownRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	require.NoError(r.t, r.cmd.Start(), "redis-server must be installed (apt-get install redis-server)")
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port)})
	defer c.Close()
	require.Eventually(r.t, func() bool { return c.Ping(context.Background()).Err() == nil }, 10*time.Second, 20*time.Millisecond)
}

func (r *ownRedis) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

func waitCompleted(t *testing.T, s *servertest.Server, token string, ids []string) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, id := range ids {
			var out struct{ Simulation struct{ Status string } }
			s.Query(t, token, `query($id: ID!) { simulation(id: $id) { status } }`, map[string]any{"id": id}).Decode(t, &out)
			if out.Simulation.Status != "COMPLETED" {
				return false
			}
		}
		return true
	}, 90*time.Second, 100*time.Millisecond)
}

// TestEventsExactlyOnce kills the relay and a consumer mid-stream and, on
// PostgreSQL, loses Redis (restarted without its data): afterwards every
// completed simulation has exactly one billing record and one analytics
// event, and its user one notification.
func TestEventsExactlyOnce(t *testing.T) {
	t.Parallel()
	forEachBackendAndCluster(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		// loseRedis loses the job and event streams, as a Redis restarted
		// without its data does: the test's own single node is restarted;
		// on the shared cluster the deployment's bus keys are deleted, in
		// one command that a cluster refuses (CROSSSLOT) unless they share
		// a slot.
		var loseRedis func()
		switch {
		case c.Embedded():
		case strings.HasPrefix(c.RedisURL, "redis+cluster://"):
			c.JobReclaimAfter = 2 * time.Second
			loseRedis = func() {
				rdb, err := config.NewRedisClient(c.RedisURL)
				require.NoError(t, err)
				defer rdb.Close()
				tag := "{simgraph:" + c.DatabasePrefix + "}"
				require.NoError(t, rdb.Del(context.Background(), tag+"jobs", tag+"events", tag+"events:epoch").Err())
			}
		default:
			rds := startOwnRedis(t)
			c.RedisURL = rds.url()
			c.JobReclaimAfter = 2 * time.Second
			loseRedis = func() {
				rds.stop()
				time.Sleep(time.Second)
				rds.start()
			}
		}
		c.Workers = 1
		s := servertest.Start(t, c)
		p := s.App.Operations
		token := s.Token(t, auth.TokenParams{Email: "e@events.example", Org: "events"})
		wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))

		// Billing is down from the start; the relay dies after the first runs.
		p.Consumers.Stop(events.Billing)
		var ids []string
		for range 2 {
			ids = append(ids, createSimulation(t, s, token, dcfSimulation(wb, 500)))
		}
		waitCompleted(t, s, token, ids)
		p.Relay.Stop()
		for range 2 {
			ids = append(ids, createSimulation(t, s, token, dcfSimulation(wb, 500)))
		}
		waitCompleted(t, s, token, ids)
		ctx := context.Background()
		if loseRedis != nil {
			// Publish what is pending, then lose Redis with it.
			require.NoError(t, p.Relay.Poll(ctx))
			loseRedis()
		}
		// The analytics consumer dies and comes back too.
		p.Consumers.Stop(events.Analytics)
		p.Relay.Start(context.Background())
		p.Consumers.Start(context.Background(), events.Billing, events.Analytics)

		billing := s.App.Store.Service(database.Billing).Client
		analytics := s.App.Store.Service(database.Analytics).Client
		require.Eventually(t, func() bool {
			nb, err1 := billing.UsageRecord.Query().Count(ctx)
			na, err2 := analytics.AnalyticsEvent.Query().Where(analyticsevent.Type(events.SimulationCompleted)).Count(ctx)
			return err1 == nil && err2 == nil && nb >= len(ids) && na >= len(ids)
		}, 60*time.Second, 100*time.Millisecond)
		// Give duplicates a chance to arrive, then count exactly.
		time.Sleep(time.Second)
		for _, id := range ids {
			nb, err := billing.UsageRecord.Query().Where(usagerecord.SimulationID(id)).Count(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, nb, "billing records of %s", id)
			na, err := analytics.AnalyticsEvent.Query().Where(analyticsevent.SubjectID(id), analyticsevent.Type(events.SimulationCompleted)).Count(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, na, "analytics events of %s", id)
			ns, err := analytics.AnalyticsEvent.Query().Where(analyticsevent.SubjectID(id), analyticsevent.Type(events.SimulationStarted)).Count(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, ns, "started events of %s", id)
		}
		rec, err := billing.UsageRecord.Query().Where(usagerecord.SimulationID(ids[0])).Only(ctx)
		require.NoError(t, err)
		require.EqualValues(t, 500, rec.Iterations)
		require.Greater(t, rec.ComputeSeconds, 0.0)

		// The user heard of each, and was welcomed once.
		var n struct {
			Notifications []struct {
				ID, Kind, SubjectID string
				Read                bool
			}
		}
		require.Eventually(t, func() bool {
			s.Query(t, token, `{ notifications(first: 50) { id kind subjectId read } }`, nil).Decode(t, &n)
			return len(n.Notifications) == len(ids)+1
		}, 30*time.Second, 100*time.Millisecond)
		kinds := map[string]int{}
		for _, x := range n.Notifications {
			kinds[x.Kind]++
		}
		require.Equal(t, map[string]int{events.SimulationCompleted: len(ids), events.UserCreated: 1}, kinds)
		var mr struct{ MarkNotificationRead struct{ Read bool } }
		s.Query(t, token, `mutation($id: ID!) { markNotificationRead(id: $id) { read } }`, map[string]any{"id": n.Notifications[0].ID}).Decode(t, &mr)
		require.True(t, mr.MarkNotificationRead.Read)
		s.Query(t, token, `{ notifications(first: 50, unreadOnly: true) { id kind subjectId read } }`, nil).Decode(t, &n)
		require.Len(t, n.Notifications, len(ids))
		stranger := s.Token(t, auth.TokenParams{Email: "x@elsewhere.example", Org: "elsewhere"})
		require.Equal(t, "NOT_FOUND", s.Query(t, stranger, `mutation($id: ID!) { markNotificationRead(id: $id) { read } }`, map[string]any{"id": n.Notifications[0].ID}).Code())

		// The summary sees the runs and their billing.
		var sum struct {
			UserDataSummary struct {
				Simulations struct {
					Total    int
					ByStatus []struct {
						Status string
						Count  int
					}
					Recent []struct{ ID string }
				}
				Workbooks struct{ Count, Bytes int }
				Results   struct{ Count int }
				Usage     struct {
					SimulationsThisMonth, IterationsThisMonth, StorageBytes, BilledSimulationsThisMonth int
				}
			}
		}
		s.Query(t, token, `{ userDataSummary { simulations { total byStatus { status count } recent { id } } workbooks { count bytes } results { count } usage { simulationsThisMonth iterationsThisMonth storageBytes billedSimulationsThisMonth } } }`, nil).Decode(t, &sum)
		u := sum.UserDataSummary
		require.Equal(t, len(ids), u.Simulations.Total)
		require.Len(t, u.Simulations.Recent, len(ids))
		require.Equal(t, 1, u.Workbooks.Count)
		require.Equal(t, len(dcfWorkbook(t)), u.Workbooks.Bytes)
		require.Equal(t, len(ids), u.Usage.SimulationsThisMonth)
		require.Equal(t, 500*len(ids), u.Usage.IterationsThisMonth)
		require.Equal(t, len(ids), u.Usage.BilledSimulationsThisMonth)
		require.Positive(t, u.Results.Count)
	})
}
