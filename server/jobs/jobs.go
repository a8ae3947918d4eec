// Package jobs queues simulation runs and hands them to workers: an
// in-process queue in embedded mode, a Redis Streams consumer group in
// server mode, where a job whose worker died is reclaimed by another.
package jobs

import (
	"context"
	"sync"
)

// Job is a simulation to run, with the tenant it runs for.
type Job struct {
	SimulationID   string `json:"simulationId"`
	TenantID       string `json:"tenantId"`
	Tier           string `json:"tier"`
	UserID         string `json:"userId"`
	OrganizationID string `json:"organizationId"`
}

// Handler runs one job. A nil error acknowledges it; an error leaves it to
// be retried (server mode: reclaimed after the visibility timeout).
type Handler func(ctx context.Context, job Job) error

// Queue is where jobs wait for a worker.
type Queue interface {
	Enqueue(ctx context.Context, job Job) error
	// Work runs workers goroutines that take jobs and call h, until ctx
	// ends; it returns when they have all stopped.
	Work(ctx context.Context, workers int, h Handler)
	// Cancel asks whichever worker runs the simulation, on any process, to
	// stop it.
	Cancel(ctx context.Context, simulationID string) error
}

// running tracks this process's running jobs so a cancel can reach them.
type running struct {
	mu      sync.Mutex
	cancels map[string]context.CancelCauseFunc
}

func newRunning() *running { return &running{cancels: map[string]context.CancelCauseFunc{}} }

// ErrCancelled is the cause of a job context cancelled by Cancel.
var ErrCancelled = cancelledError{}

type cancelledError struct{}

func (cancelledError) Error() string { return "simulation cancelled" }

// run calls h with a context that Cancel can end.
func (r *running) run(ctx context.Context, job Job, h Handler) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.mu.Lock()
	r.cancels[job.SimulationID] = cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.cancels, job.SimulationID)
		r.mu.Unlock()
	}()
	return h(ctx, job)
}

func (r *running) cancel(simulationID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.cancels[simulationID]; ok {
		c(ErrCancelled)
	}
}
