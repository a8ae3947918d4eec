package sample

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/simgraph/simgraph/engine/stats"
)

// stratumOf returns k such that u is in [k/n, (k+1)/n) as computed in
// float64, the strata of the package documentation.
func stratumOf(u float64, n int) int {
	nf := float64(n)
	k := int(u * nf)
	for k > 0 && u < float64(k)/nf {
		k--
	}
	for k < n-1 && u >= float64(k+1)/nf {
		k++
	}
	return k
}

func prepared(t testing.TB, p *Plan) *Plan {
	t.Helper()
	_, err := p.Prepare()
	require.NoError(t, err)
	return p
}

func all(p *Plan, input int) []float64 {
	out := make([]float64, p.Iterations)
	for c := range p.Chunks() {
		p.Fill(input, c, out[c*p.ChunkSize:c*p.ChunkSize+p.ChunkLen(c)])
	}
	return out
}

func TestLatinHypercubeStrata(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name             string
		iterations, size int
	}{
		{"EvenChunks", 10_000, 1000},
		{"RaggedLastChunk", 9_999, 1024},
		{"OneChunk", 5_000, 5_000},
		{"ChunkOfOne", 257, 1},
		{"OneIteration", 1, 1},
		{"TwoIterations", 2, 1},
		{"ThreeIterations", 3, 2},
		{"SmallDomain", 100, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := prepared(t, &Plan{Iterations: tc.iterations, ChunkSize: tc.size, Seed: 42, Method: LatinHypercube})
			for input := range 5 {
				seen := make([]int, tc.iterations)
				for _, u := range all(p, input) {
					require.True(t, u > 0 && u < 1)
					seen[stratumOf(u, tc.iterations)]++
				}
				for k, c := range seen {
					require.Equal(t, 1, c, "input %d stratum %d", input, k)
				}
			}
		})
	}
}

// TestStratumPermIsPermutation checks that the keyed bijection hits every
// stratum of [0, n) exactly once, from at and from strata (which must
// agree), for tiny, power-of-two and awkward n.
func TestStratumPermIsPermutation(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 127, 128, 129, 1023, 1024, 1025, 65537, 1_000_003} {
		for _, key := range []struct {
			seed  uint64
			input int
		}{{0, 0}, {42, 0}, {42, 7}} {
			t.Run(fmt.Sprintf("N=%d/seed=%d/input=%d", n, key.seed, key.input), func(t *testing.T) {
				t.Parallel()
				p := newStratumPerm(key.seed, key.input, n)
				seen := make([]bool, n)
				steps := 0 // network evaluations of all the cycle walks
				for g := range n {
					k := p.at(uint64(g))
					require.Less(t, k, uint64(n), "iteration %d", g)
					require.False(t, seen[k], "stratum %d hit twice", k)
					seen[k] = true
					for x := p.feistel(uint64(g)); ; x = p.feistel(x) {
						steps++
						if x < uint64(n) {
							break
						}
					}
				}
				// The walks visit each value of the rectangle at most once
				// (not those on cycles that lie wholly outside [0, n)).
				require.GreaterOrEqual(t, steps, n)
				require.LessOrEqual(t, steps, int(p.a<<p.loBits))
				// strata over ranges that start anywhere, with lengths
				// that are and are not multiples of permLanes.
				for _, start := range []int{0, 1, n / 3, max(0, n-permLanes-3)} {
					dst := make([]float64, n-start)
					p.strata(uint64(start), dst)
					for k, v := range dst {
						require.Equal(t, float64(p.at(uint64(start+k))), v, "iteration %d", start+k)
					}
				}
			})
		}
	}
}

// TestStratumPermLargest checks the network at MaxIterations, where a full
// bitmap would need 2 GiB: values in range and distinct over samples at
// both ends and in the middle, and the cycle-walk bound.
func TestStratumPermLargest(t *testing.T) {
	t.Parallel()
	const n = MaxIterations
	p := newStratumPerm(7, 3, n)
	require.Equal(t, uint64(1<<15), p.loMask+1)
	require.Equal(t, uint64(1<<16), p.a) // ⌈(2³¹−1)/2¹⁵⌉
	seen := map[uint64]bool{}
	for _, g0 := range []uint64{0, n / 2, n - 10_000} {
		for g := g0; g < g0+10_000; g++ {
			k := p.at(g)
			require.Less(t, k, uint64(n))
			require.False(t, seen[k])
			seen[k] = true
		}
	}
}

