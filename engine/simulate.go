package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/stats"
	"github.com/simgraph/simgraph/engine/workbook"
)

// Input is an uncertain input cell and its distribution.
type Input struct {
	Cell formula.CellRef
	Name string
	Dist dist.Distribution
}

// Correlation is a target Spearman rank correlation between inputs A and B
// (indices into Model.Inputs).
type Correlation struct {
	A, B        int
	Coefficient float64
}

// Model is what to simulate: a workbook, its uncertain inputs and the
// formula cells to observe.
type Model struct {
	Workbook     *workbook.Workbook
	Inputs       []Input
	Outputs      []formula.CellRef
	Correlations []Correlation
}

// DefaultPercentiles are reported when Options.Percentiles is empty.
var DefaultPercentiles = []float64{1, 5, 10, 25, 50, 75, 90, 95, 99}

// ChunkSize is the number of iterations whose random draws come from one
// stream per input. It is fixed, not an option: results for a seed are
// bit-identical whatever the worker count precisely because chunks, not
// workers, own the streams. 1,024 lanes keep a batch in L2 cache.
const ChunkSize = 1024

// AutoStop ends a run early once every output's mean is known within
// ±RelativeError (a fraction of the mean) at the given two-sided
// Confidence, after at least MinIterations.
//
// The test is made on whole chunks in chunk order (after chunk 1, 2, …), on
// the statistics of the chunks before it, so the iteration at which a run
// stops, and therefore its result, depends on the seed only, not on the
// number of workers.
type AutoStop struct {
	RelativeError float64
	Confidence    float64
	MinIterations int
}

// Options tune a run.
type Options struct {
	Iterations int
	Seed       uint64
	Sampling   sample.Method
	// Workers defaults to GOMAXPROCS.
	Workers     int
	KeepSamples bool
	// Percentiles, in percent (0 to 100); DefaultPercentiles when empty.
	Percentiles []float64
	Histogram   stats.HistogramOpts
	AutoStop    *AutoStop
	// Progress, if set, is called as chunks complete, never concurrently
	// and never after Simulate returns. Done never decreases; the last
	// "running" report has Done equal to the iterations of the result.
	Progress func(Progress)
}

// Convergence is an output's running mean and standard error.
type Convergence struct {
	Mean, StdError float64
}

// Progress is reported while a run goes.
type Progress struct {
	Stage string // "sampling", "running", "summarizing"
	// Done counts the iterations of the chunks completed so far without a
	// gap from the first; Outputs are their statistics (so that they are
	// the same whatever the number of workers).
	Done    int
	Total   int
	Outputs []Convergence
}

// Percentile is the value at percent P (PERCENTILE.INC).
type Percentile struct {
	P, Value float64
}

// Sensitivity is how an output depends on input Input.
type Sensitivity struct {
	Input int
	stats.InputSensitivity
}

// Output is one output's results.
type Output struct {
	Cell            formula.CellRef
	Summary         stats.Summary
	Percentiles     []Percentile
	Histogram       []stats.Bin
	HistogramMethod string
	Sensitivity     []Sensitivity
	// Errors counts iterations whose value was an Excel error, by kind
	// ("#DIV/0!"); such iterations are left out of the statistics and of
	// the sensitivity. An infinite or NaN number counts as "#NUM!" and a
	// text value as "#VALUE!"; a logical value counts as 1 (TRUE) or 0
	// (FALSE), so that its mean is the probability of TRUE.
	Errors map[string]int
	// Samples are the iteration values in iteration order, when
	// Options.KeepSamples. Errors and text are NaN-encoded: decode them
	// with formula.ErrorKind.
	Samples []float64
}

// Result is a finished run.
type Result struct {
	Iterations int
	Outputs    []Output
	Warnings   []string
	Elapsed    time.Duration
}

