package stats

import (
	"cmp"
	"math"
	"slices"
)

// RankScale estimates the average rank of a value among a sample that is
// not kept, from bin counts made in passes over the sample: a value's rank
// is the count of the bins before its own plus its place in the bin. Each
// bin records its smallest and largest value and how many times each
// occurs, so that a value repeated at a bin's edge (a tie group: a discrete
// input, an output capped by MIN or MAX) gets its exact average rank, and
// values inside are interpolated linearly. The first pass counts rankBins
// bins over [min, max]; the second splits the most crowded bins (heavy
// tails crowd the first ones) into rankSubBins bins each, linear in the
// order of the float64 bit patterns. Rank correlations computed from the
// estimates stay within 10⁻³ of the exact ones on the shapes of the tests.
//
// Use: for !s.Done() { give every value to a pass from s.NewPass() (one per
// goroutine), then s.Finish(passes…) }; then s.Rank.
type RankScale struct {
	n        int64
	constant bool
	passes   int
	top      *binTable
	refined  map[int]*binTable // crowded bins of top, split
}

const (
	rankBins       = 4096
	rankSubBins    = 512
	rankMaxRefined = 16
)

// NewRankScale returns a scale for finite values within [min, max].
func NewRankScale(min, max float64) *RankScale {
	if min == max {
		return &RankScale{constant: true}
	}
	return &RankScale{top: &binTable{binner: newLinearBinner(min, max, rankBins)}}
}

// Done reports whether the scale has made its passes.
func (r *RankScale) Done() bool {
	return r.passes == 2 || (r.passes == 1 && (r.constant || len(r.refined) == 0))
}

// RankPass gathers one goroutine's share of a pass.
type RankPass struct {
	n       int64
	top     *binner // first pass
	refined map[int]*binPass
	bins    binPass
}

// NewPass returns an empty pass.
func (r *RankScale) NewPass() *RankPass {
	p := &RankPass{}
	switch {
	case r.constant:
	case r.passes == 0:
		p.top = &r.top.binner
		p.bins = newBinPass(r.top.binner)
	default:
		p.top = &r.top.binner
		p.refined = map[int]*binPass{}
		for b, t := range r.refined {
			bp := newBinPass(t.binner)
			p.refined[b] = &bp
		}
	}
	return p
}

// Add gives the pass a value of the sample.
func (p *RankPass) Add(x float64) {
	p.n++
	switch {
	case p.top == nil:
	case p.refined == nil:
		p.bins.add(p.top.bin(x), x)
	default:
		if bp := p.refined[p.top.bin(x)]; bp != nil {
			bp.add(bp.binner.bin(x), x)
		}
	}
}

// Finish merges the passes over the whole sample.
func (r *RankScale) Finish(passes ...*RankPass) {
	r.passes++
	if r.passes == 1 {
		for _, p := range passes {
			r.n += p.n
		}
	}
	if r.constant {
		return
	}
	if r.passes == 1 {
		r.top.merge(column(passes, func(p *RankPass) *binPass { return &p.bins }))
		r.refined = map[int]*binTable{}
		for _, b := range r.top.crowded(r.n) {
			lo, hi := r.top.mins[b], r.top.maxs[b]
			r.refined[b] = &binTable{binner: newKeyBinner(lo, hi, rankSubBins), base: r.top.cum[b]}
		}
		return
	}
	for b, t := range r.refined {
		t.merge(column(passes, func(p *RankPass) *binPass { return p.refined[b] }))
	}
}

// Len is the number of values counted.
func (r *RankScale) Len() int64 { return r.n }

// Rank returns the estimated average rank (1 to Len) of x, and the 0-based
// positions [from, to) of its tie group in the sorted sample, or from ==
// to == rank−1 when x is not part of a known tie group.
func (r *RankScale) Rank(x float64) (rank, from, to float64) {
	if r.constant {
		n := float64(r.n)
		return (n + 1) / 2, 0, n
	}
	b := r.top.bin(x)
	if t := r.refined[b]; t != nil {
		return t.rank(t.bin(x), x)
	}
	return r.top.rank(b, x)
}

// binTable is the merged count of a pass: per bin, the values, the values
// before it (from base), the smallest and largest value and how many
// times each occurred.
type binTable struct {
	binner
	base               int64
	count, cum         []int64
	mins, maxs         []float64
	minCount, maxCount []int64
}

// binPass is one goroutine's count.
type binPass struct {
	binner             binner
	count              []uint32
	mins, maxs         []float64
	minCount, maxCount []uint32
}

func newBinPass(b binner) binPass {
	return binPass{binner: b, count: make([]uint32, b.n), mins: make([]float64, b.n), maxs: make([]float64, b.n),
		minCount: make([]uint32, b.n), maxCount: make([]uint32, b.n)}
}

