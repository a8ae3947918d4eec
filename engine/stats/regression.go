package stats

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// CoMoments accumulates the means and the co-moment matrix (the sums of
// cross-products of deviations from the means) of d variables observed
// together, block by block: a block is centred on its own means (two
// passes over values in memory) and merged with Chan et al.'s pairwise
// update. Merge blocks in a fixed order (chunk order) for reproducible
// results. It feeds Regress.
type CoMoments struct {
	n    int64
	mean []float64
	c    []float64  // d×d, row-major; only the upper triangle (i ≤ k) is kept
	blk  *CoMoments // AddBlock's, reused
}

// NewCoMoments returns an empty accumulator of d variables.
func NewCoMoments(d int) *CoMoments {
	return &CoMoments{mean: make([]float64, d), c: make([]float64, d*d)}
}

// Len is the number of observations accumulated.
func (m *CoMoments) Len() int64 { return m.n }

// Reset empties m.
func (m *CoMoments) Reset() {
	m.n = 0
	clear(m.mean)
	clear(m.c)
}

// AddBlock adds the observations cols[v][t] (variable v at observation t;
// every column of the same length, all values finite).
func (m *CoMoments) AddBlock(cols [][]float64) {
	d := len(m.mean)
	if len(cols) != d || len(cols[0]) == 0 {
		return
	}
	nb := len(cols[0])
	if m.blk == nil {
		m.blk = &CoMoments{mean: make([]float64, d), c: make([]float64, d*d)}
	}
	b := m.blk
	b.n = int64(nb)
	for v, col := range cols {
		var s float64
		for _, x := range col {
			s += x
		}
		b.mean[v] = s / float64(nb)
	}
	for v := range d {
		cv, mv := cols[v], b.mean[v]
		for w := v; w < d; w++ {
			cw, mw := cols[w], b.mean[w]
			var s float64
			for t := range nb {
				s += (cv[t] - mv) * (cw[t] - mw)
			}
			b.c[v*d+w] = s
		}
	}
	m.Merge(b)
}

// Merge adds b's observations to m.
func (m *CoMoments) Merge(b *CoMoments) {
	if b.n == 0 {
		return
	}
	if m.n == 0 {
		m.n = b.n
		copy(m.mean, b.mean)
		copy(m.c, b.c)
		return
	}
	d := len(m.mean)
	na, nb := float64(m.n), float64(b.n)
	n := na + nb
	f := na * nb / n
	for v := range d {
		dv := b.mean[v] - m.mean[v]
		for w := v; w < d; w++ {
			dw := b.mean[w] - m.mean[w]
			m.c[v*d+w] += b.c[v*d+w] + f*dv*dw
		}
	}
	for v := range d {
		m.mean[v] += (b.mean[v] - m.mean[v]) * nb / n
	}
	m.n += b.n
}

// Regression is a multiple linear regression of an output on its inputs,
// standardised: the coefficients are those of the regression of the
// output's z-scores on the inputs' z-scores.
type Regression struct {
	// Coefficients[i] is input i's standardised regression coefficient
	// (SRC): the change in the output, in its standard deviations, for a
	// change of one standard deviation in input i, the other inputs held
	// fixed. For independent inputs SRCᵢ = aᵢσᵢ/σ_out on a linear model.
	// NaN for a constant input (left out of the regression).
	Coefficients []float64
	// RSquared is the share of the output's variance the linear model of
	// the inputs explains (the coefficient of determination, in [0, 1]).
	RSquared float64
}

// Regress fits the output (the last of the d variables m accumulated) on
// the d−1 inputs before it, by least squares on the correlation matrix (the
// normal equations of the standardised variables, solved by Cholesky
// factorisation, or by QR when the inputs are collinear). Fewer than d+1
// observations, or a constant output, give NaN coefficients and R².
func Regress(m *CoMoments) Regression {
	d := len(m.mean)
	k := d - 1
	r := Regression{Coefficients: make([]float64, k), RSquared: math.NaN()}
	for i := range r.Coefficients {
		r.Coefficients[i] = math.NaN()
	}
	at := func(v, w int) float64 {
		if v > w {
			v, w = w, v
		}
		return m.c[v*d+w]
	}
	syy := at(k, k)
	if k == 0 || m.n < int64(d+1) || !(syy > 0) {
		return r
	}
	var used []int // inputs that vary
	for i := range k {
		if at(i, i) > 0 {
			used = append(used, i)
		}
	}
	if len(used) == 0 {
		return r
	}
	p := len(used)
	rxx := mat.NewSymDense(p, nil)
	rxy := mat.NewVecDense(p, nil)
	for a, i := range used {
		for b := a; b < p; b++ {
			j := used[b]
			rxx.SetSym(a, b, at(i, j)/math.Sqrt(at(i, i)*at(j, j)))
		}
		rxy.SetVec(a, at(i, k)/math.Sqrt(at(i, i)*syy))
	}
	var beta mat.VecDense
	var chol mat.Cholesky
	if ok := chol.Factorize(rxx); !ok || chol.SolveVecTo(&beta, rxy) != nil {
		// Collinear inputs: the least-squares solution of least norm.
		var qr mat.QR
		qr.Factorize(mat.DenseCopyOf(rxx))
		if err := qr.SolveVecTo(&beta, false, rxy); err != nil {
			return r
		}
	}
	var r2 float64
	for a, i := range used {
		r.Coefficients[i] = beta.AtVec(a)
		r2 += beta.AtVec(a) * rxy.AtVec(a)
	}
	r.RSquared = math.Min(math.Max(r2, 0), 1)
	return r
}

// VarianceShares splits the output's variance between the inputs and what
// they leave unexplained, without giving the inputs the variance the
// linear model does not explain: input i's share is SRCᵢ² normalised so
// that the inputs' shares add up to R², and unexplained is 1 − R². The
// shares are fractions (0 to 1) adding up to 1 with unexplained. For
// independent inputs Σ SRCᵢ² = R² and the shares are the SRCᵢ²
// themselves. Constant inputs get share 0.
func VarianceShares(r Regression) (shares []float64, unexplained float64) {
	shares = make([]float64, len(r.Coefficients))
	if math.IsNaN(r.RSquared) {
		for i := range shares {
			shares[i] = math.NaN()
		}
		return shares, math.NaN()
	}
	var sum float64
	for _, b := range r.Coefficients {
		if !math.IsNaN(b) {
			sum += b * b
		}
	}
	for i, b := range r.Coefficients {
		if !math.IsNaN(b) && sum > 0 {
			shares[i] = r.RSquared * b * b / sum
		}
	}
	return shares, 1 - r.RSquared
}
