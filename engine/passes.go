package engine

import (
	"context"
	"sync"

	"github.com/simgraph/simgraph/engine/stats"
)

// replaySource is where the summarising passes take the values from: the
// kept samples, or the spill when every chunk was written to it, else the
// model evaluated again (same values, more time).
func (r *run) replaySource(inputs bool) source {
	switch {
	case r.outputs == nil && !r.spill.usable():
		return evaluated
	case inputs:
		return storedInputs
	}
	return storedOutputs
}

// A feed gives a search the finite values of an output (input −1), of an
// input (output −1), or of an input where an output is an error.
type feed struct {
	output, input int
	search        search
}

// search is a multi-pass count: stats.Selection or stats.RankScale.
type search interface {
	Done() bool
	newPass() adder
	finish([]adder)
	// A split run's parts carry their passes as bytes, merged into one
	// pass (which Finish takes as it would take them all).
	decodePass([]byte) (adder, error)
	mergePass(into, from adder)
}

type adder interface {
	Add(float64)
	MarshalBinary() ([]byte, error)
}

type selection struct{ *stats.Selection }

func (s selection) newPass() adder { return s.NewPass() }
func (s selection) finish(ps []adder) {
	s.Finish(column(ps, func(p adder) *stats.SelectionPass { return p.(*stats.SelectionPass) })...)
}

func (s selection) decodePass(b []byte) (adder, error) {
	p := s.NewPass()
	return p, p.UnmarshalBinary(b)
}
func (s selection) mergePass(into, from adder) {
	into.(*stats.SelectionPass).Merge(from.(*stats.SelectionPass))
}

type excluded struct{ *stats.Excluded }

func (s excluded) decodePass(b []byte) (adder, error) {
	p := s.NewPass()
	return p, p.UnmarshalBinary(b)
}
func (s excluded) mergePass(into, from adder) {
	into.(*stats.ExcludedPass).Merge(from.(*stats.ExcludedPass))
}

func (s rankScale) decodePass(b []byte) (adder, error) {
	p := s.NewPass()
	return p, p.UnmarshalBinary(b)
}
func (s rankScale) mergePass(into, from adder) {
	into.(*stats.RankPass).Merge(from.(*stats.RankPass))
}

func (s excluded) newPass() adder { return s.NewPass() }
func (s excluded) finish(ps []adder) {
	s.Finish(column(ps, func(p adder) *stats.ExcludedPass { return p.(*stats.ExcludedPass) })...)
}

type rankScale struct{ *stats.RankScale }

func (s rankScale) newPass() adder { return s.NewPass() }
func (s rankScale) finish(ps []adder) {
	s.Finish(column(ps, func(p adder) *stats.RankPass { return p.(*stats.RankPass) })...)
}

// passShards is the number of passes each feed's values are counted in;
// workers beyond it share them under a lock.
const passShards = 2

// count makes passes over the kept iterations until every search is done.
func (r *run) count(ctx context.Context, feeds []feed) error {
	workers := r.workers()
	for {
		open := openFeeds(feeds)
		if len(open) == 0 {
			return nil
		}
		// A few shards per feed, not one per worker: a pass holds bins, and
		// their memory must not grow with the cores.
		shards := min(workers, passShards)
		passes := make([][]adder, len(open)) // [feed][shard]
		locks := make([][]sync.Mutex, len(open))
		for k, f := range open {
			passes[k] = make([]adder, shards)
			locks[k] = make([]sync.Mutex, shards)
			for s := range shards {
				passes[k][s] = f.search.newPass()
			}
		}
		err := r.parallel(ctx, r.keptChunks, r.replaySource(needsInputs(open)), func(w int, e *evaluator, _ int) {
			for k, f := range open {
				p, mu := passes[k][w%shards], &locks[k][w%shards]
				mu.Lock()
				f.add(p, e)
				mu.Unlock()
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

// add gives p the values of the chunk e holds that f feeds.
func (f feed) add(p adder, e *evaluator) {
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
			if finite(x) && !finite(ys[k]) {
				p.Add(x)
			}
		}
	}
}

// openFeeds are the feeds whose searches need another pass.
func openFeeds(feeds []feed) []feed {
	var open []feed
	for _, f := range feeds {
		if !f.search.Done() {
			open = append(open, f)
		}
	}
	return open
}

// needsInputs reports whether some feed counts an input's values.
func needsInputs(feeds []feed) bool {
	for _, f := range feeds {
		if f.input >= 0 {
			return true
		}
	}
	return false
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
