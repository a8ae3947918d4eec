package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHistogram(t *testing.T) {
	t.Parallel()
	t.Run("FreedmanDiaconis", func(t *testing.T) {
		t.Parallel()
		r := rand.New(rand.NewPCG(5, 6))
		xs := make([]float64, 10_000)
		for i := range xs {
			xs[i] = r.NormFloat64()
		}
		sorted, _ := Sorted(xs)
		q1, _ := PercentileInc(sorted, 0.25)
		q3, _ := PercentileInc(sorted, 0.75)
		width := 2 * (q3 - q1) / math.Cbrt(10_000)
		want := int(math.Ceil((sorted[len(sorted)-1] - sorted[0]) / width))
		bins := Histogram(sorted, HistogramOpts{})
		require.Len(t, bins, want)
		requireBinsCover(t, sorted, bins)
	})
	t.Run("SturgesWhenIQRIsZero", func(t *testing.T) {
		t.Parallel()
		xs := []float64{1, 9}
		for range 100 {
			xs = append(xs, 5)
		}
		sorted, _ := Sorted(xs)
		bins := Histogram(sorted, HistogramOpts{})
		require.Len(t, bins, 8) // ⌈log₂ 102⌉ + 1
		requireBinsCover(t, sorted, bins)
	})
	t.Run("FixedCount", func(t *testing.T) {
		t.Parallel()
		sorted := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
		bins := Histogram(sorted, HistogramOpts{Bins: 5})
		require.Equal(t, []Bin{{0, 2, 2}, {2, 4, 2}, {4, 6, 2}, {6, 8, 2}, {8, 10, 3}}, bins)
	})
	t.Run("Capped", func(t *testing.T) {
		t.Parallel()
		// A far outlier makes Freedman–Diaconis ask for 10⁸ bins.
		xs := make([]float64, 1000)
		for i := range xs {
			xs[i] = float64(i)
		}
		xs = append(xs, 1e9)
		bins := Histogram(xs, HistogramOpts{MaxBins: 50})
		require.Len(t, bins, 50)
		requireBinsCover(t, xs, bins)
		require.Len(t, Histogram(xs, HistogramOpts{}), DefaultMaxBins)
	})
	t.Run("Constant", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, []Bin{{3, 3, 4}}, Histogram([]float64{3, 3, 3, 3}, HistogramOpts{}))
		require.Nil(t, Histogram(nil, HistogramOpts{}))
	})
}

func requireBinsCover(t *testing.T, sorted []float64, bins []Bin) {
	t.Helper()
	total := 0
	for i, b := range bins {
		total += b.Count
		require.Less(t, b.Lower, b.Upper)
		if i > 0 {
			require.Equal(t, bins[i-1].Upper, b.Lower)
		}
		// Count agrees with the half-open interval definition.
		lo, _ := slices.BinarySearch(sorted, b.Lower)
		hi, _ := slices.BinarySearch(sorted, b.Upper)
		if i == len(bins)-1 {
			hi = len(sorted)
		}
		require.Equal(t, hi-lo, b.Count, "bin %d", i)
	}
	require.Equal(t, len(sorted), total)
	require.Equal(t, sorted[0], bins[0].Lower)
	require.Equal(t, sorted[len(sorted)-1], bins[len(bins)-1].Upper)
}
