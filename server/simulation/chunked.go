package simulation

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/ent"
	entsimulationtask "github.com/simgraph/simgraph/ent/simulationtask"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/jobs"
	"github.com/simgraph/simgraph/viewer"
)

// Chunking splits a run of more than Above iterations into tasks of
// TaskIterations (whole engine chunks) per pass, which any replica's task
// workers compute (engine.Split). The worker that took the simulation's
// job coordinates: it queues each pass's tasks, waits for their partials,
// merges them in chunk order and queues the next pass; the result is the
// same, bit for bit, as the run in one process, and is written (and
// billed) once, by the coordinator, as any other result.
type Chunking struct {
	Tasks    jobs.TaskQueue
	Partials jobs.Partials
	// Above is the iterations beyond which a run is split; 0 never splits.
	Above int
	// TaskIterations is the size of a task, rounded up to whole chunks.
	TaskIterations int
	// Poll is how often the coordinator looks for its tasks' partials.
	Poll time.Duration
	// RequeueAfter is how long the coordinator waits without a new partial
	// before queueing the missing tasks again (the task stream may have
	// been lost with Redis); a duplicate computes the same partial.
	// 0 means 5 minutes.
	RequeueAfter time.Duration
	// Replica names this process in the task records (simulation_tasks).
	Replica string
	// SpillBytes bounds the disk this process's task workers take to keep
	// the outputs of the ranges they evaluate in a run's first pass, which
	// they replay in its later passes (engine.Kept); 0 keeps none.
	SpillBytes int64
	// AffinityWait, when positive, routes a later pass's task to the
	// replica whose first-pass attempt at the range is recorded (it kept
	// the outputs); the coordinator queues the replica's missing tasks
	// for any replica after this long without a partial from them.
	AffinityWait time.Duration

	keptOnce sync.Once
	kept     *keptRuns
}

// defaultReplica names a process whose Chunking gives no Replica.
var defaultReplica = func() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}()

// chunked reports whether sim runs split into tasks.
func (w *Worker) chunked(sim *ent.Simulation) bool {
	c := w.Chunking
	// A split run cannot stop early: it runs here, in one piece.
	return c != nil && c.Above > 0 && sim.Iterations > c.Above && sim.AutoStop == nil
}

// splitOptions are opts as a split run takes them: its summary is always
// streamed (a run large enough to split streams anyway under the default
// SummaryMemory).
func splitOptions(opts engine.Options) engine.Options {
	opts.Progress = nil
	if opts.SummaryMemory >= 0 {
		opts.SummaryMemory = -1
	}
	return opts
}

// taskRanges cuts chunks into ranges of about size iterations.
func taskRanges(chunks, size int) [][2]int {
	per := max(1, (size+engine.ChunkSize-1)/engine.ChunkSize)
	var out [][2]int
	for first := 0; first < chunks; first += per {
		out = append(out, [2]int{first, min(first+per, chunks)})
	}
	return out
}

// errorKey marks a task whose evaluation failed: the run fails with it.
func errorKey(t jobs.Task) string { return "error:" + t.Key() }

