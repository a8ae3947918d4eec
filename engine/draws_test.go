package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/sample"
)

// TestDrawsAreTheRunsInputs runs models whose outputs copy their inputs,
// keeping the samples, and checks that Draws gives back the same values,
// bit for bit, for ranges that start and end inside chunks.
func TestDrawsAreTheRunsInputs(t *testing.T) {
	t.Parallel()
	wb := sheet{
		values:   map[string]float64{"A1": 1, "A2": 1, "A3": 1},
		formulas: map[string]string{"B1": "A1", "B2": "A2", "B3": "A3"},
	}.build(t)
	base := engine.Model{
		Workbook: wb,
		Inputs: []engine.Input{
			input(t, "S!A1", dist.Spec{Type: dist.Normal, Mean: f(10), StdDev: f(2)}),
			input(t, "S!A2", dist.Spec{Type: dist.Triangular, Min: f(0), Mode: f(1), Max: f(3)}),
			input(t, "S!A3", dist.Spec{Type: dist.Discrete, Values: []float64{0.5, 1, 2}, Probabilities: []float64{0.2, 0.3, 0.5}}),
		},
		Outputs: refs(t, "S!B1", "S!B2", "S!B3"),
	}
	for _, tc := range []struct {
		name     string
		model    engine.Model
		sampling sample.Method
	}{
		{"monte carlo", base, sample.MonteCarlo},
		{"latin hypercube", base, sample.LatinHypercube},
		{"correlated", withCorrelation(base, 0, 1, 0.7), sample.LatinHypercube},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := engine.Options{Iterations: 3000, Seed: 42, Sampling: tc.sampling, KeepSamples: true}
			res, err := engine.Simulate(context.Background(), tc.model, opts)
			require.NoError(t, err)
			d, err := engine.NewDraws(tc.model, opts)
			require.NoError(t, err)
			for _, r := range [][2]int{{0, 3000}, {1000, 1100}, {2999, 3000}} {
				dst := make([][]float64, 3)
				for i := range dst {
					dst[i] = make([]float64, r[1]-r[0])
				}
				require.NoError(t, d.Fill(r[0], dst))
				for i := range dst {
					require.Equal(t, res.Outputs[i].Samples[r[0]:r[1]], dst[i], "input %d, iterations %v", i, r)
				}
			}
			require.Error(t, d.Fill(2990, [][]float64{make([]float64, 20), make([]float64, 20), make([]float64, 20)}))
		})
	}
}
