package incell_test

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/incell"
	"github.com/simgraph/simgraph/engine/workbook"
)

// buildWith is build with a hook for what build cannot write (array
// formulas, defined names).
func buildWith(t *testing.T, values map[string]any, formulas map[string]string, more func(x *excelize.File)) *workbook.Workbook {
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
	if more != nil {
		more(x)
	}
	buf, err := x.WriteToBuffer()
	require.NoError(t, err)
	wb, err := workbook.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), workbook.Limits{})
	require.NoError(t, err)
	return wb
}

// matrix3 is a 3×3 correlation matrix in F1:H3.
func matrix3(ab, ac, bc float64) map[string]any {
	return map[string]any{"F1": 1.0, "G1": ab, "H1": ac, "F2": ab, "G2": 1.0, "H2": bc, "F3": ac, "G3": bc, "H3": 1.0}
}

func arrayFormula(t *testing.T, x *excelize.File, cells, f string) {
	t.Helper()
	typ := excelize.STCellFormulaTypeArray
	first, _, _ := strings.Cut(cells, ":")
	require.NoError(t, x.SetCellFormula("Model", first, f, excelize.FormulaOpts{Type: &typ, Ref: &cells}))
}

type pair struct {
	A, B string
	R    float64
}

func pairsOf(cs []incell.Correlation) []pair {
	out := make([]pair, len(cs))
	for i, c := range cs {
		out[i] = pair{c.A.String(), c.B.String(), c.Coefficient}
	}
	return out
}

