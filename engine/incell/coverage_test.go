package incell_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/incell"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/workbook"
)

// The functions an analyst's workbook may use for its uncertainty, each of
// which TestWorkbookFunctionCoverage must exercise.
var (
	// @RISK's distribution functions.
	riskDistributions = []string{
		"RiskNormal", "RiskLognorm", "RiskLognorm2", "RiskUniform", "RiskTriang", "RiskTrigen", "RiskPert",
		"RiskBeta", "RiskBetaGeneral", "RiskGamma", "RiskExpon", "RiskWeibull", "RiskPoisson", "RiskBinomial",
		"RiskBernoulli", "RiskDiscrete", "RiskDUniform", "RiskIntUniform", "RiskCumul", "RiskHistogrm",
		"RiskStudent", "RiskLogistic", "RiskLoglogistic", "RiskPareto", "RiskExtValue", "RiskNegbin", "RiskGeneral",
	}
	// @RISK's property functions and output marker.
	riskProperties = []string{
		"RiskName", "RiskTruncate", "RiskShift", "RiskStatic", "RiskSeed", "RiskCorrmat", "RiskSimtable", "RiskOutput",
	}
	// ModelRisk's equivalents of the same families, under the names its
	// help gives them (riskwiki's "Distributions in ModelRisk" list; each
	// function's page gives its format, see incell's doc comment), with its
	// output marker, its modifying functions and the object form. ModelRisk
	// has no integer uniform (its StepUniform takes a step) and no
	// Trigen; its Relative and LogLogistic pages give no format here, so
	// those two are not read.
	voseFunctions = []string{
		"VoseNormal", "VoseLognormal", "VoseLognormalE", "VoseUniform", "VoseTriangle", "VosePERT", "VoseBeta",
		"VoseBeta4", "VoseGamma", "VoseExpon", "VoseWeibull", "VosePoisson", "VoseBinomial", "VoseBernoulli",
		"VoseDiscrete", "VoseDUniform", "VoseCumulA", "VoseHistogram", "VoseStudent", "VoseLogistic", "VosePareto",
		"VoseExtValueMax", "VoseNegBin",
		"VoseOutput", "VoseShift", "VoseXBounds", "VoseSimulate", "VoseNormalObject", "VoseGammaObject",
	}
	// Excel's inverse CDFs sampled with RAND(), and the other idioms.
	excelInverses = []string{
		"NORM.INV", "NORMINV", "NORM.S.INV", "NORMSINV", "LOGNORM.INV", "LOGINV", "BETA.INV", "BETAINV",
		"GAMMA.INV", "GAMMAINV", "T.INV", "T.INV.2T", "TINV", "CHISQ.INV", "CHISQ.INV.RT", "CHIINV",
		"BINOM.INV", "CRITBINOM", "RAND", "RANDBETWEEN", "LN",
	}
	// Excel's distribution functions matching those families.
	excelDistributions = []string{
		"NORM.DIST", "NORMDIST", "NORM.S.DIST", "NORMSDIST", "LOGNORM.DIST", "LOGNORMDIST", "BETA.DIST", "BETADIST",
		"GAMMA.DIST", "GAMMADIST", "T.DIST", "T.DIST.2T", "T.DIST.RT", "TDIST", "CHISQ.DIST", "CHISQ.DIST.RT",
		"CHIDIST", "BINOM.DIST", "BINOMDIST", "EXPON.DIST", "EXPONDIST", "WEIBULL.DIST", "WEIBULL",
		"POISSON.DIST", "POISSON", "NEGBINOM.DIST", "NEGBINOMDIST",
	}
)

// coverConstants are the cells the formulas under test refer to.
var coverConstants = map[string]any{
	"A1": 100.0, "A2": 10.0, "A3": 0.3, "A4": 2.0, "A5": 5.0,
	"E1": 1.0, "E2": 2.0, "E3": 3.0, "F1": 2.0, "F2": 3.0, "F3": 5.0,
	"H1": 1.0, "I1": 0.8, "H2": 0.8, "I2": 1.0,
}

// coverKind is what a case's formula must be recognised as.
type coverKind int

const (
	asInput    coverKind = iota // an input of the family, simulated
	asSimtable                  // a RiskSimtable cell
	asFunction                  // an Excel function evaluated deterministically
)

type coverCase struct {
	formula string   // in Model!B1, as Excel writes it in the file
	covers  []string // the function names it exercises
	kind    coverKind
	cached  float64 // the value the application saved for B1
	// Analytic mean and standard deviation of the input (NaN: not
	// checked); for asFunction, mean is the function's value.
	mean, sd float64
	sdTol    float64           // relative tolerance of the sample sd; 0 is 0.04
	static   *float64          // the expected static value when not the cached one
	cells    map[string]string // further formulas of the workbook
	names    map[string]string // defined names: name -> refers to
	check    func(t *testing.T, det incell.Detected, res *engine.Result)
}

