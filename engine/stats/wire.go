package stats

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
)

// The binary forms below carry partial statistics between processes (a run
// split across workers): floats travel as their bits, so what is read back
// is, to the bit, what was written, and merging it gives what merging the
// original would.

// ErrWireShape reports binary data that does not fit the value it is read
// into (another model, another pass).
var ErrWireShape = errors.New("stats: binary data does not match the value's shape")

type writer struct{ b []byte }

func (w *writer) u64(x uint64)  { w.b = binary.LittleEndian.AppendUint64(w.b, x) }
func (w *writer) i64(x int64)   { w.u64(uint64(x)) }
func (w *writer) f64(x float64) { w.u64(math.Float64bits(x)) }
func (w *writer) f64s(xs []float64) {
	w.u64(uint64(len(xs)))
	for _, x := range xs {
		w.f64(x)
	}
}
func (w *writer) i64s(xs []int64) {
	w.u64(uint64(len(xs)))
	for _, x := range xs {
		w.i64(x)
	}
}
func (w *writer) u32s(xs []uint32) {
	w.u64(uint64(len(xs)))
	for _, x := range xs {
		w.b = binary.LittleEndian.AppendUint32(w.b, x)
	}
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) u64() uint64 {
	if len(r.b) < 8 {
		r.err = ErrWireShape
		return 0
	}
	x := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return x
}
func (r *reader) i64() int64   { return int64(r.u64()) }
func (r *reader) f64() float64 { return math.Float64frombits(r.u64()) }

// length reads a slice length, which must be want (or anything when want
// is negative) and fit the data left at size bytes per element.
func (r *reader) length(want, size int) int {
	n := r.u64()
	if r.err != nil || n > uint64(len(r.b)/size) || (want >= 0 && n != uint64(want)) {
		r.err = ErrWireShape
		return 0
	}
	return int(n)
}
func (r *reader) f64s(want int) []float64 {
	out := make([]float64, r.length(want, 8))
	for i := range out {
		out[i] = r.f64()
	}
	return out
}
func (r *reader) i64s(want int) []int64 {
	out := make([]int64, r.length(want, 8))
	for i := range out {
		out[i] = r.i64()
	}
	return out
}
func (r *reader) u32s(want int) []uint32 {
	out := make([]uint32, r.length(want, 4))
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(r.b[4*i:])
	}
	r.b = r.b[4*len(out):]
	return out
}
func (r *reader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = ErrWireShape
	}
	return r.err
}

