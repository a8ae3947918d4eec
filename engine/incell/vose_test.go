package incell_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/incell"
)

// TestModelRiskParameterisations checks each ModelRisk function against
// the mean ModelRisk's help gives for its parameters (Vose Software's
// distribution pages: Lognormal(μ, σ) takes the variable's own mean and
// standard deviation, Gamma(α, β) and Weibull(α, β) a shape α and a scale
// β, Expon(β) the mean, Pareto(θ, a) the shape θ and minimum a), in both
// the direct form and the object form =VoseSimulate(VoseXxxObject(…)).
func TestModelRiskParameterisations(t *testing.T) {
	tests := []struct {
		formula string
		mean    float64
	}{
		{"VoseNormal(100,10)", 100},
		{"VoseLognormal(10,2)", 10},
		{"VoseUniform(2,8)", 5},
		{"VoseTriangle(1,2,6)", (1 + 2 + 6) / 3.0},
		{"VosePERT(1,2,9)", (1 + 4*2 + 9) / 6.0},
		{"VoseBeta(2,3)", 2 / 5.0},
		{"VoseGamma(2,5)", 2 * 5},
		{"VoseExpon(4)", 4},
		{"VoseWeibull(1.5,3)", 3 * math.Gamma(1+1/1.5)},
		{"VosePoisson(3.5)", 3.5},
		{"VoseBinomial(10,0.3)", 10 * 0.3},
		{"VoseBernoulli(0.3)", 0.3},
		{"VoseDiscrete({1,2,3},{2,3,5})", (1*2 + 2*3 + 3*5) / 10.0},
		{"VoseStudent(5)", 0},
		{"VoseLogistic(10,2)", 10},
		{"VosePareto(3,2)", 3 * 2 / (3 - 1.0)},
		// Uniform within each segment: 0–2 holds 0.3, 2–5 holds 0.5, 5–10 0.2.
		{"VoseCumulA(0,10,{2,5},{0.3,0.8})", 0.3*1 + 0.5*3.5 + 0.2*7.5},
	}
	for _, tt := range tests {
		for _, form := range []string{"direct", "object"} {
			t.Run(tt.formula+"/"+form, func(t *testing.T) {
				f := tt.formula
				if form == "object" {
					open := 0
					for open < len(f) && f[open] != '(' {
						open++
					}
					f = "VoseSimulate(" + f[:open] + "Object" + f[open:] + ")"
				}
				det, err := incell.Detect(build(t, nil, map[string]string{"B1": f}))
				require.NoError(t, err)
				require.Empty(t, det.Problems)
				require.Len(t, det.Inputs, 1)
				d, err := dist.New("x", det.Inputs[0].Spec)
				require.NoError(t, err)
				require.InDelta(t, tt.mean, d.Mean(), 1e-9*math.Max(1, math.Abs(tt.mean)))
				require.True(t, incell.Recognised("VOSESIMULATE"))
			})
		}
	}
}

// TestObjectInAnotherCell: =VoseNormalObject(100,10) in one cell and
// =VoseSimulate(A1) in another is the input =VoseNormal(100,10); the
// object's cell holds the text ModelRisk shows for it. VoseSimulate's U
// argument links the object to a copula.
func TestObjectInAnotherCell(t *testing.T) {
	wb := buildWith(t, map[string]any{"F1": 1.0, "G1": 0.6, "F2": 0.6, "G2": 1.0}, map[string]string{
		"A1": "VoseNormalObject(100,10)",
		"A2": "VoseGammaObject(2,5)",
		"B1": "VoseSimulate(A1,A7)",
		"B2": "VoseSimulate(A2,B7,VoseShift(1))",
		"C1": "VoseOutput()+B1+B2",
	}, func(x *excelize.File) { arrayFormula(t, x, "A7:B7", "VoseCopulaMultiNormal(F1:G2)") })
	det, err := incell.Detect(wb)
	require.NoError(t, err)
	require.Empty(t, det.Problems)
	require.Len(t, det.Inputs, 2)
	require.Equal(t, dist.Spec{Type: dist.Normal, Mean: f(100), StdDev: f(10)}, det.Inputs[0].Spec)
	require.Equal(t, dist.Spec{Type: dist.Gamma, Shape: f(2), Scale: f(5), Shift: f(1)}, det.Inputs[1].Spec)
	require.Len(t, det.Correlations, 1)
	sh, _ := det.Workbook.Sheet("Model")
	a1, _ := sh.Cell(1, 1)
	require.Equal(t, `"VoseNormal(100,10)"`, a1.Formula)
	_, err = det.Model()
	require.NoError(t, err)

	other := buildWith(t, nil, map[string]string{"B1": "VoseSimulate(Other!A1)", "C1": "VoseOutput()+B1"}, func(x *excelize.File) {
		_, err := x.NewSheet("Other")
		require.NoError(t, err)
		require.NoError(t, x.SetCellFormula("Other", "A1", "VoseNormalObject(1,2)"))
	})
	det, err = incell.Detect(other)
	require.NoError(t, err)
	require.Len(t, det.Problems, 1)
	require.Contains(t, det.Problems[0].Message, "on another sheet, is not supported")
}

// TestVoseMean: VoseMean of an object, inline or in a cell, is the
// distribution's mean, a constant of the run.
func TestVoseMean(t *testing.T) {
	det, err := incell.Detect(build(t, nil, map[string]string{
		"A1": "VoseGammaObject(2,3)",
		"B1": "VoseMean(A1)*2",
		"B2": "VoseOutput()+VoseMean(VoseNormalObject(-100,10))+B3",
		"B3": "VoseNormal(0,1)",
		"B4": "VoseMean(B3)",
	}))
	require.NoError(t, err)
	require.Len(t, det.Problems, 1)
	require.Equal(t, "Model!B4", det.Problems[0].Cell.String())
	require.Contains(t, det.Problems[0].Message, "VoseMean(B3) is supported for a distribution object")
	sh, _ := det.Workbook.Sheet("Model")
	b1, _ := sh.Cell(1, 2)
	require.Equal(t, "6*2", b1.Formula, "the mean of Gamma(2, 3) is 6, as Vose's help gives it")
	b2, _ := sh.Cell(2, 2)
	require.Equal(t, "0+(-100)+B3", b2.Formula)
	require.True(t, incell.Recognised("VOSEMEAN"))
}
