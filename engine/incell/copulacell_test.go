package incell_test

import (
	"cmp"
	"context"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/incell"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/workbook"
)

// TestCDFFormulaGivesBackTheUniform evaluates the CDF formula of each
// continuous family at the value the engine draws from a uniform u: it
// must give u back, which is what a copula cell holds in ModelRisk.
func TestCDFFormulaGivesBackTheUniform(t *testing.T) {
	tests := []struct {
		name string
		spec dist.Spec
	}{
		{"Normal", dist.Spec{Type: dist.Normal, Mean: f(100), StdDev: f(10)}},
		{"LognormalMeanSD", dist.Spec{Type: dist.LogNormal, Mean: f(50), StdDev: f(5)}},
		{"LognormalMuSigma", dist.Spec{Type: dist.LogNormal, Mu: f(1), Sigma: f(0.4)}},
		{"Uniform", dist.Spec{Type: dist.Uniform, Min: f(-2), Max: f(8)}},
		{"Triangular", dist.Spec{Type: dist.Triangular, Min: f(5), Mode: f(8), Max: f(12)}},
		{"TriangularModeAtMin", dist.Spec{Type: dist.Triangular, Min: f(5), Mode: f(5), Max: f(12)}},
		{"TriangularModeAtMax", dist.Spec{Type: dist.Triangular, Min: f(5), Mode: f(12), Max: f(12)}},
		{"Trigen", dist.Spec{Type: dist.Trigen, Bottom: f(5), Mode: f(8), Top: f(12), BottomPercentile: f(10), TopPercentile: f(90)}},
		{"PERT", dist.Spec{Type: dist.PERT, Min: f(1), Mode: f(2), Max: f(9)}},
		{"Beta", dist.Spec{Type: dist.Beta, Alpha: f(2), Beta: f(3), Min: f(10), Max: f(20)}},
		{"Gamma", dist.Spec{Type: dist.Gamma, Shape: f(2), Scale: f(5)}},
		{"Exponential", dist.Spec{Type: dist.Exponential, Rate: f(0.25)}},
		{"Weibull", dist.Spec{Type: dist.Weibull, Shape: f(1.5), Scale: f(3)}},
		{"Logistic", dist.Spec{Type: dist.Logistic, Alpha: f(10), Beta: f(2)}},
		{"ExtremeValue", dist.Spec{Type: dist.ExtremeValue, Alpha: f(10), Beta: f(2)}},
		{"Pareto", dist.Spec{Type: dist.Pareto, Shape: f(3), Min: f(2)}},
		{"LogLogistic", dist.Spec{Type: dist.LogLogistic, Min: f(1), Beta: f(2), Alpha: f(3)}},
		{"Student", dist.Spec{Type: dist.Student, Nu: f(5)}},
		{"Shifted", dist.Spec{Type: dist.Gamma, Shape: f(2), Scale: f(5), Shift: f(-3)}},
		{"Truncated", dist.Spec{Type: dist.LogNormal, Mean: f(50), StdDev: f(5), TruncateMin: f(40), TruncateMax: f(60)}},
		{"TruncatedBelow", dist.Spec{Type: dist.Normal, Mean: f(0), StdDev: f(1), TruncateMin: f(-0.5)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := dist.New("x", tt.spec)
			require.NoError(t, err)
			src, err := incell.CDFFormula(tt.spec, "A1")
			require.NoError(t, err)
			ast, err := formula.Parse(src)
			require.NoError(t, err, src)
			for _, u := range []float64{0.001, 0.05, 0.3, 0.5, 0.77, 0.95, 0.999} {
				sh := &workbook.Sheet{Name: "Model", Cells: []workbook.Cell{{Row: 1, Col: 1, Value: workbook.Value{Kind: workbook.Number, Num: d.Quantile(u)}}}}
				v, err := formula.NewCalculator(workbook.New([]*workbook.Sheet{sh}, nil)).Values("Model", ast)
				require.NoError(t, err)
				require.Len(t, v, 1)
				require.Equal(t, formula.KindNumber, v[0].Kind, "%s at u=%g: %v", src, u, v[0])
				require.InDelta(t, u, v[0].Num, 1e-9, "%s at u=%g", src, u)
			}
		})
	}
	_, err := incell.CDFFormula(dist.Spec{Type: dist.Poisson, Lambda: f(3)}, "A1")
	require.ErrorContains(t, err, "discrete")
}

