package sample

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
)

// Tolerances of the correlation checks.
const (
	// unitDiagonalTolerance is how far from 1 a diagonal entry may be.
	unitDiagonalTolerance = 1e-9
	// psdTolerance is how negative the smallest eigenvalue of a target
	// matrix may be before it is repaired: rounding in a matrix typed with
	// a few decimals stays far above it, a genuinely inconsistent set of
	// correlations far below.
	psdTolerance = 1e-10
	// minEigenvalue is the floor put under the eigenvalues of a repaired or
	// singular matrix so that its Cholesky factorisation exists; it changes
	// correlations by about 1e-8, invisible at any practical N.
	minEigenvalue = 1e-8
	// highamTolerance and highamMaxIter stop the alternating projections:
	// relative change in Frobenius norm per iteration, and a cap that
	// inconsistent matrices of a few dozen inputs never reach.
	highamTolerance = 1e-12
	highamMaxIter   = 1000
)

// RepairCorrelation checks that c is a correlation matrix (unit diagonal,
// entries in [−1, 1]) and, if it is not positive semi-definite, returns the
// nearest correlation matrix in the Frobenius norm (Higham, "Computing the
// nearest correlation matrix", IMA J. Numer. Anal. 22, 2002: alternating
// projections with Dykstra's correction) with a warning for the user. A
// valid c is returned as is, with an empty warning.
func RepairCorrelation(c *mat.SymDense) (*mat.SymDense, string, error) {
	k := c.SymmetricDim()
	for i := range k {
		if d := c.At(i, i); math.Abs(d-1) > unitDiagonalTolerance {
			return nil, "", fmt.Errorf("sample: correlation matrix must have 1 on its diagonal (got %g at row %d)", d, i+1)
		}
		for j := range i {
			if v := c.At(i, j); !(v >= -1 && v <= 1) {
				return nil, "", fmt.Errorf("sample: correlations must be between -1 and 1 (got %g between inputs %d and %d)", v, j+1, i+1)
			}
		}
	}
	minEig := smallestEigenvalue(c)
	if minEig >= -psdTolerance {
		return c, "", nil
	}
	r := nearestCorrelation(c)
	var worst float64
	wi, wj := 0, 0
	for i := range k {
		for j := range i {
			if d := math.Abs(r.At(i, j) - c.At(i, j)); d > worst {
				worst, wi, wj = d, j, i
			}
		}
	}
	return r, fmt.Sprintf("the rank correlation matrix is inconsistent (not positive semi-definite: smallest eigenvalue %.3g); the nearest consistent matrix is used instead, which changes the correlation between correlated inputs %d and %d the most, from %.4g to %.4g",
		minEig, wi+1, wj+1, c.At(wi, wj), r.At(wi, wj)), nil
}

func smallestEigenvalue(c *mat.SymDense) float64 {
	var eig mat.EigenSym
	if !eig.Factorize(c, false) {
		return math.NaN()
	}
	return slices.Min(eig.Values(nil))
}

// nearestCorrelation is Higham's algorithm 3.3 with unit weights, followed by
// an eigenvalue floor (minEigenvalue) and a rescaling to unit diagonal.
func nearestCorrelation(a *mat.SymDense) *mat.SymDense {
	k := a.SymmetricDim()
	y := mat.NewSymDense(k, nil)
	y.CopySym(a)
	ds := mat.NewSymDense(k, nil) // Dykstra's correction
	r := mat.NewSymDense(k, nil)
	var x *mat.SymDense
	for range highamMaxIter {
		// R = Y − ΔS; X = P_S(R); ΔS = X − R; Y = P_U(X).
		subSym(r, y, ds)
		x = clipEigen(r, 0)
		subSym(ds, x, r)
		var change, size float64
		for i := range k {
			for j := i; j < k; j++ {
				v := x.At(i, j)
				if i == j {
					v = 1
				}
				d := v - y.At(i, j)
				change += d * d
				size += v * v
				y.SetSym(i, j, v)
			}
		}
		if math.Sqrt(change) <= highamTolerance*math.Sqrt(size) {
			break
		}
	}
	return unitDiagonal(clipEigen(y, minEigenvalue))
}

// subSym sets dst = a − b.
func subSym(dst, a, b *mat.SymDense) {
	k := a.SymmetricDim()
	for i := range k {
		for j := i; j < k; j++ {
			dst.SetSym(i, j, a.At(i, j)-b.At(i, j))
		}
	}
}

// clipEigen returns V·max(Λ, floor)·Vᵀ.
func clipEigen(a *mat.SymDense, floor float64) *mat.SymDense {
	var eig mat.EigenSym
	if !eig.Factorize(a, true) {
		panic("sample: eigendecomposition of a correlation matrix failed")
	}
	vals := eig.Values(nil)
	var v mat.Dense
	eig.VectorsTo(&v)
	for i := range vals {
		vals[i] = math.Max(vals[i], floor)
	}
	k := len(vals)
	out := mat.NewSymDense(k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			var s float64
			for l := range k {
				s += v.At(i, l) * vals[l] * v.At(j, l)
			}
			out.SetSym(i, j, s)
		}
	}
	return out
}

