package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/sample"
)

// TestSimulateSpilledRanges runs dynamic arrays written in plain cells:
// SORT over an uncertain input spills into cells that are outputs, SUM of
// the spill (C1#) and a RANDARRAY are outputs too. With X ~ U(0, 10)
// among 2, 4, 6, 8: E[min(X, 2)] = 0.2·1 + 0.8·2 = 1.8, E[max(X, 8)] =
// 0.8·8 + 0.2·9 = 8.2, E[X + 20] = 25, and the sum of four U(0, 1) has
// mean 2 and variance 1/3. The runs are bit-identical whatever the number
// of workers.
func TestSimulateSpilledRanges(t *testing.T) {
	t.Parallel()
	wb := sheet{
		values: map[string]float64{"A1": 5, "A2": 2, "A3": 4, "A4": 6, "A5": 8},
		formulas: map[string]string{
			"C1": "_xlfn._xlws.SORT(A1:A5)",
			"D1": "SUM(C1#)",
			"E1": "SUM(_xlfn.RANDARRAY(4))",
		},
	}.build(t)
	m := engine.Model{
		Workbook: wb,
		Inputs:   []engine.Input{input(t, "S!A1", dist.Spec{Type: dist.Uniform, Min: f(0), Max: f(10)})},
		Outputs:  refs(t, "S!C1", "S!C5", "S!D1", "S!E1"),
	}
	const iterations = 40_000
	var want string
	for _, workers := range []int{1, 3} {
		res, err := engine.Simulate(context.Background(), m, engine.Options{Iterations: iterations, Seed: 5, Sampling: sample.MonteCarlo, Workers: workers})
		require.NoError(t, err)
		for _, o := range res.Outputs {
			require.Empty(t, o.Errors, o.Cell.String())
		}
		// standard errors: about 0.003, 0.003, 0.014 and 0.003
		require.InDelta(t, 1.8, res.Outputs[0].Summary.Mean, 0.02)
		require.InDelta(t, 8.2, res.Outputs[1].Summary.Mean, 0.02)
		require.InDelta(t, 25, res.Outputs[2].Summary.Mean, 0.07)
		require.InDelta(t, 2, res.Outputs[3].Summary.Mean, 0.02)
		require.InDelta(t, 1.0/3, res.Outputs[3].Summary.StdDev*res.Outputs[3].Summary.StdDev, 0.02)
		got := fingerprint(res)
		if workers == 1 {
			want = got
			continue
		}
		require.Equal(t, want, got, "workers=%d", workers)
	}
}
