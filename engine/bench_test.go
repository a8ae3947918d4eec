package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/sample"
)

// BenchmarkSimulate is a whole simulation job of the reference model, as a
// server worker runs it: compile, draw, evaluate on every core, summarise
// (percentiles, histogram, sensitivity to the five inputs), without and
// with the samples kept.
func BenchmarkSimulate(b *testing.B) {
	m := dcfModel(b)
	correlated := m
	correlated.Correlations = []engine.Correlation{{A: 0, B: 3, Coefficient: 0.5}}
	const iterations = 20_000
	for _, tc := range []struct {
		name   string
		model  engine.Model
		method sample.Method
		keep   bool
	}{
		{"MonteCarlo", m, sample.MonteCarlo, false},
		{"MonteCarloKeepSamples", m, sample.MonteCarlo, true},
		{"LatinHypercube", m, sample.LatinHypercube, false},
		{"LatinHypercubeCorrelated", correlated, sample.LatinHypercube, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, err := engine.Simulate(context.Background(), tc.model, engine.Options{Iterations: iterations, Seed: 1, Sampling: tc.method, KeepSamples: tc.keep})
				require.NoError(b, err)
			}
			b.ReportMetric(float64(iterations)*float64(b.N)/b.Elapsed().Seconds(), "iterations/s")
		})
	}
}
