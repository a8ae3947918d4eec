package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// Percentile test vectors. Sources: Microsoft's documentation examples for
// PERCENTILE.INC ({1,3,2,4}, 0.3 → 1.9), PERCENTILE.EXC ({1,2,3,6,6,6,7,8,9},
// 0.25 → 2.5; 0 and 0.01 → #NUM!), QUARTILE.INC ({1,2,4,7,8,9,10,12},
// Q1 → 3.5) and QUARTILE.EXC ({6,7,15,36,39,40,41,42,43,47,49}, Q1 → 15,
// Q3 → 43); the other values from numpy 1.24 percentile with method
// "linear" (INC) and "weibull" (EXC), the same definitions.
func TestPercentiles(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	for _, tc := range []struct {
		name   string
		sorted []float64
		p      float64
		inc    float64 // NaN: #NUM!
		exc    float64
	}{
		{"IncDocs", []float64{1, 2, 3, 4}, 0.3, 1.9, 1.5},
		{"ExcDocs", []float64{1, 2, 3, 6, 6, 6, 7, 8, 9}, 0.25, 3, 2.5},
		{"ExcDocsZero", []float64{1, 2, 3, 6, 6, 6, 7, 8, 9}, 0, 1, nan},
		{"ExcDocsTooSmall", []float64{1, 2, 3, 6, 6, 6, 7, 8, 9}, 0.01, 1.08, nan},
		{"ExcLowestRank", []float64{1, 2, 3, 6, 6, 6, 7, 8, 9}, 0.1, 1.8, 1},
		{"ExcHighestRank", []float64{1, 2, 3, 6, 6, 6, 7, 8, 9}, 0.9, 8.2, 9},
		{"QuartileIncDocs", []float64{1, 2, 4, 7, 8, 9, 10, 12}, 0.25, 3.5, 2.5},
		{"QuartileExcDocsQ1", []float64{6, 7, 15, 36, 39, 40, 41, 42, 43, 47, 49}, 0.25, 25.5, 15},
		{"QuartileExcDocsQ3", []float64{6, 7, 15, 36, 39, 40, 41, 42, 43, 47, 49}, 0.75, 42.5, 43},
		{"Max", []float64{1, 2, 3, 4}, 1, 4, nan},
		{"Single", []float64{7}, 0.5, 7, 7}, // 1/(n+1) <= p <= n/(n+1) holds with equality
		{"SingleOff", []float64{7}, 0.4, 7, nan},
		{"OutOfRange", []float64{1, 2, 3}, 2, nan, nan},
		{"Empty", nil, 0.5, nan, nan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			check := func(got float64, err error, want float64) {
				if math.IsNaN(want) {
					require.ErrorIs(t, err, ErrPercentileRange)
					return
				}
				require.NoError(t, err)
				require.InDelta(t, want, got, 1e-12)
			}
			got, err := PercentileInc(tc.sorted, tc.p)
			check(got, err, tc.inc)
			got, err = PercentileExc(tc.sorted, tc.p)
			check(got, err, tc.exc)
		})
	}
}

func TestPercentilesBatch(t *testing.T) {
	t.Parallel()
	sorted, skipped := Sorted([]float64{5, math.NaN(), 1, 4, 2, 3, math.Inf(-1)})
	require.Equal(t, []float64{1, 2, 3, 4, 5}, sorted)
	require.Equal(t, 2, skipped)
	inc := Percentiles(sorted, DefaultPercentiles, Inclusive)
	require.Len(t, inc, 9)
	require.InDelta(t, 1.04, inc[0], 1e-12)
	require.InDelta(t, 3, inc[4], 1e-12)
	exc := Percentiles(sorted, DefaultPercentiles, Exclusive)
	require.True(t, math.IsNaN(exc[0]), "1st percentile of 5 values is #NUM! in PERCENTILE.EXC")
	require.InDelta(t, 1.5, exc[3], 1e-12)
}
