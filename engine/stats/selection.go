package stats

import (
	"math"
	"slices"
	"sort"
)

// Selection finds exact order statistics (the values at given 0-based ranks
// of the sorted sample) of a sample that can be produced again but is not
// kept, in memory that does not depend on the sample's size. Each pass over
// the sample counts the values falling in the bins of the intervals known to
// hold the wanted ranks; the bin holding a rank, bounded by the smallest and
// largest value seen in it, becomes the rank's interval for the next pass,
// until an interval holds few enough values to be collected and sorted, or a
// single repeated value.
//
// The first split of [min, max] is linear in value, which suits the bulk of
// most distributions; later splits are linear in the order of the float64
// bit patterns, which also resolves heavy tails and bounds the number of
// passes (each divides the interval's bit-pattern range by selectionBins).
// A million values typically need two passes, a hundred million three.
//
// Use: s := NewSelection(…); for !s.Done() { give every value to a pass from
// s.NewPass() (one per goroutine), then s.Finish(passes…) }; then s.Value.
type Selection struct {
	known map[int64]float64
	open  []*interval // disjoint, in increasing order
}

const (
	selectionBins    = 2048 // bins per split interval
	selectionCollect = 8192 // an interval with at most this many values is collected
)

type interval struct {
	lo, hi float64
	below  int64 // values smaller than lo
	count  int64 // values in [lo, hi]
	split  int   // splits before this one: 0 is linear in value
	ranks  []int64
}

func (iv *interval) collects() bool { return iv.count <= selectionCollect }

// NewSelection prepares the search for the given ranks (0 ≤ rank < n) of n
// finite values whose minimum and maximum are known.
func NewSelection(n int64, min, max float64, ranks []int64) *Selection {
	s := &Selection{known: map[int64]float64{}}
	rs := slices.Clone(ranks)
	slices.Sort(rs)
	rs = slices.Compact(rs)
	if n <= 0 || len(rs) == 0 {
		return s
	}
	if min == max {
		for _, r := range rs {
			s.known[r] = min
		}
		return s
	}
	s.open = []*interval{{lo: min, hi: max, count: n, ranks: rs}}
	return s
}

// Done reports whether every rank's value is known.
func (s *Selection) Done() bool { return len(s.open) == 0 }

// Value returns the value at rank, once Done.
func (s *Selection) Value(rank int64) float64 {
	v, ok := s.known[rank]
	if !ok {
		return math.NaN()
	}
	return v
}

// SelectionPass gathers one goroutine's share of a pass.
type SelectionPass struct {
	open []*interval
	jobs []selectionJob
}

type selectionJob struct {
	values     []float64 // an interval that collects
	counts     []uint32  // an interval that splits: per bin
	mins, maxs []float64
	binner     binner
}

// NewPass returns an empty pass over the current intervals.
func (s *Selection) NewPass() *SelectionPass {
	p := &SelectionPass{open: s.open, jobs: make([]selectionJob, len(s.open))}
	for k, iv := range s.open {
		if iv.collects() {
			continue
		}
		j := &p.jobs[k]
		j.counts = make([]uint32, selectionBins)
		j.mins, j.maxs = make([]float64, selectionBins), make([]float64, selectionBins)
		if iv.split == 0 {
			j.binner = newLinearBinner(iv.lo, iv.hi, selectionBins)
		} else {
			j.binner = newKeyBinner(iv.lo, iv.hi, selectionBins)
		}
	}
	return p
}

// Add gives the pass a value of the sample (finite, −0 counted as +0).
func (p *SelectionPass) Add(x float64) {
	open := p.open
	if len(open) == 0 || x < open[0].lo {
		return
	}
	k := 0
	if len(open) > 1 {
		k = sort.Search(len(open), func(i int) bool { return open[i].lo > x }) - 1
	}
	if x > open[k].hi {
		return
	}
	j := &p.jobs[k]
	if j.counts == nil {
		j.values = append(j.values, x)
		return
	}
	b := j.binner.bin(x)
	if j.counts[b] == 0 || x < j.mins[b] {
		j.mins[b] = x
	}
	if j.counts[b] == 0 || x > j.maxs[b] {
		j.maxs[b] = x
	}
	j.counts[b]++
}

// Finish merges the passes over the whole sample and narrows the intervals.
func (s *Selection) Finish(passes ...*SelectionPass) {
	var next []*interval
	for k, iv := range s.open {
		if iv.collects() {
			var values []float64
			for _, p := range passes {
				values = append(values, p.jobs[k].values...)
			}
			slices.Sort(values)
			for _, r := range iv.ranks {
				if i := r - iv.below; i >= 0 && i < int64(len(values)) {
					s.known[r] = values[i]
				}
			}
			continue
		}
		counts := make([]int64, selectionBins)
		mins, maxs := make([]float64, selectionBins), make([]float64, selectionBins)
		for _, p := range passes {
			j := &p.jobs[k]
			for b, c := range j.counts {
				if c == 0 {
					continue
				}
				if counts[b] == 0 || j.mins[b] < mins[b] {
					mins[b] = j.mins[b]
				}
				if counts[b] == 0 || j.maxs[b] > maxs[b] {
					maxs[b] = j.maxs[b]
				}
				counts[b] += int64(c)
			}
		}
		below := iv.below
		ri := 0
		for b, c := range counts {
			var child *interval
			for ri < len(iv.ranks) && iv.ranks[ri] < below+c {
				r := iv.ranks[ri]
				ri++
				if mins[b] == maxs[b] {
					s.known[r] = mins[b]
					continue
				}
				if child == nil {
					child = &interval{lo: mins[b], hi: maxs[b], below: below, count: c, split: iv.split + 1}
					next = append(next, child)
				}
				child.ranks = append(child.ranks, r)
			}
			below += c
		}
	}
	s.open = next
}

// binner maps a value of [lo, hi] to one of n bins, monotonically: a
// larger value never gets a smaller bin, so a bin's values are consecutive
// in sorted order.
type binner struct {
	linear     bool
	lo, scale  float64 // linear: bin ⌊(x/2 − lo/2)·scale⌋ (halves: no overflow)
	keyLo, div uint64  // key: (key(x) − key(lo)) / div
	n          int
}

func newLinearBinner(lo, hi float64, n int) binner {
	return binner{linear: true, lo: lo, scale: float64(n) / (hi/2 - lo/2), n: n}
}

func newKeyBinner(lo, hi float64, n int) binner {
	span := orderKey(hi) - orderKey(lo)
	return binner{keyLo: orderKey(lo), div: span/uint64(n) + 1, n: n}
}

func (b *binner) bin(x float64) int {
	if b.linear {
		f := (x/2 - b.lo/2) * b.scale
		if !(f > 0) {
			return 0
		}
		if f >= float64(b.n-1) {
			return b.n - 1
		}
		return int(f)
	}
	return int(min((orderKey(x)-b.keyLo)/b.div, uint64(b.n-1)))
}

// orderKey maps a float64 to a uint64 in the same order (−0 before +0).
func orderKey(x float64) uint64 {
	k := math.Float64bits(x)
	if k>>63 == 1 {
		return ^k
	}
	return k | 1<<63
}

// column picks one field from every pass.
func column[P, T any](ps []P, f func(P) T) []T {
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = f(p)
	}
	return out
}
