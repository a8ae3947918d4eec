package incell_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/incell"
)

func TestDetectSimtable(t *testing.T) {
	wb := build(t, map[string]any{"E1": 5.0, "E2": 6.0}, map[string]string{
		"B1": "RiskSimtable({10,20,30})",
		"B2": "RiskSimtable(E1:E2)",
		// A parameter that reads a RiskSimtable is fixed for a run: at
		// the first value in the workbook's own run.
		"B3": "RiskNormal(B1,1)",
		"C1": "RiskOutput()+B1+B2+B3",
	})
	det, err := incell.Detect(wb)
	require.NoError(t, err)
	require.Empty(t, det.Problems)
	require.Equal(t, []incell.Simtable{{Cell: ref("B1"), Values: []float64{10, 20, 30}}, {Cell: ref("B2"), Values: []float64{5, 6}}}, det.Simtables)
	require.Equal(t, []incell.Scenario{
		{Name: "Simulation 1", Values: map[string]float64{"Model!B1": 10, "Model!B2": 5}},
		{Name: "Simulation 2", Values: map[string]float64{"Model!B1": 20, "Model!B2": 6}},
		{Name: "Simulation 3", Values: map[string]float64{"Model!B1": 30}},
	}, det.Scenarios())
	require.Len(t, det.Notes, 2)
	require.Equal(t, ref("B1"), det.Notes[0].Cell)
	require.Equal(t, "RiskSimtable: the simulation uses its first value, 10; its values make 3 scenarios (Simulation 1 10, Simulation 2 20, Simulation 3 30)", det.Notes[0].Message)
	require.Contains(t, det.Notes[1].Message, "fewer values than the workbook's 3 scenarios")
	require.Len(t, det.Inputs, 1)
	require.Equal(t, dist.Spec{Type: dist.Normal, Mean: f(10), StdDev: f(1)}, det.Inputs[0].Spec)
	sh, _ := det.Workbook.Sheet("Model")
	c, _ := sh.Cell(1, 2)
	require.Empty(t, c.Formula, "the cell is a constant")
	require.Equal(t, 10.0, c.Value.Num)
	_, err = det.Model()
	require.NoError(t, err, "a RiskSimtable does not refuse the model")
}

func TestDetectSimtableProblems(t *testing.T) {
	tests := []struct{ name, formula, want string }{
		{"Text", `RiskSimtable({1,"a"})`, `values must hold numbers only`},
		{"TwoArguments", "RiskSimtable(1,2)", "RiskSimtable takes one argument"},
		{"DependsOnDistribution", "RiskSimtable(D1)", "depend on the distribution in Model!D1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			det, err := incell.Detect(build(t, nil, map[string]string{"B1": tt.formula, "D1": "RiskNormal(0,1)"}))
			require.NoError(t, err)
			require.Len(t, det.Problems, 1)
			require.Equal(t, ref("B1"), det.Problems[0].Cell)
			require.Contains(t, det.Problems[0].Message, tt.want)
			require.Nil(t, det.Scenarios())
		})
	}
}
