package engine

import (
	"context"

	"github.com/simgraph/simgraph/engine/stats"
)

// summarizeStream computes every output's results in memory that does not
// depend on the number of iterations (beyond kept samples). The moments
// and errors come from the first pass (execute). The rest takes passes
// over the outputs' values (kept samples, the spill, or the model evaluated
// again: the chunk streams make that an exact replay), with the inputs'
// values drawn again:
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
	ss := r.newStreamSummary()
	if err := r.count(ctx, ss.feeds()); err != nil {
		return nil, err
	}
	ss.orderStatistics()
	if err := ss.finalPass(ctx); err != nil {
		return nil, err
	}
	return ss.outs, nil
}

// streamSummary is a streamed summary in progress.
type streamSummary struct {
	r         *run
	nIn       int
	outs      []Output
	clean     []int               // per output: its iterations that are numbers
	sels      []*stats.Selection  // per output with numbers
	ys        []*stats.RankScale  // per output with a sensitivity
	xs        []*stats.RankScale  // per input, over every iteration
	excluded  [][]*stats.Excluded // per output with errors, per input: its values in those iterations
	tails     []*tailSums         // per output with numbers, once the order statistics are known
	sensitive bool                // some output has a sensitivity
}

func (r *run) newStreamSummary() *streamSummary {
	nOut, nIn := len(r.m.Outputs), len(r.m.Inputs)
	ss := &streamSummary{r: r, nIn: nIn, outs: make([]Output, nOut), clean: make([]int, nOut),
		sels: make([]*stats.Selection, nOut), ys: make([]*stats.RankScale, nOut),
		xs: make([]*stats.RankScale, nIn), excluded: make([][]*stats.Excluded, nOut)}
	for j := range ss.outs {
		ss.outs[j] = r.outputHead(j)
		if r.o.KeepSamples && r.outputs != nil { // a split run's parts hold none
			ss.outs[j].Samples = r.outputs[j]
		}
		s := ss.outs[j].Summary
		ss.clean[j] = int(s.Count)
		if s.Count == 0 {
			continue
		}
		ss.sels[j] = stats.NewSelection(s.Count, s.Min, s.Max, r.orderStatisticRanks(ss.clean[j]))
		if nIn == 0 || s.Count < 2 {
			continue
		}
		ss.sensitive = true
		ss.ys[j] = stats.NewRankScale(s.Min, s.Max)
	}
	if !ss.sensitive {
		return ss
	}
	for i, ir := range r.total.inputs {
		if ir.count > 0 {
			ss.xs[i] = stats.NewRankScale(ir.min, ir.max)
		}
	}
	for j, y := range ss.ys {
		if y == nil || ss.clean[j] == r.n {
			continue
		}
		// The inputs are ranked over the iterations where the output is a
		// number: their values in the others are counted to be left out.
		ss.excluded[j] = make([]*stats.Excluded, nIn)
		for i, x := range ss.xs {
			if x != nil {
				ss.excluded[j][i] = x.NewExcluded()
			}
		}
	}
	return ss
}

// feeds lists what the counting passes (steps 1 and 2) feed.
func (ss *streamSummary) feeds() []feed {
	var feeds []feed
	for j := range ss.outs {
		if ss.sels[j] != nil {
			feeds = append(feeds, feed{output: j, input: -1, search: selection{ss.sels[j]}})
		}
		if ss.ys[j] != nil {
			feeds = append(feeds, feed{output: j, input: -1, search: rankScale{ss.ys[j]}})
		}
		for i, e := range ss.excluded[j] {
			if e != nil {
				feeds = append(feeds, feed{output: j, input: i, search: excluded{e}})
			}
		}
	}
	for i, x := range ss.xs {
		if x != nil {
			feeds = append(feeds, feed{output: -1, input: i, search: rankScale{x}})
		}
	}
	return feeds
}

// orderStatistics sets the percentiles and the histogram's bins from the
// order statistics found.
func (ss *streamSummary) orderStatistics() {
	for j, n := range ss.clean {
		if n == 0 {
			continue
		}
		at := func(rank int) float64 { return ss.sels[j].Value(int64(rank)) }
		ss.outs[j].Percentiles = ss.r.percentiles(n, at)
		k, rule := ss.r.histogramShape(n, at)
		ss.outs[j].Histogram = stats.EmptyBins(at(0), at(n-1), k)
		ss.outs[j].HistogramMethod = rule
	}
	ss.tails = make([]*tailSums, len(ss.outs))
	for j, n := range ss.clean {
		if n > 0 {
			ss.tails[j] = ss.r.newTailSums(j, n, func(rank int) float64 { return ss.sels[j].Value(int64(rank)) })
		}
	}
}

