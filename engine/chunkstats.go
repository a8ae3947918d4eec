package engine

import (
	"math"

	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/stats"
)

// chunkStats is what the first pass learns from a chunk, merged in chunk
// order into the run's total.
type chunkStats struct {
	acc    []stats.Accumulator // per output: moments of its numbers
	errors [][]int             // per output: errors by formula.ErrorCode, nil until one
	inputs []inputRange        // per input: the extremes of its finite values
	// reg, per output when there are inputs: the co-moments of the inputs
	// and the output (last) over the iterations where all are numbers,
	// for the standardised regression.
	reg  []*stats.CoMoments
	cols [][]float64 // reg's block of a chunk, reused
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
	cs := &chunkStats{acc: make([]stats.Accumulator, outputs), errors: make([][]int, outputs), inputs: make([]inputRange, inputs)}
	if inputs > 0 {
		cs.reg = make([]*stats.CoMoments, outputs)
		for j := range cs.reg {
			cs.reg[j] = stats.NewCoMoments(inputs + 1)
		}
		cs.cols = make([][]float64, inputs+1)
		for v := range cs.cols {
			cs.cols[v] = make([]float64, 0, ChunkSize)
		}
	}
	return cs
}

func (cs *chunkStats) reset() {
	clear(cs.acc)
	for j := range cs.errors {
		clear(cs.errors[j])
	}
	clear(cs.inputs)
	for _, m := range cs.reg {
		m.Reset()
	}
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
	for j, m := range cs.reg {
		m.Merge(b.reg[j])
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
	nIn := len(r.m.Inputs)
	for j := range cs.reg {
		y := e.output(j)
		cols := cs.cols
		for v := range cols {
			cols[v] = cols[v][:0]
		}
	lanes:
		for k, v := range y {
			if !finite(v) {
				continue
			}
			for i := range nIn {
				if !finite(e.input(i)[k]) {
					continue lanes
				}
			}
			for i := range nIn {
				cols[i] = append(cols[i], e.input(i)[k])
			}
			cols[nIn] = append(cols[nIn], v)
		}
		if len(cols[nIn]) > 0 {
			cs.reg[j].AddBlock(cols)
		}
	}
	return cs
}
