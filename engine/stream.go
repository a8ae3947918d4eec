package engine

import (
	"context"
	"sync"

	"github.com/simgraph/simgraph/engine/stats"
)

// summarizeStream computes every output's results without the outputs'
// values, in memory that does not depend on the number of iterations. The
// moments and errors come from the first pass (execute). The rest takes
// passes that evaluate the kept iterations again, which the chunk streams
// make exact replays:
//
//  1. counting: bins over each output's range, for its order statistics
//     (stats.Selection) and, with inputs, for the estimated ranks of each
//     output and input (stats.RankScale);
//  2. as many more as the order statistics need (usually one, collecting
//     the few values around each wanted rank), which also split the rank
//     scales' crowded bins: percentiles and histogram bounds are then
//     exact, the same as from the sorted values;
//  3. the histogram counts and, with inputs, the sums of estimated ranks
//     that give Spearman's correlation and the output's mean per input
//     decile.
//
// Sums of floating-point numbers are merged in chunk order, so the results
// do not depend on the number of workers.
func (r *run) summarizeStream(ctx context.Context) ([]Output, error) {
	nOut, nIn := len(r.m.Outputs), len(r.m.Inputs)
	chunks := (r.n + ChunkSize - 1) / ChunkSize
	limit := func() int { return chunks }
	workers := r.workers()
	outs := make([]Output, nOut)
	clean := make([]int, nOut)
	sels := make([]*stats.Selection, nOut)
	ys := make([]*stats.RankScale, nOut)       // per output, when it has a sensitivity
	xs := make([]*stats.RankScale, nIn)        // per input, over every iteration
	masked := make([][]*stats.RankScale, nOut) // per output with errors, per input: over its clean iterations
	sensitive := false
	for j := range outs {
		outs[j] = r.outputHead(j)
		s := outs[j].Summary
		clean[j] = int(s.Count)
		if clean[j] == 0 {
			continue
		}
		sels[j] = stats.NewSelection(s.Count, s.Min, s.Max, r.orderStatisticRanks(clean[j]))
		if nIn == 0 || clean[j] < 2 {
			continue
		}
		sensitive = true
		ys[j] = stats.NewRankScale(s.Min, s.Max)
		if clean[j] < r.n {
			masked[j] = make([]*stats.RankScale, nIn)
			for i, ir := range r.total.inputs {
				if ir.count > 0 {
					masked[j][i] = stats.NewRankScale(ir.min, ir.max)
				}
			}
		}
	}
	if sensitive {
		for i, ir := range r.total.inputs {
			if ir.count > 0 {
				xs[i] = stats.NewRankScale(ir.min, ir.max)
			}
		}
	}

	// 1 and 2. Counting, until every order statistic and rank scale is
	// settled.
	var feeds []feed
	for j := range nOut {
		if sels[j] != nil {
			feeds = append(feeds, feed{output: j, input: -1, search: selection{sels[j]}})
		}
		if ys[j] != nil {
			feeds = append(feeds, feed{output: j, input: -1, search: rankScale{ys[j]}})
		}
		for i, m := range masked[j] {
			if m != nil {
				feeds = append(feeds, feed{output: j, input: i, search: rankScale{m}})
			}
		}
	}
	for i, x := range xs {
		if x != nil {
			feeds = append(feeds, feed{output: -1, input: i, search: rankScale{x}})
		}
	}
	if err := r.count(ctx, limit, feeds); err != nil {
		return nil, err
	}
	for j := range nOut {
		if clean[j] == 0 {
			continue
		}
		at := func(rank int) float64 { return sels[j].Value(int64(rank)) }
		outs[j].Percentiles = r.percentiles(clean[j], at)
		k, rule := r.histogramShape(clean[j], at)
		outs[j].Histogram = stats.EmptyBins(at(0), at(clean[j]-1), k)
		outs[j].HistogramMethod = rule
	}

	// 3. Histogram counts and rank sums.
	counts := make([][][]int, workers) // [worker][output][bin]
	for w := range counts {
		counts[w] = make([][]int, nOut)
		for j := range nOut {
			counts[w][j] = make([]int, len(outs[j].Histogram))
		}
	}
	sums := make([]stats.RankSums, nOut*nIn)
	merger := newOrdered(func() []stats.RankSums { return make([]stats.RankSums, nOut*nIn) }, func(part []stats.RankSums) {
		for k := range sums {
			sums[k].Merge(&part[k])
		}
		clear(part)
	})
	type ranked struct{ rank, from, to []float64 }
	inputRanks := make([][]ranked, workers)
	for w := range inputRanks {
		inputRanks[w] = make([]ranked, nIn)
		for i := range nIn {
			inputRanks[w][i] = ranked{make([]float64, ChunkSize), make([]float64, ChunkSize), make([]float64, ChunkSize)}
		}
	}
	err := r.parallel(ctx, limit, r.replaySource(sensitive), func(w int, e *evaluator, c int) {
		for j := range nOut {
			if bins := outs[j].Histogram; bins != nil {
				hc := counts[w][j]
				for _, y := range e.output(j) {
					if finite(y) {
						hc[stats.BinIndex(bins, y)]++
					}
				}
			}
		}
		if !sensitive {
			return
		}
		for i, x := range xs {
			if x == nil {
				continue
			}
			rk := inputRanks[w][i]
			for k, v := range e.input(i) {
				if finite(v) {
					rk.rank[k], rk.from[k], rk.to[k] = x.Rank(v)
				}
			}
		}
		part := merger.get()
		for j, yscale := range ys {
			if yscale == nil {
				continue
			}
			for k, y := range e.output(j) {
				if !finite(y) {
					continue
				}
				ry, _, _ := yscale.Rank(y)
				for i := range nIn {
					v := e.input(i)[k]
					if !finite(v) {
						continue
					}
					if masked[j] != nil {
						if m := masked[j][i]; m != nil {
							rx, from, to := m.Rank(v)
							part[j*nIn+i].Add(rx, from, to, m.Len(), ry, yscale.Len(), y)
						}
						continue
					}
					if x := xs[i]; x != nil {
						rk := inputRanks[w][i]
						part[j*nIn+i].Add(rk.rank[k], rk.from[k], rk.to[k], x.Len(), ry, yscale.Len(), y)
					}
				}
			}
		}
		merger.put(c, part)
	})
	if err != nil {
		return nil, err
	}
	for j := range outs {
		for w := range counts {
			for b, n := range counts[w][j] {
				outs[j].Histogram[b].Count += n
			}
		}
		if ys[j] == nil {
			continue
		}
		sens := make([]stats.InputSensitivity, nIn)
		for i := range sens {
			sens[i] = sums[j*nIn+i].Sensitivity()
		}
		outs[j].Sensitivity = withInputs(sens)
	}
	return outs, nil
}

