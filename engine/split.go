package engine

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/simgraph/simgraph/engine/stats"
)

// Split is a run evaluated in parts, possibly by other processes, whose
// merged result is Simulate's, bit for bit (Result.Elapsed aside).
//
// A streamed run (see Simulate) makes passes over the chunks: the first
// (moments, errors, ranges, co-moments), one or more counting passes (order
// statistics and rank scales) and a final one (histogram, tails, rank sums).
// Each pass is cut into chunk ranges; Evaluate computes one range's Partial
// on any process holding a Split of the same model, options and Checkpoint,
// and Merge, given the partials of every range of the pass, advances the
// split to the next pass. Sums of floats travel per chunk and are merged in
// chunk order, as Simulate merges them; counts, extremes and collected
// values are merged in any order, which gives the same result.
//
// A split run streams its summary whatever its size and does not stop
// early: NewSplit refuses Options.AutoStop and a run whose summary would be
// exact (set a negative SummaryMemory). It reports no Progress.
type Split struct {
	r        *run
	warnings []string
	start    time.Time
	ss       *streamSummary
	feeds    []feed // every search, once the first pass is merged
	pass     int
	stage    splitStage
	cp       checkpoint
	result   *Result
}

type splitStage int

const (
	stageMoments splitStage = iota
	stageCount
	stageFinal
	stageDone
)

// NewSplit prepares a split run at its first pass.
func NewSplit(ctx context.Context, m Model, o Options) (*Split, error) {
	if o.AutoStop != nil {
		return nil, errors.New("engine: a split run cannot stop early (auto-stop)")
	}
	start := time.Now()
	o.Progress = nil
	r, warnings, err := prepareRun(ctx, m, o)
	if err != nil {
		return nil, err
	}
	if r.exact {
		return nil, fmt.Errorf("engine: a split run streams its summary, and %d iterations fit SummaryMemory (make it negative)", o.Iterations)
	}
	return &Split{r: r, warnings: warnings, start: start}, nil
}

// Chunks is the number of chunks a pass covers.
func (s *Split) Chunks() int { return s.r.chunks }

// Pass is the index of the pass the split is at: 0 is the first.
func (s *Split) Pass() int { return s.pass }

// Done reports whether the last pass is merged.
func (s *Split) Done() bool { return s.stage == stageDone }

// Result is the run's result, once Done.
func (s *Split) Result() *Result { return s.result }

// Partial is what one chunk range contributes to one pass.
type Partial struct{ w partialWire }

// partialWire is a Partial's encoded form (gob keeps floats' bits).
type partialWire struct {
	Pass, First, End int
	Chunks           []chunkWire   // first pass: per chunk
	Samples          [][]float64   // first pass with KeepSamples: [output][iteration of the range]
	Searches         [][]byte      // counting pass: per open search, its pass
	Histogram        [][]int       // final pass: [output][bin]
	Tails            [][]tailWire  // final pass: [chunk][output]
	RankSums         [][][]byte    // final pass: [chunk][output·inputs + input]
	Iterations       int           // in the range
	Convergence      []Convergence // first pass: the range's own moments
}

type chunkWire struct {
	Acc    [][]byte // per output
	Errors [][]int  // per output, empty until one
	Inputs []inputRangeWire
	Reg    [][]byte // per output, with inputs
}

type inputRangeWire struct {
	Min, Max float64
	Count    int64
}

type tailWire struct {
	Present                  bool
	LowSum, HighSum          []float64
	LowN, HighN, Below, Abov []int64
}

// Range is the partial's chunks, [First, End).
func (p *Partial) Range() (first, end int) { return p.w.First, p.w.End }

// Pass is the index of the pass the partial belongs to.
func (p *Partial) Pass() int { return p.w.Pass }

// Iterations is the number of iterations the partial covers.
func (p *Partial) Iterations() int { return p.w.Iterations }

// MarshalBinary encodes the partial exactly.
func (p *Partial) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&p.w); err != nil {
		return nil, fmt.Errorf("engine: encoding a partial: %w", err)
	}
	return b.Bytes(), nil
}

// UnmarshalBinary decodes what MarshalBinary encoded.
func (p *Partial) UnmarshalBinary(b []byte) error {
	var w partialWire
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&w); err != nil {
		return fmt.Errorf("engine: decoding a partial: %w", err)
	}
	p.w = w
	return nil
}

// Evaluate computes the current pass over chunks [first, end).
func (s *Split) Evaluate(ctx context.Context, first, end int) (*Partial, error) {
	return s.evaluate(ctx, first, end, nil)
}

