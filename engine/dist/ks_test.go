package dist_test

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/sample"
)

// Goodness-of-fit settings: every distribution is drawn through the
// production path (uniforms of a sample.Plan, then Quantile) and tested at
// significance level fitAlpha. The seeds are fixed, so the tests are
// deterministic; a failure means a wrong distribution, not bad luck (at
// α = 0.001 about one correct case in a thousand would fail for a given
// seed, and none does for these).
const (
	fitN     = 100_000
	fitAlpha = 0.001
	// ksCritical is the asymptotic Kolmogorov critical value at fitAlpha,
	// √(−ln(α/2)/2), used with Stephens' (1970) small-sample correction
	// D·(√n + 0.12 + 0.11/√n).
	ksCritical = 1.9494746752571437
	// minExpected is the usual chi-square rule: every pooled cell expects
	// at least 5 draws.
	minExpected = 5
	chunkSize   = 4096
)

func f(x float64) *float64 { return &x }
func n(x int) *int         { return &x }

var fitCases = []struct {
	name string
	spec dist.Spec
}{
	{"Normal", dist.Spec{Type: dist.Normal, Mean: f(10), StdDev: f(3)}},
	{"LogNormalMeanSD", dist.Spec{Type: dist.LogNormal, Mean: f(10), StdDev: f(5)}},
	{"LogNormalMuSigma", dist.Spec{Type: dist.LogNormal, Mu: f(0), Sigma: f(1.5)}},
	{"Uniform", dist.Spec{Type: dist.Uniform, Min: f(-2), Max: f(5)}},
	{"Triangular", dist.Spec{Type: dist.Triangular, Min: f(1), Mode: f(2), Max: f(10)}},
	{"TriangularRightAngle", dist.Spec{Type: dist.Triangular, Min: f(0), Mode: f(0), Max: f(1)}},
	{"PERT", dist.Spec{Type: dist.PERT, Min: f(1), Mode: f(2), Max: f(10)}},
	{"Beta", dist.Spec{Type: dist.Beta, Alpha: f(0.7), Beta: f(2.5)}},
	{"BetaScaled", dist.Spec{Type: dist.Beta, Alpha: f(3), Beta: f(3), Min: f(100), Max: f(200)}},
	{"GammaScale", dist.Spec{Type: dist.Gamma, Shape: f(2.5), Scale: f(1.5)}},
	{"GammaRateSmallShape", dist.Spec{Type: dist.Gamma, Shape: f(0.3), Rate: f(2)}},
	{"Exponential", dist.Spec{Type: dist.Exponential, Rate: f(0.25)}},
	{"Weibull", dist.Spec{Type: dist.Weibull, Shape: f(0.8), Scale: f(3)}},
	{"Poisson", dist.Spec{Type: dist.Poisson, Lambda: f(3.5)}},
	{"PoissonLarge", dist.Spec{Type: dist.Poisson, Lambda: f(2500)}},
	{"Binomial", dist.Spec{Type: dist.Binomial, N: n(40), P: f(0.15)}},
	{"Bernoulli", dist.Spec{Type: dist.Bernoulli, P: f(0.3)}},
	{"Discrete", dist.Spec{Type: dist.Discrete, Values: []float64{-1, 0, 2.5, 7}, Probabilities: []float64{0.1, 0.2, 0.3, 0.4}}},
	{"CumulativePoints", dist.Spec{Type: dist.Cumulative, Values: []float64{0, 1, 1, 4, 6}, Probabilities: []float64{0, 0.2, 0.5, 0.9, 1}}},
	{"CumulativeSample", dist.Spec{Type: dist.Cumulative, Values: []float64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5}}},
	{"Logistic", dist.Spec{Type: dist.Logistic, Alpha: f(5), Beta: f(2)}},
	{"ExtremeValue", dist.Spec{Type: dist.ExtremeValue, Alpha: f(-1), Beta: f(0.5)}},
	{"TruncatedLogistic", dist.Spec{Type: dist.Logistic, Alpha: f(0), Beta: f(1), TruncateMin: f(-1), TruncateMax: f(4)}},
	{"TruncatedExtremeValue", dist.Spec{Type: dist.ExtremeValue, Alpha: f(2), Beta: f(3), TruncateMin: f(0)}},
	{"TruncatedNormal", dist.Spec{Type: dist.Normal, Mean: f(0), StdDev: f(1), TruncateMin: f(-0.5), TruncateMax: f(3)}},
	{"TruncatedLogNormal", dist.Spec{Type: dist.LogNormal, Mean: f(10), StdDev: f(5), TruncateMax: f(12)}},
	{"TruncatedGamma", dist.Spec{Type: dist.Gamma, Shape: f(2), Scale: f(1), TruncateMin: f(1.5)}},
	{"TruncatedPERT", dist.Spec{Type: dist.PERT, Min: f(0), Mode: f(3), Max: f(10), TruncateMin: f(2), TruncateMax: f(8)}},
	{"TruncatedPoisson", dist.Spec{Type: dist.Poisson, Lambda: f(6), TruncateMin: f(3.5), TruncateMax: f(9)}},
	{"TruncatedDiscrete", dist.Spec{Type: dist.Discrete, Values: []float64{1, 2, 3, 4}, Probabilities: []float64{0.4, 0.3, 0.2, 0.1}, TruncateMin: f(2)}},
	{"Student", dist.Spec{Type: dist.Student, Nu: f(5)}},
	{"StudentCauchy", dist.Spec{Type: dist.Student, Nu: f(1)}},
	{"StudentFractional", dist.Spec{Type: dist.Student, Nu: f(2.5)}},
	{"StudentManyDegrees", dist.Spec{Type: dist.Student, Nu: f(500)}},
	{"TruncatedStudent", dist.Spec{Type: dist.Student, Nu: f(3), TruncateMin: f(-2), TruncateMax: f(5)}},
	{"LogLogistic", dist.Spec{Type: dist.LogLogistic, Min: f(1), Beta: f(2), Alpha: f(3)}},
	{"LogLogisticHeavyTail", dist.Spec{Type: dist.LogLogistic, Beta: f(1), Alpha: f(1.5)}},
	{"TruncatedLogLogistic", dist.Spec{Type: dist.LogLogistic, Min: f(-1), Beta: f(3), Alpha: f(4), TruncateMin: f(1), TruncateMax: f(4)}},
	{"Pareto", dist.Spec{Type: dist.Pareto, Shape: f(3.5), Min: f(2)}},
	{"ParetoHeavyTail", dist.Spec{Type: dist.Pareto, Shape: f(0.8), Min: f(1)}},
	{"TruncatedPareto", dist.Spec{Type: dist.Pareto, Shape: f(1.5), Min: f(1), TruncateMax: f(10)}},
	{"NegativeBinomial", dist.Spec{Type: dist.NegativeBinomial, N: n(3), P: f(0.4)}},
	{"NegativeBinomialGeometric", dist.Spec{Type: dist.NegativeBinomial, N: n(1), P: f(0.1)}},
	{"NegativeBinomialManySuccesses", dist.Spec{Type: dist.NegativeBinomial, N: n(200), P: f(0.05)}},
	{"TruncatedNegativeBinomial", dist.Spec{Type: dist.NegativeBinomial, N: n(2), P: f(0.3), TruncateMin: f(1), TruncateMax: f(8)}},
	{"General", dist.Spec{Type: dist.General, Min: f(0), Max: f(10), Values: []float64{2, 5, 8}, Probabilities: []float64{1, 3, 0.5}}},
	{"GeneralPointsAtEnds", dist.Spec{Type: dist.General, Min: f(-1), Max: f(1), Values: []float64{-1, 0, 1}, Probabilities: []float64{2, 0, 1}}},
	{"TruncatedGeneral", dist.Spec{Type: dist.General, Min: f(0), Max: f(10), Values: []float64{2, 5, 8}, Probabilities: []float64{1, 3, 0.5}, TruncateMin: f(3), TruncateMax: f(9)}},
	{"Histogram", dist.Spec{Type: dist.Histogram, Min: f(0), Max: f(6), Probabilities: []float64{1, 0, 3, 2}}},
	{"TruncatedHistogram", dist.Spec{Type: dist.Histogram, Min: f(-5), Max: f(5), Probabilities: []float64{4, 1, 2, 3, 5}, TruncateMin: f(-2)}},
	{"DiscreteUniform", dist.Spec{Type: dist.DiscreteUniform, Values: []float64{1, 2.5, 4, 4, 10}}},
	{"TruncatedDiscreteUniform", dist.Spec{Type: dist.DiscreteUniform, Values: []float64{1, 2, 3, 4, 5, 6}, TruncateMax: f(4.5)}},
	{"IntegerUniform", dist.Spec{Type: dist.IntegerUniform, Min: f(1), Max: f(6)}},
	{"IntegerUniformWide", dist.Spec{Type: dist.IntegerUniform, Min: f(-500), Max: f(1500)}},
	{"TruncatedIntegerUniform", dist.Spec{Type: dist.IntegerUniform, Min: f(0), Max: f(20), TruncateMin: f(4.5), TruncateMax: f(12)}},
	{"Trigen", dist.Spec{Type: dist.Trigen, Bottom: f(10), Mode: f(20), Top: f(40), BottomPercentile: f(10), TopPercentile: f(90)}},
	{"TrigenModeAtBottom", dist.Spec{Type: dist.Trigen, Bottom: f(5), Mode: f(5), Top: f(9), BottomPercentile: f(20), TopPercentile: f(95)}},
	{"TruncatedTrigen", dist.Spec{Type: dist.Trigen, Bottom: f(10), Mode: f(20), Top: f(40), BottomPercentile: f(5), TopPercentile: f(80), TruncateMin: f(10)}},
}

