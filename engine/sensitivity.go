package engine

import (
	"context"
	"math"

	"github.com/simgraph/simgraph/engine/stats"
)

// scratch holds the buffers of the summarising pass, allocated once per
// run at the length of the iterations and reused for every output and
// every input, so that summarising a million iterations does not churn
// hundreds of megabytes through the garbage collector.
type scratch struct {
	y, ry, x, rx  []float64
	keys, keys2   []uint64
	order, order2 []int32
}

// newScratch allocates the buffers for n iterations: only the one that
// sorts outputs when there is no sensitivity to compute.
func newScratch(n int, sensitivity bool) *scratch {
	sc := &scratch{x: make([]float64, 0, n)}
	if sensitivity {
		sc.y, sc.ry, sc.rx = make([]float64, 0, n), make([]float64, n), make([]float64, n)
		sc.keys, sc.keys2 = make([]uint64, n), make([]uint64, n)
		sc.order, sc.order2 = make([]int32, n), make([]int32, n)
	}
	return sc
}

// sensitivity computes what stats.Sensitivity computes for the output
// values (iteration order, errors included) against every input, the
// inputs' values drawn again from the plan (the very values the run used)
// for the iterations whose output is a number, one input at a time. The
// output is ranked once; the arithmetic is stats.Sensitivity's, which
// TestSimulateSensitivityRegeneratesInputs checks bit for bit.
func (r *run) sensitivity(ctx context.Context, sc *scratch, values []float64, clean int) ([]Sensitivity, error) {
	y := values
	if clean < len(values) {
		y = sc.y[:0]
		for _, v := range values {
			if finite(v) {
				y = append(y, v)
			}
		}
	}
	ry := sc.ry[:len(y)]
	ranks(y, sc.argsort(y), ry)
	u := make([]float64, ChunkSize)
	out := make([]Sensitivity, len(r.m.Inputs))
	var sumSq float64
	for i, in := range r.m.Inputs {
		if err := ctx.Err(); err != nil {
			return nil, context.Cause(ctx)
		}
		x := sc.x[:0]
		allFinite := true
		for base := 0; base < len(values); base += ChunkSize {
			lanes := min(ChunkSize, len(values)-base)
			r.plan.FillRange(i, base, u[:lanes])
			for k, p := range u[:lanes] {
				if finite(values[base+k]) {
					v := in.Dist.Quantile(p)
					allFinite = allFinite && finite(v)
					x = append(x, v)
				}
			}
		}
		var s stats.InputSensitivity
		if allFinite {
			order := sc.argsort(x)
			rx := sc.rx[:len(x)]
			ranks(x, order, rx)
			s.RankCorrelation = pearson(rx, ry)
			for d := range stats.Groups {
				lo, hi := d*len(order)/stats.Groups, (d+1)*len(order)/stats.Groups
				var sum float64
				for _, k := range order[lo:hi] {
					sum += y[k]
				}
				s.GroupMeans[d] = sum / float64(hi-lo)
			}
		} else {
			// A distribution gave an infinite value: stats drops those
			// iterations for this input. Never seen with the dist
			// package's quantiles on (0, 1); kept for safety.
			ss, _ := stats.Sensitivity([][]float64{x}, y)
			s = ss[0]
		}
		out[i] = Sensitivity{Input: i, InputSensitivity: s}
		if rc := s.RankCorrelation; !math.IsNaN(rc) {
			sumSq += rc * rc
		}
	}
	for i := range out {
		rc := out[i].RankCorrelation
		switch {
		case math.IsNaN(rc):
			out[i].ContributionToVariance = math.NaN()
		case sumSq > 0:
			out[i].ContributionToVariance = math.Copysign(100*rc*rc/sumSq, rc)
		default:
			out[i].ContributionToVariance = 0
		}
	}
	return out, nil
}

// argsort is stats' argsort (an LSD radix sort on the float64 bits, ties
// in index order) on the scratch buffers. The result is valid until the
// next call.
func (sc *scratch) argsort(x []float64) []int32 {
	n := len(x)
	keys, keys2 := sc.keys[:n], sc.keys2[:n]
	order, order2 := sc.order[:n], sc.order2[:n]
	if n == 0 {
		return order
	}
	for i, v := range x {
		b := math.Float64bits(v)
		if b>>63 == 1 {
			b = ^b // negative: reverse the order of magnitudes
		} else {
			b |= 1 << 63
		}
		keys[i] = b
		order[i] = int32(i)
	}
	var count [256]int
	for shift := uint(0); shift < 64; shift += 8 {
		count = [256]int{}
		for _, k := range keys {
			count[(k>>shift)&0xff]++
		}
		if count[(keys[0]>>shift)&0xff] == n {
			continue // every key has this digit: the pass would not move anything
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for i, k := range keys {
			d := (k >> shift) & 0xff
			keys2[count[d]] = k
			order2[count[d]] = order[i]
			count[d]++
		}
		keys, keys2 = keys2, keys
		order, order2 = order2, order
	}
	return order
}

// ranks writes the average ranks of x, given its argsort order, to dst
// (as stats.Ranks: ties get the mean of their 1-based positions).
func ranks(x []float64, order []int32, dst []float64) {
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && x[order[end]] == x[order[start]] {
			end++
		}
		r := float64(start+end+1) / 2
		for _, i := range order[start:end] {
			dst[i] = r
		}
		start = end
	}
}

// pearson is stats' two-pass Pearson correlation (NaN below 2 values or
// for a constant vector).
func pearson(x, y []float64) float64 {
	n := float64(len(x))
	if len(x) < 2 {
		return math.NaN()
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}
