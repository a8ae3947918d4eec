package incell_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/incell"
)

// eulerGamma is the Euler–Mascheroni constant, in the extreme value mean.
const eulerGamma = 0.5772156649015329

// momentTolerance is relative: the moments come from closed forms or
// from the dist package's quadrature, which is good to about 1e-9.
const momentTolerance = 1e-7

// piecewiseUniform gives the mean and standard deviation of a mixture of
// uniforms on [edges[i], edges[i+1]] with the given weights (cumulative and
// histogram distributions).
func piecewiseUniform(edges, weights []float64) (mean, sd float64) {
	var total, m1, m2 float64
	for i, w := range weights {
		a, b := edges[i], edges[i+1]
		total += w
		m1 += w * (a + b) / 2
		m2 += w * (a*a + a*b + b*b) / 3
	}
	m1, m2 = m1/total, m2/total
	return m1, math.Sqrt(m2 - m1*m1)
}

func weibullMoments(shape, scale float64) (float64, float64) {
	g1, g2 := math.Gamma(1+1/shape), math.Gamma(1+2/shape)
	return scale * g1, scale * math.Sqrt(g2-g1*g1)
}

func lognormalMoments(mu, sigma float64) (float64, float64) {
	m := math.Exp(mu + sigma*sigma/2)
	return m, m * math.Sqrt(math.Expm1(sigma*sigma))
}