// draw returns fitN values of d drawn through a prepared sample.Plan.
func draw(t testing.TB, d dist.Distribution, method sample.Method, seed uint64) []float64 {
	t.Helper()
	plan := &sample.Plan{Iterations: fitN, ChunkSize: chunkSize, Seed: seed, Method: method}
	_, err := plan.Prepare()
	require.NoError(t, err)
	xs := make([]float64, fitN)
	for c := range plan.Chunks() {
		buf := xs[c*chunkSize : c*chunkSize+plan.ChunkLen(c)]
		plan.Fill(0, c, buf)
		for i, u := range buf {
			buf[i] = d.Quantile(u)
		}
	}
	return xs
}

// ksStatistic is the one-sample Kolmogorov–Smirnov statistic of xs against
// cdf, sup |F − Fₙ| evaluated at each distinct value and just below it, so
// that a CDF with atoms (CUMULATIVE with repeated values) is handled; with
// atoms the test is conservative.
func ksStatistic(xs []float64, cdf func(float64) float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := float64(len(s))
	var d float64
	for i := 0; i < len(s); {
		j := i + 1
		for j < len(s) && s[j] == s[i] {
			j++
		}
		below := cdf(math.Nextafter(s[i], math.Inf(-1)))
		d = math.Max(d, math.Max(math.Abs(cdf(s[i])-float64(j)/n), math.Abs(below-float64(i)/n)))
		i = j
	}
	return d
}