func TestDetectCorrelations(t *testing.T) {
	named := func(x *excelize.File) {
		require.NoError(t, x.SetDefinedName(&excelize.DefinedName{Name: "Corr", RefersTo: "Model!$F$1:$H$3"}))
	}
	tests := []struct {
		name     string
		values   map[string]any
		formulas map[string]string
		more     func(x *excelize.File)
		want     []pair
		matrix   string
		problem  string // on Model!B1, a correlation problem
	}{
		{
			name:   "Range",
			values: matrix3(0.5, -0.3, 0),
			formulas: map[string]string{
				"B1": "RiskNormal(10,1,RiskCorrmat(F1:H3,1))",
				"B2": "RiskUniform(0,1,RiskCorrmat($F$1:$H$3,2))",
				"B3": "RiskTriang(0,1,3,RiskCorrmat(F1:H3,3))",
			},
			want:   []pair{{"Model!B1", "Model!B2", 0.5}, {"Model!B1", "Model!B3", -0.3}, {"Model!B2", "Model!B3", 0}},
			matrix: "Model!F1:H3",
		},
		{
			name:     "DefinedNameAndUnusedPosition",
			values:   matrix3(0.5, -0.3, 0.2),
			formulas: map[string]string{"B1": "RiskNormal(10,1,RiskCorrmat(Corr,3))", "B2": "RiskNormal(5,1,RiskCorrmat(Corr,1))"},
			more:     named,
			want:     []pair{{"Model!B1", "Model!B2", -0.3}},
			matrix:   "Corr",
		},
		{
			name:     "LowerTriangleOnly",
			values:   map[string]any{"F1": 1.0, "F2": 0.4, "G2": 1.0},
			formulas: map[string]string{"B1": "RiskNormal(10,1,RiskCorrmat(F1:G2,2))", "B2": "RiskNormal(5,1,RiskCorrmat(F1:G2,1))"},
			want:     []pair{{"Model!B1", "Model!B2", 0.4}},
			matrix:   "Model!F1:G2",
		},
		{
			name:   "Instances",
			values: matrix3(0.5, 0, 0),
			formulas: map[string]string{
				"B1": `RiskNormal(10,1,RiskCorrmat(F1:H3,1,"a"))`, "B2": `RiskNormal(10,1,RiskCorrmat(F1:H3,2,"a"))`,
				"B3": `RiskNormal(10,1,RiskCorrmat(F1:H3,1,"b"))`, "B4": `RiskNormal(10,1,RiskCorrmat(F1:H3,2,"b"))`,
			},
			want:   []pair{{"Model!B1", "Model!B2", 0.5}, {"Model!B3", "Model!B4", 0.5}},
			matrix: "Model!F1:H3 (instance a)",
		},
		{
			name:   "ModelRiskCopula",
			values: matrix3(0.5, -0.3, 0),
			formulas: map[string]string{
				"B1": "VoseNormal(10,1,A7)", "B2": "VoseUniform(0,1,B7)", "B3": "VoseTriangle(0,1,3,C7)",
			},
			more: func(x *excelize.File) { arrayFormula(t, x, "A7:C7", "VoseCopulaMultiNormal(F1:H3)") },
			// The copula's Pearson r of normals is the rank correlation
			// (6/π)·asin(r/2).
			want: []pair{
				{"Model!B1", "Model!B2", 6 / math.Pi * math.Asin(0.25)},
				{"Model!B1", "Model!B3", 6 / math.Pi * math.Asin(-0.15)},
				{"Model!B2", "Model!B3", 0},
			},
			matrix: "VoseCopulaMultiNormal in Model!A7:C7",
		},
		{
			name:     "ModelRiskBivariate",
			formulas: map[string]string{"B1": "VoseNormal(10,1,B8)", "B2": "VoseGamma(2,3,A8)"},
			more:     func(x *excelize.File) { arrayFormula(t, x, "A8:B8", "VoseCopulaBiNormal(0.6)") },
			want:     []pair{{"Model!B1", "Model!B2", 6 / math.Pi * math.Asin(0.3)}},
			matrix:   "VoseCopulaBiNormal in Model!A8:B8",
		},
		{name: "NotSymmetric", values: map[string]any{"F1": 1.0, "G1": 0.5, "F2": 0.4, "G2": 1.0},
			formulas: map[string]string{"B1": "RiskNormal(10,1,RiskCorrmat(F1:G2,1))", "B2": "RiskNormal(5,1,RiskCorrmat(F1:G2,2))"},
			problem:  "RiskCorrmat(Model!F1:G2): the matrix is not symmetric"},
		{name: "DiagonalNotOne", values: map[string]any{"F1": 1.0, "G1": 0.5, "F2": 0.5, "G2": 2.0},
			formulas: map[string]string{"B1": "RiskNormal(10,1,RiskCorrmat(F1:G2,1))", "B2": "RiskNormal(5,1,RiskCorrmat(F1:G2,2))"},
			problem:  "has 2 on its diagonal at row 2"},
		{name: "NotPositiveSemiDefinite", values: matrix3(0.9, 0.9, -0.9),
			formulas: map[string]string{"B1": "RiskNormal(10,1,RiskCorrmat(F1:H3,1))", "B2": "RiskNormal(5,1,RiskCorrmat(F1:H3,2))"},
			problem:  "is not positive semi-definite"},
		{name: "NotSquare", values: matrix3(0.5, 0, 0),
			formulas: map[string]string{"B1": "RiskNormal(10,1,RiskCorrmat(F1:H2,1))", "B2": "RiskNormal(5,1,RiskCorrmat(F1:H2,2))"},
			problem:  "is 2×3"},
		{name: "PositionOutside", values: matrix3(0.5, 0, 0),
			formulas: map[string]string{"B1": "RiskNormal(10,1,RiskCorrmat(F1:H3,4))", "B2": "RiskNormal(5,1,RiskCorrmat(F1:H3,2))"},
			problem:  "Model!B1 takes position 4 of a 3×3 matrix"},
		{name: "PositionTwice", values: matrix3(0.5, 0, 0),
			formulas: map[string]string{"B1": "RiskNormal(10,1,RiskCorrmat(F1:H3,2))", "B2": "RiskNormal(5,1,RiskCorrmat(F1:H3,2))"},
			problem:  "Model!B1 and Model!B2 both take position 2"},
		{name: "CopulaNotPositiveSemiDefinite", values: matrix3(0.9, 0.9, -0.9),
			formulas: map[string]string{"B1": "VoseNormal(10,1,A7)", "B2": "VoseNormal(5,1,B7)"},
			more:     func(x *excelize.File) { arrayFormula(t, x, "A7:C7", "VoseCopulaMultiNormal(F1:H3)") },
			problem:  "VoseCopulaMultiNormal(VoseCopulaMultiNormal in Model!A7:C7): the matrix is not positive semi-definite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := map[string]string{"D9": "RiskOutput()+B1+B2"}
			for k, v := range tt.formulas {
				fs[k] = v
			}
			wb := buildWith(t, tt.values, fs, tt.more)
			det, err := incell.Detect(wb)
			require.NoError(t, err)
			if tt.problem != "" {
				require.Len(t, det.Problems, 1, "%v", det.Problems)
				p := det.Problems[0]
				require.Equal(t, ref("B1"), p.Cell)
				require.True(t, p.Correlation)
				require.Contains(t, p.Message, tt.problem)
				require.Contains(t, p.Message, "unless the simulation gives its own correlations")
				require.Empty(t, det.Correlations)
				require.Len(t, det.Inputs, len(tt.formulas), "the inputs themselves are detected")
				return
			}
			require.Empty(t, det.Problems)
			got := pairsOf(det.Correlations)
			require.Len(t, got, len(tt.want))
			for i := range got {
				require.Equal(t, tt.want[i].A, got[i].A)
				require.Equal(t, tt.want[i].B, got[i].B)
				require.InDelta(t, tt.want[i].R, got[i].R, 1e-15)
			}
			require.Equal(t, tt.matrix, det.Correlations[0].Matrix)
			m, err := det.Model()
			require.NoError(t, err)
			require.Len(t, m.Correlations, len(tt.want))
			// The rewritten workbook compiles: the copula is gone.
			_, err = formula.Compile(det.Workbook, formula.CompileOptions{})
			require.NoError(t, err)
		})
	}
}

