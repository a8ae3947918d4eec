package engine_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/sample"
)

// TestSplitKeptReplaysBitForBit runs every pass of a split run twice per
// range, on a worker that evaluates the model and on one that replays the
// first pass's outputs from its Kept store, and requires the two partials'
// encodings to be the same bytes; the merged result must be Simulate's
// (run with two engine goroutines).
func TestSplitKeptReplaysBitForBit(t *testing.T) {
	t.Parallel()
	dcf := dcfModel(t)
	correlated := dcfModel(t)
	correlated.Correlations = []engine.Correlation{{A: 0, B: 1, Coefficient: 0.6}, {A: 2, B: 3, Coefficient: -0.4}}
	shapes := shapesModel(t)
	const n = 6_000
	for _, tc := range []struct {
		name  string
		model engine.Model
		opts  engine.Options
	}{
		{"dcf", dcf, engine.Options{Seed: 21}},
		{"dcf latin hypercube", dcf, engine.Options{Seed: 22, Sampling: sample.LatinHypercube}},
		{"dcf correlated latin hypercube", correlated, engine.Options{Seed: 23, Sampling: sample.LatinHypercube, Targets: []float64{0}}},
		{"shapes with errors and RAND", shapes, engine.Options{Seed: 24, TailLevels: []float64{0.9}, OutputTargets: map[int][]float64{0: {100}}}},
		{"shapes kept samples", shapes, engine.Options{Seed: 25, KeepSamples: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			o := tc.opts
			o.Iterations, o.SummaryMemory, o.Workers = n, -1, 2
			want, err := engine.Simulate(ctx, tc.model, o)
			require.NoError(t, err)
			for j := range want.Outputs {
				want.Outputs[j].Convergence = nil // a split run keeps no running-mean trace
			}
			// One engine goroutine per task: a counting pass collects the
			// values of a narrow bin in the order the chunks come, which
			// with more goroutines varies from one attempt to the next
			// (and merges to the same result).
			o.Workers = 1

			coord, err := engine.NewSplit(ctx, tc.model, o)
			require.NoError(t, err)
			bounds := []int{0, 1, 4, coord.Chunks()}
			budget := engine.NewSpillBudget(1 << 30)
			kept, err := coord.NewKept(t.TempDir(), budget)
			require.NoError(t, err)
			defer kept.Close()
			replays := 0
			for !coord.Done() {
				cp, err := coord.Checkpoint()
				require.NoError(t, err)
				var parts []*engine.Partial
				for k := range len(bounds) - 1 {
					first, end := bounds[k], bounds[k+1]
					evaluated := restoredSplit(t, tc.model, o, cp)
					pe, err := evaluated.Evaluate(ctx, first, end)
					require.NoError(t, err)
					keeping := restoredSplit(t, tc.model, o, cp)
					pk, replayed, err := keeping.EvaluateKept(ctx, first, end, kept)
					require.NoError(t, err)
					require.Equal(t, coord.Pass() > 0, replayed, "pass %d [%d, %d)", coord.Pass(), first, end)
					if replayed {
						replays++
					}
					be, err := pe.MarshalBinary()
					require.NoError(t, err)
					bk, err := pk.MarshalBinary()
					require.NoError(t, err)
					require.True(t, bytes.Equal(be, bk), "pass %d [%d, %d): the replayed partial differs from the evaluated one", coord.Pass(), first, end)
					parts = append(parts, pk)
				}
				require.NoError(t, coord.Merge(parts))
			}
			require.GreaterOrEqual(t, replays, 2*(len(bounds)-1), "a counting pass and the final pass replayed")
			requireSameResult(t, want, coord.Result())
			require.Positive(t, kept.Bytes())
			kept.Close()
			require.Equal(t, int64(1<<30), budget.Left(), "Close gives the budget back")
			require.False(t, kept.Holds(0, 1))
		})
	}
}

// TestSplitKeptWithinBudget checks that a range the budget has no room
// for is evaluated, not kept, and its later passes evaluate the model.
func TestSplitKeptWithinBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := dcfModel(t)
	o := engine.Options{Seed: 5, Iterations: 6_000, SummaryMemory: -1, Workers: 2}
	s, err := engine.NewSplit(ctx, m, o)
	require.NoError(t, err)
	perChunk := int64(8 * engine.ChunkSize * len(m.Outputs))
	budget := engine.NewSpillBudget(2 * perChunk)
	kept, err := s.NewKept(t.TempDir(), budget)
	require.NoError(t, err)
	defer kept.Close()
	for _, tc := range []struct {
		first, end int
		held       bool
	}{
		{0, 2, true},
		{2, 3, false}, // over the budget
		{0, 1, true},  // already reserved
	} {
		_, replayed, err := s.EvaluateKept(ctx, tc.first, tc.end, kept)
		require.NoError(t, err)
		require.False(t, replayed, "the first pass evaluates")
		require.Equal(t, tc.held, kept.Holds(tc.first, tc.end), "[%d, %d)", tc.first, tc.end)
	}
	require.Equal(t, 2*perChunk, kept.Bytes())
	require.Zero(t, budget.Left())
}

func restoredSplit(t *testing.T, m engine.Model, o engine.Options, cp []byte) *engine.Split {
	t.Helper()
	s, err := engine.NewSplit(context.Background(), m, o)
	require.NoError(t, err)
	require.NoError(t, s.Restore(cp))
	return s
}