const coverIterations = 20000

// TestWorkbookFunctionCoverage enumerates every function an analyst's
// @RISK, ModelRisk or plain Excel workbook uses for its uncertainty and,
// for each, writes a workbook with excelize holding the function (its
// arguments literal, cell references or expressions) with a cached value,
// reads it as an upload is read (workbook.Open, incell.Detect), and checks
// that the cell is recognised (input, output, property or RiskSimtable),
// that its static value is the cached one and is what deterministic
// evaluation sees, and that a simulation's sample mean and standard
// deviation are within tolerance of the family's analytic ones.
//
// The analytic moments are computed here from textbook formulas, not by
// the engine: N. L. Johnson, S. Kotz and N. Balakrishnan, Continuous
// Univariate Distributions (2nd ed., Wiley 1994–95) and Univariate Discrete
// Distributions (3rd ed., 2005) for the normal (truncated: vol. 1 §13.10),
// lognormal, gamma, beta, Weibull, logistic, log-logistic, Pareto, Gumbel,
// t, Poisson, binomial and negative binomial families; the triangular,
// PERT (beta with α = 1 + 4(mode−min)/(max−min), variance
// (μ−min)(max−μ)/7) and piecewise-uniform and piecewise-linear densities
// by direct integration; and each vendor's parameter order as its function
// reference gives it (Palisade's @RISK function reference, Vose
// Software's ModelRisk help). The .DIST values are closed forms (the t
// with two degrees of freedom, integer-shape gamma and beta through their
// Poisson and binomial sums).
func TestWorkbookFunctionCoverage(t *testing.T) {
	nan := math.NaN()
	phi := func(z float64) float64 { return math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) }
	Phi := func(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
	choose := func(n, k float64) float64 {
		a, _ := math.Lgamma(n + 1)
		b, _ := math.Lgamma(k + 1)
		c, _ := math.Lgamma(n - k + 1)
		return math.Round(math.Exp(a - b - c))
	}
	binomPMF := func(k, n, p float64) float64 { return choose(n, k) * math.Pow(p, k) * math.Pow(1-p, n-k) }
	tri := func(a, m, b float64) (float64, float64) {
		return (a + m + b) / 3, math.Sqrt((a*a + m*m + b*b - a*m - a*b - m*b) / 18)
	}
	pertM := func(a, m, b float64) (float64, float64) {
		mu := (a + 4*m + b) / 6
		return mu, math.Sqrt((mu - a) * (b - mu) / 7)
	}
	betaM := func(a, b, lo, hi float64) (float64, float64) {
		r := hi - lo
		return lo + r*a/(a+b), r * math.Sqrt(a*b/((a+b)*(a+b)*(a+b+1)))
	}
	lnM := func(mu, sigma float64) (float64, float64) {
		m := math.Exp(mu + sigma*sigma/2)
		return m, m * math.Sqrt(math.Expm1(sigma*sigma))
	}
	weib := func(k, lambda float64) (float64, float64) { return weibullMoments(k, lambda) }
	logLogistic := func(gamma, beta, alpha float64) (float64, float64) {
		th := math.Pi / alpha
		return gamma + beta*th/math.Sin(th), beta * math.Sqrt(2*th/math.Sin(2*th)-th*th/math.Pow(math.Sin(th), 2))
	}
	pareto := func(theta, a float64) (float64, float64) {
		return theta * a / (theta - 1), a / (theta - 1) * math.Sqrt(theta/(theta-2))
	}
	// E|T| and E T² of Student's t with ν degrees of freedom.
	absT := func(nu float64) (float64, float64) {
		g1, _ := math.Lgamma((nu + 1) / 2)
		g2, _ := math.Lgamma(nu / 2)
		m := 2 * math.Sqrt(nu) * math.Exp(g1-g2) / (math.Sqrt(math.Pi) * (nu - 1))
		return m, math.Sqrt(nu/(nu-2) - m*m)
	}
	truncNormal := func(mu, sigma, lo float64) (float64, float64) {
		a := (lo - mu) / sigma
		l := phi(a) / (1 - Phi(a))
		return mu + sigma*l, sigma * math.Sqrt(1+a*l-l*l)
	}
	cumM, cumS := piecewiseUniform([]float64{0, 2, 5, 10}, []float64{0.3, 0.5, 0.2})
	histM, histS := piecewiseUniform([]float64{0, 10 / 3.0, 20 / 3.0, 10}, []float64{1, 3, 1})
	genM, genS := piecewiseLinear([]float64{0, 2, 5, 8, 10}, []float64{0, 1, 3, 0.5, 0})
	trigenM, trigenS := trigenMoments(100, 200, 300, 0.1, 0.9)
	// t with 2 degrees of freedom: F(t) = 1/2 + t/(2√(t²+2)), f(t) = (t²+2)^(−3/2).
	t2CDF := func(x float64) float64 { return 0.5 + x/(2*math.Sqrt(x*x+2)) }
	negbin := func(f, s, p float64) float64 { return choose(f+s-1, s-1) * math.Pow(p, s) * math.Pow(1-p, f) }
	poissonCDF := func(k int, l float64) float64 {
		sum, term := 0.0, math.Exp(-l)
		for i := 0; i <= k; i++ {
			sum += term
			term *= l / float64(i+1)
		}
		return sum
	}

	in := func(formula string, cached, mean, sd float64, covers ...string) coverCase {
		if len(covers) == 0 {
			name, _, _ := strings.Cut(strings.TrimPrefix(formula, "_xlfn."), "(")
			covers = []string{name}
		}
		return coverCase{formula: formula, covers: covers, cached: cached, mean: mean, sd: sd}
	}
	tol := func(c coverCase, sdTol float64) coverCase { c.sdTol = sdTol; return c }
	fn := func(formula string, want float64, covers ...string) coverCase {
		return coverCase{formula: formula, covers: covers, kind: asFunction, mean: want, sd: nan}
	}

	var cases []coverCase
	add := func(c ...coverCase) { cases = append(cases, c...) }

	// @RISK distributions; arguments literal, cell references (A1, A2, A3,
	// E1:E3, F1:F3) and expressions (A2/2, A2*2).
	m, s := lnM(1, 0.5)
	add(
		in("RiskNormal(A1,A2)", 103.5, 100, 10),
		in("RiskLognorm(10,2)", 9.5, 10, 2),
		in("RiskLognorm2(1,0.5)", 2.9, m, s),
		in("RiskUniform(A2/2,A2*2)", 12, 12.5, 15/math.Sqrt(12)),
	)
	m, s = tri(1, 2, 6)
	add(in("RiskTriang(1,2,6)", 2.5, m, s))
	add(in("RiskTrigen(100,200,300,10,90)", 201, trigenM, trigenS))
	m, s = pertM(1, 2, 9)
	add(in("RiskPert(1,2,9)", 3.1, m, s))
	m, s = betaM(2, 3, 0, 1)
	add(in("RiskBeta(2,3)", 0.41, m, s))
	m, s = betaM(2, 3, 10, 20)
	add(in("RiskBetaGeneral(2,3,10,A1/5)", 14.2, m, s))
	add(
		in("RiskGamma(2,5)", 9.5, 10, 5*math.Sqrt2),
		in("RiskExpon(4)", 3.5, 4, 4),
	)
	m, s = weib(1.5, 3)
	add(in("RiskWeibull(1.5,3)", 2.6, m, s))
	add(
		in("RiskPoisson(3.5)", 3, 3.5, math.Sqrt(3.5)),
		in("RiskBinomial(A2,A3)", 3, 3, math.Sqrt(2.1)),
		in("RiskBernoulli(0.3)", 0, 0.3, math.Sqrt(0.21)),
		in("RiskDiscrete(E1:E3,F1:F3)", 2, 2.3, math.Sqrt(0.61)),
		in("RiskDUniform({1,4,7})", 4, 4, math.Sqrt(6)),
		in("RiskIntUniform(1,6)", 3, 3.5, math.Sqrt(35/12.0)),
		in("RiskCumul(0,10,{2,5},{0.3,0.8})", 3.2, cumM, cumS),
		in("RiskHistogrm(0,10,{1,3,1})", 5.1, histM, histS),
		// ν = 6: mean 0, variance ν/(ν−2).
		tol(in("RiskStudent(6)", 0.1, 0, math.Sqrt(1.5)), 0.06),
		// α location, β scale: variance π²β²/3.
		in("RiskLogistic(10,2)", 10.3, 10, 2*math.Pi/math.Sqrt(3)),
	)
	m, s = logLogistic(1, 2, 8)
	add(tol(in("RiskLoglogistic(1,2,8)", 3.1, m, s), 0.08))
	m, s = pareto(6, 2)
	add(tol(in("RiskPareto(6,2)", 2.3, m, s), 0.1))
	add(
		// α location, β scale: mean α + γβ (γ Euler's constant), sd πβ/√6.
		in("RiskExtValue(10,2)", 11, 10+eulerGamma*2, math.Pi*2/math.Sqrt(6)),
		// failures before the s-th success: mean s(1−p)/p, variance s(1−p)/p².
		in("RiskNegbin(5,0.25)", 14, 15, math.Sqrt(60)),
		in("RiskGeneral(0,10,{2,5,8},{1,3,0.5})", 4.8, genM, genS),
	)

	// The add-in spelling a file may carry when @RISK or ModelRisk was not
	// loaded when it was saved.
	m, s = pertM(1, 2, 9)
	add(
		in("_xll.RiskNormal(A1,A2)", 99.5, 100, 10, "RiskNormal"),
		in("_xll.VosePERT(1,2,9)", 3.2, m, s, "VosePERT"),
	)

	// Arguments through defined names: a cell, an expression, a range.
	add(
		coverCase{formula: "RiskNormal(BaseMean,Spread)", covers: []string{"RiskNormal"}, cached: 101, mean: 100, sd: 20,
			names: map[string]string{"BaseMean": "Model!$A$1", "Spread": "Model!$A$2*2"}},
		coverCase{formula: "VoseDiscrete(Outcomes,Weights)", covers: []string{"VoseDiscrete"}, cached: 2, mean: 2.3, sd: math.Sqrt(0.61),
			names: map[string]string{"Outcomes": "Model!$E$1:$E$3", "Weights": "Model!$F$1:$F$3"}},
	)

	// @RISK's property functions; RiskOutput marks C1 in every case.
	m, s = truncNormal(100, 10, 90)
	add(
		coverCase{formula: `RiskNormal(100,10,RiskName("Demand"))`, covers: []string{"RiskName"}, cached: 101, mean: 100, sd: 10,
			check: func(t *testing.T, det incell.Detected, _ *engine.Result) {
				require.Equal(t, "Demand", det.Inputs[0].Name)
				model, err := det.Model()
				require.NoError(t, err)
				require.Equal(t, "Demand", model.Inputs[0].Name)
			}},
		in("RiskNormal(100,10,RiskTruncate(90,))", 104, m, s, "RiskTruncate"),
		in("RiskNormal(100,10,RiskShift(A2*5))", 151, 150, 10, "RiskShift"),
		coverCase{formula: "RiskNormal(100,10,RiskStatic(A1-10))", covers: []string{"RiskStatic"}, cached: 97, mean: 100, sd: 10, static: f(90)},
		coverCase{formula: "RiskNormal(100,10,RiskSeed(42))", covers: []string{"RiskSeed"}, cached: 98, mean: 100, sd: 10,
			check: func(t *testing.T, det incell.Detected, _ *engine.Result) {
				require.Len(t, det.Notes, 1)
				require.Contains(t, det.Notes[0].Message, "RiskSeed is ignored")
			}},
		coverCase{formula: "RiskNormal(100,10,RiskCorrmat(H1:I2,1))", covers: []string{"RiskCorrmat"}, cached: 99, mean: 100, sd: 10,
			cells: map[string]string{"B2": "RiskUniform(0,1,RiskCorrmat(H1:I2,2))", "C2": `RiskOutput("Second")+B2`},
			check: func(t *testing.T, det incell.Detected, res *engine.Result) {
				require.Len(t, det.Correlations, 1)
				require.Equal(t, 0.8, det.Correlations[0].Coefficient)
				require.InDelta(t, 0.8, spearman(res.Outputs[0].Samples, res.Outputs[1].Samples), 0.02)
			}},
		coverCase{formula: "RiskSimtable({10,20,30})", covers: []string{"RiskSimtable"}, kind: asSimtable, cached: 20, static: f(10),
			check: func(t *testing.T, det incell.Detected, _ *engine.Result) {
				require.Empty(t, det.Inputs)
				require.Len(t, det.Simtables, 1)
				require.Equal(t, []float64{10, 20, 30}, det.Simtables[0].Values)
				sc := det.Scenarios()
				require.Len(t, sc, 3)
				require.Equal(t, 30.0, sc[2].Values["Model!B1"])
			}},
	)

	// ModelRisk.
	m, s = lnM(1, 0.5)
	add(
		in("VoseNormal(A1,A2)", 97, 100, 10),
		in("VoseLognormal(10,2)", 9.8, 10, 2),
		in("VoseLognormalE(1,0.5)", 2.5, m, s),
		in("VoseUniform(2,8)", 4, 5, 6/math.Sqrt(12)),
	)
	m, s = tri(1, 2, 6)
	add(in("VoseTriangle(1,2,6)", 3, m, s))
	m, s = pertM(1, 2, 9)
	add(in("VosePERT(1,2,9)", 2.9, m, s))
	m, s = betaM(2, 3, 0, 1)
	add(in("VoseBeta(2,3)", 0.4, m, s))
	m, s = betaM(2, 3, 10, 20)
	add(in("VoseBeta4(2,3,10,20)", 13, m, s))
	add(
		in("VoseGamma(A4,A5)", 11, 10, 5*math.Sqrt2),
		in("VoseExpon(4)", 4.2, 4, 4),
	)
	m, s = weib(1.5, 3)
	add(in("VoseWeibull(1.5,3)", 2.7, m, s))
	add(
		in("VosePoisson(3.5)", 4, 3.5, math.Sqrt(3.5)),
		in("VoseBinomial(10,0.3)", 2, 3, math.Sqrt(2.1)),
		in("VoseBernoulli(0.3)", 1, 0.3, math.Sqrt(0.21)),
		in("VoseDiscrete({1,2,3},{2,3,5})", 3, 2.3, math.Sqrt(0.61)),
		in("VoseDUniform(E1:E3)", 2, 2, math.Sqrt(2/3.0)),
		in("VoseCumulA(0,10,{2,5},{0.3,0.8})", 3, cumM, cumS),
		in("VoseHistogram(0,10,{1,3,1})", 5, histM, histS),
		tol(in("VoseStudent(6)", -0.2, 0, math.Sqrt(1.5)), 0.06),
		in("VoseLogistic(10,2)", 9.1, 10, 2*math.Pi/math.Sqrt(3)),
	)
	m, s = pareto(6, 2)
	add(
		tol(in("VosePareto(6,2)", 2.2, m, s), 0.1),
		in("VoseExtValueMax(10,2)", 10.5, 10+eulerGamma*2, math.Pi*2/math.Sqrt(6)),
		in("VoseNegBin(5,0.25)", 16, 15, math.Sqrt(60)),
		in("VoseNormal(100,10,,VoseShift(5))", 104, 105, 10, "VoseShift"),
	)
	m, s = truncNormal(100, 10, 90)
	add(
		in("VoseNormal(100,10,,VoseXBounds(90,))", 101, m, s, "VoseXBounds"),
		in("VoseSimulate(VoseGammaObject(2,5))", 8, 10, 5*math.Sqrt2, "VoseSimulate", "VoseGammaObject"),
		coverCase{formula: "VoseSimulate(A6)", covers: []string{"VoseSimulate", "VoseNormalObject"}, cached: 102, mean: 100, sd: 10,
			cells: map[string]string{"A6": "VoseNormalObject(100,10)"}},
	)

	// Excel's sampling idioms, as Excel saves them (_xlfn. before the
	// functions of Excel 2010 and later).
	m, s = lnM(1, 0.5)
	mb, sb := betaM(2, 3, 10, 100)
	mt, st := absT(6)
	add(
		in("_xlfn.NORM.INV(RAND(),A1,A2)", 95, 100, 10, "NORM.INV", "RAND"),
		in("NORMINV(RAND(),100,10)", 105, 100, 10, "NORMINV"),
		in("_xlfn.NORM.S.INV(RAND())", 0.3, 0, 1, "NORM.S.INV"),
		in("NORMSINV(1-RAND())", -0.3, 0, 1, "NORMSINV"),
		in("_xlfn.LOGNORM.INV(RAND(),1,0.5)", 3, m, s, "LOGNORM.INV"),
		in("LOGINV(RAND(),1,0.5)", 2.8, m, s, "LOGINV"),
		in("_xlfn.BETA.INV(RAND(),2,3,A2,A1)", 40, mb, sb, "BETA.INV"),
		in("BETAINV(RAND(),2,3)", 0.35, 0.4, 0.2, "BETAINV"),
		in("_xlfn.GAMMA.INV(RAND(),2,5)", 9, 10, 5*math.Sqrt2, "GAMMA.INV"),
		in("GAMMAINV(RAND(),2,5)", 11, 10, 5*math.Sqrt2, "GAMMAINV"),
		tol(in("_xlfn.T.INV(RAND(),6)", 0.2, 0, math.Sqrt(1.5), "T.INV"), 0.06),
		tol(in("_xlfn.T.INV.2T(RAND(),6)", 0.9, mt, st, "T.INV.2T"), 0.06),
		tol(in("TINV(RAND(),6)", 0.7, mt, st, "TINV"), 0.06),
		// chi-squared with k degrees of freedom: mean k, variance 2k.
		in("_xlfn.CHISQ.INV(RAND(),4)", 3.5, 4, math.Sqrt(8), "CHISQ.INV"),
		in("_xlfn.CHISQ.INV.RT(RAND(),4)", 4.5, 4, math.Sqrt(8), "CHISQ.INV.RT"),
		in("CHIINV(RAND(),4)", 3.9, 4, math.Sqrt(8), "CHIINV"),
		in("_xlfn.BINOM.INV(A2,A3,RAND())", 3, 3, math.Sqrt(2.1), "BINOM.INV"),
		in("CRITBINOM(10,0.3,RAND())", 4, 3, math.Sqrt(2.1), "CRITBINOM"),
		in("-A2*LN(RAND())", 7, 10, 10, "LN"),
		in("-LN(1-RAND())*4", 3, 4, 4, "LN"),
		in("RANDBETWEEN(1,6)", 2, 3.5, math.Sqrt(35/12.0), "RANDBETWEEN"),
		in("A2+(A1-A2)*RAND()", 50, 55, 90/math.Sqrt(12), "RAND"),
	)

	// Excel's distribution functions, evaluated deterministically.
	e := math.E
	add(
		fn("_xlfn.NORM.DIST(110,A1,A2,TRUE)", Phi(1), "NORM.DIST"),
		fn("NORMDIST(110,100,10,FALSE)", phi(1)/10, "NORMDIST"),
		fn("_xlfn.NORM.S.DIST(1,TRUE)", Phi(1), "NORM.S.DIST"),
		fn("NORMSDIST(-1)", Phi(-1), "NORMSDIST"),
		fn("_xlfn.LOGNORM.DIST(2,1,0.5,TRUE)", Phi((math.Ln2-1)/0.5), "LOGNORM.DIST"),
		fn("_xlfn.LOGNORM.DIST(2,1,0.5,FALSE)", phi((math.Ln2-1)/0.5)/(2*0.5), "LOGNORM.DIST"),
		fn("LOGNORMDIST(2,1,0.5)", Phi((math.Ln2-1)/0.5), "LOGNORMDIST"),
		// I_x(2,3) = Σ_{j=2}^{4} C(4,j) x^j (1−x)^(4−j); density 12x(1−x)².
		fn("_xlfn.BETA.DIST(0.4,2,3,TRUE)", binomPMF(2, 4, 0.4)+binomPMF(3, 4, 0.4)+binomPMF(4, 4, 0.4), "BETA.DIST"),
		fn("_xlfn.BETA.DIST(0.4,2,3,FALSE)", 12*0.4*0.36, "BETA.DIST"),
		fn("BETADIST(14,2,3,10,20)", binomPMF(2, 4, 0.4)+binomPMF(3, 4, 0.4)+binomPMF(4, 4, 0.4), "BETADIST"),
		// shape 2, scale 5: F(x) = 1 − e^(−x/5)(1 + x/5), f(x) = x e^(−x/5)/25.
		fn("_xlfn.GAMMA.DIST(3,2,5,TRUE)", 1-math.Exp(-0.6)*1.6, "GAMMA.DIST"),
		fn("GAMMADIST(3,2,5,FALSE)", 3*math.Exp(-0.6)/25, "GAMMADIST"),
		fn("_xlfn.T.DIST(1,2,TRUE)", t2CDF(1), "T.DIST"),
		fn("_xlfn.T.DIST(1,2,FALSE)", math.Pow(3, -1.5), "T.DIST"),
		fn("_xlfn.T.DIST.2T(1,2)", 2*(1-t2CDF(1)), "T.DIST.2T"),
		fn("_xlfn.T.DIST.RT(1,2)", 1-t2CDF(1), "T.DIST.RT"),
		fn("TDIST(1,2,2)", 2*(1-t2CDF(1)), "TDIST"),
		fn("TDIST(1,2,1)", 1-t2CDF(1), "TDIST"),
		// k = 2: the exponential with mean 2.
		fn("_xlfn.CHISQ.DIST(3,2,TRUE)", 1-math.Exp(-1.5), "CHISQ.DIST"),
		fn("_xlfn.CHISQ.DIST(3,2,FALSE)", math.Exp(-1.5)/2, "CHISQ.DIST"),
		fn("_xlfn.CHISQ.DIST.RT(3,2)", math.Exp(-1.5), "CHISQ.DIST.RT"),
		fn("CHIDIST(3,2)", math.Exp(-1.5), "CHIDIST"),
		fn("_xlfn.BINOM.DIST(3,A2,A3,FALSE)", binomPMF(3, 10, 0.3), "BINOM.DIST"),
		fn("BINOMDIST(3,10,0.3,TRUE)", binomPMF(0, 10, 0.3)+binomPMF(1, 10, 0.3)+binomPMF(2, 10, 0.3)+binomPMF(3, 10, 0.3), "BINOMDIST"),
		fn("_xlfn.EXPON.DIST(2,0.5,TRUE)", 1-1/e, "EXPON.DIST"),
		fn("EXPONDIST(2,0.5,FALSE)", 0.5/e, "EXPONDIST"),
		fn("_xlfn.WEIBULL.DIST(2,1.5,3,TRUE)", 1-math.Exp(-math.Pow(2/3.0, 1.5)), "WEIBULL.DIST"),
		fn("WEIBULL(2,1.5,3,FALSE)", 0.5*math.Sqrt(2/3.0)*math.Exp(-math.Pow(2/3.0, 1.5)), "WEIBULL"),
		fn("_xlfn.POISSON.DIST(2,3.5,TRUE)", poissonCDF(2, 3.5), "POISSON.DIST"),
		fn("POISSON(2,3.5,FALSE)", math.Exp(-3.5)*3.5*3.5/2, "POISSON"),
		fn("_xlfn.NEGBINOM.DIST(2,5,0.25,FALSE)", negbin(2, 5, 0.25), "NEGBINOM.DIST"),
		fn("_xlfn.NEGBINOM.DIST(2,5,0.25,TRUE)", negbin(0, 5, 0.25)+negbin(1, 5, 0.25)+negbin(2, 5, 0.25), "NEGBINOM.DIST"),
		fn("NEGBINOMDIST(2,5,0.25)", negbin(2, 5, 0.25), "NEGBINOMDIST"),
	)

	passed := map[string]bool{}
	for _, tc := range cases {
		ok := t.Run(tc.formula, func(t *testing.T) {
			runCoverCase(t, tc)
		})
		covers := tc.covers
		if tc.kind != asFunction {
			// C1 marks the output: RiskOutput("Out"), VoseOutput("Out") in a ModelRisk case.
			covers = append(slices.Clone(covers), "RiskOutput")
			if strings.HasPrefix(tc.formula, "Vose") {
				covers[len(covers)-1] = "VoseOutput"
			}
		}
		for _, name := range covers {
			passed[strings.ToUpper(name)] = passed[strings.ToUpper(name)] || ok
		}
	}
	var all []string
	for _, list := range [][]string{riskDistributions, riskProperties, voseFunctions, excelInverses, excelDistributions} {
		all = append(all, list...)
	}
	for _, name := range all {
		require.Truef(t, passed[strings.ToUpper(name)], "%s: no passing case", name)
	}
	// Every distribution function the engine reads is in the lists above.
	for _, name := range incell.FamilyNames() {
		require.Truef(t, slices.ContainsFunc(all, func(s string) bool { return strings.EqualFold(s, name) }), "%s is not enumerated", name)
	}
}

