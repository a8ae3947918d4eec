package engine_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/sample"
)

// runBothWays simulates m with the samples kept (an exact summary from the
// values in memory) and streamed without them, and checks that the tails,
// targets and regression agree bit for bit; it returns the exact result.
func runBothWays(t *testing.T, m engine.Model, o engine.Options) (kept, streamed *engine.Result) {
	t.Helper()
	o.KeepSamples, o.SummaryMemory = true, 0
	kept, err := engine.Simulate(context.Background(), m, o)
	require.NoError(t, err)
	o.KeepSamples, o.SummaryMemory = false, -1
	streamed, err = engine.Simulate(context.Background(), m, o)
	require.NoError(t, err)
	for j := range kept.Outputs {
		k, s := kept.Outputs[j], streamed.Outputs[j]
		require.Equal(t, fmt.Sprint(k.Tails), fmt.Sprint(s.Tails), "output %d tails", j)
		require.Equal(t, fmt.Sprint(k.Targets), fmt.Sprint(s.Targets), "output %d targets", j)
		require.Equal(t, fmt.Sprint(k.RSquared, k.Unexplained), fmt.Sprint(s.RSquared, s.Unexplained), "output %d R²", j)
		for i := range k.Sensitivity {
			require.Equal(t, fmt.Sprint(k.Sensitivity[i].StandardizedRegression, k.Sensitivity[i].VarianceShare),
				fmt.Sprint(s.Sensitivity[i].StandardizedRegression, s.Sensitivity[i].VarianceShare), "output %d input %d SRC", j, i)
		}
	}
	return kept, streamed
}

