package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// samples are shapes that stress a search by bins: smooth, heavy-tailed,
// tied, straddling zero, spanning the whole float64 range, subnormal.
func samples(n int) map[string][]float64 {
	r := rand.New(rand.NewPCG(1, 2))
	gen := func(f func() float64) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = f()
		}
		return xs
	}
	return map[string][]float64{
		"normal":      gen(func() float64 { return 1e6 + 1e5*r.NormFloat64() }),
		"lognormal":   gen(func() float64 { return math.Exp(3 * r.NormFloat64()) }),
		"discrete":    gen(func() float64 { return float64(r.IntN(4)) }),
		"mostlyTied":  gen(func() float64 { return map[bool]float64{true: 7, false: r.Float64()}[r.IntN(100) > 0] }),
		"acrossZero":  gen(func() float64 { return -2e6 + 1e7*r.Float64() }),
		"hugeRange":   gen(func() float64 { return math.Ldexp(r.Float64()-0.5, r.IntN(2046)-1022) }),
		"subnormal":   gen(func() float64 { return math.Float64frombits(uint64(r.IntN(1000))) }),
		"twoValues":   gen(func() float64 { return float64(r.IntN(2)) * 1e-300 }),
		"cauchyTails": gen(func() float64 { return math.Tan(math.Pi * (r.Float64() - 0.5)) }),
	}
}

func TestSelectionFindsExactOrderStatistics(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, 5, 1000, 50_000} {
		for name, xs := range samples(n) {
			sorted := slices.Sorted(slices.Values(xs))
			ranks := []int64{0, int64(n - 1), int64(n / 2), int64(n / 100), int64(n - 1 - n/100), int64(n / 3)}
			s := NewSelection(int64(n), sorted[0], sorted[n-1], ranks)
			passes := 0
			for !s.Done() {
				passes++
				require.LessOrEqual(t, passes, 8, "%s n=%d: too many passes", name, n)
				// three goroutines' shares, values handed out in any order
				ps := []*SelectionPass{s.NewPass(), s.NewPass(), s.NewPass()}
				for i, x := range xs {
					ps[i%3].Add(x)
				}
				s.Finish(ps...)
			}
			for _, rk := range ranks {
				require.Equal(t, sorted[rk], s.Value(rk), "%s n=%d rank %d", name, n, rk)
			}
		}
	}
}

func TestSelectionMemoryDoesNotDependOnLength(t *testing.T) {
	t.Parallel()
	// A pass holds bins or at most selectionCollect values per interval.
	xs := samples(200_000)["normal"]
	sorted := slices.Sorted(slices.Values(xs))
	s := NewSelection(int64(len(xs)), sorted[0], sorted[len(xs)-1], []int64{100_000})
	for !s.Done() {
		p := s.NewPass()
		for _, x := range xs {
			p.Add(x)
		}
		for _, j := range p.jobs {
			require.LessOrEqual(t, len(j.values), selectionCollect)
			require.LessOrEqual(t, len(j.counts), selectionBins)
		}
		s.Finish(p)
	}
	require.Equal(t, sorted[100_000], s.Value(100_000))
}

func FuzzSelection(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, rank uint16) {
		var xs []float64
		for i := 0; i+8 <= len(data); i += 8 {
			x := math.Float64frombits(uint64(data[i]) | uint64(data[i+1])<<8 | uint64(data[i+2])<<16 | uint64(data[i+3])<<24 |
				uint64(data[i+4])<<32 | uint64(data[i+5])<<40 | uint64(data[i+6])<<48 | uint64(data[i+7])<<56)
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				if x == 0 {
					x = 0
				}
				xs = append(xs, x)
			}
		}
		if len(xs) == 0 {
			return
		}
		sorted := slices.Sorted(slices.Values(xs))
		rk := int64(rank) % int64(len(xs))
		s := NewSelection(int64(len(xs)), sorted[0], sorted[len(xs)-1], []int64{rk})
		for passes := 0; !s.Done(); passes++ {
			require.Less(t, passes, 12)
			p := s.NewPass()
			for _, x := range xs {
				p.Add(x)
			}
			s.Finish(p)
		}
		require.Equal(t, sorted[rk], s.Value(rk))
	})
}
