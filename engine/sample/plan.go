package sample

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Method is the sampling method; the values are those of the GraphQL enum
// SamplingMethod.
type Method string

// The sampling methods.
const (
	MonteCarlo     Method = "MONTE_CARLO"
	LatinHypercube Method = "LATIN_HYPERCUBE"
)

// MaxIterations bounds Plan.Iterations: Iman-Conover stores its ranks as
// int32 to halve the memory it keeps per correlated input. (LHS keeps no
// per-iteration state; its stratum permutation is computed on the fly.)
const MaxIterations = math.MaxInt32

// Plan describes how the uniforms of a simulation are generated. Set the
// exported fields, call Prepare once, then call Fill or FillRange from any
// number of goroutines. The zero Method is MonteCarlo.
//
// Without a Correlation, a prepared plan holds no state that grows with
// Iterations, for Monte Carlo and LHS alike: every uniform is computed from
// (Seed, input, iteration) when it is asked for, the LHS stratum of an
// iteration by a keyed pseudo-random bijection of [0, Iterations) (see
// stratumPerm) rather than a stored permutation table. Only Iman-Conover
// keeps per-iteration arrays, for the correlated inputs.
type Plan struct {
	Iterations int
	ChunkSize  int
	Seed       uint64
	Method     Method

	// Correlation holds target Spearman rank correlations between the
	// inputs listed in CorrelatedInputs (row and column r are input
	// CorrelatedInputs[r]); nil means independent inputs. With
	// CorrelatedInputs nil, row r is input r.
	Correlation      *mat.SymDense
	CorrelatedInputs []int

	// Copulas join other inputs by non-Gaussian copulas; an input is in
	// at most one copula, and not in Correlation too.
	Copulas []Copula

	state *planState
}

// planState is what Prepare leaves; it is read-only afterwards, hence safe
// for concurrent Fill calls.
type planState struct {
	warnings []string
	corr     map[int]*corrInput // per correlated input, made by Prepare
	copula   map[int]copulaMember
}

// corrInput is what Iman-Conover leaves for one input: iteration g receives
// sorted[rank[g]].
type corrInput struct {
	sorted []float64
	rank   []int32
}

// Chunks returns the number of chunks, ⌈Iterations/ChunkSize⌉.
func (p *Plan) Chunks() int { return (p.Iterations + p.ChunkSize - 1) / p.ChunkSize }

// ChunkLen returns the number of iterations in chunk c: ChunkSize, or less
// for the last chunk.
func (p *Plan) ChunkLen(c int) int {
	return min(p.ChunkSize, p.Iterations-c*p.ChunkSize)
}

// Prepare validates the plan and precomputes the Iman-Conover reordering. It
// returns warnings for the user (a repaired correlation matrix) and an error
// for an invalid plan. Prepare must return without error before Fill is
// called, and must not run concurrently with Fill.
func (p *Plan) Prepare() ([]string, error) {
	switch {
	case p.Iterations < 1 || p.Iterations > MaxIterations:
		return nil, fmt.Errorf("sample: iterations must be between 1 and %d (got %d)", MaxIterations, p.Iterations)
	case p.ChunkSize < 1:
		return nil, fmt.Errorf("sample: chunk size must be at least 1 (got %d)", p.ChunkSize)
	}
	switch p.Method {
	case "", MonteCarlo, LatinHypercube:
	default:
		return nil, fmt.Errorf("sample: unknown method %q", string(p.Method))
	}
	st := &planState{corr: map[int]*corrInput{}, copula: map[int]copulaMember{}}
	taken := map[int]bool{}
	if p.Correlation != nil {
		inputs, err := p.correlatedInputs()
		if err != nil {
			return nil, err
		}
		target, warnings, err := pearsonTarget(p.Correlation)
		if err != nil {
			return nil, err
		}
		st.warnings = warnings
		for _, in := range inputs {
			taken[in] = true
		}
		if len(inputs) >= 2 {
			if p.Iterations <= len(inputs) {
				return nil, fmt.Errorf("sample: correlating %d inputs needs more than %d iterations (got %d)", len(inputs), len(inputs), p.Iterations)
			}
			ranks, err := imanConoverRanks(p.Seed, inputs, target, p.Iterations)
			if err != nil {
				return nil, err
			}
			for r, in := range inputs {
				// The uncorrelated uniforms of this input, to be reordered.
				u := make([]float64, p.Iterations)
				p.fillIndependent(in, 0, u)
				sortFloats(u)
				st.corr[in] = &corrInput{sorted: u, rank: ranks[r]}
			}
		}
	}
	for _, c := range p.Copulas {
		pc, warnings, err := prepareCopula(c, taken)
		if err != nil {
			return nil, err
		}
		st.warnings = append(st.warnings, warnings...)
		for pos, in := range c.Inputs {
			taken[in] = true
			st.copula[in] = copulaMember{c: pc, pos: pos}
		}
	}
	p.state = st
	return st.warnings, nil
}

