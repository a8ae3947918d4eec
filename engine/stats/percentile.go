package stats

import (
	"errors"
	"math"
	"slices"
)

// DefaultPercentiles are the percentiles reported for every output.
var DefaultPercentiles = []float64{0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99}

// ErrPercentileRange is returned for a percentile that Excel answers with
// #NUM!: p outside [0, 1], outside [1/(n+1), n/(n+1)] for the exclusive
// definition, or an empty sample.
var ErrPercentileRange = errors.New("stats: percentile out of range for the sample (#NUM!)")

// Sorted returns a sorted copy of the finite values of xs and the number of
// NaN or infinite values left out. The percentile and histogram functions
// take its result.
func Sorted(xs []float64) (sorted []float64, skipped int) {
	sorted = make([]float64, 0, len(xs))
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			skipped++
			continue
		}
		sorted = append(sorted, x)
	}
	slices.Sort(sorted)
	return sorted, skipped
}

// PercentileInc is Excel's PERCENTILE.INC (and PERCENTILE, QUARTILE.INC) of
// the sorted values: with h = p·(n−1), the value at 0-based rank ⌊h⌋ plus the
// fraction h−⌊h⌋ of the gap to the next.
func PercentileInc(sorted []float64, p float64) (float64, error) {
	return PercentileIncAt(len(sorted), p, func(rank int) float64 { return sorted[rank] })
}

// PercentileIncAt is PercentileInc of n sorted values of which it knows
// only the order statistics at(rank) (0-based) for the ranks
// PercentileIncRanks names, so that percentiles can be computed from a few
// order statistics found without keeping the values.
func PercentileIncAt(n int, p float64, at func(rank int) float64) (float64, error) {
	if n == 0 || !(p >= 0 && p <= 1) {
		return math.NaN(), ErrPercentileRange
	}
	return interpolate(n, p*float64(n-1), at), nil
}

// PercentileIncRanks returns the 0-based ranks whose values PercentileInc
// of n values at p reads: one, or two when it interpolates.
func PercentileIncRanks(n int, p float64) []int {
	if n == 0 || !(p >= 0 && p <= 1) {
		return nil
	}
	var ranks []int
	interpolate(n, p*float64(n-1), func(rank int) float64 {
		ranks = append(ranks, rank)
		return 0
	})
	return ranks
}

// PercentileExc is Excel's PERCENTILE.EXC (and QUARTILE.EXC) of the sorted
// values: with h = p·(n+1), the value at 1-based rank ⌊h⌋ plus the fraction
// of the gap to the next; p must be within [1/(n+1), n/(n+1)].
func PercentileExc(sorted []float64, p float64) (float64, error) {
	n := len(sorted)
	if n == 0 || !(p >= 0 && p <= 1) {
		return math.NaN(), ErrPercentileRange
	}
	h := p * float64(n+1)
	if h < 1 || h > float64(n) {
		return math.NaN(), ErrPercentileRange
	}
	return interpolate(n, h-1, func(rank int) float64 { return sorted[rank] }), nil
}

// interpolate returns the value at fractional 0-based rank h of n sorted
// values, reading them through at.
func interpolate(n int, h float64, at func(int) float64) float64 {
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return at(n - 1)
	}
	f := h - float64(lo)
	if f == 0 {
		return at(lo)
	}
	a, b := at(lo), at(lo+1)
	return a + f*(b-a)
}

// PercentileMethod selects the Excel percentile definition.
type PercentileMethod int

// The percentile definitions.
const (
	Inclusive PercentileMethod = iota // PERCENTILE.INC, the default
	Exclusive                         // PERCENTILE.EXC
)

// Percentiles returns the percentiles ps (fractions in [0, 1]) of the
// sorted values by method; an entry Excel answers with #NUM! is NaN.
func Percentiles(sorted []float64, ps []float64, method PercentileMethod) []float64 {
	out := make([]float64, len(ps))
	for i, p := range ps {
		if method == Exclusive {
			out[i], _ = PercentileExc(sorted, p)
		} else {
			out[i], _ = PercentileInc(sorted, p)
		}
	}
	return out
}
