package sample

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
)

// kendallTau is Kendall's τ-a of paired samples, by counting pairs.
func kendallTau(x, y []float64) float64 {
	var s float64
	for i := range x {
		for j := range i {
			d := (x[i] - x[j]) * (y[i] - y[j])
			switch {
			case d > 0:
				s++
			case d < 0:
				s--
			}
		}
	}
	n := float64(len(x))
	return s / (n * (n - 1) / 2)
}

// frankTau is Frank's τ = 1 − 4/θ·(1 − D₁(θ)), D₁ the first Debye
// function (1/θ)∫₀^θ t/(eᵗ − 1) dt (Genest 1987); τ is odd in θ.
func frankTau(theta float64) float64 {
	if theta < 0 {
		return -frankTau(-theta)
	}
	d := quad.Fixed(func(t float64) float64 {
		if t == 0 {
			return 1
		}
		return t / math.Expm1(t)
	}, 0, theta, 200, nil, 0) / theta
	return 1 - 4/theta*(1-d)
}

func corr2(r float64) *mat.SymDense { return mat.NewSymDense(2, []float64{1, r, r, 1}) }

func TestCopulaKendallTau(t *testing.T) {
	t.Parallel()
	// tauTolerance is about four standard errors of τ at 3,000 pairs.
	const iterations, tauTolerance = 3000, 0.03
	for _, tc := range []struct {
		name   string
		copula Copula
		tau    float64
	}{
		{"Clayton2", Copula{Family: Clayton, Parameter: 2}, 2.0 / 4},
		{"Clayton0.5", Copula{Family: Clayton, Parameter: 0.5}, 0.5 / 2.5},
		{"Gumbel1.5", Copula{Family: Gumbel, Parameter: 1.5}, 1 - 1/1.5},
		{"Gumbel4", Copula{Family: Gumbel, Parameter: 4}, 1 - 1.0/4},
		{"Gumbel1", Copula{Family: Gumbel, Parameter: 1}, 0},
		{"Frank5", Copula{Family: Frank, Parameter: 5}, frankTau(5)},
		{"FrankNegative", Copula{Family: Frank, Parameter: -3}, frankTau(-3)},
		{"StudentT", Copula{Family: StudentT, DegreesOfFreedom: 4, Correlation: corr2(0.6)}, 2 / math.Pi * math.Asin(0.6)},
		{"StudentTNegative", Copula{Family: StudentT, DegreesOfFreedom: 2.5, Correlation: corr2(-0.4)}, 2 / math.Pi * math.Asin(-0.4)},
	} {
		for _, method := range []Method{MonteCarlo, LatinHypercube} {
			t.Run(tc.name+string(method), func(t *testing.T) {
				t.Parallel()
				c := tc.copula
				c.Inputs = []int{1, 2}
				p := prepared(t, &Plan{Iterations: iterations, ChunkSize: 256, Seed: 7, Method: method, Copulas: []Copula{c}})
				x, y := all(p, 1), all(p, 2)
				for _, u := range append(x, y...) {
					require.True(t, u > 0 && u < 1, "uniform %g outside (0, 1)", u)
				}
				require.InDelta(t, tc.tau, kendallTau(x, y), tauTolerance)
				// The first member keeps the plan's own uniforms.
				q := prepared(t, &Plan{Iterations: iterations, ChunkSize: 256, Seed: 7, Method: method})
				if c.Family != StudentT {
					require.Equal(t, all(q, 1), x)
				}
			})
		}
	}
}

func TestCopulaTrivariateStudentT(t *testing.T) {
	t.Parallel()
	const tauTolerance = 0.03
	m := mat.NewSymDense(3, []float64{1, 0.5, -0.3, 0.5, 1, 0.2, -0.3, 0.2, 1})
	p := prepared(t, &Plan{Iterations: 3000, ChunkSize: 500, Seed: 3, Copulas: []Copula{{Family: StudentT, DegreesOfFreedom: 5, Inputs: []int{4, 0, 2}, Correlation: m}}})
	u := [][]float64{all(p, 4), all(p, 0), all(p, 2)}
	for i := range 3 {
		for j := range i {
			require.InDelta(t, 2/math.Pi*math.Asin(m.At(i, j)), kendallTau(u[i], u[j]), tauTolerance, "pair %d-%d", j, i)
		}
	}
}

// TestCopulaSplitInvariance checks that a copula's uniforms are those of
// their iterations whatever range is asked for.
func TestCopulaSplitInvariance(t *testing.T) {
	t.Parallel()
	for _, c := range []Copula{
		{Family: StudentT, DegreesOfFreedom: 3, Correlation: corr2(0.7)},
		{Family: Clayton, Parameter: 3},
		{Family: Gumbel, Parameter: 2},
		{Family: Frank, Parameter: -8},
	} {
		for _, method := range []Method{MonteCarlo, LatinHypercube} {
			t.Run(string(c.Family)+string(method), func(t *testing.T) {
				t.Parallel()
				c.Inputs = []int{3, 1}
				p := prepared(t, &Plan{Iterations: 1000, ChunkSize: 64, Seed: 11, Method: method, Copulas: []Copula{c}})
				for _, in := range c.Inputs {
					want := all(p, in)
					for _, batch := range []int{1, 7, 64, 100, 1000} {
						got := make([]float64, 0, 1000)
						for start := 0; start < 1000; start += batch {
							dst := make([]float64, min(batch, 1000-start))
							p.FillRange(in, start, dst)
							got = append(got, dst...)
						}
						require.Equal(t, want, got, "input %d in batches of %d", in, batch)
					}
				}
				// Another seed draws other uniforms.
				q := prepared(t, &Plan{Iterations: 1000, ChunkSize: 64, Seed: 12, Method: method, Copulas: []Copula{c}})
				require.NotEqual(t, all(p, 1), all(q, 1))
			})
		}
	}
}