// TestTailsAgainstClosedForms checks VaR, CVaR (both tails) and target
// probabilities of a normal and a lognormal output against their closed
// forms, within five standard errors of the estimators (Monte Carlo
// sampling, so that the asymptotic variances hold):
//
//   - a p-quantile's standard error is √(p(1−p)/n)/f(q);
//   - the mean beyond it has variance (Var(X | tail) + (1−p)(q − CVaR)²)/(n·p)
//     for a lower tail of probability p (the same with p ↔ 1−p above);
//   - a probability P has standard error √(P(1−P)/n).
//
// The lower-tail conditional moments are, for a normal N(μ, σ) and
// b = (q−μ)/σ, E = μ − σφ(b)/Φ(b), Var = σ²(1 − bφ(b)/Φ(b) − (φ(b)/Φ(b))²);
// for a lognormal e^{N(μ,σ)}, the partial expectations
// E[Xᵏ; X ≤ q] = e^{kμ+k²σ²/2} Φ((ln q − μ − kσ²)/σ).
//
// Sources: the normal VaR μ + σΦ⁻¹(p) and expected shortfall
// μ − σφ(Φ⁻¹(p))/p of a lower tail of probability p are McNeil, Frey and
// Embrechts, Quantitative Risk Management (2005), Example 2.18 (stated
// there for losses, the upper tail); the lognormal's partial moments
// (its incomplete moments) are in Johnson, Kotz and Balakrishnan,
// Continuous Univariate Distributions, vol. 1, 2nd ed. (1994), §14.3,
// and its VaR is e^{μ+σΦ⁻¹(p)}, the quantile transformed; expected
// shortfall as the tail mean is Acerbi and Tasche, "On the coherence of
// expected shortfall", J. Banking & Finance 26 (2002). The standard
// errors: the sample quantile's asymptotic variance, Serfling,
// Approximation Theorems of Mathematical Statistics (1980), §2.3.3; the
// tail mean's, Chen, "Nonparametric estimation of expected shortfall",
// J. Financial Econometrics 6 (2008).
func TestTailsAgainstClosedForms(t *testing.T) {
	t.Parallel()
	const mu, sigma, lmu, lsigma = 100.0, 20.0, 1.0, 0.5
	m := engine.Model{
		Workbook: sheet{
			values:   map[string]float64{"A1": mu, "A2": lmu},
			formulas: map[string]string{"B1": "A1", "B2": "EXP(A2)"},
		}.build(t),
		Inputs: []engine.Input{
			input(t, "S!A1", dist.Spec{Type: dist.Normal, Mean: f(mu), StdDev: f(sigma)}),
			input(t, "S!A2", dist.Spec{Type: dist.Normal, Mean: f(lmu), StdDev: f(lsigma)}),
		},
		Outputs: refs(t, "S!B1", "S!B2"),
	}
	const n = 200_000
	levels := []float64{0.9, 0.95, 0.99}
	o := engine.Options{Iterations: n, Seed: 5, Sampling: sample.MonteCarlo, TailLevels: levels,
		Targets: []float64{90, 3}, OutputTargets: map[int][]float64{1: {math.E}}}
	res, _ := runBothWays(t, m, o)

	z := distuv.UnitNormal
	type moments struct{ cdf, pdf, q func(p float64) float64 }
	normal := distuv.Normal{Mu: mu, Sigma: sigma}
	lognormal := distuv.LogNormal{Mu: lmu, Sigma: lsigma}
	// partial(k, q, lower) is E[Xᵏ; X ≤ q] (lower) or E[Xᵏ; X ≥ q].
	partial := []func(k int, q float64, lower bool) float64{
		func(k int, q float64, lower bool) float64 {
			b := (q - mu) / sigma
			if !lower {
				b = -b
			}
			// E[X; tail] and E[X²; tail] of a normal, tail of probability Φ(b).
			p, phi := z.CDF(b), z.Prob(b)
			s := 1.0
			if !lower {
				s = -1
			}
			switch k {
			case 1:
				return mu*p - s*sigma*phi
			default:
				return (mu*mu+sigma*sigma)*p - s*2*mu*sigma*phi - sigma*sigma*b*phi
			}
		},
		func(k int, q float64, lower bool) float64 {
			kf := float64(k)
			all := math.Exp(kf*lmu + kf*kf*lsigma*lsigma/2)
			below := all * z.CDF((math.Log(q)-lmu-kf*lsigma*lsigma)/lsigma)
			if lower {
				return below
			}
			return all - below
		},
	}
	ds := []moments{
		{normal.CDF, normal.Prob, normal.Quantile},
		{lognormal.CDF, lognormal.Prob, lognormal.Quantile},
	}
	for j, d := range ds {
		out := res.Outputs[j]
		require.Len(t, out.Tails, len(levels))
		for i, a := range levels {
			tail := out.Tails[i]
			require.Equal(t, a, tail.Level)
			for _, side := range []struct {
				name       string
				p          float64 // probability of the tail
				lower      bool
				var_, cvar float64
			}{
				{"lower", 1 - a, true, tail.VaR, tail.CVaR},
				{"upper", 1 - a, false, tail.UpperVaR, tail.UpperCVaR},
			} {
				pq := side.p
				if !side.lower {
					pq = a
				}
				q := d.q(pq)
				seQ := math.Sqrt(a*(1-a)/n) / d.pdf(q)
				require.InDelta(t, q, side.var_, 5*seQ, "output %d %s VaR at %g", j, side.name, a)
				e1 := partial[j](1, q, side.lower) / side.p
				e2 := partial[j](2, q, side.lower) / side.p
				v := e2 - e1*e1
				seC := math.Sqrt((v + a*(q-e1)*(q-e1)) / (n * side.p))
				require.InDelta(t, e1, side.cvar, 5*seC, "output %d %s CVaR at %g", j, side.name, a)
				if side.lower {
					require.Less(t, side.cvar, side.var_, "output %d: the shortfall lies beyond the VaR", j)
				} else {
					require.Greater(t, side.cvar, side.var_)
				}
			}
		}
		// The normal's lower CVaR in the form μ − σφ(z)/(1−α), z = Φ⁻¹(α).
		if j == 0 {
			a := levels[1]
			want := mu - sigma*z.Prob(z.Quantile(a))/(1-a)
			require.InDelta(t, want, out.Tails[1].CVaR, 0.02*sigma)
		}
		// VaR is the (1−α) percentile the percentiles report.
		for _, p := range out.Percentiles {
			if p.P == 5 {
				require.Equal(t, p.Value, out.Tails[1].VaR, "VaR at 95%% is the 5th percentile")
			}
		}
		wantTargets := []float64{90, 3}
		if j == 1 {
			wantTargets = append(wantTargets, math.E)
		}
		require.Len(t, out.Targets, len(wantTargets))
		for i, x := range wantTargets {
			got := out.Targets[i]
			require.Equal(t, x, got.Value)
			p := d.cdf(x)
			se := math.Sqrt(p*(1-p)/n) + 1/float64(n)
			require.InDelta(t, p, got.Below, 5*se, "output %d P(<%g)", j, x)
			require.InDelta(t, 1-p, got.Above, 5*se, "output %d P(>%g)", j, x)
		}
	}
}

// TestTailsDefaultsAndErrors checks the default levels, tails of an
// output that is sometimes an error (left out, as in the percentiles) and
// the options' validation.
func TestTailsDefaultsAndErrors(t *testing.T) {
	t.Parallel()
	m := shapesModel(t)
	res, _ := runBothWays(t, m, engine.Options{Iterations: 20_000, Seed: 3, Targets: []float64{10}})
	for j, out := range res.Outputs {
		require.Len(t, out.Tails, 2, "output %d", j)
		require.Equal(t, 0.95, out.Tails[0].Level)
		require.Equal(t, 0.99, out.Tails[1].Level)
		require.Len(t, out.Targets, 1)
		if out.Summary.Count == 0 {
			require.True(t, math.IsNaN(out.Tails[0].CVaR) && math.IsNaN(out.Targets[0].Below), "output %d has no numbers", j)
			continue
		}
		// Count the tails and targets from the samples.
		var low, high, below, above float64
		var nLow, nHigh int
		for _, v := range out.Samples {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			if v <= out.Tails[0].VaR {
				low += v
				nLow++
			}
			if v >= out.Tails[0].UpperVaR {
				high += v
				nHigh++
			}
			if v < 10 {
				below++
			} else if v > 10 {
				above++
			}
		}
		c := float64(out.Summary.Count)
		require.InEpsilon(t, low/float64(nLow), out.Tails[0].CVaR, 1e-9, "output %d", j)
		require.InEpsilon(t, high/float64(nHigh), out.Tails[0].UpperCVaR, 1e-9, "output %d", j)
		require.Equal(t, below/c, out.Targets[0].Below, "output %d", j)
		require.Equal(t, above/c, out.Targets[0].Above, "output %d", j)
	}
	for _, o := range []engine.Options{
		{Iterations: 10, TailLevels: []float64{1}},
		{Iterations: 10, TailLevels: []float64{0}},
		{Iterations: 10, Targets: []float64{math.NaN()}},
		{Iterations: 10, OutputTargets: map[int][]float64{len(m.Outputs): {1}}},
	} {
		_, err := engine.Simulate(context.Background(), m, o)
		require.Error(t, err, "%+v", o)
	}
}

