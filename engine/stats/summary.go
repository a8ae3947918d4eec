package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// ConfidenceLevel is the level of Summary.CILow and Summary.CIHigh.
const ConfidenceLevel = 0.95

// Accumulator holds streaming moments of a sequence of values: count, mean
// and the central moment sums M2, M3, M4 updated with Terriberry's extension
// of Welford's algorithm, plus min, max and the number of skipped
// (non-finite) values. The zero value is empty and ready to use.
type Accumulator struct {
	n              float64
	mean           float64
	m2, m3, m4     float64
	min, max       float64
	skipped, count int64
}

// Add adds x, or counts it as skipped if it is NaN or infinite.
func (a *Accumulator) Add(x float64) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		a.skipped++
		return
	}
	if a.count == 0 || x < a.min {
		a.min = x
	}
	if a.count == 0 || x > a.max {
		a.max = x
	}
	a.count++
	n1 := a.n
	a.n++
	n := a.n
	delta := x - a.mean
	dn := delta / n
	dn2 := dn * dn
	term1 := delta * dn * n1
	a.mean += dn
	a.m4 += term1*dn2*(n*n-3*n+3) + 6*dn2*a.m2 - 4*dn*a.m3
	a.m3 += term1*dn*(n-2) - 3*dn*a.m2
	a.m2 += term1
}

// AddAll adds every value of xs.
func (a *Accumulator) AddAll(xs []float64) {
	for _, x := range xs {
		a.Add(x)
	}
}

// Merge adds the values accumulated in b to a (Chan et al. 1979 for the mean
// and M2, Pébay 2008 for M3 and M4). Merge accumulators in a fixed order
// (chunk order) for reproducible results.
func (a *Accumulator) Merge(b *Accumulator) {
	a.skipped += b.skipped
	if b.count == 0 {
		return
	}
	if a.count == 0 {
		skipped := a.skipped
		*a = *b
		a.skipped = skipped
		return
	}
	na, nb := a.n, b.n
	n := na + nb
	d := b.mean - a.mean
	d2 := d * d
	m2 := a.m2 + b.m2 + d2*na*nb/n
	m3 := a.m3 + b.m3 + d*d2*na*nb*(na-nb)/(n*n) + 3*d*(na*b.m2-nb*a.m2)/n
	m4 := a.m4 + b.m4 + d2*d2*na*nb*(na*na-na*nb+nb*nb)/(n*n*n) +
		6*d2*(na*na*b.m2+nb*nb*a.m2)/(n*n) + 4*d*(na*b.m3-nb*a.m3)/n
	a.mean += d * nb / n
	a.m2, a.m3, a.m4 = m2, m3, m4
	a.n = n
	a.count += b.count
	a.min = math.Min(a.min, b.min)
	a.max = math.Max(a.max, b.max)
}

// Count returns the number of values accumulated (not skipped).
func (a *Accumulator) Count() int64 { return a.count }

// Skipped returns the number of NaN or infinite values skipped.
func (a *Accumulator) Skipped() int64 { return a.skipped }

// Mean returns the running mean (NaN when empty).
func (a *Accumulator) Mean() float64 {
	if a.count == 0 {
		return math.NaN()
	}
	return a.mean
}

// StdDev returns the running sample standard deviation (NaN below 2 values).
func (a *Accumulator) StdDev() float64 {
	if a.count < 2 {
		return math.NaN()
	}
	return math.Sqrt(a.m2 / (a.n - 1))
}

// StdError returns the running standard error of the mean, s/√n, for
// progress reports (NaN below 2 values).
func (a *Accumulator) StdError() float64 {
	return a.StdDev() / math.Sqrt(a.n)
}

// Summary holds the moments of an output. Undefined statistics are NaN:
// everything when Count is 0, the spread below 2 values, the skewness below
// 3 values or with zero variance, the kurtosis below 4 values or with zero
// variance.
type Summary struct {
	Count    int64   // values used
	Skipped  int64   // NaN or infinite values left out
	Mean     float64 // AVERAGE
	StdDev   float64 // STDEV.S
	Variance float64 // VAR.S
	Skewness float64 // SKEW
	Kurtosis float64 // KURT (excess kurtosis)
	Min, Max float64
	StdError float64 // StdDev/√Count
	CILow    float64 // ConfidenceLevel interval of the mean, Student's t
	CIHigh   float64
}

// Summary returns the statistics of the values accumulated so far.
func (a *Accumulator) Summary() Summary {
	nan := math.NaN()
	s := Summary{
		Count: a.count, Skipped: a.skipped,
		Mean: nan, StdDev: nan, Variance: nan, Skewness: nan, Kurtosis: nan,
		Min: nan, Max: nan, StdError: nan, CILow: nan, CIHigh: nan,
	}
	if a.count == 0 {
		return s
	}
	n := a.n
	s.Mean, s.Min, s.Max = a.mean, a.min, a.max
	if a.count < 2 {
		return s
	}
	s.Variance = a.m2 / (n - 1)
	s.StdDev = math.Sqrt(s.Variance)
	s.StdError = s.StdDev / math.Sqrt(n)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(1 - (1-ConfidenceLevel)/2)
	s.CILow, s.CIHigh = s.Mean-t*s.StdError, s.Mean+t*s.StdError
	if s.Variance == 0 {
		return s
	}
	if a.count >= 3 {
		s.Skewness = n / ((n - 1) * (n - 2)) * a.m3 / (s.Variance * s.StdDev)
	}
	if a.count >= 4 {
		s.Kurtosis = n*(n+1)/((n-1)*(n-2)*(n-3))*a.m4/(s.Variance*s.Variance) -
			3*(n-1)*(n-1)/((n-2)*(n-3))
	}
	return s
}
