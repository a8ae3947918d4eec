package dist

import (
	"fmt"
	"math"
	"sort"
)

// newHistogram builds @RISK's RiskHistogrm(min, max, {p}): len(p) bins of
// equal width from Min to Max with relative weights p, uniform within each
// bin. Its CDF is piecewise linear, so it is a cumulative distribution
// through the bin edges.
func newHistogram(s Spec) (Distribution, string) {
	if r := requireFields(&s, "min", "max", "probabilities"); r != "" {
		return nil, r
	}
	lo, hi, weights := *s.Min, *s.Max, s.Probabilities
	if !(lo < hi) {
		return nil, fmt.Sprintf("histogram requires min < max (got min=%s, max=%s)", num(lo), num(hi))
	}
	if len(weights) == 0 {
		return nil, "histogram requires at least one bin weight (probabilities)"
	}
	total, reason := relativeWeights(Histogram, weights)
	if reason != "" {
		return nil, reason
	}
	bins := len(weights)
	xs := make([]float64, bins+1)
	ps := make([]float64, bins+1)
	var c float64
	for i, w := range weights {
		xs[i] = lo + (hi-lo)*float64(i)/float64(bins)
		c += w
		ps[i+1] = c / total
	}
	xs[bins], ps[bins] = hi, 1
	d := newCumulativeFromPoints(xs, ps)
	d.typ = Histogram
	return d, ""
}

// relativeWeights checks weights that need not sum to 1 (they are
// normalised) and returns their sum.
func relativeWeights(typ Type, weights []float64) (float64, string) {
	var total float64
	for i, w := range weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return 0, fmt.Sprintf("%s probabilities are relative weights, finite and >= 0 (got probability %d = %g)", typ.label(), i+1, w)
		}
		total += w
	}
	if !(total > 0) || math.IsInf(total, 0) {
		return 0, fmt.Sprintf("%s requires some probability > 0 (all are 0)", typ.label())
	}
	return total, ""
}

// piecewiseLinear is a density that is linear between the nodes xs
// (non-decreasing) with values fs at them, normalised to integrate to 1;
// cdf holds the CDF at each node. It is @RISK's RiskGeneral.
type piecewiseLinear struct {
	continuous
	xs, fs, cdf    []float64
	mean, variance float64
}

// newGeneral builds @RISK's RiskGeneral(min, max, {x}, {p}): the density
// through (Min, 0), (x_i, p_i), (Max, 0), linear in between, the p_i being
// relative densities (normalised so that it integrates to 1).
func newGeneral(s Spec) (Distribution, string) {
	if r := requireFields(&s, "min", "max", "values", "probabilities"); r != "" {
		return nil, r
	}
	lo, hi := *s.Min, *s.Max
	xs, heights := s.Values, s.Probabilities
	switch {
	case !(lo < hi):
		return nil, fmt.Sprintf("general requires min < max (got min=%s, max=%s)", num(lo), num(hi))
	case len(xs) == 0:
		return nil, "general requires at least one value"
	case len(xs) != len(heights):
		return nil, fmt.Sprintf("general requires as many probabilities as values (got %d values, %d probabilities)", len(xs), len(heights))
	}
	for i, x := range xs {
		if !(x >= lo && x <= hi) {
			return nil, fmt.Sprintf("general values must lie between min and max (got value %d = %g, min=%s, max=%s)", i+1, x, num(lo), num(hi))
		}
		if i > 0 && !(x > xs[i-1]) {
			return nil, fmt.Sprintf("general values must be strictly increasing (got %g after %g)", x, xs[i-1])
		}
	}
	if _, reason := relativeWeights(General, heights); reason != "" {
		return nil, reason
	}
	nodes := append(append([]float64{lo}, xs...), hi)
	fs := append(append([]float64{0}, heights...), 0)
	return newPiecewiseLinear(nodes, fs), ""
}