// TestSimulateCorrelated runs a RiskCorrmat model and checks the rank
// correlation the engine imposes, through the output: Var(A+B) of two
// standard normals of correlation ρ is 2 + 2ρ.
func TestSimulateCorrelated(t *testing.T) {
	tests := []struct {
		name     string
		formulas map[string]string
		more     func(x *excelize.File)
		pearson  float64 // the correlation of the two normals
	}{
		// Spearman 0.6 between normals is Pearson 2·sin(π·0.6/6).
		{"RiskCorrmat", map[string]string{"B1": "RiskNormal(0,1,RiskCorrmat(F1:G2,1))", "B2": "RiskNormal(0,1,RiskCorrmat(F1:G2,2))"}, nil, 2 * math.Sin(math.Pi*0.6/6)},
		{"VoseCopulaMultiNormal", map[string]string{"B1": "VoseNormal(0,1,A7)", "B2": "VoseNormal(0,1,B7)"},
			func(x *excelize.File) { arrayFormula(t, x, "A7:B7", "VoseCopulaMultiNormal(F1:G2)") }, 0.6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := map[string]string{"C1": "RiskOutput()+B1+B2"}
			for k, v := range tt.formulas {
				fs[k] = v
			}
			wb := buildWith(t, map[string]any{"F1": 1.0, "G1": 0.6, "F2": 0.6, "G2": 1.0}, fs, tt.more)
			det, err := incell.Detect(wb)
			require.NoError(t, err)
			m, err := det.Model()
			require.NoError(t, err)
			res, err := engine.Simulate(context.Background(), m, engine.Options{Iterations: 40000, Seed: 11})
			require.NoError(t, err)
			// Var(B1+B2) = 2 + 2ρ; its estimate's sd at 40,000 draws is
			// about 0.02 for these values.
			require.InDelta(t, 2+2*tt.pearson, res.Outputs[0].Summary.StdDev*res.Outputs[0].Summary.StdDev, 0.06)
		})
	}
}

// TestDetectCopulaMisuse: a copula's cells vary in each iteration, so a
// parameter may not read them; a copula no distribution takes is refused.
func TestDetectCopulaMisuse(t *testing.T) {
	tests := []struct {
		name     string
		formulas map[string]string
		cell     string
		want     string
	}{
		{"ParameterReadsCopula", map[string]string{"B1": "VoseNormal(A7,1,B7)", "B2": "VoseNormal(0,1,A7)"}, "B1", "depends on the copula in Model!A7"},
		{"Unused", map[string]string{"B1": "VoseNormal(0,1)"}, "A7", "VoseCopulaBiNormal is supported only as the U argument"},
		{"FixedPercentile", map[string]string{"B1": "VoseNormal(0,1,0.3)", "B2": "VoseNormal(0,1,A7)"}, "B1", "argument U is supported only as a cell of a ModelRisk copula array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wb := buildWith(t, nil, tt.formulas, func(x *excelize.File) { arrayFormula(t, x, "A7:B7", "VoseCopulaBiNormal(0.5)") })
			det, err := incell.Detect(wb)
			require.NoError(t, err)
			require.Len(t, det.Problems, 1, "%v", det.Problems)
			require.Equal(t, ref(tt.cell), det.Problems[0].Cell)
			require.Contains(t, det.Problems[0].Message, tt.want)
			require.False(t, det.Problems[0].Correlation)
		})
	}
}
