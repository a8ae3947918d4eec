package stats_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/stats"
)

func f(x float64) *float64 { return &x }

func TestSpearmanKnownValue(t *testing.T) {
	t.Parallel()
	// scipy 1.10.1: spearmanr(x, y).correlation = 0.9167365318904005 and
	// rankdata(x) (average ranks, as RANK.AVG).
	x := []float64{1, 2, 2, 3, 5, 8, 8, 8, 10, 4}
	y := []float64{2, 1, 4, 4, 6, 9, 7, 8, 10, 3}
	require.InDelta(t, 0.9167365318904005, stats.Spearman(x, y), 1e-15)
	require.Equal(t, []float64{1, 2.5, 2.5, 4, 6, 8, 8, 8, 10, 5}, stats.Ranks(x))
	require.InDelta(t, 1, stats.Spearman(x, x), 1e-15)
	require.True(t, math.IsNaN(stats.Spearman([]float64{1, 1, 1}, []float64{1, 2, 3})))
}

// contributionTol: on Y = Σ aᵢXᵢ with independent normals the squared rank
// correlations, normalised, approximate the variance shares aᵢ²σᵢ²/Σ.
// They are not equal (Spearman's ρ is (6/π)·asin(r/2), not r): a gap of
// 0.02 is accepted; for the shares 0.5/0.3/0.2 below the exact limits are
// 0.505, 0.298, 0.197.
const contributionTol = 0.02

func TestContributionToVarianceLinearModel(t *testing.T) {
	t.Parallel()
	const iterations = 100_000
	coef := []float64{1, 1, -1}
	sd := []float64{math.Sqrt(0.5), math.Sqrt(0.3), math.Sqrt(0.2)}
	shares := []float64{0.5, 0.3, -0.2}
	for _, method := range []sample.Method{sample.MonteCarlo, sample.LatinHypercube} {
		plan := &sample.Plan{Iterations: iterations, ChunkSize: 8192, Seed: 17, Method: method}
		_, err := plan.Prepare()
		require.NoError(t, err)
		inputs := make([][]float64, len(coef))
		y := make([]float64, iterations)
		for i := range coef {
			d, err := dist.New("x", dist.Spec{Type: dist.Normal, Mean: f(10), StdDev: f(sd[i])})
			require.NoError(t, err)
			inputs[i] = make([]float64, iterations)
			plan.FillRange(i, 0, inputs[i])
			for g, u := range inputs[i] {
				inputs[i][g] = d.Quantile(u)
				y[g] += coef[i] * inputs[i][g]
			}
		}
		y[123] = math.NaN() // an iteration where the model failed
		sens, skipped := stats.Sensitivity(inputs, y)
		require.Equal(t, 1, skipped)
		var total float64
		for i, s := range sens {
			require.InDelta(t, shares[i], s.ContributionToVariance/100, contributionTol, "input %d", i)
			total += math.Abs(s.ContributionToVariance)
			require.Equal(t, math.Signbit(coef[i]), math.Signbit(s.RankCorrelation))
			// Spider line: monotone in the input's deciles, centred on the
			// output mean.
			for d := 1; d < stats.Groups; d++ {
				if coef[i] > 0 {
					require.Greater(t, s.GroupMeans[d], s.GroupMeans[d-1])
				} else {
					require.Less(t, s.GroupMeans[d], s.GroupMeans[d-1])
				}
			}
			var m float64
			for _, g := range s.GroupMeans {
				m += g / stats.Groups
			}
			require.InDelta(t, 10, m, 0.01)
		}
		require.InDelta(t, 100, total, 1e-9)
	}
}
