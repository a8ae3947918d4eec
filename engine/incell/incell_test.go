package incell_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/incell"
	"github.com/simgraph/simgraph/engine/workbook"
)

// build writes one sheet "Model" with excelize, as a user's file arrives:
// values are constants (numbers or text), formulas have no cached value.
func build(t *testing.T, values map[string]any, formulas map[string]string) *workbook.Workbook {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	require.NoError(t, x.SetSheetName("Sheet1", "Model"))
	for c, v := range values {
		require.NoError(t, x.SetCellValue("Model", c, v))
	}
	for c, fm := range formulas {
		require.NoError(t, x.SetCellFormula("Model", c, fm))
	}
	buf, err := x.WriteToBuffer()
	require.NoError(t, err)
	wb, err := workbook.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), workbook.Limits{})
	require.NoError(t, err)
	return wb
}

func f(x float64) *float64 { return &x }
func n(x int) *int         { return &x }

func ref(cell string) formula.CellRef {
	r, err := formula.ParseCellRef("Model!" + cell)
	if err != nil {
		panic(err)
	}
	return r
}

// constants the formulas under test refer to.
var constants = map[string]any{"A1": 100.0, "A2": 10.0, "A3": 0.25, "A4": 3.0, "A5": "Revenue",
	"E1": 1.0, "E2": 2.0, "E3": 3.0, "F1": 0.2, "F2": 0.3, "F3": 0.5}