// replaySource is where the summarising passes take the values from: the
// spill when every chunk was written to it, else the model evaluated
// again (same values, more time).
func (r *run) replaySource(inputs bool) source {
	switch {
	case !r.spill.usable():
		return evaluated
	case inputs:
		return spilled
	}
	return spilledOnly
}

// A feed gives a search the finite values of an output (input −1), of an
// input (output −1), or of an input where an output is a number.
type feed struct {
	output, input int
	search        search
}

// search is a multi-pass count: stats.Selection or stats.RankScale.
type search interface {
	Done() bool
	newPass() adder
	finish([]adder)
}

type adder interface{ Add(float64) }

type selection struct{ *stats.Selection }

func (s selection) newPass() adder { return s.NewPass() }
func (s selection) finish(ps []adder) {
	s.Finish(column(ps, func(p adder) *stats.SelectionPass { return p.(*stats.SelectionPass) })...)
}

type rankScale struct{ *stats.RankScale }

func (s rankScale) newPass() adder { return s.NewPass() }
func (s rankScale) finish(ps []adder) {
	s.Finish(column(ps, func(p adder) *stats.RankPass { return p.(*stats.RankPass) })...)
}

// count makes passes over the kept iterations until every search is done.
func (r *run) count(ctx context.Context, limit func() int, feeds []feed) error {
	workers := r.workers()
	for {
		var open []feed
		for _, f := range feeds {
			if !f.search.Done() {
				open = append(open, f)
			}
		}
		if len(open) == 0 {
			return nil
		}
		passes := make([][]adder, len(open)) // [feed][worker]
		for k, f := range open {
			passes[k] = make([]adder, workers)
			for w := range workers {
				passes[k][w] = f.search.newPass()
			}
		}
		needInputs := false
		for _, f := range open {
			needInputs = needInputs || f.input >= 0
		}
		err := r.parallel(ctx, limit, r.replaySource(needInputs), func(w int, e *evaluator, _ int) {
			for k, f := range open {
				p := passes[k][w]
				switch {
				case f.input < 0:
					for _, y := range e.output(f.output) {
						if finite(y) {
							p.Add(y)
						}
					}
				case f.output < 0:
					for _, x := range e.input(f.input) {
						if finite(x) {
							p.Add(x)
						}
					}
				default:
					ys := e.output(f.output)
					for k, x := range e.input(f.input) {
						if finite(x) && finite(ys[k]) {
							p.Add(x)
						}
					}
				}
			}
		})
		if err != nil {
			return err
		}
		for k, f := range open {
			f.search.finish(passes[k])
		}
	}
}

// column picks one field from every worker's record.
func column[W, T any](ws []W, f func(W) T) []T {
	out := make([]T, len(ws))
	for w, x := range ws {
		out[w] = f(x)
	}
	return out
}

// ordered merges per-chunk records in chunk order, whatever order the
// workers finish them in, and recycles them.
type ordered[T any] struct {
	mu      sync.Mutex
	next    int
	pending map[int]T
	free    []T
	alloc   func() T
	merge   func(T)
}

func newOrdered[T any](alloc func() T, merge func(T)) *ordered[T] {
	return &ordered[T]{pending: map[int]T{}, alloc: alloc, merge: merge}
}

// get returns a record to fill: a new one, or a recycled one as merge left
// it (merge clears what it merged).
func (o *ordered[T]) get() T {
	o.mu.Lock()
	defer o.mu.Unlock()
	if k := len(o.free); k > 0 {
		v := o.free[k-1]
		o.free = o.free[:k-1]
		return v
	}
	return o.alloc()
}

// put hands in chunk c's record.
func (o *ordered[T]) put(c int, v T) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pending[c] = v
	for {
		v, ok := o.pending[o.next]
		if !ok {
			return
		}
		delete(o.pending, o.next)
		o.merge(v)
		o.free = append(o.free, v)
		o.next++
	}
}