// TestCopulaCellReadByFormulas: a formula reading a copula cell sees the
// uniform of that iteration. The cell a distribution takes holds F(X) of
// that distribution's value; a cell no distribution takes is an input,
// Uniform(0, 1), correlated with the rest of the copula.
func TestCopulaCellReadByFormulas(t *testing.T) {
	wb := buildWith(t, matrix3(0.8, 0.5, 0.3), map[string]string{
		"B1": "VoseNormal(100,10,A7)",
		"B2": "VoseGamma(2,5,B7)",
		"D1": "VoseOutput()+A7",
		"D2": "VoseOutput()+B1",
		"D3": "VoseOutput()+C7",
		"D4": "VoseOutput()+B2",
	}, func(x *excelize.File) { arrayFormula(t, x, "A7:C7", "VoseCopulaMultiNormal(F1:H3)") })
	det, err := incell.Detect(wb)
	require.NoError(t, err)
	require.Empty(t, det.Problems)
	require.Len(t, det.Inputs, 3)
	require.Equal(t, ref("C7"), det.Inputs[2].Cell)
	require.Equal(t, dist.Uniform, det.Inputs[2].Spec.Type)
	sh, _ := det.Workbook.Sheet("Model")
	a7, ok := sh.Cell(7, 1)
	require.True(t, ok)
	require.Equal(t, "NORM.DIST(B1,100,10,TRUE)", a7.Formula)
	require.Empty(t, a7.ArrayRef)
	b7, ok := sh.Cell(7, 2)
	require.True(t, ok)
	require.Empty(t, b7.Formula, "B7 is read by no formula: it stays a constant")
	require.Empty(t, sh.Arrays)
	require.ElementsMatch(t, []pair{
		{"Model!B1", "Model!B2", 6 / math.Pi * math.Asin(0.8/2)},
		{"Model!B1", "Model!C7", 6 / math.Pi * math.Asin(0.5/2)},
		{"Model!B2", "Model!C7", 6 / math.Pi * math.Asin(0.3/2)},
	}, pairsOf(det.Correlations))

	m, err := det.Model()
	require.NoError(t, err)
	res, err := engine.Simulate(context.Background(), m, engine.Options{Iterations: 5000, Seed: 3, KeepSamples: true})
	require.NoError(t, err)
	normal, err := dist.New("x", dist.Spec{Type: dist.Normal, Mean: f(100), StdDev: f(10)})
	require.NoError(t, err)
	u, x, c := res.Outputs[0].Samples, res.Outputs[1].Samples, res.Outputs[2].Samples
	for k := range u {
		require.InDelta(t, normal.CDF(x[k]), u[k], 1e-12)
		require.True(t, c[k] > 0 && c[k] < 1)
	}
	// The uniform C7 is correlated with B1 as the copula says.
	require.InDelta(t, 6/math.Pi*math.Asin(0.5/2), spearman(x, c), 0.05)
}

// TestCopulaCellReadRefusesDiscrete: a discrete distribution's value does
// not give its uniform back.
func TestCopulaCellReadRefusesDiscrete(t *testing.T) {
	wb := buildWith(t, nil, map[string]string{
		"B1": "VosePoisson(3,A7)",
		"B2": "VoseNormal(0,1,B7)",
		"D1": "VoseOutput()+A7+B1+B2",
	}, func(x *excelize.File) { arrayFormula(t, x, "A7:B7", "VoseCopulaBiNormal(0.5)") })
	det, err := incell.Detect(wb)
	require.NoError(t, err)
	require.Len(t, det.Problems, 1, "%v", det.Problems)
	require.Equal(t, ref("B1"), det.Problems[0].Cell)
	require.Contains(t, det.Problems[0].Message, "other formulas read its U cell Model!A7")
}