func TestDetectFamilies(t *testing.T) {
	tests := []struct {
		formula string
		want    dist.Spec
	}{
		{"RiskNormal(100,10)", dist.Spec{Type: dist.Normal, Mean: f(100), StdDev: f(10)}},
		{"RiskLognorm(10,2)", dist.Spec{Type: dist.LogNormal, Mean: f(10), StdDev: f(2)}},
		{"RiskLognorm2(1,0.5)", dist.Spec{Type: dist.LogNormal, Mu: f(1), Sigma: f(0.5)}},
		{"RiskUniform(0,10)", dist.Spec{Type: dist.Uniform, Min: f(0), Max: f(10)}},
		{"RiskTriang(1,2,4)", dist.Spec{Type: dist.Triangular, Min: f(1), Mode: f(2), Max: f(4)}},
		{"RiskTrigen(1,2,4,10,90)", dist.Spec{Type: dist.Trigen, Bottom: f(1), Mode: f(2), Top: f(4), BottomPercentile: f(10), TopPercentile: f(90)}},
		{"RiskPert(1,2,4)", dist.Spec{Type: dist.PERT, Min: f(1), Mode: f(2), Max: f(4)}},
		{"RiskBeta(2,3)", dist.Spec{Type: dist.Beta, Alpha: f(2), Beta: f(3)}},
		{"RiskBetaGeneral(2,3,10,20)", dist.Spec{Type: dist.Beta, Alpha: f(2), Beta: f(3), Min: f(10), Max: f(20)}},
		{"RiskGamma(2,5)", dist.Spec{Type: dist.Gamma, Shape: f(2), Scale: f(5)}},
		{"RiskExpon(4)", dist.Spec{Type: dist.Exponential, Rate: f(0.25)}},
		{"RiskWeibull(1.5,3)", dist.Spec{Type: dist.Weibull, Shape: f(1.5), Scale: f(3)}},
		{"RiskPoisson(3)", dist.Spec{Type: dist.Poisson, Lambda: f(3)}},
		{"RiskBinomial(10,0.3)", dist.Spec{Type: dist.Binomial, N: n(10), P: f(0.3)}},
		{"RiskBernoulli(0.3)", dist.Spec{Type: dist.Bernoulli, P: f(0.3)}},
		{"RiskDiscrete({1,2,3},{2,3,5})", dist.Spec{Type: dist.Discrete, Values: []float64{1, 2, 3}, Probabilities: []float64{0.2, 0.3, 0.5}}},
		{"RiskDiscrete(E1:E3,F1:F3)", dist.Spec{Type: dist.Discrete, Values: []float64{1, 2, 3}, Probabilities: []float64{0.2, 0.3, 0.5}}},
		{"RiskDUniform({1,5,9})", dist.Spec{Type: dist.DiscreteUniform, Values: []float64{1, 5, 9}}},
		{"RiskIntUniform(1,6)", dist.Spec{Type: dist.IntegerUniform, Min: f(1), Max: f(6)}},
		{"RiskCumul(0,10,{2,5},{0.3,0.8})", dist.Spec{Type: dist.Cumulative, Min: f(0), Max: f(10), Values: []float64{2, 5}, Probabilities: []float64{0.3, 0.8}}},
		{"RiskHistogrm(0,10,{1,2,1})", dist.Spec{Type: dist.Histogram, Min: f(0), Max: f(10), Probabilities: []float64{1, 2, 1}}},
		{"RiskStudent(5)", dist.Spec{Type: dist.Student, Nu: f(5)}},
		{"RiskLogistic(1,2)", dist.Spec{Type: dist.Logistic, Alpha: f(1), Beta: f(2)}},
		{"RiskLoglogistic(-1,3,4)", dist.Spec{Type: dist.LogLogistic, Min: f(-1), Beta: f(3), Alpha: f(4)}},
		{"RiskPareto(2,1)", dist.Spec{Type: dist.Pareto, Shape: f(2), Min: f(1)}},
		{"RiskExtValue(1,2)", dist.Spec{Type: dist.ExtremeValue, Alpha: f(1), Beta: f(2)}},
		{"RiskNegbin(3,0.4)", dist.Spec{Type: dist.NegativeBinomial, N: n(3), P: f(0.4)}},
		{"RiskGeneral(0,10,{2,5,8},{1,3,1})", dist.Spec{Type: dist.General, Min: f(0), Max: f(10), Values: []float64{2, 5, 8}, Probabilities: []float64{1, 3, 1}}},
		{"_xll.RiskNormal(1,2)", dist.Spec{Type: dist.Normal, Mean: f(1), StdDev: f(2)}},
		{"+RiskNormal(1,2)", dist.Spec{Type: dist.Normal, Mean: f(1), StdDev: f(2)}},
		// references and expressions over constant cells
		{"RiskNormal(A1,A2*2)", dist.Spec{Type: dist.Normal, Mean: f(100), StdDev: f(20)}},
		{"RiskNormal(C1+1,SQRT(A2*10))", dist.Spec{Type: dist.Normal, Mean: f(31), StdDev: f(10)}},
		{"RiskBinomial(A4,A3)", dist.Spec{Type: dist.Binomial, N: n(3), P: f(0.25)}},
		// properties
		{`RiskNormal(0,1,RiskName("Demand"))`, dist.Spec{Type: dist.Normal, Mean: f(0), StdDev: f(1)}},
		{"RiskNormal(0,1,RiskTruncate(-1,2))", dist.Spec{Type: dist.Normal, Mean: f(0), StdDev: f(1), TruncateMin: f(-1), TruncateMax: f(2)}},
		{"RiskNormal(0,1,RiskTruncate(,2))", dist.Spec{Type: dist.Normal, Mean: f(0), StdDev: f(1), TruncateMax: f(2)}},
		{"RiskTriang(0,1,2,RiskShift(10),RiskTruncate(0.5,))", dist.Spec{Type: dist.Triangular, Min: f(10), Mode: f(11), Max: f(12), TruncateMin: f(10.5)}},
		{"RiskTriang(0,1,2,RiskShift(10),RiskTruncate2(10.5,))", dist.Spec{Type: dist.Triangular, Min: f(10), Mode: f(11), Max: f(12), TruncateMin: f(10.5)}},
		{"RiskBeta(2,3,RiskShift(5))", dist.Spec{Type: dist.Beta, Alpha: f(2), Beta: f(3), Min: f(5), Max: f(6)}},
		{`RiskNormal(0,1,RiskUnits("$"))`, dist.Spec{Type: dist.Normal, Mean: f(0), StdDev: f(1)}},
		{"RiskUniform(0,10,RiskTruncateP(0.1,0.9))", dist.Spec{Type: dist.Uniform, Min: f(0), Max: f(10), TruncateMin: f(1), TruncateMax: f(9)}},
		{"RiskUniform(0,10,RiskTruncateP(,0.5))", dist.Spec{Type: dist.Uniform, Min: f(0), Max: f(10), TruncateMax: f(5)}},
		{"RiskUniform(0,10,RiskShift(10),RiskTruncateP(0.5,1))", dist.Spec{Type: dist.Uniform, Min: f(10), Max: f(20), TruncateMin: f(15)}},
		{"RiskUniform(0,10,RiskTruncateP(0.1,),RiskTruncate(2,))", dist.Spec{Type: dist.Uniform, Min: f(0), Max: f(10), TruncateMin: f(2)}},
		// ModelRisk
		{"VoseNormal(5,2)", dist.Spec{Type: dist.Normal, Mean: f(5), StdDev: f(2)}},
		{"VoseLognormal(10,2)", dist.Spec{Type: dist.LogNormal, Mean: f(10), StdDev: f(2)}},
		{"VoseUniform(0,1)", dist.Spec{Type: dist.Uniform, Min: f(0), Max: f(1)}},
		{"VoseTriangle(1,2,4)", dist.Spec{Type: dist.Triangular, Min: f(1), Mode: f(2), Max: f(4)}},
		{"VosePERT(1,2,4)", dist.Spec{Type: dist.PERT, Min: f(1), Mode: f(2), Max: f(4)}},
		{"VoseBeta(2,3)", dist.Spec{Type: dist.Beta, Alpha: f(2), Beta: f(3)}},
		{"VoseGamma(2,5)", dist.Spec{Type: dist.Gamma, Shape: f(2), Scale: f(5)}},
		{"VoseExpon(2)", dist.Spec{Type: dist.Exponential, Rate: f(0.5)}},
		{"VoseWeibull(2,3)", dist.Spec{Type: dist.Weibull, Shape: f(2), Scale: f(3)}},
		{"VosePoisson(4)", dist.Spec{Type: dist.Poisson, Lambda: f(4)}},
		{"VoseBinomial(5,0.5)", dist.Spec{Type: dist.Binomial, N: n(5), P: f(0.5)}},
		{"VoseBernoulli(0.1)", dist.Spec{Type: dist.Bernoulli, P: f(0.1)}},
		{"VoseDiscrete({1,2},{1,3})", dist.Spec{Type: dist.Discrete, Values: []float64{1, 2}, Probabilities: []float64{0.25, 0.75}}},
		{"VoseStudent(3)", dist.Spec{Type: dist.Student, Nu: f(3)}},
		{"VoseLogistic(0,1)", dist.Spec{Type: dist.Logistic, Alpha: f(0), Beta: f(1)}},
		{"VosePareto(3,2)", dist.Spec{Type: dist.Pareto, Shape: f(3), Min: f(2)}},
		{"VoseNormal(0,1,,VoseXBounds(-1,1))", dist.Spec{Type: dist.Normal, Mean: f(0), StdDev: f(1), TruncateMin: f(-1), TruncateMax: f(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.formula, func(t *testing.T) {
			wb := build(t, constants, map[string]string{"B1": tt.formula, "C1": "A2*3"})
			det, err := incell.Detect(wb)
			require.NoError(t, err)
			require.Empty(t, det.Problems)
			require.Len(t, det.Inputs, 1)
			in := det.Inputs[0]
			require.Equal(t, ref("B1"), in.Cell)
			require.Equal(t, tt.want, in.Spec)
			_, err = dist.New("x", in.Spec)
			require.NoError(t, err)
			// without a cached value the static value is the mean
			d, _ := dist.New("x", in.Spec)
			if m := d.Mean(); !math.IsInf(m, 0) && !math.IsNaN(m) {
				require.InDelta(t, m, in.Static, 1e-9)
			}
			if strings.Contains(tt.formula, "RiskName") {
				require.Equal(t, "Demand", in.Name)
			}
			if !strings.HasPrefix(tt.formula, "_xll") {
				require.Equal(t, strings.TrimPrefix(tt.formula[:strings.IndexByte(tt.formula, '(')], "+"), in.Function)
			}
		})
	}
}

func TestDetectStaticValue(t *testing.T) {
	wb := build(t, nil, map[string]string{"B1": "RiskNormal(100,10,RiskStatic(90))", "B2": "RiskUniform(0,10)", "B3": "RiskOutput()+B1+B2"})
	det, err := incell.Detect(wb)
	require.NoError(t, err)
	require.Empty(t, det.Problems)
	require.Equal(t, 90.0, det.Inputs[0].Static)
	require.Equal(t, 5.0, det.Inputs[1].Static)
	ev, err := formula.EvaluateWorkbook(det.Workbook)
	require.NoError(t, err)
	require.Len(t, ev.Cells, 1)
	require.Equal(t, formula.NumberValue(95), ev.Cells[0].Value)
}

func TestDetectOutputs(t *testing.T) {
	wb := build(t, constants, map[string]string{
		"B1": "RiskNormal(100,10)",
		"B2": `RiskOutput("NPV")+B1`,
		"B3": "B1*2+RiskOutput()",
		"B4": `RiskOutput(A5,"Group",1)+B1-A1`,
		"B5": `IF(B1>0,"RiskOutput(x)",0)`,
	})
	det, err := incell.Detect(wb)
	require.NoError(t, err)
	require.Empty(t, det.Problems)
	require.Equal(t, []incell.Output{{ref("B2"), "NPV"}, {ref("B3"), ""}, {ref("B4"), "Revenue"}}, det.Outputs)
	sh, _ := det.Workbook.Sheet("Model")
	for cell, want := range map[string]string{"B2": "0+B1", "B3": "B1*2+0", "B4": "0+B1-A1"} {
		r := ref(cell)
		c, ok := sh.Cell(r.Row, r.Col)
		require.True(t, ok)
		require.Equal(t, want, c.Formula, cell)
	}
}

func TestDetectProblems(t *testing.T) {
	tests := []struct {
		name, formula, want string
	}{
		{"unknown function", "RiskFoo(1,2)", "RiskFoo is not supported"},
		{"unknown function in a larger formula", "A1+RiskBar(1)", "RiskBar is not supported"},
		{"nested distribution", "A1+RiskNormal(0,1)", "RiskNormal is part of a larger formula"},
		{"distribution argument", "RiskNormal(RiskUniform(1,2),1)", "takes another distribution (RiskUniform)"},
		{"depends on a distribution cell", "RiskNormal(D1,1)", "depends on the distribution in Model!D1"},
		{"depends through a formula", "RiskNormal(D2*2,1)", "depends on the distribution in Model!D1"},
		{"unknown property", "RiskNormal(0,1,RiskCopula(A1:A2,1))", "RiskCopula in RiskNormal is not supported"},
		{"invalid parameters", "RiskNormal(0,-1)", "RiskNormal: normal requires stdDev > 0"},
		{"text argument", "RiskNormal(A5,1)", `mean must be a number, got the text "Revenue"`},
		{"too many arguments", "RiskNormal(0,1,2)", "RiskNormal takes 2 arguments (mean, sd), got 3"},
		{"ModelRisk U", "VoseNormal(0,1,0.5)", "argument U"},
		{"non-whole n", "RiskBinomial(2.5,0.5)", "n must be a whole number"},
		{"percentiles reversed", "RiskNormal(0,1,RiskTruncateP(0.9,0.1))", "the low percentile must be below the high one"},
		{"percentile out of range", "RiskNormal(0,1,RiskTruncateP(1.5,))", "percentiles must be between 0 and 1, got 1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wb := build(t, constants, map[string]string{"B1": tt.formula, "D1": "RiskUniform(0,1)", "D2": "D1+1"})
			det, err := incell.Detect(wb)
			require.NoError(t, err)
			require.Len(t, det.Problems, 1, "%v", det.Problems)
			require.Equal(t, ref("B1"), det.Problems[0].Cell)
			require.Contains(t, det.Problems[0].Message, tt.want)
			require.ErrorContains(t, det.Err(), "Model!B1")
			_, err = det.Model()
			require.Error(t, err)
		})
	}
}

func TestDetectNothing(t *testing.T) {
	wb := build(t, constants, map[string]string{"B1": "A1*2"})
	det, err := incell.Detect(wb)
	require.NoError(t, err)
	require.False(t, det.Found())
	require.Same(t, wb, det.Workbook)
}

// TestSimulateDetected runs a workbook whose model lives in its cells and
// checks the output's mean against the analytic value.
func TestSimulateDetected(t *testing.T) {
	wb := build(t, constants, map[string]string{
		"B1": `RiskNormal(A1,A2,RiskName("Demand"))`,
		"B2": "RiskUniform(0,A2)",
		"B3": "VosePERT(0,1,8)",
		"C1": `RiskOutput("Total")+B1+B2`,
		"C2": `B3*2+VoseOutput("Twice")`,
	})
	det, err := incell.Detect(wb)
	require.NoError(t, err)
	m, err := det.Model()
	require.NoError(t, err)
	require.Len(t, m.Inputs, 3)
	require.Equal(t, "Demand", m.Inputs[0].Name)
	res, err := engine.Simulate(context.Background(), m, engine.Options{Iterations: 20000, Seed: 7})
	require.NoError(t, err)
	require.Len(t, res.Outputs, 2)
	require.InDelta(t, 105, res.Outputs[0].Summary.Mean, 0.3)
	require.InDelta(t, 2*(0+4*1+8)/6.0, res.Outputs[1].Summary.Mean, 0.05)
	require.InDelta(t, math.Sqrt(100+100.0/12), res.Outputs[0].Summary.StdDev, 0.3)
}

// TestDetectRandIdioms: a cell whose whole formula is one of Excel's
// sampling idioms is an input of the matching family.
func TestDetectRandIdioms(t *testing.T) {
	tests := []struct {
		formula, function string
		want              dist.Spec
	}{
		{"RAND()", "RAND", dist.Spec{Type: dist.Uniform, Min: f(0), Max: f(1)}},
		{"+RAND()", "RAND", dist.Spec{Type: dist.Uniform, Min: f(0), Max: f(1)}},
		{"1-RAND()", "RAND", dist.Spec{Type: dist.Uniform, Min: f(0), Max: f(1)}},
		{"A2+(A1-A2)*RAND()", "RAND", dist.Spec{Type: dist.Uniform, Min: f(10), Max: f(100)}},
		{"RAND()*(A1-A2)+A2", "RAND", dist.Spec{Type: dist.Uniform, Min: f(10), Max: f(100)}},
		{"A1*(1+(RAND()-0.5)/5)", "RAND", dist.Spec{Type: dist.Uniform, Min: f(90), Max: f(110)}},
		{"A1-A2*RAND()", "RAND", dist.Spec{Type: dist.Uniform, Min: f(90), Max: f(100)}},
		{"RANDBETWEEN(1,6)", "RANDBETWEEN", dist.Spec{Type: dist.IntegerUniform, Min: f(1), Max: f(6)}},
		{"RANDBETWEEN(0.5,A4+0.5)", "RANDBETWEEN", dist.Spec{Type: dist.IntegerUniform, Min: f(1), Max: f(3)}},
		{"-A2*LN(RAND())", "LN(RAND())", dist.Spec{Type: dist.Exponential, Rate: f(0.1)}},
		{"-LN(1-RAND())*A2", "LN(RAND())", dist.Spec{Type: dist.Exponential, Rate: f(0.1)}},
		{"LN(RAND())*-4", "LN(RAND())", dist.Spec{Type: dist.Exponential, Rate: f(0.25)}},
		{"NORM.INV(RAND(),A1,A2)", "NORM.INV", dist.Spec{Type: dist.Normal, Mean: f(100), StdDev: f(10)}},
		{"_xlfn.NORM.INV(RAND(),A1,A2)", "NORM.INV", dist.Spec{Type: dist.Normal, Mean: f(100), StdDev: f(10)}},
		{"NORMINV(1-RAND(),5,A2/5)", "NORMINV", dist.Spec{Type: dist.Normal, Mean: f(5), StdDev: f(2)}},
		{"NORM.S.INV(RAND())", "NORM.S.INV", dist.Spec{Type: dist.Normal, Mean: f(0), StdDev: f(1)}},
		{"NORMSINV(RAND())", "NORMSINV", dist.Spec{Type: dist.Normal, Mean: f(0), StdDev: f(1)}},
		{"LOGNORM.INV(RAND(),1,0.5)", "LOGNORM.INV", dist.Spec{Type: dist.LogNormal, Mu: f(1), Sigma: f(0.5)}},
		{"LOGINV(RAND(),1,0.5)", "LOGINV", dist.Spec{Type: dist.LogNormal, Mu: f(1), Sigma: f(0.5)}},
		{"BETA.INV(RAND(),2,3)", "BETA.INV", dist.Spec{Type: dist.Beta, Alpha: f(2), Beta: f(3)}},
		{"BETA.INV(RAND(),2,3,A2,A1)", "BETA.INV", dist.Spec{Type: dist.Beta, Alpha: f(2), Beta: f(3), Min: f(10), Max: f(100)}},
		{"BETAINV(RAND(),2,3,-1)", "BETAINV", dist.Spec{Type: dist.Beta, Alpha: f(2), Beta: f(3), Min: f(-1), Max: f(1)}},
		{"GAMMA.INV(RAND(),2,5)", "GAMMA.INV", dist.Spec{Type: dist.Gamma, Shape: f(2), Scale: f(5)}},
		{"GAMMAINV(RAND(),2,5)", "GAMMAINV", dist.Spec{Type: dist.Gamma, Shape: f(2), Scale: f(5)}},
		{"T.INV(RAND(),5.7)", "T.INV", dist.Spec{Type: dist.Student, Nu: f(5)}},
		{"T.INV.2T(RAND(),5)", "T.INV.2T", dist.Spec{Type: dist.Student, Nu: f(5), TruncateMin: f(0)}},
		{"TINV(RAND(),5)", "TINV", dist.Spec{Type: dist.Student, Nu: f(5), TruncateMin: f(0)}},
		{"CHISQ.INV(RAND(),3)", "CHISQ.INV", dist.Spec{Type: dist.Gamma, Shape: f(1.5), Scale: f(2)}},
		{"CHISQ.INV.RT(RAND(),4)", "CHISQ.INV.RT", dist.Spec{Type: dist.Gamma, Shape: f(2), Scale: f(2)}},
		{"CHIINV(RAND(),4)", "CHIINV", dist.Spec{Type: dist.Gamma, Shape: f(2), Scale: f(2)}},
		{"BINOM.INV(A2,A3,RAND())", "BINOM.INV", dist.Spec{Type: dist.Binomial, N: n(10), P: f(0.25)}},
		{"CRITBINOM(10.9,0.5,RAND())", "CRITBINOM", dist.Spec{Type: dist.Binomial, N: n(10), P: f(0.5)}},
	}
	for _, tt := range tests {
		t.Run(tt.formula, func(t *testing.T) {
			wb := build(t, constants, map[string]string{"B1": tt.formula})
			det, err := incell.Detect(wb)
			require.NoError(t, err)
			require.Empty(t, det.Problems)
			require.Empty(t, det.Notes)
			require.Len(t, det.Inputs, 1)
			in := det.Inputs[0]
			require.Equal(t, ref("B1"), in.Cell)
			require.Equal(t, tt.function, in.Function)
			require.Equal(t, tt.want, in.Spec)
			sh, _ := det.Workbook.Sheet("Model")
			c, _ := sh.Cell(1, 2)
			require.Empty(t, c.Formula, "the input cell is a constant in the workbook to simulate")
		})
	}
}

// TestDetectRandNotes: a formula that uses RAND() otherwise than as a
// whole idiom stays a formula (the engine draws its RAND() in every
// iteration) and is reported in Notes naming the cell, without refusing
// the model.
func TestDetectRandNotes(t *testing.T) {
	tests := []struct {
		name, formula, want string
	}{
		{"inside IF", "IF(RAND()<0.3,1,0)", "RAND() is part of a larger formula"},
		{"two draws", "RAND()+RAND()", "RAND() is part of a larger formula"},
		{"nonlinear", "ROUND(RAND()*10,0)", "RAND() is part of a larger formula"},
		{"RANDBETWEEN in a sum", "RANDBETWEEN(1,6)+RANDBETWEEN(1,6)", "RANDBETWEEN() is part of a larger formula"},
		{"parameter from an input", "NORM.INV(RAND(),D1,1)", "mean of NORM.INV depends on Model!D1, which varies in each iteration"},
		{"parameter from a live RAND", "NORM.INV(RAND(),D3,1)", "depends on Model!D3"},
		{"affine over an input", "D1*RAND()", "depends on Model!D1"},
		{"invalid parameters", "NORM.INV(RAND(),0,-1)", "NORM.INV: normal requires stdDev > 0"},
		{"constant", "0*RAND()+5", "does not vary with RAND()"},
		{"shifted exponential", "1-LN(RAND())", "an exponential moved by 1"},
		{"negated exponential", "LN(RAND())", "a positive multiple of LN(RAND())"},
		{"one value", "RANDBETWEEN(2.2,2.8)", "fewer than two values"},
		{"text parameter", "NORM.INV(RAND(),A5,1)", `must be a number, got the text "Revenue"`},
		{"degrees of freedom", "T.INV(RAND(),0.5)", "deg_freedom must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wb := build(t, constants, map[string]string{"B1": tt.formula, "D1": "RiskUniform(0,1)", "D3": "IF(RAND()<0.5,1,2)", "C9": "RiskOutput()+B1"})
			det, err := incell.Detect(wb)
			require.NoError(t, err)
			require.Empty(t, det.Problems)
			var notes []string
			for _, n := range det.Notes {
				if n.Cell == ref("B1") {
					notes = append(notes, n.Message)
				}
			}
			require.Len(t, notes, 1, "%v", det.Notes)
			require.Contains(t, notes[0], tt.want)
			for _, in := range det.Inputs {
				require.NotEqual(t, ref("B1"), in.Cell)
			}
			sh, _ := det.Workbook.Sheet("Model")
			c, _ := sh.Cell(1, 2)
			require.Equal(t, tt.formula, c.Formula, "the formula is left to draw RAND() itself")
			_, err = det.Model()
			require.NoError(t, err, "a note does not refuse the model")
		})
	}
}