// TestRegressionAndChangeInMean checks, on out = Σ aᵢxᵢ with independent
// uniform inputs xᵢ ~ U(lᵢ, hᵢ):
//
//   - the change-in-mean tornado: E[out | xᵢ in its top decile] −
//     E[out | bottom decile] = aᵢ·0.9(hᵢ−lᵢ). Each decile's mean averages
//     n/10 iterations, in which the other inputs contribute noise of
//     variance Σⱼ≠ᵢ aⱼ²σⱼ² and xᵢ itself, within its decile, variance
//     aᵢ²(0.1(hᵢ−lᵢ))²/12; the difference of two deciles has twice their
//     variance over n/10, and the test allows five standard deviations;
//   - the standardised regression coefficients SRCᵢ = aᵢσᵢ/σ_out and
//     R² = 1 (exact linear model): the sample SRC is aᵢsᵢ/s_out, whose
//     relative error is at most that of sᵢ plus that of s_out, each of
//     standard deviation √((κ−1)/(4n)) ≤ √(2/(4n)) for kurtosis κ ≤ 3;
//   - with noise RAND()·k added, which no input explains: R² =
//     Var(lin)/(Var(lin) + k²/12), the shares of variance add up to R²
//     and the unexplained share is 1 − R² (standard error of R² about
//     2√R²(1−R²)/√n).
func TestRegressionAndChangeInMean(t *testing.T) {
	t.Parallel()
	a := []float64{2, -3, 0.5}
	lo := []float64{0, 10, -5}
	hi := []float64{10, 14, 35}
	const k = 20.0
	m := engine.Model{
		Workbook: sheet{
			values: map[string]float64{"A1": 5, "A2": 12, "A3": 15},
			formulas: map[string]string{
				"B1": "2*A1-3*A2+0.5*A3",
				"B2": fmt.Sprintf("2*A1-3*A2+0.5*A3+RAND()*%g", k),
			},
		}.build(t),
		Outputs: refs(t, "S!B1", "S!B2"),
	}
	for i, c := range []string{"S!A1", "S!A2", "S!A3"} {
		m.Inputs = append(m.Inputs, input(t, c, dist.Spec{Type: dist.Uniform, Min: f(lo[i]), Max: f(hi[i])}))
	}
	const n = 100_000
	kept, streamed := runBothWays(t, m, engine.Options{Iterations: n, Seed: 17, Sampling: sample.MonteCarlo})
	variance := make([]float64, len(a))
	var linVar float64
	for i := range a {
		variance[i] = (hi[i] - lo[i]) * (hi[i] - lo[i]) / 12
		linVar += a[i] * a[i] * variance[i]
	}
	for _, res := range []*engine.Result{kept, streamed} {
		lin, noisy := res.Outputs[0], res.Outputs[1]
		require.InDelta(t, 1, lin.RSquared, 1e-9)
		require.InDelta(t, 0, lin.Unexplained, 1e-9)
		for i, s := range lin.Sensitivity {
			others := linVar - a[i]*a[i]*variance[i]
			within := a[i] * a[i] * math.Pow(0.1*(hi[i]-lo[i]), 2) / 12
			sd := math.Sqrt(2 * (others + within) / (n / 10))
			want := a[i] * 0.9 * (hi[i] - lo[i])
			require.InDelta(t, want, s.ChangeInMean(), 5*sd, "input %d change in mean", i)
			src := a[i] * math.Sqrt(variance[i]/linVar)
			require.InDelta(t, src, s.StandardizedRegression, math.Abs(src)*2*5*math.Sqrt(2/(4.0*n)), "input %d SRC", i)
			require.InDelta(t, src*src, s.VarianceShare, 2*math.Abs(src)*2*5*math.Sqrt(2/(4.0*n))+1e-3, "input %d share", i)
		}
		r2 := linVar / (linVar + k*k/12)
		require.InDelta(t, r2, noisy.RSquared, 5*2*math.Sqrt(r2)*(1-r2)/math.Sqrt(n))
		var shares float64
		for _, s := range noisy.Sensitivity {
			shares += s.VarianceShare
		}
		require.InDelta(t, noisy.RSquared, shares, 1e-12, "the inputs share R²")
		require.InDelta(t, 1, shares+noisy.Unexplained, 1e-12)
		require.Greater(t, noisy.Unexplained, 0.05, "the noise is not given to the inputs")
	}
}
