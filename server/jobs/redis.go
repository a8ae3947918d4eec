package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"crypto/rand"
	"encoding/hex"

	"github.com/redis/go-redis/v9"
)

// Redis is the server mode's queue: a stream with one consumer group shared
// by every process. A worker holds its job's entry pending and refreshes its
// idle time while it runs; an entry idle for longer than ReclaimAfter
// belongs to a dead worker and is claimed by another (XAUTOCLAIM).
type Redis struct {
	rdb          redis.UniversalClient
	stream       string
	group        string
	cancels      string
	consumer     string
	log          *slog.Logger
	ReclaimAfter time.Duration
	Block        time.Duration
	running      *running
}

// NewRedis creates the consumer group if needed and starts listening for
// cancels until ctx ends. On a Redis Cluster the prefix should be the hash
// tag ({...}) of the event bus, whose epoch key tells when the stream was
// lost.
func NewRedis(ctx context.Context, rdb redis.UniversalClient, prefix string, log *slog.Logger) (*Redis, error) {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	q := &Redis{
		rdb: rdb, stream: StreamKey(prefix), group: ConsumerGroup, cancels: prefix + "jobs:cancel",
		consumer: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b)),
		log:      log, ReclaimAfter: 30 * time.Second, Block: 2 * time.Second, running: newRunning(),
	}
	err := rdb.XGroupCreateMkStream(ctx, q.stream, q.group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return nil, fmt.Errorf("jobs: creating consumer group: %w", err)
	}
	ps := rdb.Subscribe(ctx, q.cancels)
	if _, err := ps.Receive(ctx); err != nil {
		ps.Close()
		return nil, fmt.Errorf("jobs: subscribing to cancels: %w", err)
	}
	go func() {
		defer ps.Close()
		ch := ps.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case msg, ok := <-ch:
				if !ok {
					return
				}
				q.running.cancel(msg.Payload)
			}
		}
	}()
	return q, nil
}

// Enqueue implements Queue.
func (q *Redis) Enqueue(ctx context.Context, job Job) error {
	b, err := json.Marshal(job)
	if err != nil {
		return err
	}
	err = q.rdb.XAdd(ctx, &redis.XAddArgs{Stream: q.stream, Values: map[string]any{"job": b}, MaxLen: 100000, Approx: true}).Err()
	if err != nil {
		return fmt.Errorf("jobs: enqueueing: %w", err)
	}
	return nil
}

// Cancel implements Queue: every process hears it.
func (q *Redis) Cancel(ctx context.Context, simulationID string) error {
	return q.rdb.Publish(ctx, q.cancels, simulationID).Err()
}

// Work implements Queue.
func (q *Redis) Work(ctx context.Context, workers int, h Handler) {
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for ctx.Err() == nil {
				id, job, ok := q.next(ctx)
				if !ok {
					continue
				}
				q.handle(ctx, id, job, h)
			}
		})
	}
	wg.Wait()
}

// next returns a reclaimed job of a dead worker, or a new one.
func (q *Redis) next(ctx context.Context) (string, Job, bool) {
	msgs, _, err := q.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: q.stream, Group: q.group, Consumer: q.consumer, MinIdle: q.ReclaimAfter, Start: "0-0", Count: 1,
	}).Result()
	if err == nil && len(msgs) > 0 {
		q.log.Info("jobs: reclaimed a job from a dead worker", "id", msgs[0].ID)
		return q.decode(ctx, msgs[0])
	}
	streams, err := q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: q.group, Consumer: q.consumer, Streams: []string{q.stream, ">"}, Count: 1, Block: q.Block,
	}).Result()
	if err != nil {
		if strings.Contains(err.Error(), "NOGROUP") && ctx.Err() == nil {
			// Redis restarted without its data: the group went with the
			// stream, and no job would be read again until it is back.
			if err := q.rdb.XGroupCreateMkStream(ctx, q.stream, q.group, "0").Err(); err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
				q.log.Warn("jobs: recreating consumer group", "err", err)
				sleep(ctx, time.Second)
			}
			return "", Job{}, false
		}
		if !errors.Is(err, redis.Nil) && ctx.Err() == nil {
			q.log.Warn("jobs: reading", "err", err)
			sleep(ctx, time.Second)
		}
		return "", Job{}, false
	}
	if len(streams) == 0 || len(streams[0].Messages) == 0 {
		return "", Job{}, false
	}
	return q.decode(ctx, streams[0].Messages[0])
}

func (q *Redis) decode(ctx context.Context, msg redis.XMessage) (string, Job, bool) {
	var job Job
	raw, _ := msg.Values["job"].(string)
	if err := json.Unmarshal([]byte(raw), &job); err != nil || job.SimulationID == "" {
		q.log.Error("jobs: dropping undecodable job", "id", msg.ID, "err", err)
		q.rdb.XAck(ctx, q.stream, q.group, msg.ID)
		return "", Job{}, false
	}
	return msg.ID, job, true
}

// handle runs a job, keeping its entry fresh so no one reclaims it while
// this worker is alive, and acknowledges it when the handler succeeds. A
// job interrupted because the process stops (ctx ended) is handed back:
// queued again and acknowledged, for another replica to take at once.
func (q *Redis) handle(ctx context.Context, id string, job Job, h Handler) {
	if ctx.Err() != nil {
		q.handBack(id, job)
		return
	}
	hbCtx, stopHeartbeat := context.WithCancel(ctx)
	defer stopHeartbeat()
	go func() {
		t := time.NewTicker(q.ReclaimAfter / 3)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
				q.rdb.XClaimJustID(hbCtx, &redis.XClaimArgs{Stream: q.stream, Group: q.group, Consumer: q.consumer, MinIdle: 0, Messages: []string{id}})
			}
		}
	}()
	if err := q.running.run(ctx, job, h); err != nil {
		if ctx.Err() != nil {
			stopHeartbeat()
			q.handBack(id, job)
			return
		}
		q.log.Warn("jobs: job failed; it will be retried", "simulation", job.SimulationID, "err", err)
		return
	}
	if err := q.rdb.XAck(context.WithoutCancel(ctx), q.stream, q.group, id).Err(); err != nil {
		q.log.Warn("jobs: acknowledging", "id", id, "err", err)
	}
}

// handBack queues job again and acknowledges its entry id in one
// transaction; should that fail, the entry stays pending and is reclaimed
// after ReclaimAfter.
func (q *Redis) handBack(id string, job Job) {
	b, err := json.Marshal(job)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pipe := q.rdb.TxPipeline()
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: q.stream, Values: map[string]any{"job": b}, MaxLen: 100000, Approx: true})
		pipe.XAck(ctx, q.stream, q.group, id)
		_, err = pipe.Exec(ctx)
	}
	if err != nil {
		q.log.Warn("jobs: handing a job back failed; it will be reclaimed", "simulation", job.SimulationID, "err", err)
		return
	}
	q.log.Info("jobs: handed a job back", "simulation", job.SimulationID)
}

// Consumer names this process among the group's consumers.
func (q *Redis) Consumer() string { return q.consumer }

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