// newPiecewiseLinear normalises the density through (xs[i], fs[i]); the
// area under it must be positive.
func newPiecewiseLinear(xs, fs []float64) *piecewiseLinear {
	d := &piecewiseLinear{xs: xs, fs: fs, cdf: make([]float64, len(xs))}
	var area float64
	for i := 1; i < len(xs); i++ {
		area += (xs[i] - xs[i-1]) * (fs[i] + fs[i-1]) / 2
		d.cdf[i] = area
	}
	for i := range fs {
		fs[i] /= area
		d.cdf[i] /= area
	}
	d.cdf[len(d.cdf)-1] = 1
	// Simpson's rule is exact for x·f(x) and x²·f(x), polynomials of degree
	// 2 and 3 on each segment.
	var m, m2 float64
	for i := 1; i < len(xs); i++ {
		a, b := xs[i-1], xs[i]
		c := (a + b) / 2
		fa, fb := fs[i-1], fs[i]
		fc := (fa + fb) / 2
		w := (b - a) / 6
		m += w * (a*fa + 4*c*fc + b*fb)
		m2 += w * (a*a*fa + 4*c*c*fc + b*b*fb)
	}
	d.mean = m
	d.variance = math.Max(0, m2-m*m)
	return d
}

// segment returns the largest i < len(xs)−1 with xs[i] <= x, or −1 below
// the support.
func (d *piecewiseLinear) segment(x float64) int {
	i := sort.Search(len(d.xs), func(i int) bool { return d.xs[i] > x }) - 1
	return min(i, len(d.xs)-2)
}

func (d *piecewiseLinear) Quantile(p float64) float64 {
	switch {
	case badP(p):
		return math.NaN()
	case p == 0:
		return d.xs[0]
	case p == 1:
		return d.xs[len(d.xs)-1]
	}
	j := sort.SearchFloat64s(d.cdf, p) // smallest j with cdf[j] >= p; cdf[j-1] < p
	if j == 0 {
		return d.xs[0]
	}
	if j == len(d.cdf) {
		j--
	}
	// On the segment, CDF(x0 + t) = c0 + f0·t + (f1 − f0)/(2w)·t²; its root
	// in the form 2q/(f0 + √(f0² + 2(f1 − f0)q/w)) with q = p − c0 cancels
	// neither for rising nor for falling densities.
	x0, w := d.xs[j-1], d.xs[j]-d.xs[j-1]
	f0, f1 := d.fs[j-1], d.fs[j]
	q := p - d.cdf[j-1]
	disc := math.Max(0, f0*f0+2*(f1-f0)*q/w)
	t := 2 * q / (f0 + math.Sqrt(disc))
	return math.Min(x0+t, d.xs[j])
}

func (d *piecewiseLinear) CDF(x float64) float64 {
	i := d.segment(x)
	switch {
	case i < 0:
		return 0
	case x >= d.xs[len(d.xs)-1]:
		return 1
	}
	x0, w := d.xs[i], d.xs[i+1]-d.xs[i]
	f0, f1 := d.fs[i], d.fs[i+1]
	t := x - x0
	return math.Min(d.cdf[i]+f0*t+(f1-f0)/(2*w)*t*t, 1)
}

func (d *piecewiseLinear) Density(x float64) float64 {
	i := d.segment(x)
	if i < 0 || x > d.xs[len(d.xs)-1] {
		return 0
	}
	x0, w := d.xs[i], d.xs[i+1]-d.xs[i]
	if w == 0 {
		// A value at Max makes a vertical last segment: the density
		// there is its left limit.
		return d.fs[i]
	}
	return d.fs[i] + (d.fs[i+1]-d.fs[i])*(x-x0)/w
}

func (d *piecewiseLinear) Mean() float64     { return d.mean }
func (d *piecewiseLinear) Variance() float64 { return d.variance }
func (d *piecewiseLinear) Min() float64      { return d.xs[0] }
func (d *piecewiseLinear) Max() float64      { return d.xs[len(d.xs)-1] }
