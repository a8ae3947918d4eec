package engine_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/sample"
)

// runSplit runs m as a coordinator and one worker per part would: each
// part's split is new, restored from the coordinator's checkpoint, and
// evaluates its range; the partials travel encoded and are merged in the
// order given by order (indices into the parts).
func runSplit(t *testing.T, m engine.Model, o engine.Options, cuts []int, order []int) *engine.Result {
	t.Helper()
	ctx := context.Background()
	coord, err := engine.NewSplit(ctx, m, o)
	require.NoError(t, err)
	bounds := append(append([]int{0}, cuts...), coord.Chunks())
	require.Len(t, order, len(bounds)-1)
	for !coord.Done() {
		cp, err := coord.Checkpoint()
		require.NoError(t, err)
		var parts []*engine.Partial
		for _, k := range order {
			w, err := engine.NewSplit(ctx, m, o)
			require.NoError(t, err)
			require.NoError(t, w.Restore(cp))
			require.Equal(t, coord.Pass(), w.Pass())
			p, err := w.Evaluate(ctx, bounds[k], bounds[k+1])
			require.NoError(t, err)
			b, err := p.MarshalBinary()
			require.NoError(t, err)
			var back engine.Partial
			require.NoError(t, back.UnmarshalBinary(b))
			parts = append(parts, &back)
		}
		require.NoError(t, coord.Merge(parts))
		require.Less(t, coord.Pass(), 10, "a split run must end in a few passes")
	}
	require.GreaterOrEqual(t, coord.Pass(), 3, "moments, at least one counting pass, final")
	return coord.Result()
}

func TestSplitMatchesSimulateBitForBit(t *testing.T) {
	t.Parallel()
	dcf := dcfModel(t)
	correlated := dcfModel(t)
	correlated.Correlations = []engine.Correlation{{A: 0, B: 1, Coefficient: 0.6}, {A: 2, B: 3, Coefficient: -0.4}}
	shapes := shapesModel(t)
	const n = 6_000
	chunks := (n + engine.ChunkSize - 1) / engine.ChunkSize
	splits := []struct {
		name  string
		cuts  []int
		order []int
	}{
		{"one part", nil, []int{0}},
		{"two parts", []int{chunks / 2}, []int{0, 1}},
		{"three uneven parts", []int{1, 5}, []int{0, 1, 2}},
		{"parts out of order", []int{2, 3}, []int{2, 0, 1}},
	}
	models := []struct {
		name  string
		model engine.Model
		opts  engine.Options
	}{
		{"dcf", dcf, engine.Options{Seed: 11}},
		{"dcf kept samples", dcf, engine.Options{Seed: 12, KeepSamples: true}},
		{"dcf correlated", correlated, engine.Options{Seed: 13, Sampling: sample.LatinHypercube}},
		{"dcf correlated kept samples", correlated, engine.Options{Seed: 14, KeepSamples: true, Targets: []float64{0}}},
		{"shapes with errors", shapes, engine.Options{Seed: 15, TailLevels: []float64{0.9}, OutputTargets: map[int][]float64{0: {100}}}},
	}
	for _, mc := range models {
		o := mc.opts
		o.Iterations = n
		o.SummaryMemory = -1
		o.Workers = 2
		want, err := engine.Simulate(context.Background(), mc.model, o)
		require.NoError(t, err)
		for j := range want.Outputs {
			require.NotEmpty(t, want.Outputs[j].Convergence)
			want.Outputs[j].Convergence = nil // a split run keeps no running-mean trace
		}
		for _, sc := range splits {
			t.Run(mc.name+"/"+sc.name, func(t *testing.T) {
				got := runSplit(t, mc.model, o, sc.cuts, sc.order)
				requireSameResult(t, want, got)
			})
		}
	}
}

func TestSplitRefusesWhatItCannotMatch(t *testing.T) {
	t.Parallel()
	m := dcfModel(t)
	for _, tc := range []struct {
		name string
		opts engine.Options
	}{
		{"auto-stop", engine.Options{Iterations: 10_000, SummaryMemory: -1, AutoStop: &engine.AutoStop{RelativeError: 0.01, Confidence: 0.95}}},
		{"exact summary", engine.Options{Iterations: 10_000}},
	} {
		_, err := engine.NewSplit(context.Background(), m, tc.opts)
		require.Error(t, err, tc.name)
	}
	s, err := engine.NewSplit(context.Background(), m, engine.Options{Iterations: 10_000, SummaryMemory: -1})
	require.NoError(t, err)
	p, err := s.Evaluate(context.Background(), 0, 4)
	require.NoError(t, err)
	require.Error(t, s.Merge([]*engine.Partial{p}), "a pass's partials must cover every chunk")
}

// requireSameResult compares two results field by field, floats by their
// bits (NaN included), Elapsed aside.
func requireSameResult(t *testing.T, want, got *engine.Result) {
	t.Helper()
	w, g := *want, *got
	w.Elapsed, g.Elapsed = 0, 0
	if diff := bitDiff(reflect.ValueOf(w), reflect.ValueOf(g), "Result"); diff != "" {
		t.Fatal(diff)
	}
}

func bitDiff(a, b reflect.Value, path string) string {
	if a.Kind() != b.Kind() {
		return fmt.Sprintf("%s: kind %s vs %s", path, a.Kind(), b.Kind())
	}
	switch a.Kind() {
	case reflect.Float64, reflect.Float32:
		if math.Float64bits(a.Float()) != math.Float64bits(b.Float()) {
			return fmt.Sprintf("%s: %v (%#x) vs %v (%#x)", path, a.Float(), math.Float64bits(a.Float()), b.Float(), math.Float64bits(b.Float()))
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if d := bitDiff(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: length %d vs %d", path, a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := bitDiff(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d keys vs %d", path, a.Len(), b.Len())
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				return fmt.Sprintf("%s: key %v missing", path, k)
			}
			if d := bitDiff(a.MapIndex(k), bv, fmt.Sprintf("%s[%v]", path, k)); d != "" {
				return d
			}
		}
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() != b.IsNil() {
			return fmt.Sprintf("%s: nil vs not", path)
		}
		if !a.IsNil() {
			return bitDiff(a.Elem(), b.Elem(), path)
		}
	default:
		if a.CanInterface() && b.CanInterface() && !reflect.DeepEqual(a.Interface(), b.Interface()) {
			return fmt.Sprintf("%s: %v vs %v", path, a, b)
		}
		if !a.CanInterface() && fmt.Sprint(a) != fmt.Sprint(b) {
			return fmt.Sprintf("%s: %v vs %v", path, a, b)
		}
	}
	return ""
}
