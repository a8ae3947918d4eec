package dist

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Limits on the integer families. Their quantile inverts a table holding the
// probability mass around the mean (see newIntegerTable); these limits keep
// that table under about a million entries (8 MiB each of values, masses and
// cumulative masses) while being far above what a spreadsheet model needs.
const (
	maxPoissonLambda = 1e9
	maxBinomialN     = 1_000_000_000
)

// tailCutoff: the integer tables keep every k whose mass is at least
// exp(-tailCutoff) (about 1e-20) times the mass at the mode. What is dropped
// weighs less than 1e-19 in total, a thousand times below the resolution of a
// float64 uniform in (0, 1), so no draw can tell.
const tailCutoff = 46

// table is a distribution on finitely many points xs (increasing), with
// masses pmf and cumulative masses cdf (cdf[len-1] == 1 exactly). DISCRETE
// uses it directly; POISSON, BINOMIAL and BERNOULLI use it for their
// quantile, CDF and mass, with their analytic moments and true support bounds.
type table struct {
	typ            Type
	xs, pmf, cdf   []float64
	mean, variance float64
	min, max       float64
}

func (*table) Discrete() bool { return true }

func (d *table) Quantile(p float64) float64 {
	switch {
	case badP(p):
		return math.NaN()
	case p == 0:
		return d.min
	case p == 1:
		return d.max
	}
	// Smallest i with cdf[i] >= p.
	i := sort.SearchFloat64s(d.cdf, p)
	if i == len(d.cdf) {
		i--
	}
	return d.xs[i]
}

// index returns the largest i with xs[i] <= x, or -1.
func (d *table) index(x float64) int {
	return sort.Search(len(d.xs), func(i int) bool { return d.xs[i] > x }) - 1
}

func (d *table) CDF(x float64) float64 {
	i := d.index(x)
	if i < 0 {
		return 0
	}
	return d.cdf[i]
}

// below returns P(X < x).
func (d *table) below(x float64) float64 {
	i := sort.SearchFloat64s(d.xs, x) - 1 // largest i with xs[i] < x
	if i < 0 {
		return 0
	}
	return d.cdf[i]
}

// ceilSupport returns the smallest support point >= x (+Inf if none).
func (d *table) ceilSupport(x float64) float64 {
	i := sort.SearchFloat64s(d.xs, x)
	if i == len(d.xs) {
		return math.Inf(1)
	}
	return d.xs[i]
}

// floorSupport returns the largest support point <= x (−Inf if none).
func (d *table) floorSupport(x float64) float64 {
	i := d.index(x)
	if i < 0 {
		return math.Inf(-1)
	}
	return d.xs[i]
}

func (d *table) Density(x float64) float64 {
	i := d.index(x)
	if i < 0 || d.xs[i] != x {
		return 0
	}
	return d.pmf[i]
}

func (d *table) Mean() float64     { return d.mean }
func (d *table) Variance() float64 { return d.variance }
func (d *table) Min() float64      { return d.min }
func (d *table) Max() float64      { return d.max }

// moments returns the mean and variance of the table's masses restricted to
// [lo, hi] and renormalised.
func (d *table) moments(lo, hi float64) (mean, variance float64) {
	var w, s, s2 float64
	for i, x := range d.xs {
		if x < lo || x > hi {
			continue
		}
		w += d.pmf[i]
		s += d.pmf[i] * x
	}
	mean = s / w
	for i, x := range d.xs {
		if x < lo || x > hi {
			continue
		}
		s2 += d.pmf[i] * (x - mean) * (x - mean)
	}
	return mean, s2 / w
}

// finish fills cdf from pmf, normalising the total to exactly 1.
func (d *table) finish() {
	var total float64
	for _, m := range d.pmf {
		total += m
	}
	d.cdf = make([]float64, len(d.pmf))
	var c float64
	for i := range d.pmf {
		d.pmf[i] /= total
		c += d.pmf[i]
		d.cdf[i] = c
	}
	d.cdf[len(d.cdf)-1] = 1
}

