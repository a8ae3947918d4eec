package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRankSumsApproximateSensitivity compares the sensitivity from binned
// rank estimates with the exact one on models of the usual shapes.
func TestRankSumsApproximateSensitivity(t *testing.T) {
	t.Parallel()
	const n = 200_000
	r := rand.New(rand.NewPCG(3, 4))
	normal := func() float64 { return 100 + 15*r.NormFloat64() }
	lognormal := func() float64 { return math.Exp(r.NormFloat64()) }
	bernoulli := func() float64 { return float64(r.IntN(2)) }
	poisson := func() float64 { return math.Floor(-math.Log(r.Float64()) * 3) }
	for _, tc := range []struct {
		name   string
		inputs []func() float64
		y      func(x []float64) float64
		tol    float64
	}{
		{"linear", []func() float64{normal, normal, normal}, func(x []float64) float64 { return 3*x[0] + 2*x[1] + x[2] }, 1e-3},
		{"product of lognormals", []func() float64{lognormal, lognormal}, func(x []float64) float64 { return x[0] * x[1] * x[1] }, 1e-3},
		{"heavy tail", []func() float64{normal, lognormal}, func(x []float64) float64 { return math.Exp(x[0]/10) * math.Pow(x[1], 3) }, 1e-3},
		{"discrete inputs", []func() float64{bernoulli, poisson, normal}, func(x []float64) float64 { return 50*x[0] + 10*x[1] + x[2] }, 1e-3},
		{"capped output", []func() float64{normal, normal}, func(x []float64) float64 { return math.Min(x[0]+x[1], 200) }, 1e-3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inputs := make([][]float64, len(tc.inputs))
			for i := range inputs {
				inputs[i] = make([]float64, n)
			}
			y := make([]float64, n)
			x := make([]float64, len(tc.inputs))
			for g := range n {
				for i, f := range tc.inputs {
					x[i] = f()
					inputs[i][g] = x[i]
				}
				y[g] = tc.y(x)
			}
			exact, _ := Sensitivity(inputs, y)
			ys := scaleOf(y)
			for i, in := range inputs {
				xs := scaleOf(in)
				var sums RankSums
				for g := range n {
					rx, from, to := xs.Rank(in[g])
					ry, _, _ := ys.Rank(y[g])
					sums.Add(rx, from, to, xs.Len(), ry, ys.Len(), y[g])
				}
				got := sums.Sensitivity()
				require.InDelta(t, exact[i].RankCorrelation, got.RankCorrelation, tc.tol, "input %d", i)
				for d := range Groups {
					require.InEpsilon(t, exact[i].GroupMeans[d], got.GroupMeans[d], 0.01, "input %d group %d", i, d)
				}
			}
		})
	}
}

func scaleOf(xs []float64) *RankScale {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	s := NewRankScale(lo, hi)
	for !s.Done() {
		p := s.NewPass()
		for _, x := range xs {
			p.Add(x)
		}
		s.Finish(p)
	}
	return s
}

func TestRankScaleTiesGetAverageRanks(t *testing.T) {
	t.Parallel()
	xs := []float64{2, 1, 2, 3, 2, 1}
	s := scaleOf(xs)
	for _, tc := range []struct{ x, rank, from, to float64 }{{1, 1.5, 0, 2}, {2, 4, 2, 5}, {3, 6, 5, 6}} {
		rank, from, to := s.Rank(tc.x)
		require.Equal(t, []float64{tc.rank, tc.from, tc.to}, []float64{rank, from, to}, "x=%g", tc.x)
	}
	c := scaleOf([]float64{4, 4, 4})
	rank, from, to := c.Rank(4)
	require.Equal(t, []float64{2, 0, 3}, []float64{rank, from, to})
}

// TestExcludedRanksAmongKeptValues checks ranks among the values kept when
// some are left out (an output's error iterations) against a scale built
// on the kept values alone, for errors spread evenly and errors clustered
// at the low end.
func TestExcludedRanksAmongKeptValues(t *testing.T) {
	t.Parallel()
	const n = 100_000
	r := rand.New(rand.NewPCG(5, 6))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = r.NormFloat64()
	}
	for _, tc := range []struct {
		name  string
		leave func(x float64) bool
	}{
		{"spread", func(float64) bool { return r.IntN(10) == 0 }},
		{"low end", func(x float64) bool { return x < -1 }},
		{"ties", func(float64) bool { return r.IntN(4) == 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := xs
			if tc.name == "ties" {
				all = make([]float64, n)
				for i := range all {
					all[i] = float64(r.IntN(5))
				}
			}
			scale := scaleOf(all)
			ex := scale.NewExcluded()
			p := ex.NewPass()
			var kept []float64
			for _, x := range all {
				if tc.leave(x) {
					p.Add(x)
				} else {
					kept = append(kept, x)
				}
			}
			ex.Finish(p)
			exact := scaleOf(kept)
			require.Equal(t, int64(len(kept)), ex.Len())
			var worst float64
			for _, x := range kept[:2000] {
				got, _, _ := ex.Rank(x)
				want, _, _ := exact.Rank(x)
				worst = math.Max(worst, math.Abs(got-want)/float64(len(kept)))
			}
			require.Less(t, worst, 2e-3, "largest rank error as a fraction of the values kept")
		})
	}
}
