package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

// TestQueuedSimulationsSurviveLostQueue queues a simulation on a server
// with no workers, stops it and loses the queue with it (embedded: the
// in-process queue; server mode: a Redis restarted without its data),
// then starts a server with a worker on the same databases: the
// simulation, still QUEUED in the database, is queued again and runs.
func TestQueuedSimulationsSurviveLostQueue(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		var rds *ownRedis
		if !c.Embedded() {
			rds = startOwnRedis(t)
			c.RedisURL = rds.url()
		}
		c.Workers = 0
		first := servertest.Start(t, c)
		params := auth.TokenParams{Email: "q@requeue.example", Org: "requeue"}
		token := first.Token(t, params)
		wb := first.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))
		ids := []string{
			createSimulation(t, first, token, dcfSimulation(wb, 500)),
			createSimulation(t, first, token, dcfSimulation(wb, 700)),
		}
		require.NoError(t, first.Stop())
		if rds != nil {
			rds.stop()
			rds.start() // no persistence: the job stream is gone
		}

		again := *c
		again.Workers = 1
		second := servertest.Start(t, &again)
		waitCompleted(t, second, second.Token(t, params), ids)
	})
}
