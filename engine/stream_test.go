package engine_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/sample"
)

// shapesModel is mixedModel's inputs with outputs that stress a summary
// made without the values: heavy-tailed, capped (a tie group at the cap),
// discrete, constant, always an error, sometimes #N/A (rarely, and for a
// third of the iterations, at the low end of an input), drawn by RAND().
func shapesModel(t testing.TB) engine.Model {
	m := mixedModel(t)
	m.Workbook = sheet{
		values: map[string]float64{"A1": 10, "A2": 1, "A3": 5, "A4": 1},
		formulas: map[string]string{
			"B1": "EXP(A1/2)*A3^3",
			"B2": "MIN(A1*A2, 12)",
			"B3": "A4*3+ROUND(A2,0)",
			"B4": "7",
			"B5": "1/0",
			"B6": "IF(A2>2.5,NA(),A1-A3)",
			"B7": "A1*RAND()",
			"B8": "IF(A1<9,NA(),A1*A2+A3)",
		},
	}.build(t)
	m.Outputs = refs(t, "S!B1", "S!B2", "S!B3", "S!B4", "S!B5", "S!B6", "S!B7", "S!B8")
	return m
}

// TestSimulateStreamingMatchesKeptSamples checks that a run that does not
// keep its samples reports the same statistics, percentiles and histogram,
// bit for bit, as one that does, and a sensitivity close to the exact one.
func TestSimulateStreamingMatchesKeptSamples(t *testing.T) {
	t.Parallel()
	mixed := mixedModel(t)
	correlated := mixedModel(t)
	correlated.Correlations = []engine.Correlation{{A: 0, B: 1, Coefficient: 0.6}}
	shapes := shapesModel(t)
	for _, tc := range []struct {
		name       string
		model      engine.Model
		method     sample.Method
		iterations int
		opts       func(*engine.Options)
	}{
		{"MixedMonteCarlo", mixed, sample.MonteCarlo, 5*engine.ChunkSize + 37, nil},
		{"MixedLatinHypercube", mixed, sample.LatinHypercube, 30_000, nil},
		{"Correlated", correlated, sample.LatinHypercube, 20_000, nil},
		{"Shapes", shapes, sample.MonteCarlo, 60_000, nil},
		{"ShapesFixedBinsAndPercentiles", shapes, sample.LatinHypercube, 10_000, func(o *engine.Options) {
			o.Percentiles = []float64{0, 0.1, 12.5, 50, 99.9, 100}
			o.Histogram.Bins = 17
		}},
		{"OneIteration", mixed, sample.MonteCarlo, 1, nil},
		{"AutoStop", mixed, sample.MonteCarlo, 200_000, func(o *engine.Options) {
			o.AutoStop = &engine.AutoStop{RelativeError: 0.01, Confidence: 0.95}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := engine.Options{Iterations: tc.iterations, Seed: 11, Sampling: tc.method, SummaryMemory: -1}
			if tc.opts != nil {
				tc.opts(&o)
			}
			o.KeepSamples = true
			o.SummaryMemory = 0 // small enough: exact, from the values in memory
			kept, err := engine.Simulate(context.Background(), tc.model, o)
			require.NoError(t, err)
			o.SummaryMemory = -1 // streamed over the kept samples
			keptStreamed, err := engine.Simulate(context.Background(), tc.model, o)
			require.NoError(t, err)
			o.KeepSamples = false // streamed over the spill file
			streamed, err := engine.Simulate(context.Background(), tc.model, o)
			require.NoError(t, err)
			require.Equal(t, kept.Iterations, streamed.Iterations)
			keptStreamed.Elapsed, streamed.Elapsed = 0, 0
			for j := range keptStreamed.Outputs {
				require.Equal(t, bitsOf(kept.Outputs[j].Samples), bitsOf(keptStreamed.Outputs[j].Samples)) // NaN-encoded errors too
				keptStreamed.Outputs[j].Samples = nil
			}
			require.Equal(t, fingerprint(streamed), fingerprint(keptStreamed), "streamed over kept samples or the spill")
			for j, want := range kept.Outputs {
				got := streamed.Outputs[j]
				require.Nil(t, got.Samples)
				require.Equal(t, fmt.Sprintf("%+v", want.Summary), fmt.Sprintf("%+v", got.Summary), "output %d summary", j)
				require.Equal(t, want.Errors, got.Errors, "output %d errors", j)
				require.Equal(t, fmt.Sprint(want.Percentiles), fmt.Sprint(got.Percentiles), "output %d percentiles", j)
				require.Equal(t, want.Histogram, got.Histogram, "output %d histogram", j)
				require.Equal(t, want.HistogramMethod, got.HistogramMethod, "output %d", j)
				require.Len(t, got.Sensitivity, len(want.Sensitivity), "output %d", j)
				for i, w := range want.Sensitivity {
					g := got.Sensitivity[i]
					if math.IsNaN(w.RankCorrelation) {
						require.True(t, math.IsNaN(g.RankCorrelation), "output %d input %d", j, i)
						continue
					}
					require.InDelta(t, w.RankCorrelation, g.RankCorrelation, 2e-3, "output %d input %d rank correlation", j, i)
					require.InDelta(t, w.ContributionToVariance, g.ContributionToVariance, 0.5, "output %d input %d contribution", j, i)
					// Within a tie group of a discrete input the exact
					// groups follow iteration order, so their means carry
					// sampling noise the estimate averages out: compare
					// the continuous inputs' groups only.
					if tc.model.Inputs[i].Dist.Discrete() {
						continue
					}
					for d, m := range w.GroupMeans {
						require.InDelta(t, m, g.GroupMeans[d], 0.02*want.Summary.StdDev, "output %d input %d group %d", j, i, d)
					}
				}
			}
		})
	}
}