// TestDetectRiskParameterFromRand: a @RISK parameter that draws RAND() or
// reads a cell that does varies in each iteration, and is refused.
func TestDetectRiskParameterFromRand(t *testing.T) {
	for formula, want := range map[string]string{
		"RiskNormal(RAND(),1)":              "argument mean of RiskNormal calls RAND()",
		"RiskNormal(D3,1)":                  "depends on RAND() in Model!D3",
		"RiskNormal(D4,1)":                  "depends on the distribution in Model!D4",
		"RiskNormal(0,1,RiskTruncate(D4,))": "depends on the distribution in Model!D4",
	} {
		t.Run(formula, func(t *testing.T) {
			wb := build(t, constants, map[string]string{"B1": formula, "D3": "IF(RAND()<0.5,1,2)", "D4": "NORM.INV(RAND(),0,1)"})
			det, err := incell.Detect(wb)
			require.NoError(t, err)
			require.Len(t, det.Problems, 1, "%v", det.Problems)
			require.Equal(t, ref("B1"), det.Problems[0].Cell)
			require.Contains(t, det.Problems[0].Message, want)
		})
	}
}

// TestSimulateRandIdioms runs a workbook of Excel sampling idioms twice:
// as detected (each idiom an input of its family) and as plain formulas
// (the formula engine evaluating its own RAND() and inverse functions, as
// Excel would), and checks with a two-sample Kolmogorov-Smirnov test that
// each idiom has one distribution both ways. Analytic means anchor a few.
func TestSimulateRandIdioms(t *testing.T) {
	const iterations = 8000
	// Two-sample KS critical value at α = 0.001: 1.95·√(2/n).
	ksCritical := 1.95 * math.Sqrt(2.0/iterations)
	idioms := []struct {
		formula string
		mean    float64 // analytic, NaN when not checked
	}{
		{"A2+(A1-A2)*RAND()", 55},
		{"RANDBETWEEN(1,6)", 3.5},
		{"-A2*LN(RAND())", 10},
		{"NORM.INV(RAND(),A1,A2)", 100},
		{"LOGNORM.INV(RAND(),1,0.5)", math.Exp(1 + 0.125)},
		{"BETA.INV(RAND(),2,3,A2,A1)", 10 + 90*0.4},
		{"GAMMA.INV(RAND(),2,5)", 10},
		{"T.INV(RAND(),5)", 0},
		// E|T| for ν = 5: 2√ν·Γ((ν+1)/2) / (√π·(ν−1)·Γ(ν/2))
		{"T.INV.2T(RAND(),5)", 2 * math.Sqrt(5) * math.Gamma(3) / (math.Sqrt(math.Pi) * 4 * math.Gamma(2.5))},
		{"CHISQ.INV(RAND(),3)", 3},
		{"CHISQ.INV.RT(RAND(),4)", 4},
		{"BINOM.INV(A2,A3,RAND())", 2.5},
	}
	formulas := map[string]string{}
	var outputs []formula.CellRef
	for i, id := range idioms {
		formulas[fmt.Sprintf("B%d", i+1)] = id.formula
		formulas[fmt.Sprintf("C%d", i+1)] = fmt.Sprintf("B%d+0", i+1)
		outputs = append(outputs, ref(fmt.Sprintf("C%d", i+1)))
	}
	wb := build(t, constants, formulas)
	det, err := incell.Detect(wb)
	require.NoError(t, err)
	require.Empty(t, det.Problems)
	require.Empty(t, det.Notes)
	require.Len(t, det.Inputs, len(idioms))
	detected := engine.Model{Workbook: det.Workbook, Outputs: outputs}
	for _, in := range det.Inputs {
		d, err := dist.New(in.Cell.String(), in.Spec)
		require.NoError(t, err)
		detected.Inputs = append(detected.Inputs, engine.Input{Cell: in.Cell, Name: in.Cell.String(), Dist: d})
	}
	// The plain workbook needs an input for the engine: one no formula reads.
	unused, _ := dist.New("unused", dist.Spec{Type: dist.Uniform, Min: f(0), Max: f(1)})
	plain := engine.Model{Workbook: wb, Outputs: outputs, Inputs: []engine.Input{{Cell: ref("A4"), Name: "unused", Dist: unused}}}
	opts := engine.Options{Iterations: iterations, Seed: 11, KeepSamples: true}
	got, err := engine.Simulate(context.Background(), detected, opts)
	require.NoError(t, err)
	opts.Seed = 12
	want, err := engine.Simulate(context.Background(), plain, opts)
	require.NoError(t, err)
	for i, id := range idioms {
		t.Run(id.formula, func(t *testing.T) {
			a, b := got.Outputs[i], want.Outputs[i]
			require.Empty(t, a.Errors)
			require.Empty(t, b.Errors)
			require.Less(t, ksTwoSample(a.Samples, b.Samples), ksCritical)
			if !math.IsNaN(id.mean) {
				require.InDelta(t, id.mean, a.Summary.Mean, 5*a.Summary.StdError)
			}
		})
	}
}

