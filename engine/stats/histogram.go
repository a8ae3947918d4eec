package stats

import "math"

// DefaultMaxBins caps the Freedman–Diaconis bin count: a million normal
// draws get about 350 bins, heavy tails could ask for far more bars than a
// chart can draw.
const DefaultMaxBins = 500

// Bin is a histogram bar: the values in [Lower, Upper), the last bin also
// holding its Upper bound.
type Bin struct {
	Lower, Upper float64
	Count        int
}

// HistogramOpts tunes Histogram. The zero value chooses the bin count by the
// Freedman–Diaconis rule.
type HistogramOpts struct {
	// Bins, if positive, is a fixed bin count.
	Bins int
	// MaxBins caps the automatic bin count; 0 means DefaultMaxBins.
	MaxBins int
}

// HistogramBins returns the number of bins for the sorted values: the
// Freedman–Diaconis rule, width 2·IQR·n^(−1/3) over the range (Freedman and
// Diaconis 1981), or Sturges' ⌈log₂ n⌉+1 when the interquartile range is 0;
// at least 1 and at most maxBins.
func HistogramBins(sorted []float64, maxBins int) int {
	n := len(sorted)
	if n < 2 || sorted[0] == sorted[n-1] {
		return 1
	}
	q1, _ := PercentileInc(sorted, 0.25)
	q3, _ := PercentileInc(sorted, 0.75)
	var k float64
	if iqr := q3 - q1; iqr > 0 {
		k = math.Ceil((sorted[n-1] - sorted[0]) / (2 * iqr / math.Cbrt(float64(n))))
	} else {
		k = math.Ceil(math.Log2(float64(n))) + 1
	}
	return int(math.Max(1, math.Min(k, float64(maxBins))))
}

// Histogram returns equal-width bins spanning [min, max] of the sorted
// values (nil when there are none). When all values are equal there is one
// bin [v, v].
func Histogram(sorted []float64, opts HistogramOpts) []Bin {
	n := len(sorted)
	if n == 0 {
		return nil
	}
	k := opts.Bins
	if k <= 0 {
		maxBins := opts.MaxBins
		if maxBins <= 0 {
			maxBins = DefaultMaxBins
		}
		k = HistogramBins(sorted, maxBins)
	}
	lo, hi := sorted[0], sorted[n-1]
	if lo == hi {
		k = 1
	}
	bins := make([]Bin, k)
	for i := range bins {
		bins[i].Lower = lo + (hi-lo)*float64(i)/float64(k)
		if i > 0 {
			bins[i-1].Upper = bins[i].Lower
		}
	}
	bins[k-1].Upper = hi
	i := 0
	for _, x := range sorted {
		for i < k-1 && x >= bins[i].Upper {
			i++
		}
		bins[i].Count++
	}
	return bins
}
