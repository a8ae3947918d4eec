package dist

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// cumulative is a piecewise-linear CDF through the points (xs[i], ps[i]),
// with ps[0] == 0 and ps[len-1] == 1. Equal consecutive xs make a jump (an
// atom); equal consecutive ps a gap in the support. typ is CUMULATIVE, or
// HISTOGRAM for the bins of a histogram.
type cumulative struct {
	continuous
	typ            Type
	xs, ps         []float64
	mean, variance float64
}

// newCumulative builds a CUMULATIVE distribution from points or a sample; see
// Spec.
func newCumulative(s Spec) (Distribution, string) {
	if s.Probabilities == nil {
		if s.Min != nil || s.Max != nil {
			return nil, "cumulative from a sample (values without probabilities) does not take min or max"
		}
		return newEmpirical(s.Values)
	}
	xs := slices.Clone(s.Values)
	ps := slices.Clone(s.Probabilities)
	if len(xs) != len(ps) {
		return nil, fmt.Sprintf("cumulative requires as many probabilities as values (got %d values, %d probabilities)", len(xs), len(ps))
	}
	if s.Min != nil {
		xs = append([]float64{*s.Min}, xs...)
		ps = append([]float64{0}, ps...)
	}
	if s.Max != nil {
		xs = append(xs, *s.Max)
		ps = append(ps, 1)
	}
	if len(xs) < 2 {
		return nil, "cumulative requires at least two points (x, cumulative probability)"
	}
	for i := range xs {
		if math.IsNaN(xs[i]) || math.IsInf(xs[i], 0) {
			return nil, fmt.Sprintf("cumulative values must be finite numbers (got %g)", xs[i])
		}
		if !(ps[i] >= 0 && ps[i] <= 1) {
			return nil, fmt.Sprintf("cumulative probabilities must be between 0 and 1 (got %g)", ps[i])
		}
		if i > 0 && (xs[i] < xs[i-1] || ps[i] < ps[i-1]) {
			return nil, fmt.Sprintf("cumulative points must be non-decreasing in value and probability (got (%g, %g) after (%g, %g))", xs[i], ps[i], xs[i-1], ps[i-1])
		}
	}
	if ps[0] > ProbabilitySumTolerance || ps[len(ps)-1] < 1-ProbabilitySumTolerance {
		return nil, fmt.Sprintf("cumulative probabilities must start at 0 and end at 1 within %g (got %g and %g); give min and max to add those points", ProbabilitySumTolerance, ps[0], ps[len(ps)-1])
	}
	if xs[0] == xs[len(xs)-1] {
		return nil, fmt.Sprintf("cumulative requires points spanning a range of values (all are %g)", xs[0])
	}
	ps[0], ps[len(ps)-1] = 0, 1
	return newCumulativeFromPoints(xs, ps), ""
}

// newEmpirical is the CDF of a sample interpolated between order statistics:
// the i-th smallest of n values (from 0) sits at cumulative probability
// i/(n−1), so Quantile(p) equals Excel's PERCENTILE.INC of the sample.
func newEmpirical(values []float64) (Distribution, string) {
	if len(values) < 2 {
		return nil, fmt.Sprintf("cumulative from a sample requires at least two values (got %d)", len(values))
	}
	xs := slices.Clone(values)
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Sprintf("cumulative sample values must be finite numbers (got %g)", x)
		}
	}
	slices.Sort(xs)
	if xs[0] == xs[len(xs)-1] {
		return nil, fmt.Sprintf("cumulative from a sample requires values that are not all equal (all are %g)", xs[0])
	}
	ps := make([]float64, len(xs))
	n1 := float64(len(xs) - 1)
	for i := range ps {
		ps[i] = float64(i) / n1
	}
	return newCumulativeFromPoints(xs, ps), ""
}

func newCumulativeFromPoints(xs, ps []float64) *cumulative {
	d := &cumulative{typ: Cumulative, xs: xs, ps: ps}
	var m, m2 float64
	for i := 1; i < len(xs); i++ {
		dp := ps[i] - ps[i-1]
		a, b := xs[i-1], xs[i]
		m += dp * (a + b) / 2
		m2 += dp * (a*a + a*b + b*b) / 3
	}
	d.mean = m
	d.variance = math.Max(0, m2-m*m)
	return d
}

func (d *cumulative) Quantile(p float64) float64 {
	switch {
	case badP(p):
		return math.NaN()
	case p == 0:
		return d.xs[0]
	case p == 1:
		return d.xs[len(d.xs)-1]
	}
	j := sort.SearchFloat64s(d.ps, p) // smallest j with ps[j] >= p; ps[j-1] < p
	if j == 0 {
		return d.xs[0]
	}
	if j == len(d.ps) {
		j--
	}
	x0, x1, p0, p1 := d.xs[j-1], d.xs[j], d.ps[j-1], d.ps[j]
	return x0 + (p-p0)/(p1-p0)*(x1-x0)
}

func (d *cumulative) CDF(x float64) float64 {
	// Largest i with xs[i] <= x.
	i := sort.Search(len(d.xs), func(i int) bool { return d.xs[i] > x }) - 1
	switch {
	case i < 0:
		return 0
	case i == len(d.xs)-1:
		return 1
	}
	x0, x1, p0, p1 := d.xs[i], d.xs[i+1], d.ps[i], d.ps[i+1]
	return p0 + (x-x0)/(x1-x0)*(p1-p0)
}

// Density is the slope of the CDF; at an atom (a jump in the CDF) it is the
// slope on the right, atoms themselves have no density.
func (d *cumulative) Density(x float64) float64 {
	i := sort.Search(len(d.xs), func(i int) bool { return d.xs[i] > x }) - 1
	if i < 0 || i == len(d.xs)-1 {
		return 0
	}
	return (d.ps[i+1] - d.ps[i]) / (d.xs[i+1] - d.xs[i])
}

func (d *cumulative) Mean() float64     { return d.mean }
func (d *cumulative) Variance() float64 { return d.variance }
func (d *cumulative) Min() float64      { return d.xs[0] }
func (d *cumulative) Max() float64      { return d.xs[len(d.xs)-1] }