// TestStratumPermRectangle checks the domain of the Feistel network: a
// rectangle a×2^w that holds [0, n) and exceeds it by less than 2^w, so
// that a cycle walk needs a second step with probability below 1/a.
func TestStratumPermRectangle(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, a, w int }{
		{1, 1, 0}, {2, 2, 0}, {3, 2, 1}, {4, 2, 1}, {5, 3, 1}, {1024, 32, 5},
		{1025, 33, 5}, {1_000_003, 977, 10}, {1 << 30, 1 << 15, 15}, {MaxIterations, 1 << 16, 15},
	} {
		p := newStratumPerm(1, 0, tc.n)
		size := p.a << p.loBits
		require.Equal(t, []uint64{uint64(tc.a), uint64(tc.w)}, []uint64{p.a, uint64(p.loBits)}, "N %d", tc.n)
		require.GreaterOrEqual(t, size, uint64(tc.n))
		require.Less(t, size-uint64(tc.n), p.loMask+1)
		require.LessOrEqual(t, float64(p.loMask+1), math.Sqrt(2*float64(tc.n)))
	}
}

// TestStratumPermsDiffer checks that seeds and inputs key the permutation,
// which is never the identity for a sizeable n.
func TestStratumPermsDiffer(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1023, 1024, 1025, 65537} {
		all := func(seed uint64, input int) []uint64 {
			p := newStratumPerm(seed, input, n)
			out := make([]uint64, n)
			for g := range out {
				out[g] = p.at(uint64(g))
			}
			return out
		}
		identity := make([]uint64, n)
		for g := range identity {
			identity[g] = uint64(g)
		}
		perms := [][]uint64{identity, all(1, 0), all(2, 0), all(1, 1), all(2, 1), all(1, 2)}
		for i := range perms {
			for j := range i {
				require.NotEqual(t, perms[i], perms[j], "N %d: permutations %d and %d", n, j, i)
			}
		}
	}
}

// TestStratumPermUniform is a statistical check of the Feistel network
// (fixed seeds, so it is deterministic): over 20,000 seeds, every stratum
// is equally likely at every position (chi-square on the n×n table of
// position and stratum), and for a larger n the permutation has no rank
// correlation with the iteration index nor with another input's, which is
// what LHS needs of it. The thresholds are far (≥ 5σ) from both the
// expected values and the biases that too few rounds show.
func TestStratumPermUniform(t *testing.T) {
	t.Parallel()
	t.Run("Positions", func(t *testing.T) {
		t.Parallel()
		for _, n := range []int{2, 3, 4, 5, 7, 10, 13, 100, 129, 200} {
			const seeds = 20_000
			count := make([]float64, n*n)
			for s := range seeds {
				p := newStratumPerm(uint64(s), 0, n)
				for g := range n {
					count[g*n+int(p.at(uint64(g)))]++
				}
			}
			want := float64(seeds) / float64(n)
			var chi2 float64
			for _, c := range count {
				chi2 += (c - want) * (c - want) / want
			}
			dof := float64((n - 1) * (n - 1))
			z := (chi2 - dof) / math.Sqrt(2*dof)
			require.Less(t, z, 5.0, "N %d: chi-square %.0f for %.0f degrees of freedom", n, chi2, dof)
		}
	})
	t.Run("RankCorrelation", func(t *testing.T) {
		t.Parallel()
		const n, seeds = 4099, 200
		// √(n−1)·ρ is about standard normal: its mean square is 1.
		var index, inputs float64
		x, y, id := make([]float64, n), make([]float64, n), make([]float64, n)
		for g := range id {
			id[g] = float64(g)
		}
		for s := range uint64(seeds) {
			p, q := newStratumPerm(s, 0, n), newStratumPerm(s, 1, n)
			p.strata(0, x)
			q.strata(0, y)
			index += float64(n-1) * math.Pow(stats.Spearman(x, id), 2) / seeds
			inputs += float64(n-1) * math.Pow(stats.Spearman(x, y), 2) / seeds
		}
		require.InDelta(t, 1, index, 0.5, "with the iteration index")
		require.InDelta(t, 1, inputs, 0.5, "between inputs")
	})
}

