package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Task is one chunk range of one pass of a simulation split across workers
// (engine.Split): chunks [First, End) of pass Pass.
type Task struct {
	Job
	Pass  int `json:"pass"`
	First int `json:"first"`
	End   int `json:"end"`
	// Replica, when set, routes the task to that replica first (the one
	// that kept the range's first-pass outputs, so that it replays them):
	// the Redis queue puts it on the replica's own stream, which only that
	// replica reads. The coordinator queues it again without a Replica when
	// that replica is gone or slow. The in-process queue ignores it.
	Replica string `json:"replica,omitempty"`
	// Reclaimed says this worker took the task from a worker that stopped
	// refreshing it (died); set by the queue, never sent.
	Reclaimed bool `json:"-"`
}

// Key names the task's partial result.
func (t Task) Key() string { return fmt.Sprintf("%d:%d:%d", t.Pass, t.First, t.End) }

// TaskHandler computes one task. A nil error acknowledges it; an error
// leaves it to be retried elsewhere. When the process stops (the context
// of WorkTasks ends) the running tasks' contexts end and the handler
// should return at once: the queue hands the task back for another worker.
type TaskHandler func(ctx context.Context, task Task) error

// TaskQueue is where a split simulation's tasks wait for any worker.
type TaskQueue interface {
	EnqueueTask(ctx context.Context, task Task) error
	// WorkTasks runs workers goroutines that take tasks and call h until
	// ctx ends. A cancel of the simulation (Queue.Cancel) ends the
	// contexts of its running tasks.
	WorkTasks(ctx context.Context, workers int, h TaskHandler)
}

// runningTasks tracks this process's running tasks, several per
// simulation, so a cancel reaches each.
type runningTasks struct {
	mu      sync.Mutex
	cancels map[string]map[*Task]context.CancelCauseFunc
}

func newRunningTasks() *runningTasks {
	return &runningTasks{cancels: map[string]map[*Task]context.CancelCauseFunc{}}
}

func (r *runningTasks) run(ctx context.Context, task Task, h TaskHandler) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	key := &task
	r.mu.Lock()
	if r.cancels[task.SimulationID] == nil {
		r.cancels[task.SimulationID] = map[*Task]context.CancelCauseFunc{}
	}
	r.cancels[task.SimulationID][key] = cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.cancels[task.SimulationID], key)
		if len(r.cancels[task.SimulationID]) == 0 {
			delete(r.cancels, task.SimulationID)
		}
		r.mu.Unlock()
	}()
	return h(ctx, task)
}

func (r *runningTasks) cancel(simulationID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.cancels[simulationID] {
		c(ErrCancelled)
	}
}

// RedisTasks is the server mode's task queue: a second stream beside the
// jobs', with the same consumer group discipline: a worker holds its
// task's entry pending and refreshes it while it computes; an entry idle
// for longer than ReclaimAfter belongs to a dead worker and is claimed by
// another (XAUTOCLAIM).
//
// Each process also reads a stream of its own (the task stream's key,
// ":", its consumer name), where the tasks routed to it wait (Task.Replica)
// and which it reads before the shared one. Nothing reclaims from it: the
// coordinator queues a routed task again on the shared stream when its
// replica is silent for long enough, and a stopping process moves what
// waits there to the shared stream.
type RedisTasks struct {
	rdb          redis.UniversalClient
	stream       string
	own          string      // this process's stream
	apart        atomic.Bool // XREADGROUP failed on both streams at once (CROSSSLOT): read them apart
	group        string
	consumer     string
	log          *slog.Logger
	ReclaimAfter time.Duration
	Block        time.Duration
	running      *runningTasks
}

// NewRedisTasks opens the task stream beside q's jobs and listens for q's
// cancels until ctx ends.
func NewRedisTasks(ctx context.Context, q *Redis) (*RedisTasks, error) {
	t := &RedisTasks{
		rdb: q.rdb, stream: q.stream + ":tasks", group: q.group, consumer: q.consumer, log: q.log,
		ReclaimAfter: q.ReclaimAfter, Block: q.Block, running: newRunningTasks(),
	}
	t.own = t.replicaStream(t.consumer)
	for _, s := range []string{t.stream, t.own} {
		err := t.rdb.XGroupCreateMkStream(ctx, s, t.group, "0").Err()
		if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
			return nil, fmt.Errorf("jobs: creating the task consumer group: %w", err)
		}
	}
	t.rdb.Expire(ctx, t.own, ownStreamTTL)
	ps := t.rdb.Subscribe(ctx, q.cancels)
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
				t.running.cancel(msg.Payload)
			}
		}
	}()
	return t, nil
}

// Stream is the task stream's key.
func (t *RedisTasks) Stream() string { return t.stream }