func runCoverCase(t *testing.T, tc coverCase) {
	marker := "RiskOutput"
	if strings.HasPrefix(tc.formula, "Vose") {
		marker = "VoseOutput"
	}
	formulas := map[string]string{"B1": tc.formula}
	if tc.kind != asFunction {
		formulas["C1"] = marker + `("Out")+B1`
	}
	for c, fx := range tc.cells {
		formulas[c] = fx
	}
	wb := workbookWithCache(t, coverConstants, formulas, tc.names, map[string]float64{"B1": tc.cached})
	b1 := ref("B1")
	for _, name := range tc.covers {
		u := strings.ToUpper(name)
		if strings.HasPrefix(u, "RISK") || strings.HasPrefix(u, "VOSE") {
			require.Truef(t, incell.Recognised(u), "%s is not recognised", name)
		} else {
			require.Truef(t, formula.Supported(u), "%s is not implemented", name)
		}
	}
	det, err := incell.Detect(wb)
	require.NoError(t, err)
	require.Empty(t, det.Problems)

	if tc.kind == asFunction {
		require.Empty(t, det.Inputs, "a distribution function is not an input")
		ev, err := formula.EvaluateWorkbook(det.Workbook)
		require.NoError(t, err)
		for _, c := range ev.Cells {
			if c.Cell == b1 {
				require.Equal(t, formula.Evaluated, c.Status, "%v", c.Err)
				require.Equal(t, formula.KindNumber, c.Value.Kind, "%v", c.Value)
				require.InDelta(t, tc.mean, c.Value.Num, 1e-9*math.Max(1, math.Abs(tc.mean)))
				return
			}
		}
		t.Fatal("B1 was not evaluated")
	}

	require.Equal(t, []incell.Output{{Cell: ref("C1"), Name: "Out"}}, det.Outputs[:1])
	static := tc.cached
	if tc.static != nil {
		static = *tc.static
	}
	if tc.kind == asInput {
		require.Equal(t, b1, det.Inputs[0].Cell)
		require.Equal(t, static, det.Inputs[0].Static, "the static value")
	}
	// Deterministic evaluation sees the static value.
	ev, err := formula.EvaluateWorkbook(det.Workbook)
	require.NoError(t, err)
	seen := false
	for _, c := range ev.Cells {
		if c.Cell == ref("C1") {
			seen = true
			require.Equal(t, formula.NumberValue(static), c.Value)
		}
	}
	require.True(t, seen, "C1 evaluated")

	var res *engine.Result
	if tc.kind == asInput {
		model, err := det.Model()
		require.NoError(t, err)
		res, err = engine.Simulate(context.Background(), model, engine.Options{
			Iterations: coverIterations, Seed: 20261207, Sampling: sample.MonteCarlo, KeepSamples: len(det.Outputs) > 1,
		})
		require.NoError(t, err)
		out := res.Outputs[0]
		require.Empty(t, out.Errors)
		require.InDelta(t, tc.mean, out.Summary.Mean, 5*tc.sd/math.Sqrt(coverIterations), "mean")
		sdTol := tc.sdTol
		if sdTol == 0 {
			sdTol = 0.04
		}
		require.InDelta(t, tc.sd, out.Summary.StdDev, sdTol*tc.sd, "standard deviation")
	}
	if tc.check != nil {
		tc.check(t, det, res)
	}
}