func (p *binPass) add(b int, x float64) {
	if p.count[b] == 0 {
		p.mins[b], p.maxs[b], p.minCount[b], p.maxCount[b] = x, x, 0, 0
	}
	p.count[b]++
	switch {
	case x < p.mins[b]:
		p.mins[b], p.minCount[b] = x, 1
	case x == p.mins[b]:
		p.minCount[b]++
	}
	switch {
	case x > p.maxs[b]:
		p.maxs[b], p.maxCount[b] = x, 1
	case x == p.maxs[b]:
		p.maxCount[b]++
	}
}

func (t *binTable) merge(passes []*binPass) {
	n := t.binner.n
	t.count, t.cum = make([]int64, n), make([]int64, n)
	t.mins, t.maxs = make([]float64, n), make([]float64, n)
	t.minCount, t.maxCount = make([]int64, n), make([]int64, n)
	for _, p := range passes {
		for b, c := range p.count {
			if c == 0 {
				continue
			}
			if t.count[b] == 0 {
				t.mins[b], t.maxs[b] = p.mins[b], p.maxs[b]
			}
			t.count[b] += int64(c)
			switch {
			case p.mins[b] < t.mins[b]:
				t.mins[b], t.minCount[b] = p.mins[b], int64(p.minCount[b])
			case p.mins[b] == t.mins[b]:
				t.minCount[b] += int64(p.minCount[b])
			}
			switch {
			case p.maxs[b] > t.maxs[b]:
				t.maxs[b], t.maxCount[b] = p.maxs[b], int64(p.maxCount[b])
			case p.maxs[b] == t.maxs[b]:
				t.maxCount[b] += int64(p.maxCount[b])
			}
		}
	}
	cum := t.base
	for b, c := range t.count {
		t.cum[b] = cum
		cum += c
	}
}

// crowded returns the bins worth splitting: those holding more than four
// times the average, the most crowded first, at most rankMaxRefined. The
// rule is relative, so the memory a scale takes does not depend on n.
func (t *binTable) crowded(n int64) []int {
	var bins []int
	for b, c := range t.count {
		if c > 4*n/int64(len(t.count)) && t.mins[b] < t.maxs[b] {
			bins = append(bins, b)
		}
	}
	slices.SortStableFunc(bins, func(a, b int) int { return cmp.Compare(t.count[b], t.count[a]) })
	return bins[:min(len(bins), rankMaxRefined)]
}

// rank estimates x's rank within bin b (see Rank).
func (t *binTable) rank(b int, x float64) (rank, from, to float64) {
	c, cum := float64(t.count[b]), float64(t.cum[b])
	lo, hi := t.mins[b], t.maxs[b]
	switch {
	case c == 0 || lo == hi:
		return cum + (c+1)/2, cum, cum + c
	case x <= lo:
		k := float64(t.minCount[b])
		return cum + (k+1)/2, cum, cum + k
	case x >= hi:
		k := float64(t.maxCount[b])
		return cum + c - k + (k+1)/2, cum + c - k, cum + c
	}
	inner := c - float64(t.minCount[b]) - float64(t.maxCount[b])
	rank = cum + float64(t.minCount[b]) + 0.5 + inner*(x-lo)/(hi-lo)
	return rank, rank - 1, rank - 1
}

// RankSums accumulates what the sensitivity of an output to an input needs
// from estimated ranks: the sums of the centred ranks, their squares and
// products for Spearman's correlation, and the output's sum and weight per
// equal-count group of the input (deciles) for the spider chart. A tie
// group of the input straddling group boundaries is shared among the
// groups in proportion, as the exact computation's arbitrary order of ties
// would on average.
type RankSums struct {
	n                     float64
	sx, sy, sxx, syy, sxy float64
	groupSum, groupWeight [Groups]float64
}

// Add adds an iteration: the input's rank and tie positions (from
// RankScale.Rank over nx values), the output's rank over ny values, and
// the output value.
func (a *RankSums) Add(rx, from, to float64, nx int64, ry float64, ny int64, y float64) {
	cx, cy := rx-float64(nx+1)/2, ry-float64(ny+1)/2
	a.n++
	a.sx += cx
	a.sy += cy
	a.sxx += cx * cx
	a.syy += cy * cy
	a.sxy += cx * cy
	n := float64(nx)
	if to <= from {
		d := groupOf(from, nx)
		a.groupSum[d] += y
		a.groupWeight[d]++
		return
	}
	for d := groupOf(from, nx); d < Groups; d++ {
		lo, hi := math.Floor(float64(d)*n/Groups), math.Floor(float64(d+1)*n/Groups)
		if lo >= to {
			break
		}
		w := (math.Min(hi, to) - math.Max(lo, from)) / (to - from)
		if w > 0 {
			a.groupSum[d] += w * y
			a.groupWeight[d] += w
		}
	}
}