func (p *Plan) correlatedInputs() ([]int, error) {
	k, _ := p.Correlation.Dims()
	inputs := p.CorrelatedInputs
	if inputs == nil {
		inputs = make([]int, k)
		for i := range inputs {
			inputs[i] = i
		}
	}
	if len(inputs) != k {
		return nil, fmt.Errorf("sample: correlation matrix is %d×%d but %d correlated inputs are listed", k, k, len(inputs))
	}
	seen := map[int]bool{}
	for _, in := range inputs {
		if in < 0 || seen[in] {
			return nil, fmt.Errorf("sample: correlated inputs must be distinct non-negative indices (got %v)", inputs)
		}
		seen[in] = true
	}
	return inputs, nil
}

// errNotPrepared is the panic value of Fill on a plan that was not prepared.
var errNotPrepared = errors.New("sample: Plan.Prepare must succeed before Fill")

// Fill writes the uniforms of chunk c of input i to dst, whose length must
// be ChunkLen(c). It panics on a plan that was not prepared and on an
// out-of-range chunk or a wrong dst length, which are programming errors.
func (p *Plan) Fill(input, chunk int, dst []float64) {
	if chunk < 0 || chunk >= p.Chunks() || len(dst) != p.ChunkLen(chunk) {
		panic(fmt.Sprintf("sample: Fill(chunk %d) of %d chunks with %d values, want %d", chunk, p.Chunks(), len(dst), p.ChunkLen(max(0, min(chunk, p.Chunks()-1)))))
	}
	p.FillRange(input, chunk*p.ChunkSize, dst)
}

// FillRange writes the uniforms of input i for the iterations start,
// start+1, …, start+len(dst)−1, whatever chunks they fall in: the values are
// those Fill gives for the same iterations, so a batch size need not be the
// chunk size (a range starting inside a chunk discards the draws before it).
func (p *Plan) FillRange(input, start int, dst []float64) {
	st := p.state
	if st == nil {
		panic(errNotPrepared)
	}
	if input < 0 || start < 0 || start+len(dst) > p.Iterations {
		panic(fmt.Sprintf("sample: FillRange(input %d, iterations [%d, %d)) outside [0, %d)", input, start, start+len(dst), p.Iterations))
	}
	if ci := st.corr[input]; ci != nil {
		for k := range dst {
			dst[k] = ci.sorted[ci.rank[start+k]]
		}
		return
	}
	if cm, ok := st.copula[input]; ok {
		cm.c.fill(p, cm.pos, start, dst)
		return
	}
	p.fillIndependent(input, start, dst)
}

// fillIndependent writes the uncorrelated uniforms of iterations
// [start, start+len(dst)), Monte Carlo or LHS. Lane k of chunk c takes the
// k-th draw of the stream (seed, input, c): the uniform itself for Monte
// Carlo, the jitter inside stratum perm(g) for LHS, perm being the input's
// stratumPerm. Nothing is cached, so the result depends only on the plan,
// the input and the iterations.
func (p *Plan) fillIndependent(input, start int, dst []float64) {
	lhs := p.Method == LatinHypercube
	var perm stratumPerm
	if lhs {
		perm = newStratumPerm(p.Seed, input, p.Iterations)
	}
	n := float64(p.Iterations)
	for done := 0; done < len(dst); {
		g := start + done
		c := g / p.ChunkSize
		skip := g - c*p.ChunkSize
		m := min(len(dst)-done, p.ChunkLen(c)-skip)
		s := newStream(p.Seed, purposeChunk, input, c)
		for range skip {
			s.Uint64()
		}
		out := dst[done : done+m]
		if !lhs {
			for k := range out {
				out[k] = openUnit(s.Uint64())
			}
		} else {
			perm.strata(uint64(g), out) // out[k] = perm(g+k), then the jitter
			for k, sk := range out {
				out[k] = stratum(sk, openUnit(s.Uint64()), n)
			}
		}
		done += m
	}
}

// stratum returns (k + j)/n, kept inside the stratum [k/n, (k+1)/n) as
// computed in float64 (the sum or the quotient may round up to the upper
// bound when j is within an ulp of 1).
func stratum(k, j, n float64) float64 {
	u := (k + j) / n
	if hi := (k + 1) / n; u >= hi {
		u = math.Nextafter(hi, 0)
	}
	return u
}