func requireKS(t *testing.T, xs []float64, cdf func(float64) float64) {
	t.Helper()
	d := ksStatistic(xs, cdf)
	sn := math.Sqrt(float64(len(xs)))
	require.Less(t, d*(sn+0.12+0.11/sn), ksCritical, "KS statistic D = %.5g", d)
}

// requireChiSquare tests the draws of a discrete distribution: one cell per
// observed value expecting at least minExpected draws, everything else
// (rare values, observed or not) pooled in one cell.
func requireChiSquare(t *testing.T, d dist.Distribution, xs []float64) {
	t.Helper()
	counts := map[float64]int{}
	for _, x := range xs {
		counts[x]++
	}
	nf := float64(len(xs))
	var chi2, pooledExp, covered float64
	pooledObs, cells := 0, 0
	for x, o := range counts {
		e := nf * d.Density(x)
		require.Greater(t, e, 0.0, "drew %v, which has no probability", x)
		covered += e
		if e < minExpected {
			pooledExp += e
			pooledObs += o
			continue
		}
		chi2 += (float64(o) - e) * (float64(o) - e) / e
		cells++
	}
	pooledExp += nf - covered // values never drawn
	if pooledExp > 1e-9 {
		chi2 += (float64(pooledObs) - pooledExp) * (float64(pooledObs) - pooledExp) / pooledExp
		cells++
	}
	if cells < 2 {
		return
	}
	p := distuv.ChiSquared{K: float64(cells - 1)}.Survival(chi2)
	require.Greater(t, p, fitAlpha, "chi-square %.4g on %d cells", chi2, cells)
}