// TestMemoryDoesNotGrowWithIterations checks that preparing and filling a
// plan without correlation allocates nothing proportional to the number of
// iterations: a stored LHS permutation would be 16 MiB per input here. It
// is not parallel, so that no other test allocates while it measures.
func TestMemoryDoesNotGrowWithIterations(t *testing.T) {
	const iterations, inputs, batch = 1 << 22, 3, 4096
	for _, method := range []Method{MonteCarlo, LatinHypercube} {
		t.Run(string(method), func(t *testing.T) {
			dst := make([]float64, batch)
			seen := make([]uint64, iterations/64) // a bitmap of strata
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			p := &Plan{Iterations: iterations, ChunkSize: 1000, Seed: 9, Method: method}
			_, err := p.Prepare()
			require.NoError(t, err)
			for in := range inputs {
				clear(seen)
				// Batches that straddle chunks, last first.
				for start := iterations - batch; start >= 0; start -= batch {
					p.FillRange(in, start, dst)
					if method == LatinHypercube {
						for _, u := range dst {
							k := stratumOf(u, iterations)
							if seen[k/64]&(1<<(k%64)) != 0 {
								t.Fatalf("input %d: stratum %d hit twice", in, k)
							}
							seen[k/64] |= 1 << (k % 64)
						}
					}
				}
			}
			runtime.ReadMemStats(&after)
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d inputs × %d iterations: %d bytes allocated", inputs, iterations, allocated)
			require.Less(t, allocated, uint64(1<<20))
		})
	}
}

func TestStratumStaysInside(t *testing.T) {
	t.Parallel()
	// A jitter a hair below 1 must not round into the next stratum.
	for _, n := range []float64{3, 10, 1000, 999_999} {
		for _, k := range []float64{0, 1, n - 2, n - 1} {
			u := stratum(k, math.Nextafter(1, 0), n)
			require.Less(t, u, (k+1)/n)
			require.GreaterOrEqual(t, u, k/n)
			require.Less(t, u, 1.0)
		}
	}
}

func TestMonteCarloOpenInterval(t *testing.T) {
	t.Parallel()
	require.Equal(t, 0x1p-54, openUnit(0))
	require.Equal(t, 1-0x1p-54, openUnit(math.MaxUint64))
	p := prepared(t, &Plan{Iterations: 100_000, ChunkSize: 4096, Seed: 1})
	var m float64
	for _, u := range all(p, 3) {
		require.True(t, u > 0 && u < 1)
		m += u
	}
	require.InDelta(t, 0.5, m/100_000, 5*math.Sqrt(1.0/12/100_000))
}

func correlation3() *mat.SymDense {
	return mat.NewSymDense(3, []float64{
		1, 0.7, -0.4,
		0.7, 1, -0.2,
		-0.4, -0.2, 1,
	})
}

// TestSplitsAreBitIdentical checks the reproducibility contract: at a fixed
// chunk size, any number of workers and any batch size give the same bits.
func TestSplitsAreBitIdentical(t *testing.T) {
	t.Parallel()
	const iterations, chunk = 10_007, 1000
	for _, tc := range []struct {
		name   string
		method Method
		corr   bool
	}{
		{"MonteCarlo", MonteCarlo, false},
		{"LatinHypercube", LatinHypercube, false},
		{"MonteCarloImanConover", MonteCarlo, true},
		{"LatinHypercubeImanConover", LatinHypercube, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plan := func() *Plan {
				p := &Plan{Iterations: iterations, ChunkSize: chunk, Seed: 2024, Method: tc.method}
				if tc.corr {
					p.Correlation = correlation3()
					p.CorrelatedInputs = []int{0, 2, 3}
				}
				return prepared(t, p)
			}
			ref := plan()
			want := make([][]float64, 4)
			for in := range want {
				want[in] = all(ref, in)
			}
			for _, workers := range []int{1, 2, 7} {
				for _, batch := range []int{1, 333, chunk, 4096, iterations} {
					p := plan() // a fresh plan, as another process would build
					got := make([][]float64, 4)
					for in := range got {
						got[in] = make([]float64, iterations)
					}
					type job struct{ in, start, end int }
					jobs := make(chan job)
					var wg sync.WaitGroup
					for range workers {
						wg.Go(func() {
							for j := range jobs {
								p.FillRange(j.in, j.start, got[j.in][j.start:j.end])
							}
						})
					}
					// Batches handed out last first, to scramble the order.
					for start := (iterations - 1) / batch * batch; start >= 0; start -= batch {
						for in := range got {
							jobs <- job{in, start, min(start+batch, iterations)}
						}
					}
					close(jobs)
					wg.Wait()
					for in := range got {
						require.True(t, bitsEqual(want[in], got[in]), "workers %d batch %d input %d", workers, batch, in)
					}
				}
			}
		})
	}
}

