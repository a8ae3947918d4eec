package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/simgraph/simgraph/engine/formula"
)

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
	evaluated     source = iota // the model evaluated
	storedInputs                // the outputs stored (memory or spill), the inputs drawn again
	storedOutputs               // the outputs stored, no inputs
)

// load obtains chunk c's output values from where they are stored (the
// kept samples, else sp), and its input values from the plan if asked.
func (r *run) load(e *evaluator, c int, inputs bool, sp *spill) error {
	if inputs {
		r.drawInputs(e, c)
	} else {
		e.lanes = r.plan.ChunkLen(c)
	}
	for j := range r.m.Outputs {
		dst := e.outputs[j][:e.lanes]
		if r.outputs != nil {
			copy(dst, r.outputs[j][c*ChunkSize:])
			continue
		}
		if err := sp.read(c, j, dst, e.buf); err != nil {
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
	return r.parallelFrom(ctx, 0, limit, src, r.spill, visit)
}

// parallelFrom is parallel over chunks first, first+1, … (a split run's
// range), stored values read from sp.
func (r *run) parallelFrom(ctx context.Context, first int, limit func() int, src source, sp *spill, visit func(worker int, e *evaluator, c int)) error {
	workers := r.workers()
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	next.Store(int64(first))
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
				} else if err := r.load(e, c, src == storedInputs, sp); err != nil {
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