// evaluate is Evaluate, writing to or replaying from kept when not nil.
func (s *Split) evaluate(ctx context.Context, first, end int, kept *keptUse) (*Partial, error) {
	r := s.r
	if first < 0 || end > r.chunks || first >= end {
		return nil, fmt.Errorf("engine: chunk range [%d, %d) is outside [0, %d)", first, end, r.chunks)
	}
	w := partialWire{Pass: s.pass, First: first, End: end, Iterations: min(end*ChunkSize, r.o.Iterations) - first*ChunkSize}
	limit := func() int { return end }
	var err error
	switch s.stage {
	case stageMoments:
		err = s.evaluateMoments(ctx, &w, limit, kept)
	case stageCount:
		err = s.evaluateCount(ctx, &w, limit, kept)
	case stageFinal:
		err = s.evaluateFinal(ctx, &w, limit, kept)
	default:
		return nil, errors.New("engine: the split run is done")
	}
	if err != nil {
		return nil, err
	}
	return &Partial{w: w}, nil
}

func (s *Split) evaluateMoments(ctx context.Context, w *partialWire, limit func() int, kept *keptUse) error {
	r := s.r
	recs := make([]*chunkStats, w.End-w.First)
	if r.o.KeepSamples {
		w.Samples = make([][]float64, len(r.m.Outputs))
		for j := range w.Samples {
			w.Samples[j] = make([]float64, w.Iterations)
		}
	}
	err := r.parallelFrom(ctx, w.First, limit, evaluated, nil, func(_ int, e *evaluator, c int) {
		kept.write(e, c, len(r.m.Outputs))
		for j := range w.Samples {
			copy(w.Samples[j][(c-w.First)*ChunkSize:], e.output(j))
		}
		recs[c-w.First] = r.chunkStats(e)
	})
	if err != nil {
		return err
	}
	total := newChunkStats(len(r.m.Outputs), len(r.m.Inputs))
	for _, cs := range recs {
		cw, err := encodeChunk(cs)
		if err != nil {
			return err
		}
		w.Chunks = append(w.Chunks, cw)
		total.merge(cs)
	}
	for j := range total.acc {
		w.Convergence = append(w.Convergence, Convergence{Mean: total.acc[j].Mean(), StdError: total.acc[j].StdError()})
	}
	return nil
}

func (s *Split) evaluateCount(ctx context.Context, w *partialWire, limit func() int, kept *keptUse) error {
	r := s.r
	open := openFeeds(s.feeds)
	passes := make([]adder, len(open))
	for k, f := range open {
		passes[k] = f.search.newPass()
	}
	// One pass per search, under a lock: a part's worth of bins is what
	// travels, whatever the workers.
	locks := make([]sync.Mutex, len(open))
	src, sp := kept.source(r, needsInputs(open))
	err := r.parallelFrom(ctx, w.First, limit, src, sp, func(_ int, e *evaluator, _ int) {
		for k, f := range open {
			locks[k].Lock()
			f.add(passes[k], e)
			locks[k].Unlock()
		}
	})
	if err != nil {
		return err
	}
	for _, p := range passes {
		b, err := p.MarshalBinary()
		if err != nil {
			return err
		}
		w.Searches = append(w.Searches, b)
	}
	return nil
}

func (s *Split) evaluateFinal(ctx context.Context, w *partialWire, limit func() int, kept *keptUse) error {
	r, ss, nIn := s.r, s.ss, s.ss.nIn
	workers := r.workers()
	counts := make([][][]int, workers)
	ranks := make([][]inputRanks, workers)
	for k := range workers {
		counts[k] = make([][]int, len(ss.outs))
		for j := range ss.outs {
			counts[k][j] = make([]int, len(ss.outs[j].Histogram))
		}
		ranks[k] = make([]inputRanks, nIn)
		for i := range nIn {
			ranks[k][i] = inputRanks{make([]float64, ChunkSize), make([]float64, ChunkSize), make([]float64, ChunkSize)}
		}
	}
	n := w.End - w.First
	tails := make([][]*tailSums, n)
	sums := make([][]stats.RankSums, n)
	src, sp := kept.source(r, ss.sensitive)
	err := r.parallelFrom(ctx, w.First, limit, src, sp, func(k int, e *evaluator, c int) {
		part := make([]*tailSums, len(ss.tails))
		for j, t := range ss.tails {
			if t != nil {
				part[j] = t.part()
				part[j].add(e.output(j))
			}
		}
		tails[c-w.First] = part
		for j := range ss.outs {
			if bins := ss.outs[j].Histogram; bins != nil {
				for _, y := range e.output(j) {
					if finite(y) {
						counts[k][j][stats.BinIndex(bins, y)]++
					}
				}
			}
		}
		if ss.sensitive {
			part := make([]stats.RankSums, len(ss.outs)*nIn)
			ss.addRanks(e, ranks[k], part)
			sums[c-w.First] = part
		}
	})
	if err != nil {
		return err
	}
	w.Histogram = counts[0]
	for k := 1; k < workers; k++ {
		for j := range counts[k] {
			for b, c := range counts[k][j] {
				w.Histogram[j][b] += c
			}
		}
	}
	w.Tails = make([][]tailWire, n)
	w.RankSums = make([][][]byte, n)
	for c := range n {
		w.Tails[c] = make([]tailWire, len(tails[c]))
		for j, t := range tails[c] {
			if t != nil {
				w.Tails[c][j] = tailWire{Present: true, LowSum: t.lowSum, HighSum: t.highSum, LowN: t.lowN, HighN: t.highN, Below: t.below, Abov: t.above}
			}
		}
		for k := range sums[c] {
			b, err := sums[c][k].MarshalBinary()
			if err != nil {
				return err
			}
			w.RankSums[c] = append(w.RankSums[c], b)
		}
	}
	return nil
}

