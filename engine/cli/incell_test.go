package cli_test

import (
	"encoding/json"
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
