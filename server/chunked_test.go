package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/jobs"
	"github.com/simgraph/simgraph/server/servertest"
	"github.com/simgraph/simgraph/server/servertest/rediscluster"
)

// chunkedCluster is `simgraph serve` processes on one PostgreSQL and Redis.
type chunkedCluster struct {
	t         *testing.T
	bin, pg   string
	rdbURL    string
	prefix    string
	env       []string
	rdb       redis.UniversalClient
	resultsDB *sql.DB
	simDB     *sql.DB
}

func newChunkedCluster(t *testing.T, redisURL string) *chunkedCluster {
	bin, err := buildBinary()
	require.NoError(t, err)
	c := &chunkedCluster{t: t, bin: bin, pg: servertest.PostgresURL(t), rdbURL: redisURL, prefix: servertest.UniquePrefix()}
	t.Cleanup(func() { servertest.DropDatabases(t, c.pg, c.prefix) })
	c.env = []string{
		"SIMGRAPH_POSTGRES_URL=" + c.pg, "SIMGRAPH_REDIS_URL=" + c.rdbURL, "SIMGRAPH_DATABASE_PREFIX=" + c.prefix,
		"SIMGRAPH_JWT_SECRET=chunked-test-secret-0123456789abcdef", "SIMGRAPH_WORKERS=1", "SIMGRAPH_JOB_RECLAIM_AFTER=2s",
		"SIMGRAPH_LOG_LEVEL=info", "SIMGRAPH_QUOTAS=false", "SIMGRAPH_ENGINE_WORKERS=1",
		// Small runs stream their summary too, so that the split runs (which
		// always stream) can be compared with runs in one process.
		"SIMGRAPH_SUMMARY_MEMORY=-1",
	}
	c.rdb, err = config.NewRedisClient(c.rdbURL)
	require.NoError(t, err)
	t.Cleanup(func() {
		c.rdb.Del(context.Background(), c.tasksStream(), c.jobsStream())
		c.rdb.Close()
	})
	return c
}

func (c *chunkedCluster) jobsStream() string {
	return jobs.StreamKey(server.RedisKeyPrefix(&config.Config{DatabasePrefix: c.prefix}))
}
func (c *chunkedCluster) tasksStream() string { return c.jobsStream() + ":tasks" }

// start starts a replica splitting runs beyond chunkedAbove iterations
// (0: never) into tasks of taskIterations.
func (c *chunkedCluster) start(chunkedAbove, taskIterations int) (*replica, *servertest.Server) {
	env := append(append([]string{}, c.env...), "SIMGRAPH_CHUNKED_ABOVE="+strconv.Itoa(chunkedAbove), "SIMGRAPH_CHUNK_TASK_ITERATIONS="+strconv.Itoa(taskIterations))
	r := startReplica(c.t, c.bin, env)
	cfg, err := config.Load(func(k string) string {
		for _, kv := range env {
			if name, v, _ := strings.Cut(kv, "="); name == k {
				return v
			}
		}
		return ""
	})
	require.NoError(c.t, err)
	return r, &servertest.Server{URL: r.url, Config: cfg, Logs: r.logs}
}

