package simulation

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/stats"
	"github.com/simgraph/simgraph/ent"
	entresult "github.com/simgraph/simgraph/ent/result"
	entsimulation "github.com/simgraph/simgraph/ent/simulation"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/events"
	"github.com/simgraph/simgraph/server/jobs"
	"github.com/simgraph/simgraph/server/progress"
	"github.com/simgraph/simgraph/simspec"
	"github.com/simgraph/simgraph/viewer"
)

// Worker runs queued simulations.
type Worker struct {
	Service *Service
	Log     *slog.Logger
	// PersistEvery is how often the running snapshot is saved on the
	// simulation (and a cancel noticed through the database).
	PersistEvery time.Duration
	// MaxAttempts bounds reruns of a job whose workers keep dying.
	MaxAttempts int
	// EngineWorkers is the engine's parallelism per job (0: all cores).
	EngineWorkers int
	// SummaryMemory is the engine's Options.SummaryMemory (0: its default).
	SummaryMemory int
	// Chunking, if set, splits large runs into tasks for any replica.
	Chunking *Chunking
	// Events, if set, hears lifecycle changes ("simulation.started", ...).
	Events func(ctx context.Context, name string, sim *ent.Simulation)
}

// JobContext returns the context a job runs in: acting for the user who
// created the simulation, in their tenant, so every privacy rule applies
// as it would to them.
func JobContext(ctx context.Context, job jobs.Job) context.Context {
	uid, _ := uuid.Parse(job.UserID)
	oid, _ := uuid.Parse(job.OrganizationID)
	return viewer.NewContext(ctx, &viewer.Viewer{UserID: uid, OrganizationID: oid, TenantID: job.TenantID, Tier: job.Tier, Roles: []viewer.Role{viewer.Member}})
}

