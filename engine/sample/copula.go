package sample

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// CopulaFamily is a non-Gaussian copula the plan can impose.
type CopulaFamily string

// The copula families.
const (
	// StudentT is the t copula of a correlation matrix and ν degrees of
	// freedom: it has tail dependence, which the Gaussian copula lacks.
	StudentT CopulaFamily = "STUDENT_T"
	// Clayton (α > 0) has lower tail dependence, Kendall's τ = α/(α+2).
	Clayton CopulaFamily = "CLAYTON"
	// Gumbel (θ ≥ 1) has upper tail dependence, τ = 1 − 1/θ.
	Gumbel CopulaFamily = "GUMBEL"
	// Frank (θ ≠ 0) has no tail dependence; τ = 1 − 4/θ·(1 − D₁(θ)).
	Frank CopulaFamily = "FRANK"
)

// Copula joins some inputs by a non-Gaussian copula. The Archimedean
// families (Clayton, Gumbel, Frank) are bivariate: exactly two inputs.
type Copula struct {
	Family CopulaFamily
	// Inputs are the inputs the copula joins, in the order of the rows
	// of Correlation.
	Inputs []int
	// Correlation holds, for StudentT, the Pearson correlations of the
	// copula's normal variables (not rank correlations).
	Correlation *mat.SymDense
	// DegreesOfFreedom is StudentT's ν > 0.
	DegreesOfFreedom float64
	// Parameter is Clayton's α, Gumbel's θ or Frank's θ.
	Parameter float64
}

// preparedCopula is what Prepare leaves for one copula.
type preparedCopula struct {
	Copula
	chol *mat.TriDense // StudentT: the lower Cholesky factor
	t    distuv.StudentsT
	chi2 distuv.ChiSquared
}

// copulaMember is an input's place in a copula.
type copulaMember struct {
	c   *preparedCopula
	pos int
}

// prepareCopula validates c and factorises its matrix. taken are the
// inputs already correlated (by Correlation or an earlier copula).
func prepareCopula(c Copula, taken map[int]bool) (*preparedCopula, []string, error) {
	pc := &preparedCopula{Copula: c}
	seen := map[int]bool{}
	for _, in := range c.Inputs {
		if in < 0 || seen[in] {
			return nil, nil, fmt.Errorf("sample: a copula's inputs must be distinct non-negative indices (got %v)", c.Inputs)
		}
		if taken[in] {
			return nil, nil, fmt.Errorf("sample: input %d is in two correlations or copulas", in)
		}
		seen[in] = true
	}
	var warnings []string
	switch c.Family {
	case StudentT:
		if !(c.DegreesOfFreedom > 0) || math.IsInf(c.DegreesOfFreedom, 0) {
			return nil, nil, fmt.Errorf("sample: a t copula's degrees of freedom must be positive (got %g)", c.DegreesOfFreedom)
		}
		if c.Correlation == nil || c.Correlation.SymmetricDim() != len(c.Inputs) {
			return nil, nil, fmt.Errorf("sample: a t copula of %d inputs needs a %d×%d correlation matrix", len(c.Inputs), len(c.Inputs), len(c.Inputs))
		}
		m, warning, err := RepairCorrelation(c.Correlation)
		if err != nil {
			return nil, nil, err
		}
		if warning != "" {
			warnings = append(warnings, warning)
		}
		var chol mat.Cholesky
		if !chol.Factorize(m) {
			// Singular, for example a correlation of exactly 1.
			if !chol.Factorize(unitDiagonal(clipEigen(m, minEigenvalue))) {
				return nil, nil, fmt.Errorf("sample: a t copula's correlation matrix cannot be factorised")
			}
		}
		pc.chol = &mat.TriDense{}
		chol.LTo(pc.chol)
		pc.t = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: c.DegreesOfFreedom}
		pc.chi2 = distuv.ChiSquared{K: c.DegreesOfFreedom}
	case Clayton, Gumbel, Frank:
		if len(c.Inputs) != 2 {
			return nil, nil, fmt.Errorf("sample: a %s copula joins two inputs (got %d)", c.Family, len(c.Inputs))
		}
		p := c.Parameter
		switch {
		case math.IsNaN(p) || math.IsInf(p, 0):
			return nil, nil, fmt.Errorf("sample: a %s copula's parameter must be finite (got %g)", c.Family, p)
		case c.Family == Clayton && !(p > 0):
			return nil, nil, fmt.Errorf("sample: a Clayton copula's α must be positive (got %g)", p)
		case c.Family == Gumbel && !(p >= 1):
			return nil, nil, fmt.Errorf("sample: a Gumbel copula's θ must be at least 1 (got %g)", p)
		case c.Family == Frank && p == 0:
			return nil, nil, fmt.Errorf("sample: a Frank copula's θ must not be 0")
		}
	default:
		return nil, nil, fmt.Errorf("sample: unknown copula family %q", string(c.Family))
	}
	return pc, warnings, nil
}