func TestGoodnessOfFit(t *testing.T) {
	t.Parallel()
	for i, tc := range fitCases {
		for _, method := range []sample.Method{sample.MonteCarlo, sample.LatinHypercube} {
			t.Run(tc.name+"/"+string(method), func(t *testing.T) {
				t.Parallel()
				d, err := dist.New(tc.name, tc.spec)
				require.NoError(t, err)
				xs := draw(t, d, method, uint64(1000+i))
				if d.Discrete() {
					requireChiSquare(t, d, xs)
				} else {
					requireKS(t, xs, d.CDF)
				}
				// Empirical moments against the analytic ones, within 6
				// standard errors of the mean, where the variance is finite
				// (heavy tails have no standard error to check against).
				if v := d.Variance(); !math.IsInf(v, 0) && !math.IsNaN(v) {
					var m float64
					for _, x := range xs {
						m += x
					}
					m /= float64(len(xs))
					require.InDelta(t, d.Mean(), m, 6*math.Sqrt(v/float64(len(xs))))
				}
				for _, x := range xs {
					require.True(t, x >= d.Min() && x <= d.Max(), "draw %v outside [%v, %v]", x, d.Min(), d.Max())
				}
			})
		}
	}
}

// TestSumOfNormals: the sum of independent normals N(μᵢ, σᵢ²) has mean Σμᵢ
// and variance Σσᵢ², drawn as three inputs of one plan.
func TestSumOfNormals(t *testing.T) {
	t.Parallel()
	specs := []struct{ mu, sd float64 }{{1, 2}, {3, 1.5}, {-2, 0.5}}
	plan := &sample.Plan{Iterations: fitN, ChunkSize: chunkSize, Seed: 7}
	_, err := plan.Prepare()
	require.NoError(t, err)
	sum := make([]float64, fitN)
	u := make([]float64, fitN)
	var wantMean, wantVar float64
	for i, s := range specs {
		d, err := dist.New("x", dist.Spec{Type: dist.Normal, Mean: f(s.mu), StdDev: f(s.sd)})
		require.NoError(t, err)
		plan.FillRange(i, 0, u)
		for g := range u {
			sum[g] += d.Quantile(u[g])
		}
		wantMean += s.mu
		wantVar += s.sd * s.sd
	}
	var m, v float64
	for _, x := range sum {
		m += x
	}
	m /= fitN
	for _, x := range sum {
		v += (x - m) * (x - m)
	}
	v /= fitN - 1
	// Standard errors: σ/√n for the mean, σ²·√(2/(n−1)) for the variance.
	require.InDelta(t, wantMean, m, 5*math.Sqrt(wantVar/fitN))
	require.InDelta(t, wantVar, v, 5*wantVar*math.Sqrt(2.0/(fitN-1)))
	sumDist, err := dist.New("sum", dist.Spec{Type: dist.Normal, Mean: f(wantMean), StdDev: f(math.Sqrt(wantVar))})
	require.NoError(t, err)
	requireKS(t, sum, sumDist.CDF)
}

// TestProductOfLogNormals: exp(N(μ₁, σ₁²))·exp(N(μ₂, σ₂²)) is
// exp(N(μ₁+μ₂, σ₁²+σ₂²)) for independent factors.
func TestProductOfLogNormals(t *testing.T) {
	t.Parallel()
	for _, method := range []sample.Method{sample.MonteCarlo, sample.LatinHypercube} {
		plan := &sample.Plan{Iterations: fitN, ChunkSize: chunkSize, Seed: 11, Method: method}
		_, err := plan.Prepare()
		require.NoError(t, err)
		a, err := dist.New("a", dist.Spec{Type: dist.LogNormal, Mu: f(0.5), Sigma: f(0.3)})
		require.NoError(t, err)
		b, err := dist.New("b", dist.Spec{Type: dist.LogNormal, Mu: f(-1), Sigma: f(0.4)})
		require.NoError(t, err)
		ua, ub := make([]float64, fitN), make([]float64, fitN)
		plan.FillRange(0, 0, ua)
		plan.FillRange(1, 0, ub)
		prod := make([]float64, fitN)
		for g := range prod {
			prod[g] = a.Quantile(ua[g]) * b.Quantile(ub[g])
		}
		want, err := dist.New("ab", dist.Spec{Type: dist.LogNormal, Mu: f(-0.5), Sigma: f(0.5)})
		require.NoError(t, err)
		requireKS(t, prod, want.CDF)
	}
}