// workbookWithCache writes one sheet "Model" with excelize and gives the
// formulas of cached the numeric value an application would have saved
// (excelize saves a formula's value as text).
func workbookWithCache(t *testing.T, values map[string]any, formulas, names map[string]string, cached map[string]float64) *workbook.Workbook {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	require.NoError(t, x.SetSheetName("Sheet1", "Model"))
	for c, v := range values {
		require.NoError(t, x.SetCellValue("Model", c, v))
	}
	for c, fx := range formulas {
		require.NoError(t, x.SetCellFormula("Model", c, fx))
	}
	for name, to := range names {
		require.NoError(t, x.SetDefinedName(&excelize.DefinedName{Name: name, RefersTo: to}))
	}
	var buf bytes.Buffer
	require.NoError(t, x.Write(&buf))
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		if zf.Name == "xl/worksheets/sheet1.xml" {
			s := string(b)
			for cell, v := range cached {
				re := regexp.MustCompile(`<c r="` + cell + `"[^>]*>(<f>[^<]*</f>)(<v>[^<]*</v>)?</c>`)
				require.Len(t, re.FindAllString(s, -1), 1, cell)
				s = re.ReplaceAllString(s, `<c r="`+cell+`">${1}<v>`+strconv.FormatFloat(v, 'g', -1, 64)+`</v></c>`)
			}
			b = []byte(s)
		}
		w, err := zw.Create(zf.Name)
		require.NoError(t, err)
		_, err = w.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	wb, err := workbook.Open(bytes.NewReader(out.Bytes()), int64(out.Len()), workbook.Limits{})
	require.NoError(t, err)
	return wb
}

