package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/workbook"
)

// TestSimulateIterativeCalculation: interest on average debt is circular
// (B5 reads B6, which reads B5); with calcPr iterate the cycle is solved
// in every iteration of the simulation for that iteration's opening debt,
// so each sample of the interest is the closed form
// I = r(2·Open − Cash)/(2 − r) of the same iteration's input, whatever the
// number of workers. Without iterate the cycle refuses the model.
func TestSimulateIterativeCalculation(t *testing.T) {
	t.Parallel()
	wb := sheet{
		values:   map[string]float64{"B1": 1000, "B2": 300, "B3": 0.05},
		formulas: map[string]string{"B5": "B3*(B1+B6)/2", "B6": "B1-(B2-B5)", "B7": "B5*2"},
	}.build(t)
	m := engine.Model{
		Workbook: wb,
		Inputs:   []engine.Input{input(t, "S!B1", dist.Spec{Type: dist.Uniform, Min: f(500), Max: f(5000)})},
		Outputs:  refs(t, "S!B1", "S!B5", "S!B7"),
	}
	opts := engine.Options{Iterations: 3000, Seed: 11, Sampling: sample.MonteCarlo, KeepSamples: true}
	_, err := engine.Simulate(context.Background(), m, opts)
	require.Error(t, err, "a cycle without iterative calculation")

	wb.Calc = workbook.Calc{Iterate: true, MaxIterations: 100, MaxChange: 1e-12}
	var want string
	for _, workers := range []int{1, 3} {
		opts.Workers = workers
		res, err := engine.Simulate(context.Background(), m, opts)
		require.NoError(t, err)
		open, interest, twice := res.Outputs[0].Samples, res.Outputs[1].Samples, res.Outputs[2].Samples
		require.Len(t, interest, opts.Iterations)
		distinct := map[float64]bool{}
		for i := range open {
			closed := 0.05 * (2*open[i] - 300) / (2 - 0.05)
			require.InDeltaf(t, closed, interest[i], 1e-9, "iteration %d, opening debt %v", i, open[i])
			require.InDeltaf(t, 2*closed, twice[i], 2e-9, "iteration %d", i)
			distinct[interest[i]] = true
		}
		require.Greater(t, len(distinct), opts.Iterations/2, "solved per iteration, not once")
		got := fingerprint(res)
		if workers == 1 {
			want = got
			continue
		}
		require.Equal(t, want, got, "workers=%d", workers)
	}
}
