package jobs_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/jobs"
	"github.com/simgraph/simgraph/server/servertest"
)

// TestRedisQueueSurvivesLostStream: a Redis that restarts without its data
// loses the stream and its consumer group; workers must go on taking jobs
// enqueued afterwards instead of failing every read with NOGROUP.
func TestRedisQueueSurvivesLostStream(t *testing.T) {
	t.Parallel()
	for _, backend := range servertest.RedisBackends() {
		t.Run(backend.Name, func(t *testing.T) {
			t.Parallel()
			testRedisQueueSurvivesLostStream(t, backend.URL(t))
		})
	}
}

func testRedisQueueSurvivesLostStream(t *testing.T, url string) {
	rdb, err := config.NewRedisClient(url)
	require.NoError(t, err)
	defer rdb.Close()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "{simgraph:jobstest_" + hex.EncodeToString(b) + "}:"
	t.Cleanup(func() { rdb.Del(context.Background(), prefix+"jobs") })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q, err := jobs.NewRedis(ctx, rdb, prefix, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	q.Block = 200 * time.Millisecond

	ran := make(chan string, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		q.Work(ctx, 1, func(_ context.Context, j jobs.Job) error { ran <- j.SimulationID; return nil })
	}()

	cases := []struct {
		name      string
		loseFirst bool
	}{
		{"before the loss", false},
		{"after the stream and group are lost", true},
	}
	for _, c := range cases {
		if c.loseFirst {
			require.NoError(t, rdb.Del(ctx, prefix+"jobs").Err())
			time.Sleep(500 * time.Millisecond) // let the worker hit NOGROUP
		}
		require.NoError(t, q.Enqueue(ctx, jobs.Job{SimulationID: c.name}))
		select {
		case id := <-ran:
			require.Equal(t, c.name, id)
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the job was never run", c.name)
		}
	}
	cancel()
	<-done
}