// Handle runs one job. It returns an error only when the job should run
// again (the process is stopping, or the database is unreachable); a model
// that fails is recorded as FAILED and acknowledged.
func (w *Worker) Handle(ctx context.Context, job jobs.Job) error {
	ctx = JobContext(ctx, job)
	svc := w.Service
	sim, err := svc.Get(ctx, job.SimulationID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if terminal(sim.Status) {
		return nil
	}
	client, err := svc.Clients(ctx, SimulationService)
	if err != nil {
		return err
	}
	if sim.Attempts >= max(w.MaxAttempts, 1) {
		w.fail(ctx, sim, fmt.Errorf("gave up after %d attempts", sim.Attempts))
		return nil
	}
	now := time.Now()
	var n int
	err = svc.inTx(ctx, client, func(tx *ent.Tx) error {
		upd := tx.Simulation.Update().
			Where(entsimulation.ID(sim.ID), entsimulation.StatusIn(entsimulation.StatusQUEUED, entsimulation.StatusRUNNING)).
			SetStatus(entsimulation.StatusRUNNING).AddAttempts(1)
		if sim.StartedAt == nil {
			upd.SetStartedAt(now)
		}
		if n, err = upd.Save(ctx); err != nil || n == 0 || sim.StartedAt != nil {
			return err
		}
		// The first start only: a rerun of a reclaimed job is not news.
		return svc.emit(ctx, tx, events.SimulationStarted, sim, events.SimulationPayload{})
	})
	if err != nil || n == 0 {
		return err // n == 0: cancelled before it started
	}
	if sim, err = svc.Get(ctx, job.SimulationID); err != nil {
		return err
	}
	if w.Events != nil {
		w.Events(ctx, "simulation.started", sim)
	}
	result, scenarios, runErr := w.run(ctx, sim)
	switch {
	case runErr == nil:
		return w.complete(ctx, sim, result, scenarios)
	case errors.Is(runErr, jobs.ErrCancelled):
		w.cancelled(ctx, sim)
		return nil
	case ctx.Err() != nil:
		// Shutting down: leave the job to be run again (the queue hands it
		// back). An orderly stop is not an attempt that MaxAttempts bounds.
		_, _ = client.Simulation.Update().Where(entsimulation.ID(sim.ID), entsimulation.StatusEQ(entsimulation.StatusRUNNING)).
			SetStatus(entsimulation.StatusQUEUED).AddAttempts(-1).Save(context.WithoutCancel(ctx))
		return runErr
	default:
		w.fail(ctx, sim, runErr)
		return nil
	}
}

// run executes the engine, publishing throttled progress and persisting
// the snapshot every PersistEvery.
func (w *Worker) run(ctx context.Context, sim *ent.Simulation) (*engine.Result, []*engine.Result, error) {
	svc := w.Service
	wb, _, err := svc.Files.Parsed(ctx, sim.WorkbookID)
	if err != nil {
		return nil, nil, err
	}
	model, err := BuildModel(wb, RequestOf(sim))
	if err != nil {
		return nil, nil, err
	}
	scenarios, err := EngineScenarios(model, append([]simspec.Scenario(nil), sim.Scenarios...))
	if err != nil {
		return nil, nil, err
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	started := time.Now()
	outputs := sim.Outputs
	var mu sync.Mutex
	latest := simspec.Progress{SimulationID: sim.ID.String(), Status: "RUNNING", Stage: "compiling", IterationsTotal: sim.Iterations, Outputs: emptyConvergence(outputs)}
	_ = svc.Progress.Publish(ctx, latest)
	throttle := progress.Throttle{Interval: progress.DefaultInterval}

	stopPersist := make(chan struct{})
	persisted := make(chan struct{})
	go func() {
		defer close(persisted)
		w.persistLoop(ctx, sim.ID, &mu, &latest, stopPersist, func() { cancel(jobs.ErrCancelled) })
	}()
	defer func() { close(stopPersist); <-persisted }()

	opts := w.engineOptions(sim)
	opts.Progress = func(p engine.Progress) {
		snap := snapshot(sim, p, started, outputs)
		mu.Lock()
		latest = snap
		mu.Unlock()
		if throttle.Allow(time.Now(), p.Stage, false) {
			_ = svc.Progress.Publish(ctx, snap)
		}
	}
	var res *engine.Result
	var scenarioResults []*engine.Result
	switch {
	case len(scenarios) > 0:
		// Scenarios run on this replica, one after another over the same
		// random numbers, rather than split across replicas.
		var rs []engine.ScenarioResult
		if rs, err = engine.SimulateScenarios(runCtx, model, scenarios, opts); err == nil {
			res = rs[0].Result
			for _, r := range rs[1:] {
				scenarioResults = append(scenarioResults, r.Result)
			}
		}
	case w.chunked(sim):
		res, err = w.runChunked(runCtx, sim, model, opts)
	default:
		res, err = engine.Simulate(runCtx, model, opts)
	}
	if err != nil {
		if cause := context.Cause(runCtx); errors.Is(cause, jobs.ErrCancelled) {
			return nil, nil, jobs.ErrCancelled
		}
		return nil, nil, err
	}
	return res, scenarioResults, nil
}

// HistogramMaxBins caps a stored histogram's bins (Freedman–Diaconis,
// else Sturges): a hundred bars fill a chart and each stays visible; the
// engine's own cap is for a command line's finer output.
const HistogramMaxBins = 100

// engineOptions are the engine's options for sim, without progress.
func (w *Worker) engineOptions(sim *ent.Simulation) engine.Options {
	targets, perOutput, levels := TailOptions(sim)
	var autoStop *engine.AutoStop
	if a := sim.AutoStop; a != nil {
		autoStop = &engine.AutoStop{RelativeError: a.RelativeError, Confidence: a.Confidence, MinIterations: a.MinIterations, Percentiles: a.Percentiles}
	}
	return engine.Options{
		AutoStop:      autoStop,
		Histogram:     stats.HistogramOpts{MaxBins: HistogramMaxBins},
		Targets:       targets,
		OutputTargets: perOutput,
		TailLevels:    levels,
		Iterations:    sim.Iterations,
		Seed:          uint64(sim.Seed),
		Sampling:      sample.Method(sim.Sampling),
		Workers:       w.EngineWorkers,
		KeepSamples:   sim.KeepSamples,
		SummaryMemory: w.SummaryMemory,
	}
}

// persistLoop saves the latest snapshot every PersistEvery while the
// simulation is RUNNING; finding it no longer RUNNING means it was
// cancelled (possibly through another replica), so the run stops.
func (w *Worker) persistLoop(ctx context.Context, id uuid.UUID, mu *sync.Mutex, latest *simspec.Progress, stop <-chan struct{}, cancelRun func()) {
	every := w.PersistEvery
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	client, err := w.Service.Clients(ctx, SimulationService)
	if err != nil {
		return
	}
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			mu.Lock()
			snap := *latest
			mu.Unlock()
			n, err := client.Simulation.Update().Where(entsimulation.ID(id), entsimulation.StatusEQ(entsimulation.StatusRUNNING)).SetProgress(snap).Save(ctx)
			if err == nil && n == 0 {
				cancelRun()
				return
			}
		}
	}
}

