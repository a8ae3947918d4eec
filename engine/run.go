package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/stats"
)

// run is one simulation in progress.
type run struct {
	m      Model
	o      Options
	prog   *formula.Program
	plan   *sample.Plan
	chunks int
	z      float64 // auto-stop's normal quantile

	inMemory bool        // outputs kept in memory and summarised exactly
	outputs  [][]float64 // [output][iteration], when inMemory
	spill    *spill      // the outputs' values otherwise, when a file could be made

	// stopAt is the number of chunks the result keeps: all of them, or
	// fewer once auto-stop has decided. Workers take no chunk at or past it.
	stopAt atomic.Int64

	mu      sync.Mutex
	pending map[int]*chunkStats // finished chunks not yet merged
	free    []*chunkStats       // merged ones, for reuse
	merged  int                 // chunks merged into total, from the first
	total   chunkStats
	n       int // iterations in the result: a prefix of whole chunks
}

// chunkStats is what the first pass learns from a chunk, merged in chunk
// order into the run's total.
type chunkStats struct {
	acc    []stats.Accumulator // per output: moments of its numbers
	errors [][]int             // per output: errors by formula.ErrorCode, nil until one
	inputs []inputRange        // per input: the extremes of its finite values
}

type inputRange struct {
	min, max float64
	count    int64
}

func (r inputRange) add(x float64) inputRange {
	if !finite(x) {
		return r
	}
	if r.count == 0 || x < r.min {
		r.min = x
	}
	if r.count == 0 || x > r.max {
		r.max = x
	}
	r.count++
	return r
}

func (r inputRange) merge(b inputRange) inputRange {
	if b.count == 0 {
		return r
	}
	if r.count == 0 {
		return b
	}
	return inputRange{min: math.Min(r.min, b.min), max: math.Max(r.max, b.max), count: r.count + b.count}
}

// errorCodes bounds formula.ErrorCode values, to count them in an array.
const errorCodes = 32

func newChunkStats(outputs, inputs int) *chunkStats {
	return &chunkStats{acc: make([]stats.Accumulator, outputs), errors: make([][]int, outputs), inputs: make([]inputRange, inputs)}
}

func (cs *chunkStats) reset() {
	clear(cs.acc)
	for j := range cs.errors {
		clear(cs.errors[j])
	}
	clear(cs.inputs)
}

func (cs *chunkStats) addError(j int, code formula.ErrorCode) {
	if cs.errors[j] == nil {
		cs.errors[j] = make([]int, errorCodes)
	}
	cs.errors[j][min(int(code), errorCodes-1)]++
}

func (cs *chunkStats) merge(b *chunkStats) {
	for j := range cs.acc {
		cs.acc[j].Merge(&b.acc[j])
		if b.errors[j] == nil {
			continue
		}
		if cs.errors[j] == nil {
			cs.errors[j] = make([]int, errorCodes)
		}
		for code, c := range b.errors[j] {
			cs.errors[j][code] += c
		}
	}
	for i := range cs.inputs {
		cs.inputs[i] = cs.inputs[i].merge(b.inputs[i])
	}
}

// errorCounts names the counted errors ("#DIV/0!": 3).
func (cs *chunkStats) errorCounts(j int) map[string]int {
	out := map[string]int{}
	for code, c := range cs.errors[j] {
		if c > 0 {
			out[formula.ErrorCode(code).String()] = c
		}
	}
	return out
}

