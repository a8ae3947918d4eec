package server_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/servertest"
)

// taskRecord is a Simulation.tasks entry.
type taskRecord struct {
	Pass, FirstChunk, EndChunk, Iterations int
	Replica, State                         string
	Replayed                               bool
}

func (r taskRecord) key() string { return fmt.Sprintf("%d:%d:%d", r.Pass, r.FirstChunk, r.EndChunk) }

func simulationTasks(t *testing.T, s *servertest.Server, token, id string) []taskRecord {
	t.Helper()
	var out struct {
		Simulation struct{ Tasks []taskRecord }
	}
	s.Query(t, token, `query($id: ID!) { simulation(id: $id) { tasks { pass firstChunk endChunk iterations replica state replayed } } }`,
		map[string]any{"id": id}).Decode(t, &out)
	return out.Simulation.Tasks
}

// requireOneFinishedPerTask: every task of the records has exactly one
// FINISHED attempt (the partial stored, HSETNX), and no attempt is left
// RUNNING once the run completed.
func requireOneFinishedPerTask(t *testing.T, records []taskRecord) map[string]int {
	t.Helper()
	require.NotEmpty(t, records, "a split run has task records")
	finished := map[string]int{}
	perReplica := map[string]int{}
	for _, r := range records {
		require.NotEqual(t, "RUNNING", r.State, "task %s on %s still RUNNING after the run", r.key(), r.Replica)
		if _, ok := finished[r.key()]; !ok {
			finished[r.key()] = 0
		}
		if r.State == "FINISHED" {
			finished[r.key()]++
			perReplica[r.Replica]++
		}
	}
	for k, n := range finished {
		require.Equal(t, 1, n, "task %s: one stored partial", k)
	}
	return perReplica
}

// TestShutdownHandsJobsBack stops (SIGTERM) a replica while it computes a
// task of a split run: it exits within its shutdown grace, its attempt is
// recorded HANDED_BACK, the task goes back on the queue and the other
// replica computes it at once (the reclaim of a dead replica's entries is
// set far beyond the test's waits), and the run completes with the
// unsplit run's results, bit for bit, billed once.
func TestShutdownHandsJobsBack(t *testing.T) {
	t.Parallel()
	c := newChunkedCluster(t, servertest.RedisURL(t))
	for i, kv := range c.env {
		if strings.HasPrefix(kv, "SIMGRAPH_JOB_RECLAIM_AFTER=") {
			c.env[i] = "SIMGRAPH_JOB_RECLAIM_AFTER=10m"
		}
	}
	c.env = append(c.env, "SIMGRAPH_SHUTDOWN_GRACE=10s")
	one, srv := c.start(0, 1)
	token := srv.Token(t, auth.TokenParams{Email: "ops@handback.example", Org: "handback"})
	chain := srv.UploadID(t, token, "chain.xlsx", chainWorkbook(t, 1000))
	run := map[string]any{
		"workbookId": chain, "iterations": 200_000, "seed": 5,
		"inputs":  []map[string]any{{"cell": "Sheet1!A1", "distribution": map[string]any{"type": "UNIFORM", "min": 1, "max": 2}}},
		"outputs": []string{"Sheet1!A1000"},
	}
	reference := createSimulation(t, srv, token, run)
	waitStatus(t, srv, token, reference, "COMPLETED")
	stopReplica(t, one)

	// Tasks of 32 chunks: long enough to be caught computing one.
	replicas := make([]*replica, 2)
	servers := make([]*servertest.Server, 2)
	for i := range replicas {
		replicas[i], servers[i] = c.start(10_000, 32*1024)
	}
	id := createSimulation(t, servers[0], token, run)
	var victim int
	// The victim is a replica whose attempt at a task is recorded RUNNING:
	// it computes the task.
	require.Eventually(t, func() bool {
		for _, rec := range simulationTasks(t, servers[0], token, id) {
			for i, r := range replicas {
				if rec.State == "RUNNING" && r.cmd.Process.Pid == consumerPID(rec.Replica) {
					victim = i
					return true
				}
			}
		}
		return false
	}, 2*time.Minute, 10*time.Millisecond)
	survivor := 1 - victim
	require.NoError(t, replicas[victim].cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-replicas[victim].done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the stopped replica did not exit:\n%s", replicas[victim].logs.String())
	}
	require.True(t, replicas[victim].cmd.ProcessState.Success(), "an orderly exit:\n%s", replicas[victim].logs.String())
	require.True(t, replicas[victim].logs.Contains("handed a task back"), "the replica handed its running task back:\n%s", replicas[victim].logs.String())

	waitStatus(t, servers[survivor], token, id, "COMPLETED")
	require.Equal(t, c.storedResults(reference), c.storedResults(id), "the results are the unsplit run's, bit for bit")
	require.Equal(t, 1, c.completions(id), "billed once")
	require.False(t, replicas[survivor].logs.Contains("reclaimed a task from a dead worker"), "the task came back by hand-back, not by reclaim")

	records := simulationTasks(t, servers[survivor], token, id)
	requireOneFinishedPerTask(t, records)
	handedBack := map[string]bool{}
	victimName := ""
	for _, r := range records {
		if r.State == "HANDED_BACK" {
			handedBack[r.key()] = true
			victimName = r.Replica
		}
	}
	require.NotEmpty(t, handedBack, "the interrupted attempt is recorded HANDED_BACK: %+v", records)
	for _, r := range records {
		if handedBack[r.key()] && r.State == "FINISHED" {
			require.NotEqual(t, victimName, r.Replica, "task %s was finished by the other replica", r.key())
			delete(handedBack, r.key())
		}
	}
	require.Empty(t, handedBack, "every handed-back task was finished elsewhere: %+v", records)
}