func stopReplica(t *testing.T, r *replica) {
	require.NoError(t, r.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}

func (c *chunkedCluster) db(name string) *sql.DB {
	u, err := database.EnsurePostgresDatabase(context.Background(), c.pg, c.prefix+name)
	require.NoError(c.t, err)
	db, err := sql.Open("pgx", u)
	require.NoError(c.t, err)
	c.t.Cleanup(func() { db.Close() })
	return db
}

// storedResults is a simulation's stored results as PostgreSQL holds them:
// JSON whose numbers are each float64's shortest decimal form, equal only
// when the floats are equal to the bit. The summary leaves out the
// running-mean trace, which a split run does not keep.
func (c *chunkedCluster) storedResults(id string) []string {
	if c.resultsDB == nil {
		c.resultsDB = c.db("results_db")
	}
	rows, err := c.resultsDB.Query(`SELECT cell, (summary::jsonb - 'convergence')::text, percentiles::text, histogram::text, sensitivity::text,
		tails::text, targets::text, coalesce(error_counts::text, ''), coalesce(encode(samples, 'hex'), '')
		FROM results WHERE simulation_id = $1 ORDER BY position`, id)
	require.NoError(c.t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		cols := make([]string, 9)
		ptrs := make([]any, len(cols))
		for i := range cols {
			ptrs[i] = &cols[i]
		}
		require.NoError(c.t, rows.Scan(ptrs...))
		out = append(out, strings.Join(cols, "\n"))
	}
	require.NoError(c.t, rows.Err())
	return out
}

// completions counts the simulation's "simulation.completed" events in
// the outbox: what bills it.
func (c *chunkedCluster) completions(id string) int {
	if c.simDB == nil {
		c.simDB = c.db("simulation_db")
	}
	var n int
	require.NoError(c.t, c.simDB.QueryRow(`SELECT count(*) FROM outbox WHERE type = 'simulation.completed' AND subject_id = $1`, id).Scan(&n))
	return n
}

// waitStatus waits for the simulation to reach status.
func waitStatus(t *testing.T, s *servertest.Server, token, id, status string) {
	t.Helper()
	var last string
	require.Eventually(t, func() bool {
		var out struct {
			Simulation struct{ Status, Error string }
		}
		s.Query(t, token, `query($id: ID!) { simulation(id: $id) { status error } }`, map[string]any{"id": id}).Decode(t, &out)
		last = out.Simulation.Status + " " + out.Simulation.Error
		return out.Simulation.Status == status
	}, 5*time.Minute, 100*time.Millisecond, "simulation %s: want %s, last %s", id, status, last)
}

// pendingTasks lists the consumers holding the task stream's pending
// entries.
func (c *chunkedCluster) pendingTasks() []redis.XPendingExt {
	p, err := c.rdb.XPendingExt(context.Background(), &redis.XPendingExtArgs{Stream: c.tasksStream(), Group: "workers", Start: "-", End: "+", Count: 100}).Result()
	if err != nil {
		return nil
	}
	return p
}

func consumerPID(consumer string) int {
	parts := strings.Split(consumer, "-")
	pid, _ := strconv.Atoi(parts[len(parts)-2])
	return pid
}

// TestChunkedRunsAcrossReplicas runs simulations first unsplit on one
// replica, then split into tasks across three: the split runs store the
// same results, bit for bit, and bill once; a replica killed while it
// computes a task has the task reclaimed by another; a cancel stops every
// task.
func TestChunkedRunsAcrossReplicas(t *testing.T) {
	t.Parallel()
	for _, redis := range []struct {
		name string
		url  func(testing.TB) string
	}{
		{"SingleNode", servertest.RedisURL},
		{"RedisCluster", func(t testing.TB) string { return rediscluster.Shared(t).URL() }},
	} {
		t.Run(redis.name, func(t *testing.T) {
			t.Parallel()
			chunkedRunsAcrossReplicas(t, newChunkedCluster(t, redis.url(t)))
		})
	}
}

// requireTruthfulReplays: some attempt of a later pass replayed the
// outputs its replica kept, and every replayed attempt is of a later pass
// on a replica that computed the range's first pass.
func requireTruthfulReplays(t *testing.T, records []taskRecord) {
	t.Helper()
	computed := map[string]bool{} // replica and range of a first-pass attempt that computed its partial
	for _, r := range records {
		if r.Pass == 0 && (r.State == "FINISHED" || r.State == "DUPLICATE") {
			computed[fmt.Sprintf("%s %d:%d", r.Replica, r.FirstChunk, r.EndChunk)] = true
		}
	}
	replayed := 0
	for _, r := range records {
		if !r.Replayed {
			continue
		}
		require.Positive(t, r.Pass, "a first-pass attempt evaluates the model")
		require.True(t, computed[fmt.Sprintf("%s %d:%d", r.Replica, r.FirstChunk, r.EndChunk)], "task %s replayed on %s, which did not compute the range's first pass", r.key(), r.Replica)
		if r.State == "FINISHED" {
			replayed++
		}
	}
	require.Positive(t, replayed, "later passes replayed the outputs kept by the first pass's replicas")
}

func chunkedRunsAcrossReplicas(t *testing.T, c *chunkedCluster) {
	one, srv := c.start(0, 1)
	token := srv.Token(t, auth.TokenParams{Email: "ops@chunked.example", Org: "chunked"})
	dcf := srv.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))
	chain := srv.UploadID(t, token, "chain.xlsx", chainWorkbook(t, 400))
	dcfRun := dcfSimulation(dcf, 30_000) // Latin hypercube, correlated inputs
	keptRun := dcfSimulation(dcf, 12_000)
	keptRun["keepSamples"] = true
	chainRun := map[string]any{
		"workbookId": chain, "iterations": 240_000, "seed": 3,
		"inputs":  []map[string]any{{"cell": "Sheet1!A1", "distribution": map[string]any{"type": "UNIFORM", "min": 1, "max": 2}}},
		"outputs": []string{"Sheet1!A400"},
	}
	runs := []map[string]any{dcfRun, keptRun, chainRun}
	reference := make([]string, len(runs))
	for i, in := range runs {
		reference[i] = createSimulation(t, srv, token, in)
		waitStatus(t, srv, token, reference[i], "COMPLETED")
	}
	stopReplica(t, one)

	// Three replicas split every run beyond 10,000 iterations into tasks
	// of 4 chunks: several per pass even for the small runs.
	replicas := make([]*replica, 3)
	servers := make([]*servertest.Server, 3)
	for i := range replicas {
		replicas[i], servers[i] = c.start(10_000, 4096)
	}
	for i, in := range runs[:2] {
		id := createSimulation(t, servers[i], token, in)
		waitStatus(t, servers[i], token, id, "COMPLETED")
		require.Equal(t, c.storedResults(reference[i]), c.storedResults(id), "a split run stores the unsplit run's results, bit for bit")
		require.Equal(t, 1, c.completions(id), "billed once")
		records := simulationTasks(t, servers[i], token, id)
		chunks := (in["iterations"].(int) + 1023) / 1024
		keys := map[string]bool{}
		for _, r := range records {
			keys[r.key()] = true
		}
		require.GreaterOrEqual(t, len(keys), 3*((chunks+3)/4), "the run went through tasks of 4 chunks, in at least three passes")
		perReplica := requireOneFinishedPerTask(t, records)
		require.GreaterOrEqual(t, len(perReplica), 2, "the replicas shared the tasks: %v", perReplica)
		requireTruthfulReplays(t, records)
	}
	anyLog := func(s string) bool {
		for _, r := range replicas {
			if r.logs.Contains(s) {
				return true
			}
		}
		return false
	}
	require.False(t, anyLog("task failed"), "no task failed")

	t.Run("a task of a killed replica is reclaimed", func(t *testing.T) {
		id := createSimulation(t, servers[0], token, chainRun)
		// Kill a replica while it holds a task.
		var victim *replica
		require.Eventually(t, func() bool {
			for _, p := range c.pendingTasks() {
				for _, r := range replicas {
					if r.cmd.Process.Pid == consumerPID(p.Consumer) {
						victim = r
						return true
					}
				}
			}
			return false
		}, 2*time.Minute, 20*time.Millisecond)
		require.NoError(t, victim.cmd.Process.Signal(syscall.SIGKILL))
		<-victim.done
		var survivor *servertest.Server
		for i, r := range replicas {
			if r != victim {
				survivor = servers[i]
			}
		}
		// A replica takes the victim's place, so that the next subtest has
		// three whatever this one finds.
		for i, r := range replicas {
			if r == victim {
				replicas[i], servers[i] = c.start(10_000, 4096)
			}
		}
		waitStatus(t, survivor, token, id, "COMPLETED")
		// The run may complete before the reclaim is logged: the victim
		// may have stored its partial just before it died, leaving only
		// the pending entry to be reclaimed.
		require.Eventually(t, func() bool {
			return anyLog("reclaimed a task from a dead worker") || anyLog("reclaimed a job from a dead worker")
		}, time.Minute, 100*time.Millisecond, "a survivor reclaimed the dead replica's task (or its job, when it coordinated)")
		require.Equal(t, c.storedResults(reference[2]), c.storedResults(id), "the reclaimed run's results are the unsplit run's, bit for bit")
		require.Equal(t, 1, c.completions(id), "billed once")
		requireOneFinishedPerTask(t, simulationTasks(t, survivor, token, id))
	})

	t.Run("cancel stops every task", func(t *testing.T) {
		id := createSimulation(t, servers[1], token, chainRun)
		require.Eventually(t, func() bool { return len(c.pendingTasks()) > 0 }, 2*time.Minute, 20*time.Millisecond)
		var out struct{ CancelSimulation struct{ Status string } }
		servers[2].Query(t, token, `mutation($id: ID!) { cancelSimulation(id: $id) { status } }`, map[string]any{"id": id}).Decode(t, &out)
		require.Equal(t, "CANCELLED", out.CancelSimulation.Status)
		// Running tasks stop and are acknowledged; queued ones are dropped
		// when taken: the stream holds no pending task and nothing is left
		// of the run's partials.
		require.Eventually(t, func() bool {
			n, err := c.rdb.XLen(context.Background(), c.tasksStream()).Result()
			if err != nil || len(c.pendingTasks()) > 0 {
				return false
			}
			info, err := c.rdb.XInfoGroups(context.Background(), c.tasksStream()).Result()
			return err == nil && len(info) == 1 && info[0].Lag == 0 && n > 0
		}, 2*time.Minute, 50*time.Millisecond)
		require.Eventually(t, func() bool {
			n, err := c.rdb.Exists(context.Background(), c.jobsStream()+":partials:"+id).Result()
			return err == nil && n == 0
		}, time.Minute, 50*time.Millisecond, "the coordinator drops the partials")
		require.True(t, anyLog("task cancelled") || anyLog("dropping a task of a simulation no longer running"))
		require.Empty(t, c.storedResults(id), "a cancelled run stores no results")
		require.Zero(t, c.completions(id), "nor bills")
	})
}