// Simulate runs the model. It returns ctx's cause (context.Cause) when ctx
// is cancelled; every worker then stops after the chunk it is evaluating.
//
// Memory. What a run keeps grows with the iterations N as follows; nothing
// else does (worker scratch space is per chunk, and chunk statistics are
// merged as soon as every chunk before them is done):
//   - every output's values, 8·N bytes per output, for exact percentiles,
//     histogram and sensitivity (they are Output.Samples when KeepSamples);
//   - with Latin Hypercube sampling, each input's stratum permutation,
//     4·N bytes per input;
//   - with correlations, each correlated input's sorted uniforms and ranks,
//     12·N bytes per correlated input (and two N×k matrices while the plan
//     is prepared);
//   - while the outputs are summarised: buffers allocated once and reused
//     for every output and input, 8·N bytes to sort an output for its
//     percentiles and, when there are inputs, 48·N more to rank the output
//     and each input for the sensitivity (an input's values are
//     regenerated from the plan into one of them).
//
// Input values are not stored: the sensitivity pass draws them again from
// the plan, which gives the very values the run used.
func Simulate(ctx context.Context, m Model, o Options) (*Result, error) {
	start := time.Now()
	if err := validate(m, o); err != nil {
		return nil, err
	}
	inputs := make([]formula.CellRef, len(m.Inputs))
	for i, in := range m.Inputs {
		inputs[i] = in.Cell
	}
	prog, err := formula.Compile(m.Workbook, formula.CompileOptions{Inputs: inputs, Outputs: m.Outputs})
	if err != nil {
		return nil, err
	}
	plan := &sample.Plan{Iterations: o.Iterations, ChunkSize: ChunkSize, Seed: o.Seed, Method: o.Sampling}
	if len(m.Correlations) > 0 {
		if plan.Correlation, plan.CorrelatedInputs, err = correlationMatrix(len(m.Inputs), m.Correlations); err != nil {
			return nil, err
		}
	}
	report(o.Progress, Progress{Stage: "sampling", Total: o.Iterations, Outputs: make([]Convergence, len(m.Outputs))})
	warnings, err := plan.Prepare()
	if err != nil {
		return nil, fmt.Errorf("engine: preparing samples: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	r := newRun(m, o, prog, plan)
	if err := r.execute(ctx); err != nil {
		return nil, err
	}
	report(o.Progress, Progress{Stage: "summarizing", Done: r.n, Total: o.Iterations, Outputs: r.convergence()})
	res := &Result{Iterations: r.n, Warnings: warnings}
	sc := newScratch(r.n, len(m.Inputs) > 0)
	for j, cell := range m.Outputs {
		out, err := r.summarize(ctx, sc, j, cell)
		if err != nil {
			return nil, err
		}
		res.Outputs = append(res.Outputs, out)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// validate checks what Compile and Prepare do not.
func validate(m Model, o Options) error {
	if m.Workbook == nil {
		return errors.New("engine: no workbook")
	}
	if o.Iterations < 1 || o.Iterations > sample.MaxIterations {
		return fmt.Errorf("engine: iterations must be between 1 and %d, got %d", sample.MaxIterations, o.Iterations)
	}
	if len(m.Outputs) == 0 {
		return errors.New("engine: no outputs")
	}
	for i, in := range m.Inputs {
		if in.Dist == nil {
			return fmt.Errorf("engine: input %d (%s) has no distribution", i, in.Cell)
		}
	}
	for _, p := range o.Percentiles {
		if !(p >= 0 && p <= 100) {
			return fmt.Errorf("engine: percentile %g is outside [0, 100]", p)
		}
	}
	if a := o.AutoStop; a != nil {
		if !(a.RelativeError > 0) || math.IsInf(a.RelativeError, 0) {
			return fmt.Errorf("engine: auto-stop relative error must be positive, got %g", a.RelativeError)
		}
		if !(a.Confidence > 0 && a.Confidence < 1) {
			return fmt.Errorf("engine: auto-stop confidence must be between 0 and 1 (exclusive), got %g", a.Confidence)
		}
	}
	return nil
}

func report(f func(Progress), p Progress) {
	if f != nil {
		f(p)
	}
}

// correlationMatrix builds the target matrix over the inputs that take
// part in a correlation.
func correlationMatrix(nInputs int, cs []Correlation) (*mat.SymDense, []int, error) {
	index := map[int]int{}
	var members []int
	for _, c := range cs {
		if c.A < 0 || c.A >= nInputs || c.B < 0 || c.B >= nInputs || c.A == c.B {
			return nil, nil, fmt.Errorf("engine: correlation between inputs %d and %d is invalid", c.A, c.B)
		}
		if c.Coefficient < -1 || c.Coefficient > 1 || math.IsNaN(c.Coefficient) {
			return nil, nil, fmt.Errorf("engine: correlation %g is outside [-1, 1]", c.Coefficient)
		}
		for _, i := range []int{c.A, c.B} {
			if _, ok := index[i]; !ok {
				index[i] = len(members)
				members = append(members, i)
			}
		}
	}
	sym := mat.NewSymDense(len(members), nil)
	for i := range members {
		sym.SetSym(i, i, 1)
	}
	for _, c := range cs {
		sym.SetSym(index[c.A], index[c.B], c.Coefficient)
	}
	return sym, members, nil
}

// run is one simulation in progress.
type run struct {
	m      Model
	o      Options
	prog   *formula.Program
	plan   *sample.Plan
	chunks int
	z      float64 // auto-stop's normal quantile

	outputs [][]float64 // [output][iteration]

	// stopAt is the number of chunks the result keeps: all of them, or
	// fewer once auto-stop has decided. Workers take no chunk at or past it.
	stopAt atomic.Int64

	mu      sync.Mutex
	pending map[int][]stats.Accumulator // finished chunks not yet merged
	merged  int                         // chunks merged into acc, from the first
	acc     []stats.Accumulator
	n       int // iterations in the result: a prefix of whole chunks
}

func newRun(m Model, o Options, prog *formula.Program, plan *sample.Plan) *run {
	r := &run{m: m, o: o, prog: prog, plan: plan, chunks: plan.Chunks()}
	r.stopAt.Store(int64(r.chunks))
	if a := o.AutoStop; a != nil {
		r.z = normalQuantile(0.5 + a.Confidence/2)
	}
	return r
}

// errInternal wraps a panic in a worker, so that a bug in a formula
// function fails the simulation instead of the process.
type errInternal struct {
	chunk int
	value any
	stack []byte
}

func (e *errInternal) Error() string {
	return fmt.Sprintf("engine: internal error evaluating iterations %d-%d: %v", e.chunk*ChunkSize+1, (e.chunk+1)*ChunkSize, e.value)
}

func (r *run) execute(ctx context.Context) error {
	n := r.o.Iterations
	r.outputs = make([][]float64, len(r.m.Outputs))
	for j := range r.outputs {
		r.outputs[j] = make([]float64, n)
	}
	r.acc = make([]stats.Accumulator, len(r.m.Outputs))
	r.pending = map[int][]stats.Accumulator{}

	workers := r.o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, r.chunks)
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			c := -1
			defer func() {
				if v := recover(); v != nil {
					buf := make([]byte, 16<<10)
					buf = buf[:runtime.Stack(buf, false)]
					cancel(&errInternal{chunk: c, value: v, stack: buf})
				}
			}()
			st := r.prog.NewState(ChunkSize)
			uniforms := make([]float64, ChunkSize)
			for wctx.Err() == nil {
				// Chunks are handed out in increasing order, so once one
				// is past stopAt every later one is too.
				c = int(next.Add(1) - 1)
				if c >= int(r.stopAt.Load()) {
					return
				}
				r.chunk(st, uniforms, c)
				r.finish(c)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	if err := context.Cause(wctx); err != nil {
		return err
	}
	r.n = min(int(r.stopAt.Load())*ChunkSize, n)
	for j := range r.outputs {
		r.outputs[j] = r.outputs[j][:r.n:r.n]
	}
	return nil
}

// chunk evaluates chunk c: draws each input's values from the chunk's own
// stream, runs the program over the lanes and stores the outputs.
func (r *run) chunk(st *formula.State, uniforms []float64, c int) {
	lanes := r.plan.ChunkLen(c)
	base := c * ChunkSize
	u := uniforms[:lanes]
	for i, in := range r.m.Inputs {
		r.plan.Fill(i, c, u)
		dst := st.Input(i)[:lanes]
		for k, p := range u {
			dst[k] = in.Dist.Quantile(p)
		}
	}
	if r.prog.UsesRand() {
		// RAND() draws from a stream of the chunk too, after the inputs'.
		st.SetRand(rand.New(rand.NewPCG(r.o.Seed^0x52414e44, uint64(c))))
	}
	st.Run(lanes)
	for j := range r.m.Outputs {
		dst := r.outputs[j][base : base+lanes]
		for k, v := range st.Output(j)[:lanes] {
			if v != v {
				v = laneNumber(st, j, k, v)
			}
			dst[k] = v
		}
	}
}

// laneNumber turns a NaN-encoded output lane into what the statistics
// see: logical values become 1 or 0 and blanks 0; errors stay errors and
// text becomes #VALUE!.
func laneNumber(st *formula.State, j, lane int, v float64) float64 {
	x := st.OutputValue(j, lane)
	switch x.Kind {
	case formula.KindBool, formula.KindNumber:
		return x.Num
	case formula.KindBlank:
		return 0
	case formula.KindError:
		return v
	}
	return formula.ErrorValue(formula.ErrValue)
}

// finish folds a chunk into the running statistics: chunks are merged in
// chunk order, each as soon as the ones before it are, and auto-stop is
// decided after each merge. It reports progress when the merged prefix
// grew.
func (r *run) finish(c int) {
	lanes := r.plan.ChunkLen(c)
	base := c * ChunkSize
	local := make([]stats.Accumulator, len(r.m.Outputs))
	for j := range local {
		local[j].AddAll(r.outputs[j][base : base+lanes])
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending[c] = local
	before := r.merged
	for r.merged < int(r.stopAt.Load()) {
		a, ok := r.pending[r.merged]
		if !ok {
			break
		}
		delete(r.pending, r.merged)
		for j := range a {
			r.acc[j].Merge(&a[j])
		}
		r.merged++
		if s := r.o.AutoStop; s != nil && r.merged < r.chunks && r.mergedIterations() >= max(s.MinIterations, 2*ChunkSize) && r.converged(s) {
			r.stopAt.Store(int64(r.merged))
		}
	}
	if r.merged > before {
		report(r.o.Progress, Progress{Stage: "running", Done: r.mergedIterations(), Total: r.o.Iterations, Outputs: r.convergenceLocked()})
	}
}

func (r *run) mergedIterations() int { return min(r.merged*ChunkSize, r.o.Iterations) }

func (r *run) converged(a *AutoStop) bool {
	for j := range r.acc {
		mean, se := r.acc[j].Mean(), r.acc[j].StdError()
		if math.IsNaN(mean) || math.IsNaN(se) || r.z*se > a.RelativeError*math.Abs(mean) {
			return false
		}
	}
	return true
}

func (r *run) convergence() []Convergence {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.convergenceLocked()
}

func (r *run) convergenceLocked() []Convergence {
	out := make([]Convergence, len(r.acc))
	for j := range r.acc {
		out[j] = Convergence{Mean: r.acc[j].Mean(), StdError: r.acc[j].StdError()}
	}
	return out
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// summarize computes an output's statistics from its stored values, in
// iteration order, so they do not depend on how the work was split.
func (r *run) summarize(ctx context.Context, sc *scratch, j int, cell formula.CellRef) (Output, error) {
	values := r.outputs[j]
	out := Output{Cell: cell, Errors: map[string]int{}}
	var acc stats.Accumulator
	sorted := sc.x[:0] // free until the sensitivity pass
	for _, v := range values {
		if kind, isErr := formula.ErrorKind(v); isErr {
			out.Errors[kind.String()]++
			continue
		}
		if !finite(v) {
			out.Errors[formula.ErrNum.String()]++
			continue
		}
		acc.Add(v)
		sorted = append(sorted, v)
	}
	out.Summary = acc.Summary()
	slices.Sort(sorted)
	ps := r.o.Percentiles
	if len(ps) == 0 {
		ps = DefaultPercentiles
	}
	if len(sorted) > 0 {
		fractions := make([]float64, len(ps))
		for i, p := range ps {
			fractions[i] = p / 100
		}
		for i, v := range stats.Percentiles(sorted, fractions, stats.Inclusive) {
			out.Percentiles = append(out.Percentiles, Percentile{P: ps[i], Value: v})
		}
		out.Histogram = stats.Histogram(sorted, r.o.Histogram)
		out.HistogramMethod = histogramMethod(sorted, r.o.Histogram)
	}
	clean := len(sorted)
	if len(r.m.Inputs) > 0 && clean > 1 {
		sens, err := r.sensitivity(ctx, sc, values, clean)
		if err != nil {
			return Output{}, err
		}
		out.Sensitivity = sens
	}
	if r.o.KeepSamples {
		out.Samples = values
	}
	return out, nil
}

// histogramMethod names the rule stats.Histogram applied.
func histogramMethod(sorted []float64, o stats.HistogramOpts) string {
	if o.Bins > 0 {
		return "fixed"
	}
	// A constant output gets one bin; the GraphQL schema knows two rule
	// names only, and it is closest to Sturges' (no spread to measure).
	n := len(sorted)
	if n < 2 || sorted[0] == sorted[n-1] {
		return "sturges"
	}
	q1, _ := stats.PercentileInc(sorted, 0.25)
	q3, _ := stats.PercentileInc(sorted, 0.75)
	if q3 == q1 {
		return "sturges"
	}
	return "freedman-diaconis"
}

// normalQuantile is the standard normal quantile, for auto-stop's z.
func normalQuantile(p float64) float64 {
	d, _ := dist.New("z", dist.Spec{Type: dist.Normal, Mean: ptr(0.0), StdDev: ptr(1.0)})
	return d.Quantile(p)
}

func ptr[T any](v T) *T { return &v }