// upperJoint is the fraction of iterations where both uniforms exceed q,
// divided by 1 − q: P(V > q | U > q), whose limit as q → 1 is the upper
// tail dependence coefficient.
func upperJoint(x, y []float64, q float64) float64 {
	var both, one float64
	for i := range x {
		if x[i] > q {
			one++
			if y[i] > q {
				both++
			}
		}
	}
	return both / one
}

func TestCopulaTailDependence(t *testing.T) {
	t.Parallel()
	const (
		iterations = 50_000
		rho        = 0.5
		q          = 0.99
	)
	// With ν = 3 and ρ = 0.5 the t copula's tail coefficient is
	// 2·t₄(−√(4·0.5/1.5)) ≈ 0.31; the Gaussian copula's is 0, and at q =
	// 0.99 the Gaussian's conditional exceedance is still about 0.15, the t's 0.3.
	tp := prepared(t, &Plan{Iterations: iterations, ChunkSize: 1024, Seed: 5, Copulas: []Copula{{Family: StudentT, DegreesOfFreedom: 3, Inputs: []int{0, 1}, Correlation: corr2(rho)}}})
	gp := prepared(t, &Plan{Iterations: iterations, ChunkSize: 1024, Seed: 5, Correlation: corr2(6 / math.Pi * math.Asin(rho/2))})
	tLambda := upperJoint(all(tp, 0), all(tp, 1), q)
	gLambda := upperJoint(all(gp, 0), all(gp, 1), q)
	lowerT := upperJoint(flip(all(tp, 0)), flip(all(tp, 1)), q)
	t.Logf("P(V > q | U > q) at q = %g: t %.3f (lower tail %.3f), Gaussian %.3f", q, tLambda, lowerT, gLambda)
	require.Greater(t, tLambda, 0.25)
	require.Greater(t, lowerT, 0.25, "the t copula is symmetric: its lower tail too")
	require.Less(t, gLambda, 0.2)
	// Clayton's dependence is in the lower tail (2^(−1/α)), Gumbel's in the
	// upper (2 − 2^(1/θ)).
	cp := prepared(t, &Plan{Iterations: iterations, ChunkSize: 1024, Seed: 5, Copulas: []Copula{{Family: Clayton, Parameter: 2, Inputs: []int{0, 1}}}})
	require.InDelta(t, math.Pow(2, -0.5), upperJoint(flip(all(cp, 0)), flip(all(cp, 1)), q), 0.1)
	require.Less(t, upperJoint(all(cp, 0), all(cp, 1), q), 0.2)
	gu := prepared(t, &Plan{Iterations: iterations, ChunkSize: 1024, Seed: 5, Copulas: []Copula{{Family: Gumbel, Parameter: 2, Inputs: []int{0, 1}}}})
	require.InDelta(t, 2-math.Sqrt2, upperJoint(all(gu, 0), all(gu, 1), q), 0.1)
	require.Less(t, upperJoint(flip(all(gu, 0)), flip(all(gu, 1)), q), 0.2)
}

func flip(u []float64) []float64 {
	for i := range u {
		u[i] = 1 - u[i]
	}
	return u
}

func TestCopulaInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		plan Plan
		want string
	}{
		{"ClaytonNotPositive", Plan{Copulas: []Copula{{Family: Clayton, Parameter: 0, Inputs: []int{0, 1}}}}, "α must be positive"},
		{"GumbelBelowOne", Plan{Copulas: []Copula{{Family: Gumbel, Parameter: 0.5, Inputs: []int{0, 1}}}}, "at least 1"},
		{"FrankZero", Plan{Copulas: []Copula{{Family: Frank, Inputs: []int{0, 1}}}}, "must not be 0"},
		{"ThreeArchimedean", Plan{Copulas: []Copula{{Family: Frank, Parameter: 1, Inputs: []int{0, 1, 2}}}}, "joins two inputs"},
		{"NoDegrees", Plan{Copulas: []Copula{{Family: StudentT, Inputs: []int{0, 1}, Correlation: corr2(0.2)}}}, "degrees of freedom"},
		{"WrongMatrix", Plan{Copulas: []Copula{{Family: StudentT, DegreesOfFreedom: 2, Inputs: []int{0, 1, 2}, Correlation: corr2(0.2)}}}, "3×3"},
		{"Twice", Plan{Copulas: []Copula{{Family: Frank, Parameter: 1, Inputs: []int{0, 1}}, {Family: Clayton, Parameter: 1, Inputs: []int{1, 2}}}}, "two correlations or copulas"},
		{"AlsoCorrelated", Plan{Correlation: corr2(0.3), Copulas: []Copula{{Family: Frank, Parameter: 1, Inputs: []int{1, 2}}}}, "two correlations or copulas"},
		{"UnknownFamily", Plan{Copulas: []Copula{{Family: "JOE", Parameter: 1, Inputs: []int{0, 1}}}}, "unknown copula family"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.plan
			p.Iterations, p.ChunkSize = 100, 10
			_, err := p.Prepare()
			require.ErrorContains(t, err, tc.want)
		})
	}
}