func snapshot(sim *ent.Simulation, p engine.Progress, started time.Time, outputs []string) simspec.Progress {
	elapsed := time.Since(started)
	s := simspec.Progress{
		SimulationID: sim.ID.String(), Status: "RUNNING", Stage: p.Stage,
		IterationsDone: p.Done, IterationsTotal: p.Total, ElapsedMs: elapsed.Milliseconds(),
	}
	if p.Total > 0 {
		s.Percent = math.Min(100, 100*float64(p.Done)/float64(p.Total))
	}
	if p.Done > 0 && p.Done < p.Total {
		eta := int64(float64(elapsed.Milliseconds()) * float64(p.Total-p.Done) / float64(p.Done))
		s.EtaMs = &eta
	}
	for j, c := range p.Outputs {
		cell := ""
		if j < len(outputs) {
			cell = outputs[j]
		}
		s.Outputs = append(s.Outputs, simspec.Convergence{Cell: cell, Mean: finite(c.Mean), StdError: finite(c.StdError)})
	}
	return s
}

// RequestOf is the request a stored simulation was created with.
func RequestOf(sim *ent.Simulation) simspec.Request {
	seed := sim.Seed
	return simspec.Request{
		WorkbookID: sim.WorkbookID.String(), Name: sim.Name, Inputs: sim.Inputs, Outputs: sim.Outputs,
		Iterations: sim.Iterations, Seed: &seed, Sampling: string(sim.Sampling), Correlations: sim.Correlations,
		Copulas: sim.Copulas, KeepSamples: sim.KeepSamples, Scenarios: sim.Scenarios, AutoStop: sim.AutoStop,
	}
}

// complete stores the results, replacing any from an earlier attempt, and
// marks the simulation COMPLETED.
func (w *Worker) complete(ctx context.Context, sim *ent.Simulation, res *engine.Result, scenarios []*engine.Result) error {
	svc := w.Service
	results, err := svc.Clients(ctx, ResultsService)
	if err != nil {
		return err
	}
	tx, err := results.Tx(ctx)
	if err != nil {
		return fmt.Errorf("storing results: %w", err)
	}
	if _, err := tx.Result.Delete().Where(entresult.SimulationID(sim.ID)).Exec(ctx); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("replacing results: %w", err)
	}
	names := map[int]string{}
	for i, in := range sim.Inputs {
		names[i] = in.Name
	}
	builders := make([]*ent.ResultCreate, 0, len(res.Outputs))
	for j, o := range res.Outputs {
		b := tx.Result.Create().
			SetSimulationID(sim.ID).
			SetCell(sim.Outputs[j]).
			SetPosition(j).
			SetSummary(summaryOf(o, res.Iterations)).
			SetTails(tailsOf(o)).
			SetTargets(targetsOf(o)).
			SetPercentiles(percentilesOf(o)).
			SetHistogram(histogramOf(o)).
			SetSensitivity(sensitivityOf(o, sim.Inputs)).
			SetErrorCounts(o.Errors)
		if j < len(sim.OutputNames) && sim.OutputNames[j] != "" {
			b.SetName(sim.OutputNames[j])
		}
		if sim.KeepSamples {
			b.SetSamples(encodeSamples(o.Samples))
		}
		builders = append(builders, b)
	}
	if err := tx.Result.CreateBulk(builders...).Exec(ctx); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("storing results: %w", err)
	}
	if err := storeScenarioResults(ctx, tx, sim, scenarios); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storing results: %w", err)
	}

	final := simspec.Progress{
		SimulationID: sim.ID.String(), Status: "COMPLETED", Stage: "completed", Percent: 100,
		IterationsDone: res.Iterations, IterationsTotal: sim.Iterations, ElapsedMs: res.Elapsed.Milliseconds(),
	}
	for j, o := range res.Outputs {
		final.Outputs = append(final.Outputs, simspec.Convergence{Cell: sim.Outputs[j], Mean: finite(o.Summary.Mean), StdError: finite(o.Summary.StdError)})
	}
	client, err := svc.Clients(ctx, SimulationService)
	if err != nil {
		return err
	}
	var n int
	err = svc.inTx(ctx, client, func(tx *ent.Tx) error {
		n, err = tx.Simulation.Update().Where(entsimulation.ID(sim.ID), entsimulation.StatusEQ(entsimulation.StatusRUNNING)).
			SetStatus(entsimulation.StatusCOMPLETED).SetCompletedAt(time.Now()).SetElapsedMs(res.Elapsed.Milliseconds()).
			SetProgress(final).SetWarnings(MergeWarnings(res.Warnings, sim.Warnings)).
			Save(ctx)
		if err != nil || n == 0 {
			return err
		}
		iterations, seconds := res.Iterations, res.Elapsed.Seconds()
		for _, r := range scenarios {
			iterations += r.Iterations
			seconds += r.Elapsed.Seconds()
		}
		return svc.emit(ctx, tx, events.SimulationCompleted, sim, events.SimulationPayload{Iterations: iterations, ComputeSeconds: seconds})
	})
	if err != nil {
		return fmt.Errorf("completing simulation: %w", err)
	}
	if n == 0 {
		return nil // cancelled while the results were written: the cancel stands
	}
	_ = svc.Progress.Publish(ctx, final)
	if w.Events != nil {
		if done, err := svc.Get(ctx, sim.ID.String()); err == nil {
			w.Events(ctx, "simulation.completed", done)
		}
	}
	return nil
}

