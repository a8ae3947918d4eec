package events

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/processedevent"
)

// Consumer is one consumer group: the events it handles, the database its
// effects (and its processed_events rows) go to, and the effects.
type Consumer struct {
	Name   string
	Types  []string
	Client *ent.Client
	// Apply makes the event's effects in tx. after, if not nil, runs once
	// the transaction has committed (e.g. telling subscribers).
	Apply func(ctx context.Context, tx *ent.Tx, e Event) (after func(), err error)
	// Route, if set, chooses the database of each event's effects (a
	// tenant's, through the tenant router) instead of Client, and the
	// context to use it in. Such a consumer keeps no processed_events row,
	// which would not move with the tenant: Apply must recognise an event
	// it has applied from its own rows.
	Route func(ctx context.Context, e Event) (context.Context, *ent.Client, error)
}

// Handle applies e exactly once: the event ID goes into processed_events in
// the same transaction as the effects, and an ID found there is
// acknowledged without doing anything.
func (c *Consumer) Handle(ctx context.Context, e Event) error {
	if !slices.Contains(c.Types, e.Type) {
		return nil
	}
	if c.Route != nil {
		return c.handleRouted(ctx, e)
	}
	tx, err := c.Client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Name, err)
	}
	done, err := tx.ProcessedEvent.Query().Where(processedevent.Consumer(c.Name), processedevent.EventID(e.ID)).Exist(ctx)
	if err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("%s: reading processed events: %w", c.Name, err)
	}
	if done {
		return tx.Rollback()
	}
	if err := tx.ProcessedEvent.Create().SetConsumer(c.Name).SetEventID(e.ID).SetType(e.Type).Exec(ctx); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("%s: recording %s: %w", c.Name, e.ID, err)
	}
	after, err := c.Apply(ctx, tx, e)
	if err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("%s: applying %s %s: %w", c.Name, e.Type, e.ID, err)
	}
	if err := tx.Commit(); err != nil {
		// A concurrent delivery committed first (unique consumer+event):
		// the retry finds it processed.
		return fmt.Errorf("%s: committing %s: %w", c.Name, e.ID, err)
	}
	if after != nil {
		after()
	}
	return nil
}

func (c *Consumer) handleRouted(ctx context.Context, e Event) error {
	ctx, client, err := c.Route(ctx, e)
	if err != nil {
		return fmt.Errorf("%s: routing %s: %w", c.Name, e.ID, err)
	}
	if client == nil {
		return nil // nowhere to apply it
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Name, err)
	}
	after, err := c.Apply(ctx, tx, e)
	if err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("%s: applying %s %s: %w", c.Name, e.Type, e.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: committing %s: %w", c.Name, e.ID, err)
	}
	if after != nil {
		after()
	}
	return nil
}

// Runner runs consumers on a bus and can stop and restart each one (the
// failure tests kill one mid-stream).
type Runner struct {
	Bus Bus
	Log *slog.Logger

	mu        sync.Mutex
	consumers map[string]*Consumer
	order     []string
	running   map[string]func()
}

// Add registers c; it runs from the next Start.
func (r *Runner) Add(c *Consumer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.consumers == nil {
		r.consumers, r.running = map[string]*Consumer{}, map[string]func(){}
	}
	r.consumers[c.Name] = c
	r.order = append(r.order, c.Name)
}

// Names lists the registered consumers.
func (r *Runner) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.order)
}

// Start runs the named consumers (all when none are named) until Stop or
// until ctx ends.
func (r *Runner) Start(ctx context.Context, names ...string) {
	if len(names) == 0 {
		names = r.Names()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, name := range names {
		c, ok := r.consumers[name]
		if !ok || r.running[name] != nil {
			continue
		}
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			r.Bus.Consume(cctx, c.Name, func(ctx context.Context, e Event) error {
				err := c.Handle(ctx, e)
				if err != nil && ctx.Err() == nil {
					r.Log.WarnContext(ctx, "events: consumer", "consumer", c.Name, "err", err)
				}
				return err
			})
		}()
		r.running[name] = func() { cancel(); <-done }
	}
}

// Stop stops the named consumers (all when none are named) and waits for
// them.
func (r *Runner) Stop(names ...string) {
	if len(names) == 0 {
		names = r.Names()
	}
	r.mu.Lock()
	var stops []func()
	for _, name := range names {
		if s := r.running[name]; s != nil {
			stops = append(stops, s)
			delete(r.running, name)
		}
	}
	r.mu.Unlock()
	for _, s := range stops {
		s()
	}
}
