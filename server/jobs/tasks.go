package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
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
type RedisTasks struct {
	rdb          redis.UniversalClient
	stream       string
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
	err := t.rdb.XGroupCreateMkStream(ctx, t.stream, t.group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return nil, fmt.Errorf("jobs: creating the task consumer group: %w", err)
	}
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

// EnqueueTask implements TaskQueue.
func (t *RedisTasks) EnqueueTask(ctx context.Context, task Task) error {
	b, err := json.Marshal(task)
	if err != nil {
		return err
	}
	if err := t.rdb.XAdd(ctx, &redis.XAddArgs{Stream: t.stream, Values: map[string]any{"task": b}, MaxLen: 100000, Approx: true}).Err(); err != nil {
		return fmt.Errorf("jobs: enqueueing a task: %w", err)
	}
	return nil
}

// WorkTasks implements TaskQueue. When ctx ends, a running task (or one
// read just then) is handed back: queued again at the stream's end and
// acknowledged here, so that another worker takes it at once instead of
// after ReclaimAfter.
func (t *RedisTasks) WorkTasks(ctx context.Context, workers int, h TaskHandler) {
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for ctx.Err() == nil {
				id, task, ok := t.next(ctx)
				if ok {
					t.handle(ctx, id, task, h)
				}
			}
		})
	}
	wg.Wait()
}

// handBack queues task again and acknowledges its entry id, in one
// transaction (one key: one slot on a cluster).
func (t *RedisTasks) handBack(id string, task Task) {
	b, err := json.Marshal(task)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pipe := t.rdb.TxPipeline()
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: t.stream, Values: map[string]any{"task": b}, MaxLen: 100000, Approx: true})
		pipe.XAck(ctx, t.stream, t.group, id)
		_, err = pipe.Exec(ctx)
	}
	if err != nil {
		t.log.Warn("jobs: handing a task back failed; it will be reclaimed", "simulation", task.SimulationID, "task", task.Key(), "err", err)
		return
	}
	t.log.Info("jobs: handed a task back", "simulation", task.SimulationID, "task", task.Key())
}

func (t *RedisTasks) next(ctx context.Context) (string, Task, bool) {
	msgs, _, err := t.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: t.stream, Group: t.group, Consumer: t.consumer, MinIdle: t.ReclaimAfter, Start: "0-0", Count: 1,
	}).Result()
	if err == nil && len(msgs) > 0 {
		t.log.Info("jobs: reclaimed a task from a dead worker", "id", msgs[0].ID)
		id, task, ok := t.decode(ctx, msgs[0])
		task.Reclaimed = true
		return id, task, ok
	}
	streams, err := t.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: t.group, Consumer: t.consumer, Streams: []string{t.stream, ">"}, Count: 1, Block: t.Block,
	}).Result()
	if err != nil {
		if strings.Contains(err.Error(), "NOGROUP") && ctx.Err() == nil {
			if err := t.rdb.XGroupCreateMkStream(ctx, t.stream, t.group, "0").Err(); err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
				t.log.Warn("jobs: recreating the task consumer group", "err", err)
				sleep(ctx, time.Second)
			}
			return "", Task{}, false
		}
		if !errors.Is(err, redis.Nil) && ctx.Err() == nil {
			t.log.Warn("jobs: reading tasks", "err", err)
			sleep(ctx, time.Second)
		}
		return "", Task{}, false
	}
	if len(streams) == 0 || len(streams[0].Messages) == 0 {
		return "", Task{}, false
	}
	return t.decode(ctx, streams[0].Messages[0])
}

func (t *RedisTasks) decode(ctx context.Context, msg redis.XMessage) (string, Task, bool) {
	var task Task
	raw, _ := msg.Values["task"].(string)
	if err := json.Unmarshal([]byte(raw), &task); err != nil || task.SimulationID == "" {
		t.log.Error("jobs: dropping an undecodable task", "id", msg.ID, "err", err)
		t.rdb.XAck(ctx, t.stream, t.group, msg.ID)
		return "", Task{}, false
	}
	return msg.ID, task, true
}

func (t *RedisTasks) handle(ctx context.Context, id string, task Task, h TaskHandler) {
	if ctx.Err() != nil {
		t.handBack(id, task)
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
				t.rdb.XClaimJustID(hbCtx, &redis.XClaimArgs{Stream: t.stream, Group: t.group, Consumer: t.consumer, MinIdle: 0, Messages: []string{id}})
			}
		}
	}()
	if err := t.running.run(ctx, task, h); err != nil {
		if ctx.Err() != nil {
			stopHeartbeat()
			t.handBack(id, task)
			return
		}
		t.log.Warn("jobs: task failed; it will be retried", "simulation", task.SimulationID, "task", task.Key(), "err", err)
		return
	}
	if err := t.rdb.XAck(context.WithoutCancel(ctx), t.stream, t.group, id).Err(); err != nil {
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