// groupOf returns the equal-count group of 0-based position p among n, as
// the exact computation bounds groups: group d holds ⌊d·n/Groups⌋ to
// ⌊(d+1)·n/Groups⌋ − 1.
func groupOf(p float64, n int64) int {
	pos := int64(math.Max(0, math.Floor(p)))
	d := int((pos*Groups + Groups - 1) / n) // a first guess, then settle on the bounds
	d = max(0, min(d, Groups-1))
	for d > 0 && pos < int64(d)*n/Groups {
		d--
	}
	for d < Groups-1 && pos >= int64(d+1)*n/Groups {
		d++
	}
	return d
}

// Merge adds b's sums; merge in a fixed order for reproducible results.
func (a *RankSums) Merge(b *RankSums) {
	a.n += b.n
	a.sx += b.sx
	a.sy += b.sy
	a.sxx += b.sxx
	a.syy += b.syy
	a.sxy += b.sxy
	for d := range Groups {
		a.groupSum[d] += b.groupSum[d]
		a.groupWeight[d] += b.groupWeight[d]
	}
}

// Sensitivity returns the rank correlation and group means (the
// contribution to variance needs every input: see ContributionsToVariance).
func (a *RankSums) Sensitivity() InputSensitivity {
	var s InputSensitivity
	s.RankCorrelation = math.NaN()
	if a.n >= 2 {
		sxx := a.sxx - a.sx*a.sx/a.n
		syy := a.syy - a.sy*a.sy/a.n
		if sxx > 0 && syy > 0 {
			s.RankCorrelation = math.Max(-1, math.Min(1, (a.sxy-a.sx*a.sy/a.n)/math.Sqrt(sxx*syy)))
		}
	}
	for d := range Groups {
		s.GroupMeans[d] = a.groupSum[d] / a.groupWeight[d]
	}
	return s
}

// ContributionsToVariance fills in ContributionToVariance from the rank
// correlations of all the inputs of an output.
func ContributionsToVariance(s []InputSensitivity) {
	var sumSq float64
	for _, x := range s {
		if r := x.RankCorrelation; !math.IsNaN(r) {
			sumSq += r * r
		}
	}
	for k := range s {
		r := s[k].RankCorrelation
		switch {
		case math.IsNaN(r):
			s[k].ContributionToVariance = math.NaN()
		case sumSq > 0:
			s[k].ContributionToVariance = math.Copysign(100*r*r/sumSq, r)
		default:
			s[k].ContributionToVariance = 0
		}
	}
}

// Excluded counts, per first-level bin of a RankScale, values of the
// sample to leave out of the ranks (an input's values in the iterations
// where an output was an error), so that one scale ranks an input for
// every output: ranks among the values kept are estimated by spreading the
// left-out values evenly within their bin. It costs a few bytes per bin
// where a scale of its own would cost a scale.
type Excluded struct {
	scale      *RankScale
	n          int64
	count, cum []int64
	done       bool
}

// NewExcluded returns an empty count for the scale's bins.
func (r *RankScale) NewExcluded() *Excluded { return &Excluded{scale: r} }

// Done reports whether the counting pass is finished.
func (e *Excluded) Done() bool { return e.done }

// ExcludedPass gathers one goroutine's share of the counting pass.
type ExcludedPass struct {
	binner *binner
	n      int64
	counts []uint32
}

// NewPass returns an empty counting pass.
func (e *Excluded) NewPass() *ExcludedPass {
	p := &ExcludedPass{}
	if !e.scale.constant {
		p.binner = &e.scale.top.binner
		p.counts = make([]uint32, rankBins)
	}
	return p
}

// Add counts a value to leave out (one the scale counted too).
func (p *ExcludedPass) Add(x float64) {
	p.n++
	if p.binner != nil {
		p.counts[p.binner.bin(x)]++
	}
}

// Finish merges the passes.
func (e *Excluded) Finish(passes ...*ExcludedPass) {
	e.done = true
	for _, p := range passes {
		e.n += p.n
	}
	if e.scale.constant {
		return
	}
	e.count, e.cum = make([]int64, rankBins), make([]int64, rankBins)
	for _, p := range passes {
		for b, c := range p.counts {
			e.count[b] += int64(c)
		}
	}
	var cum int64
	for b, c := range e.count {
		e.cum[b] = cum
		cum += c
	}
}

// Len is the number of values kept.
func (e *Excluded) Len() int64 { return e.scale.n - e.n }

// Rank is RankScale.Rank among the values kept.
func (e *Excluded) Rank(x float64) (rank, from, to float64) {
	rank, from, to = e.scale.Rank(x)
	s := e.scale
	if s.constant {
		n := float64(e.Len())
		return (n + 1) / 2, 0, n
	}
	b := s.top.bin(x)
	cum, c := float64(s.top.cum[b]), float64(s.top.count[b])
	left, leftBefore := float64(e.count[b]), float64(e.cum[b])
	kept := func(p float64) float64 {
		if c == 0 {
			return p - leftBefore
		}
		return p - leftBefore - left*math.Max(0, math.Min(1, (p-cum)/c))
	}
	if to > from {
		from, to = kept(from), kept(to)
		return (from + to + 1) / 2, from, to
	}
	p := kept(rank - 1)
	return p + 1, p, p
}