func newRun(m Model, o Options, prog *formula.Program, plan *sample.Plan) *run {
	r := &run{m: m, o: o, prog: prog, plan: plan, chunks: plan.Chunks()}
	limit := o.SummaryMemory
	if limit == 0 {
		limit = DefaultSummaryMemory
	}
	r.inMemory = o.KeepSamples || (limit > 0 && o.Iterations <= limit/(8*len(m.Outputs)+56))
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

// evaluator is a worker's state: the program's lanes and the values of
// the chunk it evaluated last.
type evaluator struct {
	st       *formula.State
	uniforms []float64
	outputs  [][]float64 // [output][lane], numbers or NaN-encoded errors
	lanes    int
	buf      []byte // spill I/O
}

func (r *run) newEvaluator() *evaluator {
	e := &evaluator{st: r.prog.NewState(ChunkSize), uniforms: make([]float64, ChunkSize), outputs: make([][]float64, len(r.m.Outputs)), buf: make([]byte, 8*ChunkSize)}
	for j := range e.outputs {
		e.outputs[j] = make([]float64, ChunkSize)
	}
	return e
}

// input returns the values input i took in the chunk evaluated last.
func (e *evaluator) input(i int) []float64 { return e.st.Input(i)[:e.lanes] }

// output returns the values of output j in the chunk evaluated last.
func (e *evaluator) output(j int) []float64 { return e.outputs[j][:e.lanes] }

// evaluate evaluates chunk c: draws each input's values from the chunk's
// own stream, runs the program over the lanes and reads the outputs. Doing
// it again gives the same values, which the summarising passes rely on.
func (r *run) evaluate(e *evaluator, c int) {
	r.drawInputs(e, c)
	lanes, st := e.lanes, e.st
	if r.prog.UsesRand() {
		// RAND() draws from a stream of the chunk too, after the inputs'.
		st.SetRand(rand.New(rand.NewPCG(r.o.Seed^0x52414e44, uint64(c))))
	}
	st.Run(lanes)
	for j := range r.m.Outputs {
		dst := e.outputs[j][:lanes]
		for k, v := range st.Output(j)[:lanes] {
			switch {
			case v != v:
				v = laneNumber(st, j, k, v)
			case v == 0:
				v = 0 // −0 is 0: sorting and binning see one zero
			}
			dst[k] = v
		}
	}
}

// drawInputs draws chunk c's input values into the program's inputs.
func (r *run) drawInputs(e *evaluator, c int) {
	lanes := r.plan.ChunkLen(c)
	e.lanes = lanes
	u := e.uniforms[:lanes]
	for i, in := range r.m.Inputs {
		r.plan.Fill(i, c, u)
		dst := e.st.Input(i)[:lanes]
		for k, p := range u {
			dst[k] = in.Dist.Quantile(p)
		}
	}
}

// source is how parallel obtains a chunk's values.
type source int

const (
	evaluated   source = iota // the model evaluated
	spilled                   // the outputs from the spill, the inputs drawn again
	spilledOnly               // the outputs from the spill, no inputs
)

// load obtains chunk c's values from the spill.
func (r *run) load(e *evaluator, c int, inputs bool) error {
	if inputs {
		r.drawInputs(e, c)
	} else {
		e.lanes = r.plan.ChunkLen(c)
	}
	for j := range r.m.Outputs {
		if err := r.spill.read(c, j, e.outputs[j][:e.lanes], e.buf); err != nil {
			return err
		}
	}
	return nil
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

// parallel obtains the values of chunks 0, 1, … (while below limit()) on
// the workers, each chunk once, from src, calling visit with the worker's
// evaluator (and its index) after each. It returns ctx's cause on
// cancellation, a spill's read error, and an *errInternal when a worker
// panics.
func (r *run) parallel(ctx context.Context, limit func() int, src source, visit func(worker int, e *evaluator, c int)) error {
	workers := r.workers()
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			c := -1
			defer func() {
				if v := recover(); v != nil {
					buf := make([]byte, 16<<10)
					buf = buf[:runtime.Stack(buf, false)]
					cancel(&errInternal{chunk: c, value: v, stack: buf})
				}
			}()
			e := r.newEvaluator()
			for wctx.Err() == nil {
				// Chunks are handed out in increasing order, so once one
				// is past the limit every later one is too.
				c = int(next.Add(1) - 1)
				if c >= limit() {
					return
				}
				if src == evaluated {
					r.evaluate(e, c)
				} else if err := r.load(e, c, src == spilled); err != nil {
					cancel(err)
					return
				}
				visit(w, e, c)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	return context.Cause(wctx)
}

// workers is the number of goroutines parallel starts.
func (r *run) workers() int {
	w := r.o.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return max(1, min(w, r.chunks))
}

// execute is the simulation proper: every chunk evaluated once, its
// statistics merged in chunk order, its outputs stored (in memory or in the
// spill).
func (r *run) execute(ctx context.Context) error {
	n := r.o.Iterations
	if r.inMemory {
		r.outputs = make([][]float64, len(r.m.Outputs))
		for j := range r.outputs {
			r.outputs[j] = make([]float64, n)
		}
	}
	r.total = *newChunkStats(len(r.m.Outputs), len(r.m.Inputs))
	r.pending = map[int]*chunkStats{}
	err := r.parallel(ctx, func() int { return int(r.stopAt.Load()) }, evaluated, func(_ int, e *evaluator, c int) {
		switch {
		case r.outputs != nil:
			base := c * ChunkSize
			for j := range r.outputs {
				copy(r.outputs[j][base:base+e.lanes], e.output(j))
			}
		case r.spill != nil:
			for j := range r.m.Outputs {
				r.spill.write(c, j, e.output(j), e.buf)
			}
		}
		r.finish(c, r.chunkStats(e))
	})
	if err != nil {
		return err
	}
	r.n = min(int(r.stopAt.Load())*ChunkSize, n)
	for j := range r.outputs {
		r.outputs[j] = r.outputs[j][:r.n:r.n]
	}
	return nil
}

// chunkStats summarises the chunk e evaluated last, in a reused record.
func (r *run) chunkStats(e *evaluator) *chunkStats {
	r.mu.Lock()
	var cs *chunkStats
	if k := len(r.free); k > 0 {
		cs, r.free = r.free[k-1], r.free[:k-1]
	}
	r.mu.Unlock()
	if cs == nil {
		cs = newChunkStats(len(r.m.Outputs), len(r.m.Inputs))
	} else {
		cs.reset()
	}
	for j := range r.m.Outputs {
		a := &cs.acc[j]
		for _, v := range e.output(j) {
			if finite(v) {
				a.Add(v)
				continue
			}
			if code, isErr := formula.ErrorKind(v); isErr {
				cs.addError(j, code)
			} else {
				cs.addError(j, formula.ErrNum) // ±Inf or a NaN no error encodes
			}
		}
	}
	for i := range r.m.Inputs {
		ir := cs.inputs[i]
		for _, x := range e.input(i) {
			ir = ir.add(x)
		}
		cs.inputs[i] = ir
	}
	return cs
}

// finish folds a chunk into the running statistics: chunks are merged in
// chunk order, each as soon as the ones before it are, and auto-stop is
// decided after each merge. It reports progress when the merged prefix
// grew.
func (r *run) finish(c int, cs *chunkStats) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending[c] = cs
	before := r.merged
	for r.merged < int(r.stopAt.Load()) {
		a, ok := r.pending[r.merged]
		if !ok {
			break
		}
		delete(r.pending, r.merged)
		r.total.merge(a)
		r.free = append(r.free, a)
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
	for j := range r.total.acc {
		mean, se := r.total.acc[j].Mean(), r.total.acc[j].StdError()
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
	out := make([]Convergence, len(r.total.acc))
	for j := range r.total.acc {
		out[j] = Convergence{Mean: r.total.acc[j].Mean(), StdError: r.total.acc[j].StdError()}
	}
	return out
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
