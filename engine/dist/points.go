package dist

import "math"

// PreviewTail is the probability left out of each unbounded side of a
// preview by Points: the curve spans the 0.1% to 99.9% quantiles, where a
// bound is infinite.
const PreviewTail = 0.001

// Points returns up to n points (x, density) of d for drawing a preview: for a
// continuous distribution n evenly spaced x over its support (cut at the
// PreviewTail quantiles on an unbounded side), skipping points where the
// density is infinite; for a discrete one the support points and their
// probability masses, thinned evenly to at most n. n < 2 gives nil.
func Points(d Distribution, n int) [][2]float64 {
	if n < 2 {
		return nil
	}
	lo, hi := d.Min(), d.Max()
	if math.IsInf(lo, 0) {
		lo = d.Quantile(PreviewTail)
	}
	if math.IsInf(hi, 0) {
		hi = d.Quantile(1 - PreviewTail)
	}
	if l, ok := d.(lattice); ok && d.Discrete() {
		var xs []float64
		for x := l.ceilSupport(lo); x <= hi; x = l.ceilSupport(math.Nextafter(x, math.Inf(1))) {
			xs = append(xs, x)
		}
		stride := (len(xs) + n - 1) / n
		out := make([][2]float64, 0, n)
		for i := 0; i < len(xs); i += stride {
			out = append(out, [2]float64{xs[i], d.Density(xs[i])})
		}
		return out
	}
	out := make([][2]float64, 0, n)
	for i := range n {
		x := lo + (hi-lo)*float64(i)/float64(n-1)
		if i == n-1 {
			x = hi
		}
		f := d.Density(x)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			continue
		}
		out = append(out, [2]float64{x, f})
	}
	return out
}