func (w *Worker) fail(ctx context.Context, sim *ent.Simulation, cause error) {
	msg := apperr.MessageOf(cause)
	if apperr.CodeOf(cause) == apperr.Internal {
		// Engine errors describe the model (a cycle, a bad parameter) and
		// are the user's to read; anything else stays in the log.
		if isEngineError(cause) {
			msg = cause.Error()
		} else {
			w.Log.ErrorContext(ctx, "simulation failed", "simulation", sim.ID, "err", cause)
		}
	}
	w.finish(ctx, sim, entsimulation.StatusFAILED, "failed", msg)
	if w.Events != nil {
		if failed, err := w.Service.Get(ctx, sim.ID.String()); err == nil {
			w.Events(ctx, "simulation.failed", failed)
		}
	}
}

func (w *Worker) cancelled(ctx context.Context, sim *ent.Simulation) {
	w.finish(ctx, sim, entsimulation.StatusCANCELLED, "cancelled", "")
}

// finish records a terminal state other than COMPLETED and tells
// subscribers.
func (w *Worker) finish(ctx context.Context, sim *ent.Simulation, status entsimulation.Status, stage, message string) {
	ctx = context.WithoutCancel(ctx)
	client, err := w.Service.Clients(ctx, SimulationService)
	if err != nil {
		return
	}
	p := lastProgress(sim)
	if cur, ok, _ := w.Service.Progress.Latest(ctx, sim.ID.String()); ok && !cur.Terminal() {
		p = cur
	}
	p.Status, p.Stage, p.EtaMs = string(status), stage, nil
	update := func(c *ent.Client, from ...entsimulation.Status) (int, error) {
		upd := c.Simulation.Update().Where(entsimulation.ID(sim.ID), entsimulation.StatusIn(from...)).
			SetStatus(status).SetCompletedAt(time.Now()).SetProgress(p)
		if message != "" {
			upd.SetError(message)
		}
		return upd.Save(ctx)
	}
	// The change from QUEUED or RUNNING carries the event (FAILED only);
	// a repeated end (already in status) is recorded again without one.
	var n int
	err = w.Service.inTx(ctx, client, func(tx *ent.Tx) error {
		if n, err = update(tx.Client(), entsimulation.StatusQUEUED, entsimulation.StatusRUNNING); err != nil || n == 0 || status != entsimulation.StatusFAILED {
			return err
		}
		return w.Service.emit(ctx, tx, events.SimulationFailed, sim, events.SimulationPayload{Error: message})
	})
	if err == nil && n == 0 {
		_, err = update(client, status)
	}
	if err != nil {
		w.Log.ErrorContext(ctx, "recording simulation end", "simulation", sim.ID, "err", err)
	}
	_ = w.Service.Progress.Publish(ctx, p)
}