// Merge folds the partials of every range of the current pass (in any
// order) and moves the split to the next pass.
func (s *Split) Merge(parts []*Partial) error {
	ps := slices.Clone(parts)
	slices.SortFunc(ps, func(a, b *Partial) int { return a.w.First - b.w.First })
	next := 0
	for _, p := range ps {
		if p.w.Pass != s.pass || p.w.First != next || p.w.End <= p.w.First {
			return fmt.Errorf("engine: partials of pass %d do not cover the chunks once in order (chunk %d, a part of pass %d from %d)", s.pass, next, p.w.Pass, p.w.First)
		}
		next = p.w.End
	}
	if next != s.r.chunks {
		return fmt.Errorf("engine: partials of pass %d stop at chunk %d of %d", s.pass, next, s.r.chunks)
	}
	var err error
	switch s.stage {
	case stageMoments:
		err = s.mergeMoments(ps)
	case stageCount:
		err = s.mergeCount(ps)
	case stageFinal:
		err = s.mergeFinal(ps)
	default:
		err = errors.New("engine: the split run is done")
	}
	if err != nil {
		return err
	}
	s.pass++
	return nil
}

func (s *Split) mergeMoments(ps []*Partial) error {
	r := s.r
	nOut, nIn := len(r.m.Outputs), len(r.m.Inputs)
	total := newChunkStats(nOut, nIn)
	if r.o.KeepSamples {
		r.outputs = make([][]float64, nOut)
		for j := range r.outputs {
			r.outputs[j] = make([]float64, 0, r.o.Iterations)
		}
	}
	for _, p := range ps {
		for _, cw := range p.w.Chunks {
			cs, err := decodeChunk(cw, nOut, nIn)
			if err != nil {
				return err
			}
			total.merge(cs)
		}
		if r.outputs != nil {
			if len(p.w.Samples) != nOut {
				return errors.New("engine: a partial of a run keeping samples has none")
			}
			for j := range r.outputs {
				r.outputs[j] = append(r.outputs[j], p.w.Samples[j]...)
			}
		}
	}
	s.cp.Total, _ = encodeChunk(total)
	return s.afterMoments(total)
}

// afterMoments sets up the summary from the first pass's total.
func (s *Split) afterMoments(total *chunkStats) error {
	r := s.r
	r.total = *total
	r.n = r.o.Iterations
	s.ss = r.newStreamSummary()
	s.feeds = s.ss.feeds()
	s.nextStage()
	return nil
}

// nextStage counts again while a search is open, else sets the order
// statistics for the final pass.
func (s *Split) nextStage() {
	if len(openFeeds(s.feeds)) > 0 {
		s.stage = stageCount
		return
	}
	s.ss.orderStatistics()
	s.stage = stageFinal
}

func (s *Split) mergeCount(ps []*Partial) error {
	open := openFeeds(s.feeds)
	merged := make([]adder, len(open))
	for _, p := range ps {
		if len(p.w.Searches) != len(open) {
			return fmt.Errorf("engine: a counting partial has %d searches, not %d", len(p.w.Searches), len(open))
		}
		for k, f := range open {
			a, err := f.search.decodePass(p.w.Searches[k])
			if err != nil {
				return err
			}
			if merged[k] == nil {
				merged[k] = a
			} else {
				f.search.mergePass(merged[k], a)
			}
		}
	}
	var encoded [][]byte
	for k, f := range open {
		b, err := merged[k].MarshalBinary()
		if err != nil {
			return err
		}
		encoded = append(encoded, b)
		f.search.finish([]adder{merged[k]})
	}
	s.cp.Counts = append(s.cp.Counts, encoded)
	s.nextStage()
	return nil
}