// Consumer names this process among the group's consumers.
func (t *RedisTasks) Consumer() string { return t.consumer }

// replicaStream is the stream of the tasks routed to a replica: beside the
// shared one, so in its hash slot when the prefix is a hash tag.
func (t *RedisTasks) replicaStream(replica string) string { return t.stream + ":" + replica }

// ownStreamTTL bounds how long a replica's stream outlives its last
// routed task (a replica that died leaves it behind).
const ownStreamTTL = 24 * time.Hour

// EnqueueTask implements TaskQueue: on the stream of task.Replica when
// set, else on the shared one.
func (t *RedisTasks) EnqueueTask(ctx context.Context, task Task) error {
	b, err := json.Marshal(task)
	if err != nil {
		return err
	}
	stream := t.stream
	if task.Replica != "" {
		stream = t.replicaStream(task.Replica)
	}
	pipe := t.rdb.TxPipeline()
	pipe.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: map[string]any{"task": b}, MaxLen: 100000, Approx: true})
	if stream != t.stream {
		pipe.Expire(ctx, stream, ownStreamTTL)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("jobs: enqueueing a task: %w", err)
	}
	return nil
}

// WorkTasks implements TaskQueue. When ctx ends, a running task (or one
// read just then) is handed back: queued again at the stream's end and
// acknowledged here, so that another worker takes it at once instead of
// after ReclaimAfter.
//
// The tasks still waiting on this process's own stream then go to the
// shared one too.
func (t *RedisTasks) WorkTasks(ctx context.Context, workers int, h TaskHandler) {
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for ctx.Err() == nil {
				e, ok := t.next(ctx)
				if ok {
					t.handle(ctx, e, h)
				}
			}
		})
	}
	wg.Wait()
	t.moveOwn()
}

// entry is a task read from a stream.
type entry struct {
	stream, id string
	task       Task
}

// moveOwn hands every task waiting on this process's stream to the
// shared one and deletes the stream.
func (t *RedisTasks) moveOwn() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		streams, err := t.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: t.group, Consumer: t.consumer, Streams: []string{t.own, ">"}, Count: 100, Block: -1,
		}).Result()
		if err != nil || len(streams) == 0 || len(streams[0].Messages) == 0 {
			break
		}
		for _, msg := range streams[0].Messages {
			if e, ok := t.decode(ctx, t.own, msg); ok {
				t.handBack(e)
			}
		}
	}
	t.rdb.Del(ctx, t.own)
}

// handBack queues the task again on the shared stream and acknowledges
// its entry, in one transaction when the entry is on the shared stream
// (one key: one slot on a cluster), else one after the other (a crash in
// between leaves a duplicate, which computes the same partial).
func (t *RedisTasks) handBack(e entry) {
	task, id := e.task, e.id
	task.Replica = ""
	b, err := json.Marshal(task)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		add := &redis.XAddArgs{Stream: t.stream, Values: map[string]any{"task": b}, MaxLen: 100000, Approx: true}
		if e.stream == t.stream {
			pipe := t.rdb.TxPipeline()
			pipe.XAdd(ctx, add)
			pipe.XAck(ctx, t.stream, t.group, id)
			_, err = pipe.Exec(ctx)
		} else if err = t.rdb.XAdd(ctx, add).Err(); err == nil {
			err = t.rdb.XAck(ctx, e.stream, t.group, id).Err()
		}
	}
	if err != nil {
		t.log.Warn("jobs: handing a task back failed; it will be reclaimed", "simulation", task.SimulationID, "task", task.Key(), "err", err)
		return
	}
	t.log.Info("jobs: handed a task back", "simulation", task.SimulationID, "task", task.Key())
}

// next takes a task: one reclaimed from a dead worker, else one routed to
// this process, else one from the shared stream (blocking on both for up
// to Block).
func (t *RedisTasks) next(ctx context.Context) (entry, bool) {
	msgs, _, err := t.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: t.stream, Group: t.group, Consumer: t.consumer, MinIdle: t.ReclaimAfter, Start: "0-0", Count: 1,
	}).Result()
	if err == nil && len(msgs) > 0 {
		t.log.Info("jobs: reclaimed a task from a dead worker", "id", msgs[0].ID)
		e, ok := t.decode(ctx, t.stream, msgs[0])
		e.task.Reclaimed = true
		return e, ok
	}
	if e, ok := t.read(ctx, []string{t.own}, -1); ok {
		return e, true
	}
	if ctx.Err() != nil {
		return entry{}, false
	}
	if !t.apart.Load() {
		// Both streams at once, so that a task routed here while this
		// worker waits is taken at once (the own stream first).
		return t.read(ctx, []string{t.own, t.stream}, t.Block)
	}
	return t.read(ctx, []string{t.stream}, t.Block)
}