// runChunked coordinates a split run. Partials already stored (by the
// tasks of an earlier attempt whose coordinator died) are used, not
// computed again: they are the same bytes.
func (w *Worker) runChunked(ctx context.Context, sim *ent.Simulation, model engine.Model, opts engine.Options) (*engine.Result, error) {
	c := w.Chunking
	report := opts.Progress
	split, err := engine.NewSplit(ctx, model, splitOptions(opts))
	if err != nil {
		return nil, err
	}
	id := sim.ID.String()
	v := viewer.FromContext(ctx)
	job := jobs.Job{SimulationID: id, TenantID: v.TenantID, Tier: v.Tier, UserID: v.UserID.String(), OrganizationID: v.OrganizationID.String()}
	ranges := taskRanges(split.Chunks(), c.TaskIterations)
	poll := c.Poll
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	nOut := len(model.Outputs)
	for !split.Done() {
		pass := split.Pass()
		cp, err := split.Checkpoint()
		if err != nil {
			return nil, err
		}
		if pass > 0 {
			if _, err := c.Partials.Put(ctx, id, jobs.CheckpointKey(pass), cp); err != nil {
				return nil, err
			}
		}
		stored, err := c.Partials.Keys(ctx, id)
		if err != nil {
			return nil, err
		}
		have := map[string]bool{}
		for _, k := range stored {
			have[k] = true
		}
		var owners map[[2]int]string
		if pass > 0 && c.AffinityWait > 0 {
			owners = w.firstPassReplicas(ctx, sim.ID)
		}
		tasks := map[string]jobs.Task{}
		for _, r := range ranges {
			t := jobs.Task{Job: job, Pass: pass, First: r[0], End: r[1], Replica: owners[r]}
			tasks[t.Key()] = t
			if have[t.Key()] {
				continue
			}
			if err := c.Tasks.EnqueueTask(ctx, t); err != nil {
				return nil, err
			}
		}
		// The last partial of each replica's routed tasks: a replica
		// silent for AffinityWait has its missing tasks queued for any.
		heard := map[string]time.Time{}
		for _, t := range tasks {
			if t.Replica != "" {
				heard[t.Replica] = time.Now()
			}
		}
		requeue := c.RequeueAfter
		if requeue <= 0 {
			requeue = 5 * time.Minute
		}
		parts := map[string]*engine.Partial{}
		lastNew := time.Now()
		for len(parts) < len(tasks) {
			keys, err := c.Partials.Keys(ctx, id)
			if err != nil {
				return nil, err
			}
			grew := false
			for _, k := range keys {
				if t, ok := tasks[strings.TrimPrefix(k, "error:")]; ok && strings.HasPrefix(k, "error:") {
					msg, _, _ := c.Partials.Get(ctx, id, errorKey(t))
					_ = c.Partials.Drop(context.WithoutCancel(ctx), id)
					return nil, errors.New(string(msg))
				}
				if _, ok := tasks[k]; !ok || parts[k] != nil {
					continue
				}
				b, ok, err := c.Partials.Get(ctx, id, k)
				if err != nil || !ok {
					continue
				}
				var p engine.Partial
				if err := p.UnmarshalBinary(b); err != nil {
					return nil, fmt.Errorf("task %s: %w", k, err)
				}
				parts[k] = &p
				grew = true
				if r := tasks[k].Replica; r != "" {
					heard[r] = time.Now()
				}
			}
			for r, at := range heard {
				if time.Since(at) <= c.AffinityWait {
					continue
				}
				delete(heard, r)
				n := 0
				for k, t := range tasks {
					if t.Replica != r {
						continue
					}
					t.Replica = ""
					tasks[k] = t
					if parts[k] == nil {
						if err := c.Tasks.EnqueueTask(ctx, t); err != nil {
							return nil, err
						}
						n++
					}
				}
				if n > 0 {
					w.Log.InfoContext(ctx, "simulation: a replica's routed tasks wait too long; queueing them for any replica", "simulation", id, "pass", pass, "replica", r, "tasks", n)
				}
			}
			if grew {
				lastNew = time.Now()
				if report != nil {
					report(chunkedProgress(parts, pass, sim.Iterations, nOut))
				}
			} else if time.Since(lastNew) > requeue {
				w.Log.WarnContext(ctx, "simulation: no task finished for a while; queueing the missing ones again", "simulation", id, "pass", pass)
				for k, t := range tasks {
					if parts[k] == nil {
						t.Replica = ""
						if err := c.Tasks.EnqueueTask(ctx, t); err != nil {
							return nil, err
						}
					}
				}
				lastNew = time.Now()
			}
			if len(parts) == len(tasks) {
				break
			}
			select {
			case <-ctx.Done():
				if errors.Is(context.Cause(ctx), jobs.ErrCancelled) {
					// A cancelled run's partials are of no more use; a
					// stopping process leaves them to its job's next run.
					_ = c.Partials.Drop(context.WithoutCancel(ctx), id)
				}
				return nil, context.Cause(ctx)
			case <-time.After(poll):
			}
		}
		list := make([]*engine.Partial, 0, len(parts))
		for _, p := range parts {
			list = append(list, p)
		}
		if err := split.Merge(list); err != nil {
			return nil, err
		}
	}
	_ = c.Partials.Drop(context.WithoutCancel(ctx), id)
	// Every partial is merged: a record still RUNNING is of an attempt
	// whose replica died (its task reclaimed or computed by a duplicate).
	w.abandonTasks(ctx, sim.ID, nil)
	return split.Result(), nil
}

// firstPassReplicas is, by chunk range, the replica whose attempt at the
// range's first-pass task computed its partial (stored, else a duplicate,
// else one still RUNNING: its record may lag its partial): the replica
// that may have kept its outputs. A range without such a record is not in
// the map.
func (w *Worker) firstPassReplicas(ctx context.Context, simID uuid.UUID) map[[2]int]string {
	client, err := w.Service.Clients(ctx, SimulationService)
	if err != nil {
		return nil
	}
	recs, err := client.SimulationTask.Query().Where(entsimulationtask.SimulationID(simID), entsimulationtask.Pass(0),
		entsimulationtask.StateIn(entsimulationtask.StateFINISHED, entsimulationtask.StateDUPLICATE, entsimulationtask.StateRUNNING)).All(ctx)
	if err != nil {
		w.Log.WarnContext(ctx, "simulation: reading the first pass's task records; tasks are not routed", "simulation", simID, "err", err)
		return nil
	}
	rank := map[entsimulationtask.State]int{entsimulationtask.StateFINISHED: 3, entsimulationtask.StateDUPLICATE: 2, entsimulationtask.StateRUNNING: 1}
	owners, best := map[[2]int]string{}, map[[2]int]int{}
	for _, r := range recs {
		k := [2]int{r.FirstChunk, r.EndChunk}
		if rank[r.State] > best[k] {
			owners[k], best[k] = r.Replica, rank[r.State]
		}
	}
	return owners
}

