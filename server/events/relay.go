package events

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/outboxevent"
)

// Source is one outbox: a service database's client, connected as a role
// that sees every tenant's rows.
type Source struct {
	Name   string
	Client *ent.Client
}

// Relay publishes outbox rows to the bus and stamps them published. A row
// published but not stamped (the relay died in between) is published
// again; consumers recognise it by ID.
type Relay struct {
	Bus Bus
	// Sources returns the outboxes to relay: every service database with an
	// outbox, and (through the tenant router) dedicated tenant databases.
	Sources func() []Source
	Log     *slog.Logger
	// Interval is how often outboxes are polled; Notify polls at once.
	Interval time.Duration
	// Replay is how far back published events are published again when the
	// bus reports it lost its contents (Bus.Fresh).
	Replay time.Duration
	// Batch is the most rows taken from one outbox per poll.
	Batch int
	// AfterLoss, if set, runs once the bus has lost its contents and the
	// recent events are set to be published again: the job queue shares
	// the bus's Redis, so its jobs went too and are queued again here.
	AfterLoss func(ctx context.Context) error

	// recovering is set from a loss until its replay and AfterLoss have
	// succeeded: the bus reports a loss once, and a failed recovery is
	// tried again at the next poll.
	recovering atomic.Bool

	nudge chan struct{}
	mu    sync.Mutex
	stop  context.CancelFunc
	done  chan struct{}
}

// Notify asks the relay to poll now (after a transaction that wrote to an
// outbox has committed).
func (r *Relay) Notify() {
	if r.nudge == nil {
		return
	}
	select {
	case r.nudge <- struct{}{}:
	default:
	}
}

// Start runs the relay in the background until Stop or until ctx ends.
func (r *Relay) Start(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stop != nil {
		return
	}
	if r.nudge == nil {
		r.nudge = make(chan struct{}, 1)
	}
	ctx, r.stop = context.WithCancel(ctx)
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		r.run(ctx)
	}()
}

// Stop stops the relay and waits for it, wherever it is in a batch: the
// crash the outbox is designed to survive.
func (r *Relay) Stop() {
	r.mu.Lock()
	stop, done := r.stop, r.done
	r.stop, r.done = nil, nil
	r.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

func (r *Relay) run(ctx context.Context) {
	every := r.Interval
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for ctx.Err() == nil {
		if err := r.Poll(ctx); err != nil && ctx.Err() == nil {
			r.Log.WarnContext(ctx, "events: relay", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-r.nudge:
		}
	}
}

// Poll publishes what every outbox holds unpublished, oldest first, and
// returns how many events it published.
func (r *Relay) Poll(ctx context.Context) error {
	fresh, err := r.Bus.Fresh(ctx)
	if err != nil {
		return err
	}
	sources := r.Sources()
	if fresh {
		r.recovering.Store(true)
	}
	if r.recovering.Load() {
		replay := r.Replay
		if replay <= 0 {
			replay = 24 * time.Hour
		}
		since := time.Now().Add(-replay)
		for _, s := range sources {
			n, err := s.Client.OutboxEvent.Update().
				Where(outboxevent.PublishedAtNotNil(), outboxevent.CreatedAtGT(since)).
				ClearPublishedAt().Save(ctx)
			if err != nil {
				return err
			}
			if n > 0 {
				r.Log.InfoContext(ctx, "events: the bus lost its contents; publishing recent events again", "outbox", s.Name, "events", n)
			}
		}
		if r.AfterLoss != nil {
			if err := r.AfterLoss(ctx); err != nil {
				return err
			}
		}
		r.recovering.Store(false)
	}
	batch := r.Batch
	if batch <= 0 {
		batch = 200
	}
	for _, s := range sources {
		for {
			rows, err := s.Client.OutboxEvent.Query().
				Where(outboxevent.PublishedAtIsNil()).
				Order(ent.Asc(outboxevent.FieldCreatedAt), ent.Asc(outboxevent.FieldID)).
				Limit(batch).All(ctx)
			if err != nil {
				return err
			}
			for _, row := range rows {
				if err := r.Bus.Publish(ctx, fromRow(row)); err != nil {
					return err
				}
				if err := s.Client.OutboxEvent.UpdateOneID(row.ID).SetPublishedAt(time.Now()).Exec(ctx); err != nil {
					return err
				}
			}
			if len(rows) < batch {
				break
			}
		}
	}
	return nil
}