// read reads one entry of each of streams (block < 0: without waiting)
// and takes the first; any other read with it is handed back.
func (t *RedisTasks) read(ctx context.Context, streams []string, block time.Duration) (entry, bool) {
	args := append(slices.Clone(streams), slices.Repeat([]string{">"}, len(streams))...)
	res, err := t.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: t.group, Consumer: t.consumer, Streams: args, Count: 1, Block: block,
	}).Result()
	if err != nil {
		switch {
		case ctx.Err() != nil || errors.Is(err, redis.Nil):
		case strings.Contains(err.Error(), "CROSSSLOT") && len(streams) > 1:
			// A prefix without a hash tag on a cluster: the streams are
			// on different slots.
			t.apart.Store(true)
		case strings.Contains(err.Error(), "NOGROUP"):
			for _, s := range streams {
				if err := t.rdb.XGroupCreateMkStream(ctx, s, t.group, "0").Err(); err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
					t.log.Warn("jobs: recreating the task consumer group", "stream", s, "err", err)
					sleep(ctx, time.Second)
				}
			}
		default:
			t.log.Warn("jobs: reading tasks", "err", err)
			sleep(ctx, time.Second)
		}
		return entry{}, false
	}
	var got []entry
	for _, s := range res {
		for _, msg := range s.Messages {
			if e, ok := t.decode(ctx, s.Stream, msg); ok {
				got = append(got, e)
			}
		}
	}
	if len(got) == 0 {
		return entry{}, false
	}
	for _, e := range got[1:] {
		t.handBack(e)
	}
	return got[0], true
}

func (t *RedisTasks) decode(ctx context.Context, stream string, msg redis.XMessage) (entry, bool) {
	var task Task
	raw, _ := msg.Values["task"].(string)
	if err := json.Unmarshal([]byte(raw), &task); err != nil || task.SimulationID == "" {
		t.log.Error("jobs: dropping an undecodable task", "id", msg.ID, "err", err)
		t.rdb.XAck(ctx, stream, t.group, msg.ID)
		return entry{}, false
	}
	return entry{stream: stream, id: msg.ID, task: task}, true
}

func (t *RedisTasks) handle(ctx context.Context, e entry, h TaskHandler) {
	id, task := e.id, e.task
	if ctx.Err() != nil {
		t.handBack(e)
		return
	}
	hbCtx, stopHeartbeat := context.WithCancel(ctx)
	defer stopHeartbeat()
	go func() {
		tick := time.NewTicker(t.ReclaimAfter / 3)
		defer tick.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-tick.C:
				t.rdb.XClaimJustID(hbCtx, &redis.XClaimArgs{Stream: e.stream, Group: t.group, Consumer: t.consumer, MinIdle: 0, Messages: []string{id}})
			}
		}
	}()
	if err := t.running.run(ctx, task, h); err != nil {
		if ctx.Err() != nil {
			stopHeartbeat()
			t.handBack(e)
			return
		}
		t.log.Warn("jobs: task failed; it will be retried", "simulation", task.SimulationID, "task", task.Key(), "err", err)
		return
	}
	if err := t.rdb.XAck(context.WithoutCancel(ctx), e.stream, t.group, id).Err(); err != nil {
		t.log.Warn("jobs: acknowledging a task", "id", id, "err", err)
	}
}

// MemoryTasks is the embedded mode's task queue, in process.
type MemoryTasks struct {
	mu      sync.Mutex
	pending []Task
	wake    chan struct{}
	running *runningTasks
}

// NewMemoryTasks returns an empty in-process task queue; m's cancels reach
// its tasks.
func NewMemoryTasks(m *Memory) *MemoryTasks {
	t := &MemoryTasks{wake: make(chan struct{}, 1), running: newRunningTasks()}
	m.onCancel(t.running.cancel)
	return t
}

// EnqueueTask implements TaskQueue.
func (t *MemoryTasks) EnqueueTask(_ context.Context, task Task) error {
	t.mu.Lock()
	t.pending = append(t.pending, task)
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
	return nil
}

func (t *MemoryTasks) take() (Task, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.pending) == 0 {
		return Task{}, false
	}
	task := t.pending[0]
	t.pending = t.pending[1:]
	if len(t.pending) > 0 {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
	return task, true
}

// WorkTasks implements TaskQueue. A task whose handler fails is put back.
func (t *MemoryTasks) WorkTasks(ctx context.Context, workers int, h TaskHandler) {
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for {
				if task, ok := t.take(); ok {
					if err := t.running.run(ctx, task, h); err != nil && ctx.Err() == nil {
						_ = t.EnqueueTask(ctx, task)
					}
					continue
				}
				select {
				case <-ctx.Done():
					return
				case <-t.wake:
				}
			}
		})
	}
	wg.Wait()
}
