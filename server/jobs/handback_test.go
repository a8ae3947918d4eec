package jobs_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/jobs"
	"github.com/simgraph/simgraph/server/servertest"
)

func uniqueJobsPrefix(t *testing.T, rdb redis.UniversalClient) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "{simgraph:handbacktest_" + hex.EncodeToString(b) + "}:"
	t.Cleanup(func() {
		ctx := context.Background()
		rdb.Del(ctx, prefix+"jobs")
		rdb.Del(ctx, prefix+"jobs:tasks")
	})
	return prefix
}

// TestRedisHandBack: a process that stops while it runs a job and a task
// hands both back: another process takes them at once (long before the
// reclaim of a dead worker's entries could), not as reclaimed entries, and
// the stopped process holds no pending entry.
func TestRedisHandBack(t *testing.T) {
	t.Parallel()
	for _, backend := range servertest.RedisBackends() {
		t.Run(backend.Name, func(t *testing.T) {
			t.Parallel()
			testRedisHandBack(t, backend.URL(t))
		})
	}
}

func testRedisHandBack(t *testing.T, url string) {
	rdb, err := config.NewRedisClient(url)
	require.NoError(t, err)
	defer rdb.Close()
	prefix := uniqueJobsPrefix(t, rdb)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func(ctx context.Context) (*jobs.Redis, *jobs.RedisTasks) {
		q, err := jobs.NewRedis(ctx, rdb, prefix, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		// Far beyond the test's waits: only a hand-back moves the entries.
		q.Block, q.ReclaimAfter = 100*time.Millisecond, time.Hour
		tq, err := jobs.NewRedisTasks(ctx, q)
		require.NoError(t, err)
		return q, tq
	}

	stopCtx, stop := context.WithCancel(ctx)
	stopping, stoppingTasks := open(stopCtx)
	started := make(chan string, 2)
	var stopped [2]chan struct{}
	for i := range stopped {
		stopped[i] = make(chan struct{})
	}
	go func() {
		defer close(stopped[0])
		stopping.Work(stopCtx, 1, func(ctx context.Context, j jobs.Job) error {
			started <- "job"
			<-ctx.Done()
			return ctx.Err()
		})
	}()
	go func() {
		defer close(stopped[1])
		stoppingTasks.WorkTasks(stopCtx, 1, func(ctx context.Context, task jobs.Task) error {
			started <- "task"
			<-ctx.Done()
			return ctx.Err()
		})
	}()
	require.NoError(t, stopping.Enqueue(ctx, jobs.Job{SimulationID: "handed-back"}))
	require.NoError(t, stoppingTasks.EnqueueTask(ctx, jobs.Task{Job: jobs.Job{SimulationID: "handed-back"}, Pass: 2, First: 8, End: 12}))
	for range 2 {
		select {
		case <-started:
		case <-time.After(20 * time.Second):
			t.Fatal("the stopping process never took its job and task")
		}
	}
	stop()
	<-stopped[0]
	<-stopped[1]

	for _, stream := range []string{prefix + "jobs", prefix + "jobs:tasks"} {
		pending, err := rdb.XPending(ctx, stream, jobs.ConsumerGroup).Result()
		require.NoError(t, err)
		require.Zero(t, pending.Count, "%s: the stopped process acknowledged what it handed back", stream)
	}

	other, otherTasks := open(ctx)
	gotJob := make(chan jobs.Job, 1)
	gotTask := make(chan jobs.Task, 1)
	go other.Work(ctx, 1, func(_ context.Context, j jobs.Job) error { gotJob <- j; return nil })
	go otherTasks.WorkTasks(ctx, 1, func(_ context.Context, task jobs.Task) error { gotTask <- task; return nil })
	select {
	case j := <-gotJob:
		require.Equal(t, "handed-back", j.SimulationID)
	case <-time.After(20 * time.Second):
		t.Fatal("the handed-back job was not taken")
	}
	select {
	case task := <-gotTask:
		require.Equal(t, "2:8:12", task.Key())
		require.False(t, task.Reclaimed, "a handed-back task is queued again, not reclaimed")
	case <-time.After(20 * time.Second):
		t.Fatal("the handed-back task was not taken")
	}
}

// TestPartialsPutOnce: of two puts of a key only the first is stored and
// reports it; a large value is stored deflated and read back as it was.
func TestPartialsPutOnce(t *testing.T) {
	t.Parallel()
	rdb, err := config.NewRedisClient(servertest.RedisURL(t))
	require.NoError(t, err)
	defer rdb.Close()
	prefix := uniqueJobsPrefix(t, rdb)
	q, err := jobs.NewRedis(context.Background(), rdb, prefix, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	redisPartials := jobs.NewRedisPartials(q)
	t.Cleanup(func() { _ = redisPartials.Drop(context.Background(), "sim") })

	large := bytes.Repeat([]byte("partial summary of a chunk range "), 4096)
	for _, store := range []struct {
		name string
		p    jobs.Partials
	}{{"Redis", redisPartials}, {"Memory", jobs.NewMemoryPartials()}} {
		t.Run(store.name, func(t *testing.T) {
			ctx := context.Background()
			for _, c := range []struct {
				key          string
				first, again []byte
			}{
				{"small", []byte("first"), []byte("second")},
				{"large", large, []byte("another")},
			} {
				stored, err := store.p.Put(ctx, "sim", c.key, c.first)
				require.NoError(t, err)
				require.True(t, stored, "%s: the first put stores", c.key)
				stored, err = store.p.Put(ctx, "sim", c.key, c.again)
				require.NoError(t, err)
				require.False(t, stored, "%s: the second put is a duplicate", c.key)
				got, ok, err := store.p.Get(ctx, "sim", c.key)
				require.NoError(t, err)
				require.True(t, ok)
				require.Equal(t, c.first, got, "%s: the first value stays", c.key)
			}
		})
	}
	n, err := rdb.HStrLen(context.Background(), prefix+"jobs:partials:sim", "large").Result()
	require.NoError(t, err)
	require.Less(t, n, int64(len(large)/10), "a large partial is stored deflated")
}