// ksTwoSample is the two-sample Kolmogorov-Smirnov statistic.
func ksTwoSample(x, y []float64) float64 {
	x, y = slices.Clone(x), slices.Clone(y)
	slices.Sort(x)
	slices.Sort(y)
	var d float64
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		v := min(x[i], y[j])
		for i < len(x) && x[i] <= v {
			i++
		}
		for j < len(y) && y[j] <= v {
			j++
		}
		d = max(d, math.Abs(float64(i)/float64(len(x))-float64(j)/float64(len(y))))
	}
	return d
}

// TestDetectRiskSeed: RiskSeed is accepted with a note saying it is not
// applied, so that the input still simulates.
func TestDetectRiskSeed(t *testing.T) {
	wb := build(t, nil, map[string]string{"B1": "RiskNormal(100,10,RiskSeed(42))"})
	det, err := incell.Detect(wb)
	require.NoError(t, err)
	require.Empty(t, det.Problems)
	require.Len(t, det.Inputs, 1)
	require.Equal(t, dist.Spec{Type: dist.Normal, Mean: f(100), StdDev: f(10)}, det.Inputs[0].Spec)
	require.Len(t, det.Notes, 1)
	require.Equal(t, ref("B1"), det.Notes[0].Cell)
	require.Contains(t, det.Notes[0].Message, "RiskSeed is ignored")
}