// MarshalBinary encodes the accumulator exactly.
func (a *Accumulator) MarshalBinary() ([]byte, error) {
	var w writer
	for _, x := range []float64{a.n, a.mean, a.m2, a.m3, a.m4, a.min, a.max} {
		w.f64(x)
	}
	w.i64(a.skipped)
	w.i64(a.count)
	return w.b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded.
func (a *Accumulator) UnmarshalBinary(b []byte) error {
	r := reader{b: b}
	var v Accumulator
	for _, p := range []*float64{&v.n, &v.mean, &v.m2, &v.m3, &v.m4, &v.min, &v.max} {
		*p = r.f64()
	}
	v.skipped, v.count = r.i64(), r.i64()
	if err := r.end(); err != nil {
		return err
	}
	*a = v
	return nil
}

// MarshalBinary encodes the co-moments exactly.
func (m *CoMoments) MarshalBinary() ([]byte, error) {
	var w writer
	w.i64(m.n)
	w.f64s(m.mean)
	w.f64s(m.c)
	return w.b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded into co-moments of
// the same number of variables.
func (m *CoMoments) UnmarshalBinary(b []byte) error {
	r := reader{b: b}
	d := len(m.mean)
	n, mean, c := r.i64(), r.f64s(d), r.f64s(d*d)
	if err := r.end(); err != nil {
		return err
	}
	m.n, m.mean, m.c = n, mean, c
	return nil
}

// MarshalBinary encodes the sums exactly.
func (a *RankSums) MarshalBinary() ([]byte, error) {
	var w writer
	for _, x := range []float64{a.n, a.sx, a.sy, a.sxx, a.syy, a.sxy} {
		w.f64(x)
	}
	w.f64s(a.groupSum[:])
	w.f64s(a.groupWeight[:])
	return w.b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded.
func (a *RankSums) UnmarshalBinary(b []byte) error {
	r := reader{b: b}
	var v RankSums
	for _, p := range []*float64{&v.n, &v.sx, &v.sy, &v.sxx, &v.syy, &v.sxy} {
		*p = r.f64()
	}
	copy(v.groupSum[:], r.f64s(Groups))
	copy(v.groupWeight[:], r.f64s(Groups))
	if err := r.end(); err != nil {
		return err
	}
	*a = v
	return nil
}

// MarshalBinary encodes the pass's counts and collected values.
func (p *SelectionPass) MarshalBinary() ([]byte, error) {
	var w writer
	w.u64(uint64(len(p.jobs)))
	for _, j := range p.jobs {
		w.f64s(j.values)
		w.u32s(j.counts)
		w.f64s(j.mins)
		w.f64s(j.maxs)
	}
	return w.b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded into a pass from
// NewPass of the same selection state.
func (p *SelectionPass) UnmarshalBinary(b []byte) error {
	r := reader{b: b}
	jobs := make([]selectionJob, r.length(len(p.jobs), 8))
	for k := range jobs {
		bins := len(p.jobs[k].counts)
		jobs[k] = selectionJob{values: r.f64s(-1), counts: r.u32s(bins), mins: r.f64s(bins), maxs: r.f64s(bins), binner: p.jobs[k].binner}
		if bins == 0 {
			jobs[k].counts, jobs[k].mins, jobs[k].maxs = nil, nil, nil
		}
	}
	if err := r.end(); err != nil {
		return err
	}
	p.jobs = jobs
	return nil
}

// Merge adds q's values to p (both from NewPass of the same state):
// Finish(p) then gives what Finish(p, q) would.
func (p *SelectionPass) Merge(q *SelectionPass) {
	for k := range p.jobs {
		a, b := &p.jobs[k], &q.jobs[k]
		a.values = append(a.values, b.values...)
		for bin, c := range b.counts {
			if c == 0 {
				continue
			}
			if a.counts[bin] == 0 || b.mins[bin] < a.mins[bin] {
				a.mins[bin] = b.mins[bin]
			}
			if a.counts[bin] == 0 || b.maxs[bin] > a.maxs[bin] {
				a.maxs[bin] = b.maxs[bin]
			}
			a.counts[bin] += c
		}
	}
}

func (w *writer) binPass(p *binPass) {
	w.u32s(p.count)
	w.f64s(p.mins)
	w.f64s(p.maxs)
	w.u32s(p.minCount)
	w.u32s(p.maxCount)
}

func (r *reader) binPass(p *binPass) {
	n := len(p.count)
	p.count, p.mins, p.maxs, p.minCount, p.maxCount = r.u32s(n), r.f64s(n), r.f64s(n), r.u32s(n), r.u32s(n)
}

// merge adds q's count to p's, as binTable.merge would.
func (p *binPass) merge(q *binPass) {
	for b, c := range q.count {
		if c == 0 {
			continue
		}
		if p.count[b] == 0 {
			p.mins[b], p.maxs[b], p.minCount[b], p.maxCount[b] = q.mins[b], q.maxs[b], q.minCount[b], q.maxCount[b]
			p.count[b] = c
			continue
		}
		p.count[b] += c
		switch {
		case q.mins[b] < p.mins[b]:
			p.mins[b], p.minCount[b] = q.mins[b], q.minCount[b]
		case q.mins[b] == p.mins[b]:
			p.minCount[b] += q.minCount[b]
		}
		switch {
		case q.maxs[b] > p.maxs[b]:
			p.maxs[b], p.maxCount[b] = q.maxs[b], q.maxCount[b]
		case q.maxs[b] == p.maxs[b]:
			p.maxCount[b] += q.maxCount[b]
		}
	}
}

func (p *RankPass) refinedBins() []int {
	bins := make([]int, 0, len(p.refined))
	for b := range p.refined {
		bins = append(bins, b)
	}
	slices.Sort(bins)
	return bins
}

// MarshalBinary encodes the pass's counts.
func (p *RankPass) MarshalBinary() ([]byte, error) {
	var w writer
	w.i64(p.n)
	switch {
	case p.top == nil:
	case p.refined == nil:
		w.binPass(&p.bins)
	default:
		for _, b := range p.refinedBins() {
			w.binPass(p.refined[b])
		}
	}
	return w.b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded into a pass from
// NewPass of the same scale state.
func (p *RankPass) UnmarshalBinary(b []byte) error {
	r := reader{b: b}
	n := r.i64()
	bins := p.bins
	refined := map[int]*binPass{}
	switch {
	case p.top == nil:
	case p.refined == nil:
		r.binPass(&bins)
	default:
		for _, b := range p.refinedBins() {
			bp := *p.refined[b]
			r.binPass(&bp)
			refined[b] = &bp
		}
	}
	if err := r.end(); err != nil {
		return err
	}
	p.n, p.bins = n, bins
	if p.refined != nil {
		p.refined = refined
	}
	return nil
}

// Merge adds q's counts to p (both from NewPass of the same state):
// Finish(p) then gives what Finish(p, q) would.
func (p *RankPass) Merge(q *RankPass) {
	p.n += q.n
	switch {
	case p.top == nil:
	case p.refined == nil:
		p.bins.merge(&q.bins)
	default:
		for b, bp := range p.refined {
			bp.merge(q.refined[b])
		}
	}
}

// MarshalBinary encodes the pass's counts.
func (p *ExcludedPass) MarshalBinary() ([]byte, error) {
	var w writer
	w.i64(p.n)
	w.u32s(p.counts)
	return w.b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded into a pass from
// NewPass of the same scale.
func (p *ExcludedPass) UnmarshalBinary(b []byte) error {
	r := reader{b: b}
	n, counts := r.i64(), r.u32s(len(p.counts))
	if err := r.end(); err != nil {
		return err
	}
	p.n = n
	if p.counts != nil {
		p.counts = counts
	}
	return nil
}

// Merge adds q's counts to p (both from NewPass of the same scale).
func (p *ExcludedPass) Merge(q *ExcludedPass) {
	p.n += q.n
	for b, c := range q.counts {
		p.counts[b] += c
	}
}