// chunkedProgress is the progress of a split run: during the first pass
// the iterations of the tasks done and the pooled means of their ranges
// (an estimate for display; the result merges exactly), then the
// summarising passes.
func chunkedProgress(parts map[string]*engine.Partial, pass, total, nOut int) engine.Progress {
	if pass > 0 {
		return engine.Progress{Stage: "summarizing", Done: total, Total: total}
	}
	p := engine.Progress{Stage: "running", Total: total, Outputs: make([]engine.Convergence, nOut)}
	sums, vars := make([]float64, nOut), make([]float64, nOut)
	for _, part := range parts {
		n := float64(part.Iterations())
		p.Done += part.Iterations()
		for j, cv := range part.Convergence() {
			if j < nOut && !math.IsNaN(cv.Mean) {
				sums[j] += n * cv.Mean
				vars[j] += n * n * cv.StdError * cv.StdError
			}
		}
	}
	for j := range p.Outputs {
		if p.Done > 0 {
			p.Outputs[j] = engine.Convergence{Mean: sums[j] / float64(p.Done), StdError: math.Sqrt(vars[j]) / float64(p.Done)}
		}
	}
	return p
}

// HandleTask computes one task of a split run on this replica and stores
// its partial, recording the attempt in simulation_tasks. A task of a
// simulation that ended (cancelled, failed, completed by a coordinator
// that found the partial elsewhere) is dropped; a task of a simulation
// between coordinators (QUEUED again) is computed. An error leaves the
// task to be retried; when the process stops the task is handed back.
func (w *Worker) HandleTask(ctx context.Context, t jobs.Task) error {
	c := w.Chunking
	if c == nil {
		return errors.New("simulation: a task reached a worker without chunking")
	}
	ctx = JobContext(ctx, t.Job)
	svc := w.Service
	sim, err := svc.Get(ctx, t.SimulationID)
	if apperr.CodeOf(err) == apperr.NotFound {
		c.keptRuns().drop(t.SimulationID)
		return nil
	}
	if err != nil {
		return err
	}
	if terminal(sim.Status) {
		w.Log.InfoContext(ctx, "simulation: dropping a task of a simulation no longer running", "simulation", t.SimulationID, "task", t.Key(), "status", sim.Status)
		c.keptRuns().drop(t.SimulationID)
		return nil
	}
	if _, ok, err := c.Partials.Get(ctx, t.SimulationID, t.Key()); err != nil || ok {
		return err
	}
	var cp []byte
	if t.Pass > 0 {
		var ok bool
		if cp, ok, err = c.Partials.Get(ctx, t.SimulationID, jobs.CheckpointKey(t.Pass)); err != nil {
			return err
		} else if !ok {
			// The coordinator stores a pass's checkpoint before its tasks:
			// without one the run they belong to is gone.
			w.Log.InfoContext(ctx, "simulation: dropping a task without its pass's checkpoint", "simulation", t.SimulationID, "task", t.Key())
			return nil
		}
	}
	if t.Reclaimed {
		w.abandonTasks(ctx, sim.ID, &t)
	}
	record := w.startTask(ctx, sim, t)
	p, replayed, err := w.evaluateTask(ctx, sim, t, cp)
	if replayed && record != nil {
		record.Replayed = true
	}
	switch {
	case err == nil:
	case errors.Is(context.Cause(ctx), jobs.ErrCancelled):
		w.Log.InfoContext(ctx, "simulation: task cancelled", "simulation", t.SimulationID, "task", t.Key())
		w.endTask(ctx, record, entsimulationtask.StateCANCELLED, nil)
		c.keptRuns().drop(t.SimulationID)
		return nil
	case ctx.Err() != nil:
		w.endTask(ctx, record, entsimulationtask.StateHANDED_BACK, nil)
		return err
	case isEngineError(err):
		// The model fails the same way everywhere: the coordinator fails
		// the run with the message.
		w.endTask(ctx, record, entsimulationtask.StateFAILED, err)
		_, err := c.Partials.Put(context.WithoutCancel(ctx), t.SimulationID, errorKey(t), []byte(err.Error()))
		return err
	default:
		w.endTask(ctx, record, entsimulationtask.StateFAILED, err)
		return err
	}
	b, err := p.MarshalBinary()
	if err != nil {
		w.endTask(ctx, record, entsimulationtask.StateFAILED, err)
		return err
	}
	stored, err := c.Partials.Put(ctx, t.SimulationID, t.Key(), b)
	switch {
	case err != nil && ctx.Err() != nil:
		w.endTask(ctx, record, entsimulationtask.StateHANDED_BACK, nil)
		return err
	case err != nil:
		w.endTask(ctx, record, entsimulationtask.StateFAILED, err)
		return err
	case stored:
		w.endTask(ctx, record, entsimulationtask.StateFINISHED, nil)
	default:
		w.endTask(ctx, record, entsimulationtask.StateDUPLICATE, nil)
	}
	return nil
}

