package engine

import (
	"context"
	"math"
	"slices"
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

	exact   bool        // summarised from the values in memory, exactly
	outputs [][]float64 // [output][iteration], with KeepSamples or exact
	spill   *spill      // the outputs' values otherwise, when a file could be made

	// stopAt is the number of chunks the result keeps: all of them, or
	// fewer once auto-stop has decided. Workers take no chunk at or past it.
	stopAt atomic.Int64

	mu      sync.Mutex
	pending map[int]*chunkStats // finished chunks not yet merged
	free    []*chunkStats       // merged ones, for reuse
	merged  int                 // chunks merged into total, from the first
	total   chunkStats
	n       int // iterations in the result: a prefix of whole chunks

	// trace is every output's running mean after each merged chunk
	// ([chunk][output]); checkedAt the iterations of auto-stop's last
	// percentile check and sorted its buffer.
	trace     [][]Convergence
	checkedAt int
	sorted    []float64
}

func newRun(m Model, o Options, prog *formula.Program, plan *sample.Plan) *run {
	r := &run{m: m, o: o, prog: prog, plan: plan, chunks: plan.Chunks()}
	limit := o.SummaryMemory
	if limit == 0 {
		limit = DefaultSummaryMemory
	}
	perIteration := 56 // ranking an output and an input (see newScratch)
	if !o.KeepSamples {
		perIteration += 8 * len(m.Outputs) // the values, which are not samples
	}
	r.exact = limit > 0 && o.Iterations <= limit/perIteration
	r.stopAt.Store(int64(r.chunks))
	if a := o.AutoStop; a != nil {
		r.z = normalQuantile(0.5 + a.Confidence/2)
	}
	return r
}

// execute is the simulation proper: every chunk evaluated once, its
// statistics merged in chunk order, its outputs stored (in memory or in the
// spill).
func (r *run) execute(ctx context.Context) error {
	n := r.o.Iterations
	if r.inMemory() {
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
		r.trace = append(r.trace, r.convergenceLocked())
		if s := r.o.AutoStop; s != nil && r.merged < r.chunks && r.mergedIterations() >= max(s.MinIterations, 2*ChunkSize) && r.converged(s) {
			r.stopAt.Store(int64(r.merged))
		}
	}
	if r.merged > before {
		report(r.o.Progress, Progress{Stage: "running", Done: r.mergedIterations(), Total: r.o.Iterations, Outputs: r.convergenceLocked()})
	}
}

func (r *run) mergedIterations() int { return min(r.merged*ChunkSize, r.o.Iterations) }

// inMemory reports whether the outputs' values are kept in memory while
// the run goes: kept samples, an exact summary, or auto-stop on
// percentiles, which reads them.
func (r *run) inMemory() bool {
	return r.o.KeepSamples || r.exact || (r.o.AutoStop != nil && len(r.o.AutoStop.Percentiles) > 0)
}

func (r *run) converged(a *AutoStop) bool {
	for j := range r.total.acc {
		mean, se := r.total.acc[j].Mean(), r.total.acc[j].StdError()
		if math.IsNaN(mean) || math.IsNaN(se) || r.z*se > a.RelativeError*math.Abs(mean) {
			return false
		}
	}
	if len(a.Percentiles) == 0 || r.outputs == nil {
		return true
	}
	n := r.mergedIterations()
	if r.checkedAt > 0 && n < r.checkedAt+r.checkedAt/10 {
		return false
	}
	r.checkedAt = n
	for j := range r.outputs {
		r.sorted = r.sorted[:0]
		for _, x := range r.outputs[j][:n] {
			if finite(x) {
				r.sorted = append(r.sorted, x)
			}
		}
		slices.Sort(r.sorted)
		for _, p := range a.Percentiles {
			if !percentilePrecise(r.sorted, p/100, r.z, a.RelativeError) {
				return false
			}
		}
	}
	return true
}

// percentilePrecise reports whether the p-quantile of the sorted values
// is known within ±rel of its value: the order statistics of ranks
// n·p ∓ z·√(n·p(1−p)) (0-based, clamped) are at most rel·|q| from each
// other's midpoint.
func percentilePrecise(sorted []float64, p, z, rel float64) bool {
	n := len(sorted)
	if n < 2 {
		return false
	}
	half := z * math.Sqrt(float64(n)*p*(1-p))
	lo := int(math.Floor(float64(n)*p - half))
	hi := int(math.Ceil(float64(n)*p + half))
	if lo < 0 || hi > n-1 {
		return false // the interval reaches past the sample: not enough iterations
	}
	q, _ := stats.PercentileInc(sorted, p)
	return (sorted[hi]-sorted[lo])/2 <= rel*math.Abs(q)
}

// convergenceTrace is output j's running mean after the chunks of the
// result, at most MaxConvergencePoints of them evenly spread, the last
// one always.
func (r *run) convergenceTrace(j int) []ConvergencePoint {
	chunks := min(len(r.trace), int(r.stopAt.Load()))
	if chunks == 0 {
		return nil
	}
	points := min(chunks, MaxConvergencePoints)
	out := make([]ConvergencePoint, points)
	for k := range out {
		c := (k + 1) * chunks / points // 1..chunks, the last = chunks
		cv := r.trace[c-1][j]
		out[k] = ConvergencePoint{Iterations: min(c*ChunkSize, r.o.Iterations), Mean: cv.Mean, StdError: cv.StdError}
	}
	return out
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