// The workbook a detection rewrites keeps what the formulas need beyond
// cells: its tables (structured references), its calculation settings
// (iterative calculation) and its data tables.
func TestDetectKeepsTablesAndCalculation(t *testing.T) {
	x := excelize.NewFile()
	defer x.Close()
	require.NoError(t, x.SetSheetName("Sheet1", "Model"))
	for c, v := range map[string]any{"A1": "Item", "B1": "Cost", "A2": "a", "B2": 10, "A3": "b", "B3": 20} {
		require.NoError(t, x.SetCellValue("Model", c, v))
	}
	require.NoError(t, x.AddTable("Model", &excelize.Table{Range: "A1:B3", Name: "Costs"}))
	require.NoError(t, x.SetCellFormula("Model", "D1", "RiskNormal(100,10,RiskStatic(5))"))
	require.NoError(t, x.SetCellFormula("Model", "D2", "RiskOutput()+SUM(Costs[Cost])+D1"))
	buf, err := x.WriteToBuffer()
	require.NoError(t, err)
	wb, err := workbook.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), workbook.Limits{})
	require.NoError(t, err)
	require.Len(t, wb.Tables, 1)
	wb.Calc = workbook.Calc{Iterate: true, MaxIterations: 7, MaxChange: 0.5}
	wb.Sheets[0].DataTables = []workbook.DataTable{{Row1: 10, Col1: 1, Row2: 12, Col2: 2, Input1: "B2"}}

	det, err := incell.Detect(wb)
	require.NoError(t, err)
	require.Empty(t, det.Problems)
	require.Equal(t, wb.Tables, det.Workbook.Tables)
	require.Equal(t, wb.Calc, det.Workbook.Calc)
	require.Equal(t, wb.Sheets[0].DataTables, det.Workbook.Sheets[0].DataTables)

	det.Workbook.Sheets[0].DataTables = nil // the one above is only for the comparison
	ev, err := formula.EvaluateWorkbook(det.Workbook)
	require.NoError(t, err)
	found := false
	for _, c := range ev.Cells {
		if c.Cell == ref("D2") {
			found = true
			require.Equal(t, formula.NumberValue(35), c.Value, "the structured reference still reads the table")
		}
	}
	require.True(t, found, "Model!D2 evaluated")
}