// fill writes the copula's uniforms of member pos for the iterations
// [start, start+len(dst)). The copula is driven by its members'
// independent uniforms of the same iterations (Monte Carlo or LHS), plus,
// for the t copula, one uniform per iteration from the stream (seed,
// copula, first member, chunk) for its χ² variable. Each iteration takes a
// fixed number of draws from each stream, so the values depend only on the
// plan and the iteration, whatever the range asked for.
func (pc *preparedCopula) fill(p *Plan, pos, start int, dst []float64) {
	n := len(dst)
	k := len(pc.Inputs)
	u := make([][]float64, k)
	for j, in := range pc.Inputs {
		if j > pos {
			break // row pos of L, and the conditional inversion, need the members up to pos
		}
		u[j] = make([]float64, n)
		p.fillIndependent(in, start, u[j])
	}
	switch pc.Family {
	case StudentT:
		w := make([]float64, n)
		p.fillStream(purposeCopula, pc.Inputs[0], start, w)
		z := make([]float64, k)
		for l := range dst {
			for j := 0; j <= pos; j++ {
				z[j] = mathext.NormalQuantile(u[j][l])
			}
			var x float64 // row pos of L·z
			for j := 0; j <= pos; j++ {
				x += pc.chol.At(pos, j) * z[j]
			}
			s := pc.chi2.Quantile(w[l])
			dst[l] = openClamp(pc.t.CDF(x / math.Sqrt(s/pc.DegreesOfFreedom)))
		}
	default:
		if pos == 0 {
			copy(dst, u[0])
			return
		}
		for l := range dst {
			dst[l] = openClamp(conditionalInverse(pc.Family, pc.Parameter, u[0][l], u[1][l]))
		}
	}
}

// conditionalInverse returns v such that ∂C(u, v)/∂u = w: the second
// uniform of a bivariate Archimedean copula given the first, u, and an
// independent uniform w.
func conditionalInverse(f CopulaFamily, theta, u, w float64) float64 {
	switch f {
	case Clayton:
		// C = (u^−α + v^−α − 1)^(−1/α); solving ∂C/∂u = w for v.
		a := theta
		return math.Pow(math.Pow(u, -a)*(math.Pow(w, -a/(1+a))-1)+1, -1/a)
	case Frank:
		// C = −ln(1 + (e^−θu − 1)(e^−θv − 1)/(e^−θ − 1))/θ.
		eu := math.Exp(-theta * u)
		return -math.Log1p(w*math.Expm1(-theta)/(w+(1-w)*eu)) / theta
	case Gumbel:
		return gumbelConditionalInverse(theta, u, w)
	}
	panic("sample: no conditional inverse for " + string(f))
}

// gumbelConditionalInverse solves ∂C/∂u = w for the Gumbel copula
// C = exp(−A), A = (x^θ + y^θ)^(1/θ), x = −ln u, y = −ln v. Then
// ∂C/∂u = e^(x−A)·(x/A)^(θ−1), so A is the root, above x, of
// g(A) = A + (θ−1)·ln A − x − (θ−1)·ln x + ln w, increasing and concave:
// Newton's method from A = x climbs to it without overshooting.
func gumbelConditionalInverse(theta, u, w float64) float64 {
	if theta == 1 {
		return w
	}
	x := -math.Log(u)
	c := x + (theta-1)*math.Log(x) - math.Log(w)
	a := x
	for range 100 {
		g := a + (theta-1)*math.Log(a) - c
		step := g / (1 + (theta-1)/a)
		a -= step
		if math.Abs(step) <= 1e-15*a {
			break
		}
	}
	y := math.Pow(math.Max(math.Pow(a, theta)-math.Pow(x, theta), 0), 1/theta)
	return math.Exp(-y)
}

// openClamp keeps a copula's uniform inside (0, 1), where rounding of a
// CDF or a power may have put it on a bound.
func openClamp(v float64) float64 {
	switch {
	case !(v > 0):
		return 0x1p-53 * 0.5
	case v >= 1:
		return 1 - 0x1p-53*0.5
	}
	return v
}

// fillStream writes, for the iterations [start, start+len(dst)), the
// uniform that lane k of chunk c draws k-th from the stream (seed,
// purpose, key, c).
func (p *Plan) fillStream(purpose uint64, key, start int, dst []float64) {
	for done := 0; done < len(dst); {
		g := start + done
		c := g / p.ChunkSize
		skip := g - c*p.ChunkSize
		m := min(len(dst)-done, p.ChunkLen(c)-skip)
		s := newStream(p.Seed, purpose, key, c)
		for range skip {
			s.Uint64()
		}
		for k := range dst[done : done+m] {
			dst[done+k] = openUnit(s.Uint64())
		}
		done += m
	}
}