// TestSimulateStreamingMemoryDoesNotGrow runs a model (errors, RAND, a
// discrete input) at two sizes without keeping samples: what the larger run allocates, in all, is
// about what the smaller one does, while keeping samples costs 8 bytes per
// output and iteration and nothing more. With the default SummaryMemory a
// small run holds its values in memory, within that bound.
func TestSimulateStreamingMemoryDoesNotGrow(t *testing.T) {
	m := mixedModel(t)
	allocated := func(n int, o engine.Options) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		o.Iterations, o.Seed, o.Workers = n, 3, 2
		_, err := engine.Simulate(context.Background(), m, o)
		require.NoError(t, err)
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	const small, large = 40_000, 400_000
	for _, method := range []sample.Method{sample.MonteCarlo, sample.LatinHypercube} {
		streamed := engine.Options{Sampling: method, SummaryMemory: -1}
		a, b := allocated(small, streamed), allocated(large, streamed)
		t.Logf("%s without samples: %d iterations allocate %.1f MB, %d allocate %.1f MB", method, small, float64(a)/1e6, large, float64(b)/1e6)
		require.Less(t, float64(b), 1.2*float64(a)+1<<20, "%s: allocation grows with iterations", method)
		byDefault := allocated(large, engine.Options{Sampling: method})
		require.Less(t, float64(byDefault), 1.2*float64(a)+1<<20, "%s: the default streams a large run", method)
	}
	streamedSmall := allocated(small, engine.Options{SummaryMemory: -1})
	inMemory := allocated(small, engine.Options{})
	require.Less(t, inMemory, uint64(engine.DefaultSummaryMemory+8<<20), "a small run within SummaryMemory")
	samples := uint64(8 * large * len(m.Outputs))
	kept := allocated(large, engine.Options{KeepSamples: true})
	t.Logf("keeping samples: %d iterations allocate %.1f MB, of which samples %.1f MB", large, float64(kept)/1e6, float64(samples)/1e6)
	require.Greater(t, kept, samples, "kept samples are allocated")
	require.Less(t, float64(kept-samples), 1.2*float64(streamedSmall)+1<<20, "beyond the kept samples, allocation does not grow")
}

// TestSimulateStreamingWithoutTempFile checks the fallback when the
// outputs cannot be written to a file: the passes evaluate the model
// again and give the very same results, with a warning.
func TestSimulateStreamingWithoutTempFile(t *testing.T) {
	t.Parallel()
	m := shapesModel(t)
	o := engine.Options{Iterations: 3*engine.ChunkSize + 100, Seed: 9, Sampling: sample.LatinHypercube, SummaryMemory: -1}
	spilled, err := engine.Simulate(context.Background(), m, o)
	require.NoError(t, err)
	// The model's constant outputs give dependency warnings in both runs;
	// only the fallback adds its own.
	o.TempDir = filepath.Join(t.TempDir(), "missing")
	evaluated, err := engine.Simulate(context.Background(), m, o)
	require.NoError(t, err)
	require.Len(t, evaluated.Warnings, len(spilled.Warnings)+1)
	require.Equal(t, spilled.Warnings, evaluated.Warnings[:len(spilled.Warnings)])
	require.Contains(t, evaluated.Warnings[len(spilled.Warnings)], "evaluated the model again")
	for _, w := range spilled.Warnings {
		require.NotContains(t, w, "evaluated the model again")
	}
	spilled.Warnings, evaluated.Warnings = nil, nil
	require.Equal(t, fingerprint(spilled), fingerprint(evaluated))
}

func bitsOf(xs []float64) []uint64 {
	out := make([]uint64, len(xs))
	for i, x := range xs {
		out[i] = math.Float64bits(x)
	}
	return out
}