// finalPass (step 3) counts the histograms and sums the estimated ranks.
func (ss *streamSummary) finalPass(ctx context.Context) error {
	r, nIn := ss.r, ss.nIn
	workers := r.workers()
	counts := make([][][]int, workers) // [worker][output][bin]
	ranks := make([][]inputRanks, workers)
	for w := range workers {
		counts[w] = make([][]int, len(ss.outs))
		for j := range ss.outs {
			counts[w][j] = make([]int, len(ss.outs[j].Histogram))
		}
		ranks[w] = make([]inputRanks, nIn)
		for i := range nIn {
			ranks[w][i] = inputRanks{make([]float64, ChunkSize), make([]float64, ChunkSize), make([]float64, ChunkSize)}
		}
	}
	sums := make([]stats.RankSums, len(ss.outs)*nIn) // [output·nIn + input]
	merger := newOrdered(func() []stats.RankSums { return make([]stats.RankSums, len(sums)) }, func(part []stats.RankSums) {
		for k := range sums {
			sums[k].Merge(&part[k])
		}
		clear(part)
	})
	// The tails' sums are summed per chunk and merged in chunk order, as
	// the exact summary sums them (tailSums.addChunked): the same bits.
	tails := newOrdered(func() []*tailSums {
		part := make([]*tailSums, len(ss.tails))
		for j, t := range ss.tails {
			if t != nil {
				part[j] = t.part()
			}
		}
		return part
	}, func(part []*tailSums) {
		for j, p := range part {
			if p != nil {
				ss.tails[j].merge(p)
				p.reset()
			}
		}
	})
	err := r.parallel(ctx, r.keptChunks, r.replaySource(ss.sensitive), func(w int, e *evaluator, c int) {
		part := tails.get()
		for j, p := range part {
			if p != nil {
				p.add(e.output(j))
			}
		}
		tails.put(c, part)
		for j := range ss.outs {
			if bins := ss.outs[j].Histogram; bins != nil {
				for _, y := range e.output(j) {
					if finite(y) {
						counts[w][j][stats.BinIndex(bins, y)]++
					}
				}
			}
		}
		if ss.sensitive {
			sums := merger.get()
			ss.addRanks(e, ranks[w], sums)
			merger.put(c, sums)
		}
	})
	if err != nil {
		return err
	}
	for w := range counts {
		ss.addHistogramCounts(counts[w])
	}
	ss.finishOutputs(sums)
	return nil
}

// addHistogramCounts adds counts ([output][bin]) to the histograms.
func (ss *streamSummary) addHistogramCounts(counts [][]int) {
	for j := range ss.outs {
		for b, n := range counts[j] {
			ss.outs[j].Histogram[b].Count += n
		}
	}
}

// finishOutputs sets the tails, from ss.tails summed, and the sensitivity,
// from the rank sums ([output·inputs + input]) and the run's co-moments.
func (ss *streamSummary) finishOutputs(sums []stats.RankSums) {
	r, nIn := ss.r, ss.nIn
	for j := range ss.outs {
		r.setTails(&ss.outs[j], j, ss.tails[j], ss.clean[j])
		if ss.ys[j] == nil {
			continue
		}
		sens := make([]stats.InputSensitivity, nIn)
		for i := range sens {
			sens[i] = sums[j*nIn+i].Sensitivity()
		}
		ss.outs[j].Sensitivity = r.withRegression(j, &ss.outs[j], withInputs(sens))
	}
}

// inputRanks holds a chunk's estimated ranks of one input (a worker's).
type inputRanks struct{ rank, from, to []float64 }

// addRanks adds the chunk e holds to the rank sums part: each input is
// ranked once per lane, or per output over the output's numbers when the
// output has errors.
func (ss *streamSummary) addRanks(e *evaluator, ranks []inputRanks, part []stats.RankSums) {
	for i, x := range ss.xs {
		if x == nil {
			continue
		}
		rk := ranks[i]
		for k, v := range e.input(i) {
			if finite(v) {
				rk.rank[k], rk.from[k], rk.to[k] = x.Rank(v)
			}
		}
	}
	for j, yscale := range ss.ys {
		if yscale == nil {
			continue
		}
		for k, y := range e.output(j) {
			if !finite(y) {
				continue
			}
			ry, _, _ := yscale.Rank(y)
			for i := range ss.nIn {
				v := e.input(i)[k]
				sums := &part[j*ss.nIn+i]
				switch {
				case !finite(v):
				case ss.excluded[j] != nil:
					if ex := ss.excluded[j][i]; ex != nil {
						rx, from, to := ex.Rank(v)
						sums.Add(rx, from, to, ex.Len(), ry, yscale.Len(), y)
					}
				case ss.xs[i] != nil:
					rk := ranks[i]
					sums.Add(rk.rank[k], rk.from[k], rk.to[k], ss.xs[i].Len(), ry, yscale.Len(), y)
				}
			}
		}
	}
}

// keptChunks is the number of chunks the result keeps, as parallel's
// limit.
func (r *run) keptChunks() int { return (r.n + ChunkSize - 1) / ChunkSize }
