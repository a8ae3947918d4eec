package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/ent/usagerecord"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/servertest"
	"github.com/simgraph/simgraph/server/servertest/rediscluster"
)

// TestClusterFailoverMidRun runs a simulation in server mode on a Redis
// Cluster of its own and kills (SIGKILL) the master that holds the job
// stream while the simulation runs: a replica takes over, the relay counts
// the failover as a possible loss (events published again, unfinished
// simulations queued again), and the run completes and is billed once.
func TestClusterFailoverMidRun(t *testing.T) {
	t.Parallel()
	cluster, err := rediscluster.Start()
	require.NoError(t, err)
	t.Cleanup(cluster.Stop)

	c := servertest.PostgresConfig(t)
	c.RedisURL = cluster.URL()
	c.Workers = 1
	c.JobReclaimAfter = 3 * time.Second
	c.Quotas = false // the run's iterations are beyond the STANDARD tier's quota
	s := servertest.Start(t, c)
	token := s.Token(t, auth.TokenParams{Email: "ops@failover.example", Org: "failover"})
	wb := s.UploadID(t, token, "chain.xlsx", chainWorkbook(t, 1000))
	id := createSimulation(t, s, token, map[string]any{
		"workbookId": wb, "iterations": 300_000, "seed": 1,
		"inputs":  []map[string]any{{"cell": "Sheet1!A1", "distribution": map[string]any{"type": "UNIFORM", "min": 1, "max": 2}}},
		"outputs": []string{"Sheet1!A1000"},
	})

	// The bus's keys share the job stream's master: losing it loses them
	// together, and the epoch key speaks for the job stream.
	ctx := context.Background()
	tag := "{simgraph:" + c.DatabasePrefix + "}"
	jobsMaster, err := cluster.MasterOf(ctx, tag+"jobs")
	require.NoError(t, err)
	for _, key := range []string{tag + "events", tag + "events:epoch"} {
		m, err := cluster.MasterOf(ctx, key)
		require.NoError(t, err)
		require.Equal(t, jobsMaster, m, "%s is on the job stream's master", key)
	}

	require.Eventually(t, func() bool {
		var out struct{ Simulation struct{ Status string } }
		s.Query(t, token, `query($id: ID!) { simulation(id: $id) { status } }`, map[string]any{"id": id}).Decode(t, &out)
		return out.Simulation.Status == "RUNNING"
	}, 60*time.Second, 50*time.Millisecond)
	killed, err := cluster.KillMasterOf(ctx, tag+"jobs")
	require.NoError(t, err)
	require.Equal(t, jobsMaster, killed)

	waitCompleted(t, s, token, []string{id})
	require.Eventually(t, func() bool {
		return s.Logs.Contains("unfinished simulations queued again")
	}, 30*time.Second, 100*time.Millisecond, "the relay took the failover for a loss and queued the run again")
	billing := s.App.Store.Service(database.Billing).Client
	require.Eventually(t, func() bool {
		n, err := billing.UsageRecord.Query().Where(usagerecord.SimulationID(id)).Count(ctx)
		return err == nil && n >= 1
	}, 60*time.Second, 100*time.Millisecond, "the run is billed")
	// The run was queued twice; give a second billing a chance to appear.
	time.Sleep(2 * time.Second)
	n, err := billing.UsageRecord.Query().Where(usagerecord.SimulationID(id)).Count(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "billed exactly once")
	rec, err := billing.UsageRecord.Query().Where(usagerecord.SimulationID(id)).Only(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 300_000, rec.Iterations)
}
