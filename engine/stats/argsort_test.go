package stats

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestArgsortMatchesComparisonSort(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(8, 9))
	x := []float64{0, math.Copysign(0, -1), -1, 1, math.MaxFloat64, -math.MaxFloat64, 5e-324, -5e-324, 3, 3, -3, -3}
	for range 10_000 {
		switch r.IntN(3) {
		case 0:
			x = append(x, float64(r.IntN(20)-10)) // ties
		case 1:
			x = append(x, r.NormFloat64()*1e6)
		default:
			x = append(x, -r.ExpFloat64()*1e-300)
		}
	}
	want := make([]int32, len(x))
	for i := range want {
		want[i] = int32(i)
	}
	slices.SortStableFunc(want, func(a, b int32) int { return cmp.Compare(x[a], x[b]) })
	got := argsort(x)
	// Equal values may only differ by the sign of zero.
	for i := range got {
		require.Equal(t, x[want[i]], x[got[i]], "position %d", i)
	}
	require.Empty(t, argsort(nil))
}
