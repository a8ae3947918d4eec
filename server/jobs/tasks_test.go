package jobs_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/jobs"
	"github.com/simgraph/simgraph/server/servertest"
)

// redisTaskQueue is one process's job queue and task queue.
func redisTaskQueue(t *testing.T, ctx context.Context, rdb *redis.Client, prefix string) (*jobs.Redis, *jobs.RedisTasks) {
	q, err := jobs.NewRedis(ctx, rdb, prefix, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	q.Block, q.ReclaimAfter = 100*time.Millisecond, time.Second
	tq, err := jobs.NewRedisTasks(ctx, q)
	require.NoError(t, err)
	return q, tq
}

// TestRedisTasksReclaimAndCancel: a task whose worker stops without
// acknowledging it is taken by another worker once idle for ReclaimAfter;
// a cancel of the simulation ends every running task of it, on every
// process, and no other's.
func TestRedisTasksReclaimAndCancel(t *testing.T) {
	opt, err := redis.ParseURL(servertest.RedisURL(t))
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "simgraph:taskstest_" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() { rdb.Del(context.Background(), prefix+"jobs", prefix+"jobs:tasks") })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// A worker that dies holding its task: its connection goes first (no
	// hand-back reaches Redis), then its context ends mid-task.
	deadRdb := redis.NewClient(opt)
	deadCtx, die := context.WithCancel(ctx)
	_, dead := redisTaskQueue(t, deadCtx, deadRdb, prefix)
	q, alive := redisTaskQueue(t, ctx, rdb, prefix)
	taken := make(chan struct{})
	deadDone := make(chan struct{})
	go func() {
		defer close(deadDone)
		dead.WorkTasks(deadCtx, 1, func(ctx context.Context, _ jobs.Task) error {
			close(taken)
			<-ctx.Done()
			return ctx.Err()
		})
	}()
	require.NoError(t, alive.EnqueueTask(ctx, jobs.Task{Job: jobs.Job{SimulationID: "reclaimed"}, Pass: 1, First: 0, End: 4}))
	<-taken
	deadRdb.Close()
	die()
	<-deadDone

	got := make(chan jobs.Task, 8)
	cancelled := make(chan string, 8)
	workDone := make(chan struct{})
	go func() {
		defer close(workDone)
		alive.WorkTasks(ctx, 3, func(ctx context.Context, task jobs.Task) error {
			got <- task
			if task.SimulationID == "reclaimed" {
				return nil
			}
			<-ctx.Done()
			cancelled <- task.SimulationID
			return nil
		})
	}()
	select {
	case task := <-got:
		require.Equal(t, "reclaimed", task.SimulationID)
		require.Equal(t, "1:0:4", task.Key())
		require.True(t, task.Reclaimed, "taken from the dead worker's pending entry")
	case <-time.After(20 * time.Second):
		t.Fatal("the dead worker's task was never reclaimed")
	}

	for _, task := range []jobs.Task{
		{Job: jobs.Job{SimulationID: "stopped"}, First: 0, End: 4},
		{Job: jobs.Job{SimulationID: "stopped"}, First: 4, End: 8},
	} {
		require.NoError(t, alive.EnqueueTask(ctx, task))
	}
	for range 2 {
		select {
		case <-got:
		case <-time.After(20 * time.Second):
			t.Fatal("a task was never taken")
		}
	}
	require.NoError(t, q.Cancel(ctx, "another"))
	require.NoError(t, q.Cancel(ctx, "stopped"))
	for range 2 {
		select {
		case id := <-cancelled:
			require.Equal(t, "stopped", id)
		case <-time.After(20 * time.Second):
			t.Fatal("a running task was not cancelled")
		}
	}
	cancel()
	<-workDone
}

// TestMemoryTasksCancel: the embedded queue's cancel reaches its tasks.
func TestMemoryTasksCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := jobs.NewMemory()
	tq := jobs.NewMemoryTasks(m)
	started := make(chan struct{}, 2)
	causes := make(chan error, 2)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tq.WorkTasks(ctx, 2, func(ctx context.Context, _ jobs.Task) error {
			started <- struct{}{}
			<-ctx.Done()
			causes <- context.Cause(ctx)
			return nil
		})
	}()
	for first := range 2 {
		require.NoError(t, tq.EnqueueTask(ctx, jobs.Task{Job: jobs.Job{SimulationID: "s"}, First: first, End: first + 1}))
	}
	<-started
	<-started
	require.NoError(t, m.Cancel(ctx, "s"))
	for range 2 {
		require.ErrorIs(t, <-causes, jobs.ErrCancelled)
	}
	cancel()
	<-done
}