// piecewiseLinear gives the mean and standard deviation of the density
// through the points (x[i], d[i]), linear between them (RiskGeneral),
// integrating each segment with Simpson's rule, exact for the polynomials
// of degree 3 at most that x·f and x²·f are there.
func piecewiseLinear(x, d []float64) (mean, sd float64) {
	var m0, m1, m2 float64
	for i := 0; i+1 < len(x); i++ {
		a, b := x[i], x[i+1]
		h, c := b-a, (a+b)/2
		fa, fb, fc := d[i], d[i+1], (d[i]+d[i+1])/2
		m0 += h / 6 * (fa + 4*fc + fb)
		m1 += h / 6 * (a*fa + 4*c*fc + b*fb)
		m2 += h / 6 * (a*a*fa + 4*c*c*fc + b*b*fb)
	}
	m1, m2 = m1/m0, m2/m0
	return m1, math.Sqrt(m2 - m1*m1)
}

// trigenMoments solves for the triangle (min a, max c) whose bottom and top
// values sit at the given percentiles (fractions) and gives its mean and
// standard deviation: F(bottom) = (bottom−a)²/((c−a)(mode−a)) and
// 1 − F(top) = (c−top)²/((c−a)(c−mode)), by nested bisection.
func trigenMoments(bottom, mode, top, pb, pt float64) (mean, sd float64) {
	bisect := func(lo, hi float64, g func(float64) float64) float64 {
		glo := g(lo)
		for range 200 {
			mid := (lo + hi) / 2
			if gm := g(mid); (gm < 0) == (glo < 0) {
				lo, glo = mid, gm
			} else {
				hi = mid
			}
		}
		return (lo + hi) / 2
	}
	span := top - bottom
	maxFor := func(a float64) float64 {
		return bisect(top, top+100*span, func(c float64) float64 { return (c-top)*(c-top)/((c-a)*(c-mode)) - (1 - pt) })
	}
	a := bisect(bottom-100*span, bottom, func(a float64) float64 {
		c := maxFor(a)
		return (bottom-a)*(bottom-a)/((c-a)*(mode-a)) - pb
	})
	c := maxFor(a)
	return (a + mode + c) / 3, math.Sqrt((a*a + mode*mode + c*c - a*mode - a*c - mode*c) / 18)
}