// startTask records that this replica took t. The record is bookkeeping:
// a failure to write it is logged and the task runs all the same.
func (w *Worker) startTask(ctx context.Context, sim *ent.Simulation, t jobs.Task) *ent.SimulationTask {
	client, err := w.Service.Clients(ctx, SimulationService)
	if err == nil {
		var rec *ent.SimulationTask
		iterations := min(t.End*engine.ChunkSize, sim.Iterations) - t.First*engine.ChunkSize
		rec, err = client.SimulationTask.Create().SetSimulationID(sim.ID).SetPass(t.Pass).
			SetFirstChunk(t.First).SetEndChunk(t.End).SetIterations(max(iterations, 1)).
			SetReplica(w.replica()).Save(ctx)
		if err == nil {
			return rec
		}
	}
	w.Log.WarnContext(ctx, "simulation: recording a task", "simulation", sim.ID, "task", t.Key(), "err", err)
	return nil
}

// endTask records how this replica's attempt at a task ended.
func (w *Worker) endTask(ctx context.Context, rec *ent.SimulationTask, state entsimulationtask.State, cause error) {
	if rec == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	client, err := w.Service.Clients(ctx, SimulationService)
	if err == nil {
		upd := client.SimulationTask.UpdateOneID(rec.ID).SetState(state).SetFinishedAt(time.Now()).SetReplayed(rec.Replayed)
		if cause != nil {
			msg := cause.Error()
			if len(msg) > 2000 {
				msg = msg[:2000]
			}
			upd.SetError(msg)
		}
		err = upd.Exec(ctx)
	}
	if err != nil {
		w.Log.WarnContext(ctx, "simulation: recording a task's end", "simulation", rec.SimulationID, "err", err)
	}
}

// abandonTasks marks the simulation's records still RUNNING on other
// replicas as ABANDONED: those of task t when t was reclaimed from a dead
// replica, all of them (t nil) when the run has merged every partial.
func (w *Worker) abandonTasks(ctx context.Context, simID uuid.UUID, t *jobs.Task) {
	ctx = context.WithoutCancel(ctx)
	client, err := w.Service.Clients(ctx, SimulationService)
	if err != nil {
		return
	}
	upd := client.SimulationTask.Update().Where(entsimulationtask.SimulationID(simID), entsimulationtask.StateEQ(entsimulationtask.StateRUNNING))
	if t != nil {
		upd.Where(entsimulationtask.Pass(t.Pass), entsimulationtask.FirstChunk(t.First), entsimulationtask.EndChunk(t.End),
			entsimulationtask.ReplicaNEQ(w.replica()))
	}
	if _, err := upd.SetState(entsimulationtask.StateABANDONED).SetFinishedAt(time.Now()).Save(ctx); err != nil {
		w.Log.WarnContext(ctx, "simulation: recording abandoned tasks", "simulation", simID, "err", err)
	}
}

func (w *Worker) replica() string {
	if w.Chunking != nil && w.Chunking.Replica != "" {
		return w.Chunking.Replica
	}
	return defaultReplica
}

func (w *Worker) evaluateTask(ctx context.Context, sim *ent.Simulation, t jobs.Task, checkpoint []byte) (*engine.Partial, bool, error) {
	wb, _, err := w.Service.Files.Parsed(ctx, sim.WorkbookID)
	if err != nil {
		return nil, false, apperr.Wrap(apperr.Internal, err, "reading the workbook")
	}
	model, err := BuildModel(wb, RequestOf(sim))
	if err != nil {
		return nil, false, err
	}
	split, err := engine.NewSplit(ctx, model, splitOptions(w.engineOptions(sim)))
	if err != nil {
		return nil, false, err
	}
	if err := split.Restore(checkpoint); err != nil {
		return nil, false, err
	}
	if split.Pass() != t.Pass {
		return nil, false, fmt.Errorf("simulation: task of pass %d restored at pass %d", t.Pass, split.Pass())
	}
	// The first pass keeps the range's outputs here (budget permitting);
	// a later one replays them when this process kept the whole range.
	return split.EvaluateKept(ctx, t.First, t.End, w.Chunking.keptRuns().forTask(t, split))
}