// newIntegerTable tabulates exp(logPMF(k)) for the integers k in [0, kmax]
// around mode whose mass is within tailCutoff (in log) of the mode's.
func newIntegerTable(typ Type, mode, kmax float64, logPMF func(k float64) float64) *table {
	lm := logPMF(mode)
	lo, hi := mode, mode
	for lo > 0 && logPMF(lo-1) >= lm-tailCutoff {
		lo--
	}
	for hi < kmax && logPMF(hi+1) >= lm-tailCutoff {
		hi++
	}
	n := int(hi-lo) + 1
	d := &table{typ: typ, xs: make([]float64, n), pmf: make([]float64, n)}
	for i := range n {
		k := lo + float64(i)
		d.xs[i] = k
		d.pmf[i] = math.Exp(logPMF(k) - lm)
	}
	d.finish()
	return d
}

func newPoisson(lambda float64) *table {
	logPMF := func(k float64) float64 {
		lg, _ := math.Lgamma(k + 1)
		return k*math.Log(lambda) - lambda - lg
	}
	d := newIntegerTable(Poisson, math.Floor(lambda), math.Inf(1), logPMF)
	d.mean, d.variance, d.min, d.max = lambda, lambda, 0, math.Inf(1)
	return d
}

func newBinomial(n int, p float64) *table {
	nf := float64(n)
	var d *table
	switch p {
	case 0, 1:
		d = &table{typ: Binomial, xs: []float64{p * nf}, pmf: []float64{1}}
		d.finish()
	default:
		lgn, _ := math.Lgamma(nf + 1)
		logPMF := func(k float64) float64 {
			a, _ := math.Lgamma(k + 1)
			b, _ := math.Lgamma(nf - k + 1)
			return lgn - a - b + k*math.Log(p) + (nf-k)*math.Log1p(-p)
		}
		d = newIntegerTable(Binomial, math.Min(math.Floor((nf+1)*p), nf), nf, logPMF)
	}
	d.mean, d.variance = nf*p, nf*p*(1-p)
	d.min, d.max = 0, nf
	if p == 1 {
		d.min = nf
	}
	if p == 0 {
		d.max = 0
	}
	return d
}

func newBernoulli(p float64) *table {
	d := &table{typ: Bernoulli, xs: []float64{0, 1}, pmf: []float64{1 - p, p}}
	switch p {
	case 0:
		d.xs, d.pmf = d.xs[:1], d.pmf[:1]
	case 1:
		d.xs, d.pmf = d.xs[1:], d.pmf[1:]
	}
	d.finish()
	d.mean, d.variance = p, p*(1-p)
	d.min, d.max = d.xs[0], d.xs[len(d.xs)-1]
	return d
}

// newDiscrete is the distribution taking values[i] with probability
// probabilities[i]. Repeated values add up; values of probability 0 are
// dropped.
func newDiscrete(values, probs []float64) (Distribution, string) {
	switch {
	case len(values) == 0:
		return nil, "discrete requires at least one value"
	case len(values) != len(probs):
		return nil, fmt.Sprintf("discrete requires as many probabilities as values (got %d values, %d probabilities)", len(values), len(probs))
	}
	type point struct{ x, p float64 }
	pts := make([]point, 0, len(values))
	var sum float64
	for i, x := range values {
		p := probs[i]
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Sprintf("discrete values must be finite numbers (got value %d = %g)", i+1, x)
		}
		if !(p >= 0 && p <= 1) {
			return nil, fmt.Sprintf("discrete probabilities must be between 0 and 1 (got probability %d = %g)", i+1, p)
		}
		sum += p
		if p > 0 {
			pts = append(pts, point{x, p})
		}
	}
	if math.Abs(sum-1) > ProbabilitySumTolerance {
		return nil, fmt.Sprintf("discrete probabilities must sum to 1 within %g (got %.12g)", ProbabilitySumTolerance, sum)
	}
	slices.SortFunc(pts, func(a, b point) int {
		switch {
		case a.x < b.x:
			return -1
		case a.x > b.x:
			return 1
		}
		return 0
	})
	d := &table{typ: Discrete}
	for _, pt := range pts {
		if n := len(d.xs); n > 0 && d.xs[n-1] == pt.x {
			d.pmf[n-1] += pt.p
			continue
		}
		d.xs = append(d.xs, pt.x)
		d.pmf = append(d.pmf, pt.p)
	}
	d.finish()
	d.mean, d.variance = d.moments(math.Inf(-1), math.Inf(1))
	d.min, d.max = d.xs[0], d.xs[len(d.xs)-1]
	return d, ""
}