// spearman is the rank correlation of x and y (no ties).
func spearman(x, y []float64) float64 {
	rank := func(v []float64) []float64 {
		idx := make([]int, len(v))
		for i := range idx {
			idx[i] = i
		}
		sortByValue(idx, v)
		r := make([]float64, len(v))
		for k, i := range idx {
			r[i] = float64(k)
		}
		return r
	}
	rx, ry := rank(x), rank(y)
	var mx, my float64
	for i := range rx {
		mx += rx[i]
		my += ry[i]
	}
	mx /= float64(len(rx))
	my /= float64(len(ry))
	var sxy, sxx, syy float64
	for i := range rx {
		sxy += (rx[i] - mx) * (ry[i] - my)
		sxx += (rx[i] - mx) * (rx[i] - mx)
		syy += (ry[i] - my) * (ry[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func sortByValue(idx []int, v []float64) {
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(v[a], v[b]) })
}

// TestDetectNonGaussianCopulas: ModelRisk's t and bivariate Archimedean
// copulas become engine copulas of the inputs that take their cells as U,
// and a simulation reaches their Kendall's τ; what the engine cannot
// impose is refused, naming why.
func TestDetectNonGaussianCopulas(t *testing.T) {
	// tauTolerance is about four standard errors of τ at 3,000 pairs.
	const tauTolerance = 0.03
	tests := []struct {
		name, copula string
		want         incell.Copula
		tau          float64
		refused      string
	}{
		{name: "BiT", copula: "VoseCopulaBiT(3,0.5)", want: incell.Copula{Family: sample.StudentT, DegreesOfFreedom: 3, Correlation: [][]float64{{1, 0.5}, {0.5, 1}}}, tau: 2 / math.Pi * math.Asin(0.5)},
		{name: "MultiT", copula: "VoseCopulaMultiT(4,F1:G2)", want: incell.Copula{Family: sample.StudentT, DegreesOfFreedom: 4, Correlation: [][]float64{{1, 0.5}, {0.5, 1}}}, tau: 2 / math.Pi * math.Asin(0.5)},
		{name: "BiClayton", copula: "VoseCopulaBiClayton(3)", want: incell.Copula{Family: sample.Clayton, Parameter: 3}, tau: 3.0 / 5},
		{name: "BiGumbel", copula: "VoseCopulaBiGumbel(2)", want: incell.Copula{Family: sample.Gumbel, Parameter: 2}, tau: 0.5},
		{name: "BiFrank", copula: "VoseCopulaBiFrank(-10,)", want: incell.Copula{Family: sample.Frank, Parameter: -10}, tau: -0.6658},
		{name: "Direction", copula: "VoseCopulaBiGumbel(2,1)", refused: "a direction, which rotates the copula, is not supported"},
		{name: "BadAlpha", copula: "VoseCopulaBiClayton(-1)", refused: "Clayton's must be positive"},
		{name: "BadDegrees", copula: "VoseCopulaMultiT(0,F1:G2)", refused: "degrees of freedom; they must be positive"},
		{name: "MultiClayton", copula: "VoseCopulaMultiClayton(3)", refused: "two variables only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wb := buildWith(t, map[string]any{"F1": 1.0, "G1": 0.5, "F2": 0.5, "G2": 1.0}, map[string]string{
				"B1": "VoseNormal(0,1,A7)", "B2": "VoseLogistic(0,1,B7)", "C1": "VoseOutput()+B1", "C2": "VoseOutput()+B2",
			}, func(x *excelize.File) { arrayFormula(t, x, "A7:B7", tt.copula) })
			det, err := incell.Detect(wb)
			require.NoError(t, err)
			if tt.refused != "" {
				require.NotEmpty(t, det.Problems)
				require.Contains(t, det.Problems[0].String(), "Model!A7")
				require.Contains(t, det.Problems[0].String(), tt.refused)
				_, err = det.Model()
				require.Error(t, err)
				return
			}
			require.Empty(t, det.Problems)
			require.Empty(t, det.Correlations)
			require.Len(t, det.Copulas, 1)
			got := det.Copulas[0]
			require.Equal(t, []formula.CellRef{ref("B1"), ref("B2")}, got.Cells)
			got.Cells, got.Matrix = nil, ""
			require.Equal(t, tt.want, got)
			m, err := det.Model()
			require.NoError(t, err)
			res, err := engine.Simulate(context.Background(), m, engine.Options{Iterations: 3000, Seed: 9, KeepSamples: true})
			require.NoError(t, err)
			require.InDelta(t, tt.tau, kendallTau(res.Outputs[0].Samples, res.Outputs[1].Samples), tauTolerance)
		})
	}
	det, err := incell.Detect(build(t, nil, map[string]string{"B1": "RiskNormal(0,1,RiskCopula(F1:G2,1))", "C1": "RiskOutput()+B1"}))
	require.NoError(t, err)
	require.Len(t, det.Problems, 1)
	require.Contains(t, det.Problems[0].Message, "RiskCopula in RiskNormal is not supported: @RISK documents no format")
}

// TestCopulaCellReadThroughNamesAndRanges: reads through a defined name
// or a range make a copula cell live too.
func TestCopulaCellReadThroughNamesAndRanges(t *testing.T) {
	wb := buildWith(t, nil, map[string]string{
		"B1": "VoseNormal(0,1,A7)",
		"B2": "VoseLogistic(0,1,B7)",
		"C1": "VoseOutput()+SUM(A6:A7)",
		"C2": "VoseOutput()+SecondU",
	}, func(x *excelize.File) {
		arrayFormula(t, x, "A7:B7", "VoseCopulaBiNormal(0.5)")
		require.NoError(t, x.SetDefinedName(&excelize.DefinedName{Name: "SecondU", RefersTo: "Model!$B$7"}))
	})
	det, err := incell.Detect(wb)
	require.NoError(t, err)
	require.Empty(t, det.Problems)
	sh, _ := det.Workbook.Sheet("Model")
	a7, _ := sh.Cell(7, 1)
	b7, _ := sh.Cell(7, 2)
	require.Equal(t, "NORM.DIST(B1,0,1,TRUE)", a7.Formula)
	require.Equal(t, "1/(1+EXP(-((B2-0)/1)))", b7.Formula)
}

// kendallTau is Kendall's τ-a of paired samples, by counting pairs.
func kendallTau(x, y []float64) float64 {
	var s float64
	for i := range x {
		for j := range i {
			d := (x[i] - x[j]) * (y[i] - y[j])
			switch {
			case d > 0:
				s++
			case d < 0:
				s--
			}
		}
	}
	n := float64(len(x))
	return s / (n * (n - 1) / 2)
}