// isEngineError reports errors that come from the model rather than from
// the platform.
func isEngineError(err error) bool {
	var ae *apperr.Error
	return !errors.As(err, &ae)
}

func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

func summaryOf(o engine.Output, iterations int) simspec.Summary {
	s := o.Summary
	return simspec.Summary{
		Iterations: iterations, Mean: finite(s.Mean), StdDev: finite(s.StdDev), Variance: finite(s.Variance),
		Skewness: finite(s.Skewness), Kurtosis: finite(s.Kurtosis), Min: finite(s.Min), Max: finite(s.Max),
		StdError: finite(s.StdError), CILower: finite(s.CILow), CIUpper: finite(s.CIHigh),
		RSquared: optional(o.RSquared), Unexplained: optional(o.Unexplained),
		Convergence: convergenceOf(o.Convergence),
	}
}

// convergenceOf is the running-mean trace, without the points that are
// not numbers (an output whose first chunks are all errors).
func convergenceOf(trace []engine.ConvergencePoint) []simspec.ConvergencePoint {
	var out []simspec.ConvergencePoint
	for _, c := range trace {
		if finite(c.Mean) == c.Mean && finite(c.StdError) == c.StdError {
			out = append(out, simspec.ConvergencePoint{Iterations: c.Iterations, Mean: c.Mean, StdError: c.StdError})
		}
	}
	return out
}

// optional is x, or nil when it is not a number.
func optional(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func tailsOf(o engine.Output) []simspec.Tail {
	out := make([]simspec.Tail, 0, len(o.Tails))
	for _, t := range o.Tails {
		out = append(out, simspec.Tail{Level: t.Level, VaR: finite(t.VaR), CVaR: finite(t.CVaR), UpperVaR: finite(t.UpperVaR), UpperCVaR: finite(t.UpperCVaR)})
	}
	return out
}

func targetsOf(o engine.Output) []simspec.TargetProbability {
	out := make([]simspec.TargetProbability, 0, len(o.Targets))
	for _, t := range o.Targets {
		out = append(out, simspec.TargetProbability{Value: t.Value, ProbBelow: finite(t.Below), ProbAbove: finite(t.Above)})
	}
	return out
}

func percentilesOf(o engine.Output) []simspec.Percentile {
	out := make([]simspec.Percentile, 0, len(o.Percentiles))
	for _, p := range o.Percentiles {
		out = append(out, simspec.Percentile{P: p.P, Value: finite(p.Value)})
	}
	return out
}

func histogramOf(o engine.Output) simspec.Histogram {
	h := simspec.Histogram{Method: o.HistogramMethod, Bins: make([]simspec.Bin, 0, len(o.Histogram))}
	for _, b := range o.Histogram {
		h.Bins = append(h.Bins, simspec.Bin{Lower: finite(b.Lower), Upper: finite(b.Upper), Count: b.Count})
	}
	return h
}

func sensitivityOf(o engine.Output, inputs []simspec.Input) []simspec.Sensitivity {
	out := make([]simspec.Sensitivity, 0, len(o.Sensitivity))
	for _, s := range o.Sensitivity {
		in := inputs[s.Input]
		deciles := make([]float64, len(s.GroupMeans))
		for i, m := range s.GroupMeans {
			deciles[i] = finite(m)
		}
		out = append(out, simspec.Sensitivity{
			Input: in.Cell, Name: in.Name, RankCorrelation: finite(s.RankCorrelation),
			ContributionToVariance: finite(s.ContributionToVariance), DecileMeans: deciles,
			StandardizedRegression: optional(s.StandardizedRegression), VarianceShare: optional(s.VarianceShare),
		})
	}
	return out
}

func encodeSamples(xs []float64) []byte {
	b := make([]byte, 8*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

// DecodeSamples reverses encodeSamples for offset..offset+limit.
func DecodeSamples(b []byte, offset, limit int) []float64 {
	n := len(b) / 8
	offset = min(max(offset, 0), n)
	end := min(offset+max(limit, 0), n)
	out := make([]float64, 0, end-offset)
	for i := offset; i < end; i++ {
		out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
	}
	return out
}