func (s *Split) mergeFinal(ps []*Partial) error {
	ss := s.ss
	sums := make([]stats.RankSums, len(ss.outs)*ss.nIn)
	var part stats.RankSums
	for _, p := range ps {
		if len(p.w.Histogram) != len(ss.outs) {
			return errors.New("engine: a final partial's histograms do not match the outputs")
		}
		for j := range ss.outs {
			if len(p.w.Histogram[j]) != len(ss.outs[j].Histogram) {
				return errors.New("engine: a final partial's histogram does not match the bins")
			}
		}
		ss.addHistogramCounts(p.w.Histogram)
		for c := range p.w.Tails {
			for j, tw := range p.w.Tails[c] {
				if t := ss.tails[j]; t != nil && tw.Present {
					t.merge(&tailSums{lowSum: tw.LowSum, highSum: tw.HighSum, lowN: tw.LowN, highN: tw.HighN, below: tw.Below, above: tw.Abov, lows: t.lows, targets: t.targets})
				}
			}
			if ss.sensitive {
				if len(p.w.RankSums[c]) != len(sums) {
					return errors.New("engine: a final partial's rank sums do not match the model")
				}
				for k, b := range p.w.RankSums[c] {
					if err := part.UnmarshalBinary(b); err != nil {
						return err
					}
					sums[k].Merge(&part)
				}
			}
		}
	}
	ss.finishOutputs(sums)
	s.stage = stageDone
	s.result = &Result{Iterations: s.r.n, Outputs: ss.outs, Warnings: s.warnings, Elapsed: time.Since(s.start)}
	return nil
}

// checkpoint is what a split needs of the passes merged so far to evaluate
// the next: the first pass's total and each counting pass merged.
type checkpoint struct {
	Total  chunkWire
	Counts [][][]byte // [counting pass][open search]
}

// Checkpoint encodes the passes merged so far, for Restore on another
// process.
func (s *Split) Checkpoint() ([]byte, error) {
	if s.stage == stageMoments {
		return nil, nil
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&s.cp); err != nil {
		return nil, fmt.Errorf("engine: encoding a checkpoint: %w", err)
	}
	return b.Bytes(), nil
}

// Restore brings a new split (at its first pass) to where the split that
// made the checkpoint is. An empty checkpoint is the first pass.
func (s *Split) Restore(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if s.pass != 0 {
		return errors.New("engine: restoring a split that has moved on")
	}
	var cp checkpoint
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&cp); err != nil {
		return fmt.Errorf("engine: decoding a checkpoint: %w", err)
	}
	total, err := decodeChunk(cp.Total, len(s.r.m.Outputs), len(s.r.m.Inputs))
	if err != nil {
		return err
	}
	if err := s.afterMoments(total); err != nil {
		return err
	}
	s.pass = 1
	for _, pass := range cp.Counts {
		open := openFeeds(s.feeds)
		if s.stage != stageCount || len(pass) != len(open) {
			return errors.New("engine: the checkpoint does not match the model")
		}
		for k, f := range open {
			a, err := f.search.decodePass(pass[k])
			if err != nil {
				return err
			}
			f.search.finish([]adder{a})
		}
		s.nextStage()
		s.pass++
	}
	s.cp = cp
	return nil
}

func encodeChunk(cs *chunkStats) (chunkWire, error) {
	var w chunkWire
	for j := range cs.acc {
		b, err := cs.acc[j].MarshalBinary()
		if err != nil {
			return w, err
		}
		w.Acc = append(w.Acc, b)
		w.Errors = append(w.Errors, cs.errors[j])
	}
	for _, ir := range cs.inputs {
		w.Inputs = append(w.Inputs, inputRangeWire{Min: ir.min, Max: ir.max, Count: ir.count})
	}
	for _, m := range cs.reg {
		b, err := m.MarshalBinary()
		if err != nil {
			return w, err
		}
		w.Reg = append(w.Reg, b)
	}
	return w, nil
}

func decodeChunk(w chunkWire, nOut, nIn int) (*chunkStats, error) {
	cs := newChunkStats(nOut, nIn)
	if len(w.Acc) != nOut || len(w.Errors) != nOut || len(w.Inputs) != nIn || len(w.Reg) != len(cs.reg) {
		return nil, errors.New("engine: a chunk's statistics do not match the model")
	}
	for j := range cs.acc {
		if err := cs.acc[j].UnmarshalBinary(w.Acc[j]); err != nil {
			return nil, err
		}
		if len(w.Errors[j]) > 0 {
			cs.errors[j] = w.Errors[j]
		}
	}
	for i, ir := range w.Inputs {
		cs.inputs[i] = inputRange{min: ir.Min, max: ir.Max, count: ir.Count}
	}
	for j, m := range cs.reg {
		if err := m.UnmarshalBinary(w.Reg[j]); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// Convergence is the first pass's moments of the partial's own range (for
// progress: ranges' moments are merged exactly only by Merge).
func (p *Partial) Convergence() []Convergence { return p.w.Convergence }
