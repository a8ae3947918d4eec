package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// Tolerances: summaryTol for statistics of a few values against published
// ten-digit results; mergeTol for merged against sequential accumulation,
// which differ only by rounding.
const (
	summaryTol = 1e-9
	mergeTol   = 1e-12
	// tQuantileTol: gonum's Student's t quantile (through the inverse
	// incomplete beta) agrees with scipy to about 1.3e-9 at 49 degrees of
	// freedom.
	tQuantileTol = 1e-8
)

func TestSummaryExcelExamples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                               string
		data                               []float64
		mean, stdDev, variance, skew, kurt float64
	}{
		// Microsoft's SKEW and KURT documentation examples: 0.359543071
		// and -0.151799637; full digits from scipy 1.10.1 skew and
		// kurtosis with bias=False (the same estimators).
		{"SkewKurtDocs", []float64{3, 4, 5, 2, 3, 4, 5, 6, 4, 7}, 4.3, 1.4944341180973264, 2.2333333333333334, 0.35954307140679753, -0.15179963720841405},
		// Microsoft's STDEV.S example: 27.46391572; VAR.S 754.2666667.
		// Skewness and kurtosis from scipy as above.
		{"StdevDocs", []float64{1345, 1301, 1368, 1322, 1310, 1370, 1318, 1350, 1303, 1299}, 1328.6, 27.463915719843495, 754.2666666666667, 0.5007261324566631, -1.4462609132155193},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var a Accumulator
			a.AddAll(tc.data)
			s := a.Summary()
			require.EqualValues(t, len(tc.data), s.Count)
			require.InEpsilon(t, tc.mean, s.Mean, summaryTol)
			require.InEpsilon(t, tc.stdDev, s.StdDev, summaryTol)
			require.InEpsilon(t, tc.variance, s.Variance, summaryTol)
			require.InEpsilon(t, tc.skew, s.Skewness, summaryTol)
			require.InEpsilon(t, tc.kurt, s.Kurtosis, summaryTol)
			require.InEpsilon(t, tc.stdDev/math.Sqrt(float64(len(tc.data))), s.StdError, summaryTol)
		})
	}
}

func TestConfidenceInterval(t *testing.T) {
	t.Parallel()
	// Microsoft's CONFIDENCE.T example: CONFIDENCE.T(0.05, 1, 50) =
	// 0.284196855, the half-width for standard deviation 1 and 50 values.
	var a Accumulator
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		a.Add(r.NormFloat64())
	}
	s := a.Summary()
	require.InEpsilon(t, 0.2841968551223732, (s.CIHigh-s.Mean)/s.StdDev, tQuantileTol)
	require.InEpsilon(t, 0.2841968551223732, (s.Mean-s.CILow)/s.StdDev, tQuantileTol)
}

func TestSummaryEdgeCases(t *testing.T) {
	t.Parallel()
	var empty Accumulator
	s := empty.Summary()
	require.Zero(t, s.Count)
	require.True(t, math.IsNaN(s.Mean))

	var one Accumulator
	one.AddAll([]float64{math.NaN(), 4, math.Inf(1)})
	s = one.Summary()
	require.EqualValues(t, 1, s.Count)
	require.EqualValues(t, 2, s.Skipped)
	require.Equal(t, 4.0, s.Mean)
	require.Equal(t, 4.0, s.Min)
	require.True(t, math.IsNaN(s.StdDev))

	var constant Accumulator
	constant.AddAll([]float64{2, 2, 2, 2, 2})
	s = constant.Summary()
	require.Equal(t, 0.0, s.Variance)
	require.True(t, math.IsNaN(s.Skewness), "SKEW of a constant is #DIV/0!")
	require.True(t, math.IsNaN(s.Kurtosis))
}

// TestMergeMatchesSequential: chunked accumulation merged in chunk order
// equals one pass, and the merge order is the only thing that matters.
func TestMergeMatchesSequential(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	xs := make([]float64, 10_007)
	for i := range xs {
		xs[i] = math.Exp(r.NormFloat64()) // skewed, heavy-ish tail
		if i%1000 == 7 {
			xs[i] = math.NaN()
		}
	}
	var seq Accumulator
	seq.AddAll(xs)
	want := seq.Summary()
	merged := func(chunk int) Summary {
		var total Accumulator
		for start := 0; start < len(xs); start += chunk {
			var a Accumulator
			a.AddAll(xs[start:min(start+chunk, len(xs))])
			total.Merge(&a)
		}
		return total.Summary()
	}
	for _, chunk := range []int{1, 7, 1000, 4096, len(xs)} {
		got := merged(chunk)
		require.Equal(t, want.Count, got.Count)
		require.Equal(t, want.Skipped, got.Skipped)
		require.Equal(t, want.Min, got.Min)
		require.Equal(t, want.Max, got.Max)
		require.InEpsilon(t, want.Mean, got.Mean, mergeTol)
		require.InEpsilon(t, want.Variance, got.Variance, mergeTol)
		require.InEpsilon(t, want.Skewness, got.Skewness, mergeTol)
		require.InEpsilon(t, want.Kurtosis, got.Kurtosis, mergeTol)
		require.Equal(t, merged(chunk), got, "same chunking, same bits")
	}
	// Two-pass reference.
	var m, m2, m3, m4 float64
	n := float64(want.Count)
	for _, x := range xs {
		if !math.IsNaN(x) {
			m += x
		}
	}
	m /= n
	for _, x := range xs {
		if math.IsNaN(x) {
			continue
		}
		d := x - m
		m2 += d * d
		m3 += d * d * d
		m4 += d * d * d * d
	}
	v := m2 / (n - 1)
	sd := math.Sqrt(v)
	require.InEpsilon(t, m, want.Mean, mergeTol)
	require.InEpsilon(t, v, want.Variance, mergeTol)
	require.InEpsilon(t, n/((n-1)*(n-2))*m3/(v*sd), want.Skewness, 1e-10)
	require.InEpsilon(t, n*(n+1)/((n-1)*(n-2)*(n-3))*m4/(v*v)-3*(n-1)*(n-1)/((n-2)*(n-3)), want.Kurtosis, 1e-10)
}

func TestRunningProgress(t *testing.T) {
	t.Parallel()
	var a Accumulator
	require.True(t, math.IsNaN(a.Mean()))
	a.AddAll([]float64{1, 2, 3, 4})
	require.Equal(t, 2.5, a.Mean())
	require.InEpsilon(t, math.Sqrt(5.0/3)/2, a.StdError(), 1e-15)
	require.EqualValues(t, 4, a.Count())
}
