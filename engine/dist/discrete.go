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
	// maxNegativeBinomialVariance: the negative binomial's table spans about
	// 46 standard deviations when s = 1 (a geometric tail, the widest for a
	// given variance) and fewer for larger s, so 4e8 (a standard deviation
	// of 20,000) keeps it under a million entries.
	maxNegativeBinomialVariance = 4e8
	// maxIntegerUniformCount is the most integers an INTEGER_UNIFORM may
	// hold, one table entry each.
	maxIntegerUniformCount = 1_000_000
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
	return newPointTable(Discrete, pts), ""
}

// point is a value and its probability mass.
type point struct{ x, p float64 }

// newPointTable is the table of the points, sorted by value, repeated values
// adding up; the masses must be positive and are normalised.
func newPointTable(typ Type, pts []point) *table {
	slices.SortFunc(pts, func(a, b point) int {
		switch {
		case a.x < b.x:
			return -1
		case a.x > b.x:
			return 1
		}
		return 0
	})
	d := &table{typ: typ}
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
	return d
}

// newNegativeBinomialSpec validates and builds @RISK's RiskNegbin(s, p): the
// number of failures before the s-th success in independent trials of
// success probability p, P(k) = C(s+k−1, k)·p^s·(1−p)^k for k = 0, 1, ….
func newNegativeBinomialSpec(s Spec) (Distribution, string) {
	if r := requireFields(&s, "n", "p"); r != "" {
		return nil, r
	}
	successes, p := *s.N, *s.P
	if successes < 1 || successes > maxBinomialN {
		return nil, fmt.Sprintf("negative_binomial requires 1 <= n <= %d successes (got n=%d)", maxBinomialN, successes)
	}
	if !(p > 0 && p <= 1) {
		return nil, fmt.Sprintf("negative_binomial requires 0 < p <= 1 (got p=%s)", num(p))
	}
	sf := float64(successes)
	if v := sf * (1 - p) / (p * p); v > maxNegativeBinomialVariance {
		return nil, fmt.Sprintf("negative_binomial requires n(1−p)/p² <= %g, its variance (got %.6g); use a gamma or lognormal distribution", float64(maxNegativeBinomialVariance), v)
	}
	return newNegativeBinomial(successes, p), ""
}

func newNegativeBinomial(successes int, p float64) *table {
	sf := float64(successes)
	var d *table
	if p == 1 {
		d = &table{typ: NegativeBinomial, xs: []float64{0}, pmf: []float64{1}}
		d.finish()
	} else {
		lgs, _ := math.Lgamma(sf)
		logQ := math.Log1p(-p)
		logP := math.Log(p)
		logPMF := func(k float64) float64 {
			a, _ := math.Lgamma(sf + k)
			b, _ := math.Lgamma(k + 1)
			return a - b - lgs + sf*logP + k*logQ
		}
		// The mode is ⌊(s−1)(1−p)/p⌋, 0 when s = 1.
		d = newIntegerTable(NegativeBinomial, math.Floor((sf-1)*(1-p)/p), math.Inf(1), logPMF)
	}
	d.mean, d.variance = sf*(1-p)/p, sf*(1-p)/(p*p)
	d.min, d.max = 0, math.Inf(1)
	if p == 1 {
		d.max = 0
	}
	return d
}

// newDiscreteUniform is @RISK's RiskDUniform: each listed value equally
// likely, a value listed twice twice as likely.
func newDiscreteUniform(values []float64) (Distribution, string) {
	if len(values) == 0 {
		return nil, "discrete_uniform requires at least one value"
	}
	pts := make([]point, len(values))
	for i, x := range values {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Sprintf("discrete_uniform values must be finite numbers (got value %d = %g)", i+1, x)
		}
		pts[i] = point{x, 1}
	}
	return newPointTable(DiscreteUniform, pts), ""
}

// newIntegerUniformSpec validates and builds @RISK's RiskIntUniform(min,
// max): the integers min, min+1, …, max, equally likely.
func newIntegerUniformSpec(s Spec) (Distribution, string) {
	if r := requireFields(&s, "min", "max"); r != "" {
		return nil, r
	}
	lo, hi := *s.Min, *s.Max
	if lo != math.Trunc(lo) || hi != math.Trunc(hi) {
		return nil, fmt.Sprintf("integer_uniform requires whole numbers (got min=%s, max=%s)", num(lo), num(hi))
	}
	if !(lo < hi) {
		return nil, fmt.Sprintf("integer_uniform requires min < max (got min=%s, max=%s)", num(lo), num(hi))
	}
	if hi-lo+1 > maxIntegerUniformCount {
		return nil, fmt.Sprintf("integer_uniform holds at most %d integers (got %.0f, from min=%s to max=%s); use a uniform distribution", maxIntegerUniformCount, hi-lo+1, num(lo), num(hi))
	}
	count := int(hi-lo) + 1
	d := &table{typ: IntegerUniform, xs: make([]float64, count), pmf: make([]float64, count)}
	for i := range count {
		d.xs[i] = lo + float64(i)
		d.pmf[i] = 1
	}
	d.finish()
	// (n² − 1)/12 for n consecutive integers.
	nf := float64(count)
	d.mean, d.variance = (lo+hi)/2, (nf*nf-1)/12
	d.min, d.max = lo, hi
	return d, ""
}