// unitDiagonal returns D^(−½)·A·D^(−½), D = diag(A).
func unitDiagonal(a *mat.SymDense) *mat.SymDense {
	k := a.SymmetricDim()
	out := mat.NewSymDense(k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			out.SetSym(i, j, a.At(i, j)/math.Sqrt(a.At(i, i)*a.At(j, j)))
		}
	}
	return out
}

// pearsonTarget turns target Spearman correlations into the Pearson
// correlations of normal scores that produce them, 2·sin(π·ρs/6) (Pearson
// 1907's relation for the bivariate normal), repairing the target first if it
// is inconsistent, and nudging the result to positive definite if needed.
func pearsonTarget(spearman *mat.SymDense) (*mat.SymDense, []string, error) {
	var warnings []string
	c, warning, err := RepairCorrelation(spearman)
	if err != nil {
		return nil, nil, err
	}
	if warning != "" {
		warnings = append(warnings, warning)
	}
	k := c.SymmetricDim()
	p := mat.NewSymDense(k, nil)
	for i := range k {
		p.SetSym(i, i, 1)
		for j := range i {
			p.SetSym(j, i, 2*math.Sin(math.Pi*c.At(i, j)/6))
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(p) {
		if smallestEigenvalue(p) < -psdTolerance && warning == "" {
			// The conversion broke positive semi-definiteness: rare, and
			// only for targets on the edge of consistency.
			warnings = append(warnings, "the rank correlation matrix is at the edge of consistency; the nearest consistent matrix is used instead")
			p = nearestCorrelation(p)
		} else {
			// Singular (for example a correlation of exactly 1).
			p = unitDiagonal(clipEigen(p, minEigenvalue))
		}
	}
	return p, warnings, nil
}

// imanConoverRanks returns, for each correlated input r, the rank (0-based)
// that iteration g must take so that the inputs have Pearson correlation
// target between their van der Waerden scores (Iman and Conover, "A
// distribution-free approach to inducing rank correlation among input
// variables", Commun. Stat. B 11(3), 1982).
func imanConoverRanks(seed uint64, inputs []int, target *mat.SymDense, n int) ([][]int32, error) {
	k := len(inputs)
	// Scores Φ⁻¹(j/(n+1)), standardised to mean 0 and variance 1.
	scores := make([]float64, n)
	var mean, ss float64
	for j := range scores {
		scores[j] = mathext.NormalQuantile(float64(j+1) / float64(n+1))
		mean += scores[j]
	}
	mean /= float64(n)
	for j := range scores {
		scores[j] -= mean
		ss += scores[j] * scores[j]
	}
	sd := math.Sqrt(ss / float64(n))
	for j := range scores {
		scores[j] /= sd
	}
	// S: each column the scores in the order of an independent permutation.
	s := mat.NewDense(n, k, nil)
	for c, in := range inputs {
		st := newStream(seed, purposeIC, in, 0)
		perm := randPerm(rand.New(&st), n)
		for g, pi := range perm {
			s.Set(g, c, scores[pi])
		}
	}
	// E = SᵀS/n = L_E·L_Eᵀ, target = L_C·L_Cᵀ, T = S·(L_C·L_E⁻¹)ᵀ has
	// correlation exactly target.
	var e mat.SymDense
	e.SymOuterK(1/float64(n), s.T())
	var cholE, cholC mat.Cholesky
	if !cholE.Factorize(&e) {
		return nil, fmt.Errorf("sample: Iman-Conover scores are degenerate (%d iterations, %d inputs)", n, k)
	}
	if !cholC.Factorize(target) {
		return nil, fmt.Errorf("sample: correlation matrix is not positive definite after repair")
	}
	var le, lc, leInv mat.TriDense
	cholE.LTo(&le)
	cholC.LTo(&lc)
	if err := leInv.InverseTri(&le); err != nil {
		return nil, fmt.Errorf("sample: Iman-Conover: %w", err)
	}
	var m mat.Dense
	m.Mul(&lc, &leInv)
	var t mat.Dense
	t.Mul(s, m.T())
	ranks := make([][]int32, k)
	col := make([]float64, n)
	idx := make([]int32, n)
	for c := range k {
		mat.Col(col, c, &t)
		for g := range idx {
			idx[g] = int32(g)
		}
		slices.SortFunc(idx, func(a, b int32) int {
			switch {
			case col[a] < col[b]:
				return -1
			case col[a] > col[b]:
				return 1
			}
			return int(a - b)
		})
		rank := make([]int32, n)
		for r, g := range idx {
			rank[g] = int32(r)
		}
		ranks[c] = rank
	}
	return ranks, nil
}

func sortFloats(x []float64) { slices.Sort(x) }

// randPerm is a Fisher–Yates permutation of [0, n) drawn from r: the
// Iman-Conover score order of one input, which is inherently an N-sized
// array of that method (LHS strata use stratumPerm instead).
func randPerm(r *rand.Rand, n int) []int32 {
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	for i := n - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm
}
