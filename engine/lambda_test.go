package engine_test

import (
	"bytes"
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/workbook"
)

// TestSimulateLetLambdaMatchesPlainModel simulates a workbook whose
// outputs use LET, a named LAMBDA, MAP and REDUCE (spelled as Excel stores
// them: _xlfn. functions, _xlpm. parameters) beside the same model written
// without them, and requires the same statistics: the LET formulas are
// evaluated per iteration, not folded once.
func TestSimulateLetLambdaMatchesPlainModel(t *testing.T) {
	t.Parallel()
	x := excelize.NewFile()
	defer x.Close()
	require.NoError(t, x.SetSheetName("Sheet1", "S"))
	for c, v := range map[string]float64{"A1": 100, "A2": 0.05, "A3": 3, "D1": 1, "D2": 2, "D3": 3} {
		require.NoError(t, x.SetCellValue("S", c, v))
	}
	require.NoError(t, x.SetDefinedName(&excelize.DefinedName{Name: "Grow", RefersTo: "_xlfn.LAMBDA(_xlpm.v,_xlpm.r,_xlpm.n,_xlpm.v*(1+_xlpm.r)^_xlpm.n)"}))
	for c, fm := range map[string]string{
		// value after growth, less a fee that depends on the result
		"B1": "_xlfn.LET(_xlpm.fv,Grow(A1,A2,A3),_xlpm.fee,IF(_xlpm.fv>120,10,0),_xlpm.fv-_xlpm.fee)",
		"C1": "A1*(1+A2)^A3-IF(A1*(1+A2)^A3>120,10,0)",
		// a growth path summed through MAP and through REDUCE
		"B2": "SUM(_xlfn.MAP(D1:D3,_xlfn.LAMBDA(_xlpm.k,Grow(A1,A2,_xlpm.k))))",
		"C2": "A1*(1+A2)^D1+A1*(1+A2)^D2+A1*(1+A2)^D3",
		"B3": "_xlfn.REDUCE(0,D1:D3,_xlfn.LAMBDA(_xlpm.acc,_xlpm.k,_xlpm.acc+A1*(1+A2)^_xlpm.k))",
	} {
		require.NoError(t, x.SetCellFormula("S", c, fm))
	}
	buf, err := x.WriteToBuffer()
	require.NoError(t, err)
	wb, err := workbook.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), workbook.Limits{})
	require.NoError(t, err)
	m := engine.Model{
		Workbook: wb,
		Inputs: []engine.Input{
			input(t, "S!A1", dist.Spec{Type: dist.Normal, Mean: f(100), StdDev: f(15)}),
			input(t, "S!A2", dist.Spec{Type: dist.Triangular, Min: f(0), Mode: f(0.05), Max: f(0.15)}),
		},
		Outputs: refs(t, "S!B1", "S!C1", "S!B2", "S!C2", "S!B3"),
	}
	res, err := engine.Simulate(context.Background(), m, engine.Options{Iterations: 20_000, Seed: 5, Sampling: sample.LatinHypercube})
	require.NoError(t, err)
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	for _, pair := range [][2]int{{0, 1}, {2, 3}, {4, 3}} {
		got, want := res.Outputs[pair[0]], res.Outputs[pair[1]]
		require.Empty(t, got.Errors)
		require.Equal(t, want.Summary.Count, got.Summary.Count)
		require.Greater(t, want.Summary.StdDev, 1.0, "the plain model varies")
		for _, v := range [][2]float64{
			{got.Summary.Mean, want.Summary.Mean}, {got.Summary.StdDev, want.Summary.StdDev},
			{got.Summary.Min, want.Summary.Min}, {got.Summary.Max, want.Summary.Max},
		} {
			require.Truef(t, close(v[0], v[1]), "%s vs %s: %v, %v", got.Cell, want.Cell, v[0], v[1])
		}
		require.Len(t, got.Percentiles, len(want.Percentiles))
		for i := range got.Percentiles {
			require.Truef(t, close(got.Percentiles[i].Value, want.Percentiles[i].Value), "%s P%v", got.Cell, got.Percentiles[i].P)
		}
	}
}