func bitsEqual(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

func TestStreamsDiffer(t *testing.T) {
	t.Parallel()
	a := all(prepared(t, &Plan{Iterations: 1000, ChunkSize: 100, Seed: 1}), 0)
	b := all(prepared(t, &Plan{Iterations: 1000, ChunkSize: 100, Seed: 2}), 0)
	c := all(prepared(t, &Plan{Iterations: 1000, ChunkSize: 100, Seed: 1}), 1)
	d := all(prepared(t, &Plan{Iterations: 1000, ChunkSize: 50, Seed: 1}), 0)
	require.False(t, bitsEqual(a, b), "seeds")
	require.False(t, bitsEqual(a, c), "inputs")
	require.False(t, bitsEqual(a, d), "chunk sizes")
	// Chunks of one input are not copies of each other.
	require.False(t, bitsEqual(a[:100], a[100:200]))
}

// Iman-Conover acceptance: target Spearman within imanConoverTol at
// N = 10,000. The sampling error of a Spearman coefficient at this N is
// about 1/√N = 0.01; Iman-Conover lands much closer, since it corrects the
// sample correlation of the scores exactly.
const imanConoverTol = 0.02

func TestImanConover(t *testing.T) {
	t.Parallel()
	const iterations = 10_000
	target := mat.NewSymDense(4, []float64{
		1, 0.8, -0.5, 0,
		0.8, 1, -0.3, 0.2,
		-0.5, -0.3, 1, 0.6,
		0, 0.2, 0.6, 1,
	})
	for _, method := range []Method{MonteCarlo, LatinHypercube} {
		t.Run(string(method), func(t *testing.T) {
			t.Parallel()
			corr := prepared(t, &Plan{Iterations: iterations, ChunkSize: 1024, Seed: 99, Method: method, Correlation: target, CorrelatedInputs: []int{1, 2, 3, 5}})
			indep := prepared(t, &Plan{Iterations: iterations, ChunkSize: 1024, Seed: 99, Method: method})
			inputs := []int{1, 2, 3, 5}
			us := make([][]float64, len(inputs))
			for r, in := range inputs {
				us[r] = all(corr, in)
				// Marginals unchanged: the same values, reordered.
				a, b := slices.Clone(us[r]), all(indep, in)
				slices.Sort(a)
				slices.Sort(b)
				require.True(t, bitsEqual(a, b), "input %d marginal", in)
				if method == LatinHypercube {
					for k, u := range a {
						require.Equal(t, k, stratumOf(u, iterations), "one draw per stratum")
					}
				}
			}
			for i := range inputs {
				for j := range i {
					got := stats.Spearman(us[i], us[j])
					t.Logf("inputs %d, %d: target %.2f, got %.4f", inputs[i], inputs[j], target.At(i, j), got)
					require.InDelta(t, target.At(i, j), got, imanConoverTol, "inputs %d, %d", inputs[i], inputs[j])
				}
			}
			// Inputs outside the matrix are untouched.
			require.True(t, bitsEqual(all(corr, 0), all(indep, 0)))
		})
	}
}

func TestRepairCorrelation(t *testing.T) {
	t.Parallel()
	t.Run("HighamExample", func(t *testing.T) {
		t.Parallel()
		// Higham (2002), section 4: the nearest correlation matrix to
		// [1 1 0; 1 1 1; 0 1 1] has off-diagonal 0.7607 and 0.1573.
		a := mat.NewSymDense(3, []float64{1, 1, 0, 1, 1, 1, 0, 1, 1})
		r, warning, err := RepairCorrelation(a)
		require.NoError(t, err)
		require.Contains(t, warning, "not positive semi-definite")
		require.InDelta(t, 0.7607, r.At(0, 1), 1e-4)
		require.InDelta(t, 0.1573, r.At(0, 2), 1e-4)
		require.InDelta(t, 0.7607, r.At(1, 2), 1e-4)
		for i := range 3 {
			require.InDelta(t, 1, r.At(i, i), 1e-12)
		}
	})
	t.Run("ValidUnchanged", func(t *testing.T) {
		t.Parallel()
		c := correlation3()
		r, warning, err := RepairCorrelation(c)
		require.NoError(t, err)
		require.Empty(t, warning)
		require.Same(t, c, r)
	})
	t.Run("PlanWarnsAndCorrelates", func(t *testing.T) {
		t.Parallel()
		// Pairwise plausible, jointly impossible.
		bad := mat.NewSymDense(3, []float64{1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1})
		p := &Plan{Iterations: 5000, ChunkSize: 500, Seed: 3, Correlation: bad}
		warnings, err := p.Prepare()
		require.NoError(t, err)
		require.Len(t, warnings, 1)
		require.Contains(t, warnings[0], "inconsistent")
		repaired, _, err := RepairCorrelation(bad)
		require.NoError(t, err)
		u0, u1 := all(p, 0), all(p, 1)
		require.InDelta(t, repaired.At(0, 1), stats.Spearman(u0, u1), 0.03)
	})
	t.Run("PerfectCorrelation", func(t *testing.T) {
		t.Parallel()
		one := mat.NewSymDense(2, []float64{1, 1, 1, 1})
		p := prepared(t, &Plan{Iterations: 2000, ChunkSize: 100, Seed: 5, Correlation: one})
		require.InDelta(t, 1, stats.Spearman(all(p, 0), all(p, 1)), 1e-3)
	})
}

func TestInvalidPlans(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		plan Plan
		want string
	}{
		{"NoIterations", Plan{ChunkSize: 10}, "iterations must be between 1 and"},
		{"NoChunk", Plan{Iterations: 10}, "chunk size must be at least 1"},
		{"Method", Plan{Iterations: 10, ChunkSize: 10, Method: "SOBOL"}, `unknown method "SOBOL"`},
		{"Diagonal", Plan{Iterations: 10, ChunkSize: 10, Correlation: mat.NewSymDense(2, []float64{1, 0.5, 0.5, 0.9})}, "1 on its diagonal"},
		{"Range", Plan{Iterations: 10, ChunkSize: 10, Correlation: mat.NewSymDense(2, []float64{1, 1.5, 1.5, 1})}, "between -1 and 1 (got 1.5"},
		{"NaN", Plan{Iterations: 10, ChunkSize: 10, Correlation: mat.NewSymDense(2, []float64{1, math.NaN(), math.NaN(), 1})}, "between -1 and 1 (got NaN"},
		{"InputCount", Plan{Iterations: 10, ChunkSize: 10, Correlation: correlation3(), CorrelatedInputs: []int{0, 1}}, "3×3 but 2 correlated inputs"},
		{"DuplicateInput", Plan{Iterations: 10, ChunkSize: 10, Correlation: correlation3(), CorrelatedInputs: []int{0, 1, 1}}, "distinct"},
		{"TooFewIterations", Plan{Iterations: 3, ChunkSize: 10, Correlation: correlation3()}, "needs more than 3 iterations"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.plan
			_, err := p.Prepare()
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestFillMisuse(t *testing.T) {
	t.Parallel()
	p := &Plan{Iterations: 100, ChunkSize: 30}
	require.PanicsWithValue(t, errNotPrepared, func() { p.Fill(0, 0, make([]float64, 30)) })
	prepared(t, p)
	require.Equal(t, 4, p.Chunks())
	require.Equal(t, 10, p.ChunkLen(3))
	require.Panics(t, func() { p.Fill(0, 3, make([]float64, 30)) })
	require.Panics(t, func() { p.Fill(0, 4, make([]float64, 10)) })
	require.Panics(t, func() { p.FillRange(0, 95, make([]float64, 10)) })
	require.NotPanics(t, func() { p.Fill(0, 3, make([]float64, 10)) })
}
