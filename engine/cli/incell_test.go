package cli_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine/cli"
)

// riskWorkbook writes an @RISK model: Total = Normal(100, 10) + Uniform(0, 10).
func riskWorkbook(t *testing.T, extra map[string]string) string {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	require.NoError(t, x.SetSheetName("Sheet1", "Model"))
	require.NoError(t, x.SetCellValue("Model", "D1", 100.0))
	formulas := map[string]string{"B1": "RiskNormal(D1,10)", "B2": "RiskUniform(0,10)", "B3": `RiskOutput("Total")+B1+B2`}
	for c, f := range extra {
		formulas[c] = f
	}
	for c, f := range formulas {
		require.NoError(t, x.SetCellFormula("Model", c, f))
	}
	path := filepath.Join(t.TempDir(), "risk.xlsx")
	require.NoError(t, x.SaveAs(path))
	_, err := os.Stat(path)
	require.NoError(t, err)
	return path
}

func TestSimulateInCellModel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		extra   map[string]string
		args    []string
		mean    float64
		output  string // the output's name
		refusal string
	}{
		{name: "OwnModel", mean: 105, output: "Total"},
		{name: "InputOverridden", args: []string{"--input", "Model!B2=uniform(10,30)"}, mean: 120, output: "Total"},
		{name: "OutputGiven", extra: map[string]string{"B4": "B1*2"}, args: []string{"--output", "Model!B4"}, mean: 200},
		{name: "Unsupported", extra: map[string]string{"B2": "RiskFoo(1)"}, refusal: "Model!B2: RiskFoo is not supported"},
		{name: "Correlated", extra: correlated("0.5"), mean: 105, output: "Total"},
		{name: "MatrixNotSymmetric", extra: correlated("0.4"), refusal: "RiskCorrmat(Model!F1:G2): the matrix is not symmetric"},
		{name: "MatrixReplaced", extra: correlated("0.4"), args: []string{"--correlate", "Model!B1,Model!B2=0.3"}, mean: 105, output: "Total"},
		{name: "Simtable", extra: map[string]string{"D1": "RiskSimtable({50,100})"}, mean: 55, output: "Total"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{riskWorkbook(t, tt.extra), "--iterations", "20000", "--seed", "3", "--json"}, tt.args...)
			stdout, _, err := run(cli.Simulate, args...)
			if tt.refusal != "" {
				require.ErrorContains(t, err, tt.refusal)
				return
			}
			require.NoError(t, err)
			var got struct {
				Outputs []struct {
					Cell, Name string
					Mean       float64
				}
			}
			require.NoError(t, json.Unmarshal([]byte(stdout), &got))
			require.Len(t, got.Outputs, 1)
			require.InDelta(t, tt.mean, got.Outputs[0].Mean, 0.5)
			if tt.output != "" {
				require.Equal(t, tt.output, got.Outputs[0].Name)
			}
		})
	}
}

// correlated puts B1 and B2 in the matrix F1:G2 whose lower corner is
// lower (the upper one is 0.5).
func correlated(lower string) map[string]string {
	return map[string]string{
		"B1": "RiskNormal(D1,10,RiskCorrmat(F1:G2,1))", "B2": "RiskUniform(0,10,RiskCorrmat(F1:G2,2))",
		"F1": "1", "G1": "0.5", "F2": lower, "G2": "1",
	}
}

// copulaWorkbook writes a ModelRisk model: X, Y and Z ~ Normal(0, 1) joined
// by the copula in A7 (X and Y only, when it is in A7:B7), X+Y and Y+Z the
// outputs.
func copulaWorkbook(t *testing.T, copula, cells string) string {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	require.NoError(t, x.SetSheetName("Sheet1", "Model"))
	for cell, v := range map[string]float64{"F1": 1, "G1": 0.8, "H1": 0.8, "F2": 0.8, "G2": 1, "H2": 0.8, "F3": 0.8, "G3": 0.8, "H3": 1} {
		require.NoError(t, x.SetCellValue("Model", cell, v))
	}
	typ := excelize.STCellFormulaTypeArray
	require.NoError(t, x.SetCellFormula("Model", "A7", copula, excelize.FormulaOpts{Type: &typ, Ref: &cells}))
	for cell, f := range map[string]string{"B1": "VoseNormal(0,1,A7)", "B2": "VoseNormal(0,1,B7)", "B3": "VoseNormal(0,1,C7)",
		"B4": `VoseOutput("XY")+B1+B2`, "B5": `VoseOutput("YZ")+B2+B3`} {
		if cell == "B3" && cells == "A7:B7" {
			f = "VoseNormal(0,1)" // outside a copula of two
		}
		require.NoError(t, x.SetCellFormula("Model", cell, f))
	}
	path := filepath.Join(t.TempDir(), "copula.xlsx")
	require.NoError(t, x.SaveAs(path))
	return path
}

// TestSimulateCopulaMemberOverridden: an --input on a member of the
// workbook's copula takes that member out of it, with a warning naming
// the cell; the other members keep their dependence. The standard
// deviation of the sum of two standard normals is √2 ≈ 1.41 when they are
// independent, √3.6 ≈ 1.90 under a t copula of correlation 0.8 (about the
// same for the normal scores), and about 1.9 for a Clayton copula of α = 4
// (τ = 2/3).
func TestSimulateCopulaMemberOverridden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, copula, cells string
		args                []string
		sdXY, sdYZ          float64 // expected standard deviations, within 0.1
		warning             string
	}{
		{name: "TOwn", copula: "VoseCopulaMultiT(5,F1:H3)", cells: "A7:C7", sdXY: 1.9, sdYZ: 1.9},
		{name: "TMemberOverridden", copula: "VoseCopulaMultiT(5,F1:H3)", cells: "A7:C7", args: []string{"--input", "Model!B1=normal(0,1)"},
			sdXY: math.Sqrt2, sdYZ: 1.9, warning: "Model!B1: its --input leaves the copula VoseCopulaMultiT in Model!A7:C7, which still joins Model!B2, Model!B3"},
		{name: "ClaytonOwn", copula: "VoseCopulaBiClayton(4)", cells: "A7:B7", sdXY: 1.9, sdYZ: math.Sqrt2},
		{name: "ClaytonMemberOverridden", copula: "VoseCopulaBiClayton(4)", cells: "A7:B7", args: []string{"--input", "Model!B2=normal(0,1)"},
			sdXY: math.Sqrt2, sdYZ: math.Sqrt2, warning: "Model!B2: its --input leaves the copula VoseCopulaBiClayton in Model!A7:B7, which no longer applies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{copulaWorkbook(t, tt.copula, tt.cells), "--iterations", "20000", "--seed", "5", "--json"}, tt.args...)
			stdout, _, err := run(cli.Simulate, args...)
			require.NoError(t, err)
			var got struct {
				Warnings []string
				Outputs  []struct{ StdDev float64 }
			}
			require.NoError(t, json.Unmarshal([]byte(stdout), &got))
			require.Len(t, got.Outputs, 2)
			require.InDelta(t, tt.sdXY, got.Outputs[0].StdDev, 0.1)
			require.InDelta(t, tt.sdYZ, got.Outputs[1].StdDev, 0.1)
			if tt.warning != "" {
				require.Contains(t, got.Warnings, tt.warning)
			} else {
				require.Empty(t, got.Warnings)
			}
		})
	}
}
