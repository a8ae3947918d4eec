package simulation

import (
	"context"
	"sync"
	"time"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/jobs"
)

// keptRuns are this process's engine.Kept stores of split runs, by
// simulation: the outputs of the ranges its task workers evaluated in a
// run's first pass, which its later tasks of those ranges replay. A store
// is deleted when its run is seen ended (a task of it finding it so, a
// cancel, the sweep), when unused for keptIdle, and when the task workers
// stop; its file is unlinked from the start, so a process that dies
// leaves nothing behind.
type keptRuns struct {
	budget *engine.SpillBudget
	mu     sync.Mutex
	runs   map[string]*keptRun
}

type keptRun struct {
	kept *engine.Kept
	job  jobs.Job
	used time.Time
}

// keptIdle is how long a store nobody uses is kept (a run whose
// coordinator is gone for good).
const keptIdle = 30 * time.Minute

// keptSweep is how often the stores' runs are looked up.
var keptSweep = 5 * time.Second

// keptRuns returns the process's stores, nil when it keeps none.
func (c *Chunking) keptRuns() *keptRuns {
	if c == nil || c.SpillBytes <= 0 {
		return nil
	}
	c.keptOnce.Do(func() {
		c.kept = &keptRuns{budget: engine.NewSpillBudget(c.SpillBytes), runs: map[string]*keptRun{}}
	})
	return c.kept
}

// forTask is the store a task of the run uses: made for a first-pass task,
// only looked up for a later one (nil when there is none).
func (k *keptRuns) forTask(t jobs.Task, split *engine.Split) *engine.Kept {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	r := k.runs[t.SimulationID]
	if r == nil {
		if t.Pass != 0 || k.budget.Left() <= 0 {
			return nil
		}
		kept, err := split.NewKept("", k.budget)
		if err != nil {
			return nil
		}
		r = &keptRun{kept: kept, job: t.Job}
		k.runs[t.SimulationID] = r
	}
	r.used = time.Now()
	return r.kept
}

// drop deletes the run's store.
func (k *keptRuns) drop(simulationID string) {
	if k == nil {
		return
	}
	k.mu.Lock()
	r := k.runs[simulationID]
	delete(k.runs, simulationID)
	k.mu.Unlock()
	if r != nil {
		r.kept.Close()
	}
}

func (k *keptRuns) dropAll() {
	if k == nil {
		return
	}
	k.mu.Lock()
	ids := make([]string, 0, len(k.runs))
	for id := range k.runs {
		ids = append(ids, id)
	}
	k.mu.Unlock()
	for _, id := range ids {
		k.drop(id)
	}
}

// WorkTasks runs n task workers until ctx ends (Chunking.Tasks.WorkTasks),
// with the sweep of the kept stores beside them; the stores are deleted
// when they stop.
func (w *Worker) WorkTasks(ctx context.Context, n int) {
	c := w.Chunking
	k := c.keptRuns()
	if k != nil {
		sweepCtx, stop := context.WithCancel(ctx)
		defer stop()
		go w.sweepKept(sweepCtx, k)
	}
	c.Tasks.WorkTasks(ctx, n, w.HandleTask)
	k.dropAll()
}

// sweepKept deletes the stores of runs that ended (or are gone) or that
// no task used for keptIdle.
func (w *Worker) sweepKept(ctx context.Context, k *keptRuns) {
	t := time.NewTicker(keptSweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		k.mu.Lock()
		runs := make(map[string]keptRun, len(k.runs))
		for id, r := range k.runs {
			runs[id] = *r
		}
		k.mu.Unlock()
		for id, r := range runs {
			if time.Since(r.used) > keptIdle {
				k.drop(id)
				continue
			}
			sim, err := w.Service.Get(JobContext(ctx, r.job), id)
			if apperr.CodeOf(err) == apperr.NotFound || (err == nil && terminal(sim.Status)) {
				k.drop(id)
			}
		}
	}
}
