package progress_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/progress"
	"github.com/simgraph/simgraph/server/servertest"
	"github.com/simgraph/simgraph/server/servertest/rediscluster"
	"github.com/simgraph/simgraph/simspec"
)

func TestMain(m *testing.M) {
	code := m.Run()
	rediscluster.StopShared()
	os.Exit(code)
}

// TestRedisBrokerAcrossProcesses: a snapshot published by one process
// reaches a subscriber of another, which starts from the stored latest
// snapshot and ends with the terminal one.
func TestRedisBrokerAcrossProcesses(t *testing.T) {
	t.Parallel()
	for _, backend := range servertest.RedisBackends() {
		t.Run(backend.Name, func(t *testing.T) {
			t.Parallel()
			url := backend.URL(t)
			b := make([]byte, 4)
			_, _ = rand.Read(b)
			prefix := "simgraph:progresstest_" + hex.EncodeToString(b) + ":"
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			open := func() *progress.Redis {
				rdb, err := config.NewRedisClient(url)
				require.NoError(t, err)
				t.Cleanup(func() { rdb.Close() })
				br, err := progress.NewRedis(ctx, rdb, prefix, slog.New(slog.DiscardHandler))
				require.NoError(t, err)
				return br
			}
			publisher, watcher := open(), open()
			const id = "3f0c2a4e-0000-4000-8000-000000000001"
			t.Cleanup(func() {
				rdb, err := config.NewRedisClient(url)
				require.NoError(t, err)
				defer rdb.Close()
				require.NoError(t, rdb.Del(context.Background(), prefix+"progress:latest:{"+id+"}").Err())
			})
			require.NoError(t, publisher.Publish(ctx, simspec.Progress{SimulationID: id, Status: "RUNNING", IterationsDone: 1}))
			latest, ok, err := watcher.Latest(ctx, id)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, 1, latest.IterationsDone)

			ch, err := watcher.Subscribe(ctx, id)
			require.NoError(t, err)
			first := <-ch
			require.Equal(t, 1, first.IterationsDone, "a subscriber starts from the latest snapshot")
			require.NoError(t, publisher.Publish(ctx, simspec.Progress{SimulationID: id, Status: "RUNNING", IterationsDone: 2}))
			require.NoError(t, publisher.Publish(ctx, simspec.Progress{SimulationID: id, Status: "COMPLETED", IterationsDone: 3}))
			var last simspec.Progress
			timeout := time.After(30 * time.Second)
			for done := false; !done; {
				select {
				case p, open := <-ch:
					if !open {
						done = true
						break
					}
					last = p
				case <-timeout:
					t.Fatal("the terminal snapshot never arrived")
				}
			}
			require.Equal(t, "COMPLETED", last.Status)
			require.Equal(t, 3, last.IterationsDone)
		})
	}
}
