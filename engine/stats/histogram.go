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

// The rules HistogramShape applies.
const (
	RuleFixed            = "fixed"
	RuleSturges          = "sturges"
	RuleFreedmanDiaconis = "freedman-diaconis"
)

// HistogramBins returns the number of bins for the sorted values: the
// Freedman–Diaconis rule, width 2·IQR·n^(−1/3) over the range (Freedman and
// Diaconis 1981), or Sturges' ⌈log₂ n⌉+1 when the interquartile range is 0;
// at least 1 and at most maxBins.
func HistogramBins(sorted []float64, maxBins int) int {
	n := len(sorted)
	if n < 2 {
		return 1
	}
	q1, _ := PercentileInc(sorted, 0.25)
	q3, _ := PercentileInc(sorted, 0.75)
	k, _ := HistogramShape(int64(n), sorted[0], sorted[n-1], q1, q3, HistogramOpts{MaxBins: maxBins})
	return k
}

// HistogramShape returns the bin count Histogram uses for n values with
// the given extremes and quartiles (PERCENTILE.INC), and the rule that
// chose it. It needs no values, so that a summary computed without keeping
// the values gets the very histogram of one that kept them. A constant
// sample gets one bin, which is closest to Sturges' rule (no spread to
// measure).
func HistogramShape(n int64, min, max, q1, q3 float64, opts HistogramOpts) (bins int, rule string) {
	if opts.Bins > 0 {
		return opts.Bins, RuleFixed
	}
	maxBins := opts.MaxBins
	if maxBins <= 0 {
		maxBins = DefaultMaxBins
	}
	if n < 2 || min == max {
		return 1, RuleSturges
	}
	var k float64
	if iqr := q3 - q1; iqr > 0 {
		k = math.Ceil((max - min) / (2 * iqr / math.Cbrt(float64(n))))
		rule = RuleFreedmanDiaconis
	} else {
		k = math.Ceil(math.Log2(float64(n))) + 1
		rule = RuleSturges
	}
	return int(math.Max(1, math.Min(k, float64(maxBins)))), rule
}

// EmptyBins returns k equal-width bins spanning [lo, hi] with no counts;
// one bin [lo, lo] when lo == hi.
func EmptyBins(lo, hi float64, k int) []Bin {
	if lo == hi || k < 1 {
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
	return bins
}

// BinIndex returns the bin of EmptyBins that holds x (within its range):
// the first whose Upper exceeds x, else the last. The bounds are
// non-decreasing, so a guess from the width is corrected by comparisons
// with the very bounds Histogram compares with.
func BinIndex(bins []Bin, x float64) int {
	k := len(bins)
	lo, hi := bins[0].Lower, bins[k-1].Upper
	i := 0
	if hi > lo {
		i = int(math.Max(0, math.Min(float64(k-1), (x-lo)/(hi-lo)*float64(k))))
	}
	for i > 0 && x < bins[i-1].Upper {
		i--
	}
	for i < k-1 && x >= bins[i].Upper {
		i++
	}
	return i
}

// Histogram returns equal-width bins spanning [min, max] of the sorted
// values (nil when there are none). When all values are equal there is one
// bin [v, v].
func Histogram(sorted []float64, opts HistogramOpts) []Bin {
	n := len(sorted)
	if n == 0 {
		return nil
	}
	lo, hi := sorted[0], sorted[n-1]
	var q1, q3 float64
	if n >= 2 {
		q1, _ = PercentileInc(sorted, 0.25)
		q3, _ = PercentileInc(sorted, 0.75)
	}
	k, _ := HistogramShape(int64(n), lo, hi, q1, q3, opts)
	bins := EmptyBins(lo, hi, k)
	k = len(bins)
	i := 0
	for _, x := range sorted {
		for i < k-1 && x >= bins[i].Upper {
			i++
		}
		bins[i].Count++
	}
	return bins
}