// TestFamilyMoments pins every in-cell function's parameterisation: the
// mean and standard deviation of the distribution Detect reads from the
// formula are those its vendor documents for those parameters. Sources:
// Palisade's @RISK function reference
// (help.palisade.com/v8/en/@RISK/Function/1-Distribution/<Function>.htm),
// which gives each family's parameters, mean and variance; Vose
// Software's ModelRisk help and riskwiki pages
// (vosesoftware.com/ModelRiskHelp, vosesoftware.com/riskwiki) for the Vose
// functions' formats. Quantiles pin the families whose documentation
// states percentiles (RiskTrigen's examples; the ModelRisk U-parameter
// page's Pareto(20, 0.95) whose 70th percentile is 1.00895).
func TestFamilyMoments(t *testing.T) {
	mean, sd := math.NaN(), math.NaN()
	type quantile struct{ p, x, tol float64 }
	tests := []struct {
		formula   string
		mean, sd  float64
		quantiles []quantile
	}{
		{"RiskNormal(100,10)", 100, 10, nil},
		{"RiskLognorm(10,2)", 10, 2, nil}, // the variable's own mean and sd
		{"RiskUniform(2,8)", 5, 6 / math.Sqrt(12), nil},
		{"RiskTriang(1,2,6)", 3, math.Sqrt((1 + 4 + 36 - 2 - 6 - 12) / 18.0), nil},
		// Bottom and top percentiles from 0 to 100: RiskTrigen(100,200,300,10,90)
		// has 10th percentile 100 and 90th percentile 300.
		{"RiskTrigen(100,200,300,10,90)", mean, sd, []quantile{{0.1, 100, 1e-9}, {0.9, 300, 1e-9}}},
		// PERT: mean (min+4·mode+max)/6, variance (mean−min)(max−mean)/7.
		{"RiskPert(1,2,9)", 3, math.Sqrt(2 * 6 / 7.0), nil},
		{"RiskBeta(2,3)", 0.4, 0.2, nil},
		{"RiskBetaGeneral(2,3,10,20)", 14, 2, nil},
		{"RiskGamma(2,5)", 10, math.Sqrt(2) * 5, nil}, // shape α, scale β
		{"RiskExpon(4)", 4, 4, nil},                   // β the mean
		{"RiskPoisson(3.5)", 3.5, math.Sqrt(3.5), nil},
		{"RiskBinomial(10,0.3)", 3, math.Sqrt(2.1), nil},
		{"RiskBernoulli(0.3)", 0.3, math.Sqrt(0.21), nil},
		{"RiskDiscrete({1,2,3},{2,3,5})", 2.3, math.Sqrt(0.61), nil},
		{"RiskDUniform({1,4,7})", 4, math.Sqrt(6), nil},
		{"RiskIntUniform(1,6)", 3.5, math.Sqrt(35 / 12.0), nil},
		{"RiskStudent(5)", 0, math.Sqrt(5 / 3.0), nil},
		{"RiskLogistic(10,2)", 10, 2 * math.Pi / math.Sqrt(3), nil},
		// RiskLoglogistic(γ, β, α): mean γ+βθ·csc θ, variance
		// β²θ(2·csc 2θ − θ·csc² θ), θ = π/α.
		{"RiskLoglogistic(1,2,3)", 1 + 2*(math.Pi/3)/math.Sin(math.Pi/3),
			2 * math.Sqrt(math.Pi/3*(2/math.Sin(2*math.Pi/3)-math.Pi/3/math.Pow(math.Sin(math.Pi/3), 2))), nil},
		// RiskPareto(θ, a): mean θa/(θ−1), variance θa²/((θ−1)²(θ−2)).
		{"RiskPareto(3,2)", 3, math.Sqrt(3), nil},
		// RiskExtValue(α, β): mean α+γβ (γ Euler's constant), sd πβ/√6.
		{"RiskExtValue(10,2)", 10 + eulerGamma*2, math.Pi * 2 / math.Sqrt(6), nil},
		// RiskNegbin(s, p), failures before the s-th success: mean
		// s(1−p)/p, variance s(1−p)/p².
		{"RiskNegbin(5,0.25)", 15, math.Sqrt(60), nil},
		// RiskGeneral: the density through (min,0), (x,p), (max,0); one
		// point makes the triangle (0, 5, 10).
		{"RiskGeneral(0,10,{5},{1})", 5, math.Sqrt(75 / 18.0), nil},

		{"VoseNormal(100,10)", 100, 10, nil},
		{"VoseLognormal(10,2)", 10, 2, nil},
		{"VoseTriangle(1,2,6)", 3, math.Sqrt((1 + 4 + 36 - 2 - 6 - 12) / 18.0), nil},
		{"VosePERT(1,2,9)", 3, math.Sqrt(2 * 6 / 7.0), nil},
		{"VoseUniform(2,8)", 5, 6 / math.Sqrt(12), nil},
		{"VoseBeta(2,3)", 0.4, 0.2, nil},
		{"VoseGamma(2,5)", 10, math.Sqrt(2) * 5, nil},
		{"VoseExpon(4)", 4, 4, nil},
		{"VosePoisson(3.5)", 3.5, math.Sqrt(3.5), nil},
		{"VoseBinomial(10,0.3)", 3, math.Sqrt(2.1), nil},
		{"VoseBernoulli(0.3)", 0.3, math.Sqrt(0.21), nil},
		{"VoseDiscrete({1,2,3},{2,3,5})", 2.3, math.Sqrt(0.61), nil},
		{"VoseStudent(5)", 0, math.Sqrt(5 / 3.0), nil},
		{"VoseLogistic(10,2)", 10, 2 * math.Pi / math.Sqrt(3), nil},
		{"VosePareto(3,2)", 3, math.Sqrt(3), []quantile{{0.7, 2 * math.Pow(0.3, -1/3.0), 1e-12}}},
		{"VosePareto(20,0.95)", mean, sd, []quantile{{0.7, 1.00895, 5e-6}}},
		{"VoseNegBin(5,0.25)", 15, math.Sqrt(60), nil},
		{"VoseExtValueMax(10,2)", 10 + eulerGamma*2, math.Pi * 2 / math.Sqrt(6), nil},
		{"VoseBeta4(2,3,10,20)", 14, 2, nil},
		{"VoseDUniform({1,4,7})", 4, math.Sqrt(6), nil},
	}
	add := func(f string, m, s float64) {
		tests = append(tests, struct {
			formula   string
			mean, sd  float64
			quantiles []quantile
		}{f, m, s, nil})
	}
	m, s := lognormalMoments(1, 0.5)
	add("RiskLognorm2(1,0.5)", m, s)
	add("VoseLognormalE(1,0.5)", m, s)
	m, s = weibullMoments(1.5, 3)
	add("RiskWeibull(1.5,3)", m, s) // shape α, scale β
	add("VoseWeibull(1.5,3)", m, s)
	m, s = piecewiseUniform([]float64{0, 2, 5, 10}, []float64{0.3, 0.5, 0.2})
	add("RiskCumul(0,10,{2,5},{0.3,0.8})", m, s)
	add("VoseCumulA(0,10,{2,5},{0.3,0.8})", m, s)
	m, s = piecewiseUniform([]float64{0, 10 / 3.0, 20 / 3.0, 10}, []float64{1, 3, 1})
	add("RiskHistogrm(0,10,{1,3,1})", m, s)
	add("VoseHistogram(0,10,{1,3,1})", m, s)

	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.formula, func(t *testing.T) {
			det, err := incell.Detect(build(t, nil, map[string]string{"B1": tt.formula}))
			require.NoError(t, err)
			require.Empty(t, det.Problems)
			require.Len(t, det.Inputs, 1)
			d, err := dist.New("x", det.Inputs[0].Spec)
			require.NoError(t, err)
			if !math.IsNaN(tt.mean) {
				require.InDelta(t, tt.mean, d.Mean(), momentTolerance*math.Max(1, math.Abs(tt.mean)))
				require.InDelta(t, tt.sd, math.Sqrt(d.Variance()), momentTolerance*math.Max(1, tt.sd))
			}
			for _, q := range tt.quantiles {
				require.InDelta(t, q.x, d.Quantile(q.p), q.tol*math.Max(1, math.Abs(q.x)), "quantile %g", q.p)
			}
		})
		name, _, _ := strings.Cut(tt.formula, "(")
		covered[strings.ToUpper(name)] = true
	}
	for _, name := range incell.FamilyNames() {
		require.True(t, covered[name], "%s has no row", name)
	}
}
