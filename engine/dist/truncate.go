package dist

import (
	"fmt"
	"math"
)

// lattice is implemented by the discrete distributions, whose truncation
// needs P(X < x) and the support points around a bound.
type lattice interface {
	below(x float64) float64        // P(X < x)
	ceilSupport(x float64) float64  // smallest support point >= x
	floorSupport(x float64) float64 // largest support point <= x
}

// truncated is base conditioned on [lo, hi]. With pLo = P(X < lo) and
// pHi = P(X <= hi), its quantile is base.Quantile(pLo + p·(pHi − pLo)),
// clamped to the truncated support [min, max].
//
// Resolution: when pHi − pLo is tiny (truncation to a far tail) the
// restricted probability interval holds few float64 values and the draws
// become coarse; New refuses intervals with no probability at all.
type truncated struct {
	base           Distribution
	lo, hi         float64 // the bounds as given
	pLo, w         float64 // P(X < lo) and P(lo <= X <= hi)
	min, max       float64 // support of the truncated distribution
	mean, variance float64
}

func truncate(d Distribution, lo, hi float64) (Distribution, string) {
	if lo > hi {
		return nil, fmt.Sprintf("truncateMin must be <= truncateMax (got truncateMin=%g, truncateMax=%g)", lo, hi)
	}
	t := &truncated{base: d, lo: lo, hi: hi}
	l, isLattice := d.(lattice)
	if isLattice {
		t.pLo = l.below(lo)
		t.min, t.max = l.ceilSupport(lo), l.floorSupport(hi)
	} else {
		t.pLo = d.CDF(lo)
		t.min, t.max = math.Max(lo, d.Min()), math.Min(hi, d.Max())
	}
	t.w = d.CDF(hi) - t.pLo
	if !(t.w > 0) || !(t.min <= t.max) {
		return nil, fmt.Sprintf("truncation to [%g, %g] leaves no probability: the %s distribution lies in [%g, %g]", lo, hi, typeOf(d).label(), d.Quantile(1e-12), d.Quantile(1-1e-12))
	}
	switch tb, ok := d.(*table); {
	case ok:
		t.mean, t.variance = tb.moments(t.min, t.max)
	case isShiftedTable(d):
		s := d.(shiftedLattice)
		// In the base's own coordinates, so that rounding of the shift
		// cannot drop a support point.
		bt := s.base.(*table)
		t.mean, t.variance = bt.moments(bt.ceilSupport(lo-s.by), bt.floorSupport(hi-s.by))
		t.mean += s.by
	case heavyTailKept(t):
		t.mean, t.variance = heavyTailMoments(t)
	default:
		t.mean, t.variance = quantileMoments(t.Quantile)
	}
	return t, ""
}

// heavyTailKept reports whether the truncated support of t is still
// unbounded on a side where its base's variance is not finite (Student's t
// with few degrees of freedom, Pareto, log-logistic): there quadrature
// would return a meaningless finite number.
func heavyTailKept(t *truncated) bool {
	v := t.base.Variance()
	return (math.IsInf(v, 0) || math.IsNaN(v)) && (math.IsInf(t.min, -1) || math.IsInf(t.max, 1))
}

// heavyTailMoments are the moments of such a t: the variance is infinite;
// the mean is finite (by quadrature) where the base's is, else infinite
// towards the open side.
func heavyTailMoments(t *truncated) (mean, variance float64) {
	m := t.base.Mean()
	switch {
	case !math.IsInf(m, 0) && !math.IsNaN(m):
		mean, _ = quantileMoments(t.Quantile)
	case math.IsInf(t.min, -1) && math.IsInf(t.max, 1):
		mean = math.NaN()
	case math.IsInf(t.max, 1):
		mean = math.Inf(1)
	default:
		mean = math.Inf(-1)
	}
	return mean, math.Inf(1)
}

func typeOf(d Distribution) Type {
	switch d := d.(type) {
	case *shifted:
		return typeOf(d.base)
	case shiftedLattice:
		return typeOf(d.base)
	case normal:
		return Normal
	case logNormal:
		return LogNormal
	case uniform:
		return Uniform
	case triangular:
		return d.typ
	case scaledBeta:
		return d.typ
	case gamma:
		return Gamma
	case exponential:
		return Exponential
	case weibull:
		return Weibull
	case logistic:
		return Logistic
	case extremeValue:
		return ExtremeValue
	case student:
		return Student
	case logLogistic:
		return LogLogistic
	case pareto:
		return Pareto
	case *piecewiseLinear:
		return General
	case *table:
		return d.typ
	case *cumulative:
		return d.typ
	}
	return ""
}

func (t *truncated) Quantile(p float64) float64 {
	switch {
	case badP(p):
		return math.NaN()
	case p == 0:
		return t.min
	case p == 1:
		return t.max
	}
	q := t.base.Quantile(t.pLo + p*t.w)
	return math.Min(math.Max(q, t.min), t.max)
}

func (t *truncated) CDF(x float64) float64 {
	switch {
	case x < t.min:
		return 0
	case x >= t.max:
		return 1
	}
	return math.Min(math.Max((t.base.CDF(x)-t.pLo)/t.w, 0), 1)
}

func (t *truncated) Density(x float64) float64 {
	if x < t.min || x > t.max {
		return 0
	}
	return t.base.Density(x) / t.w
}

func (t *truncated) below(x float64) float64 {
	if x <= t.min {
		return 0
	}
	if x > t.max {
		return 1
	}
	return (t.base.(lattice).below(x) - t.pLo) / t.w
}

func (t *truncated) ceilSupport(x float64) float64 {
	if x <= t.min {
		return t.min
	}
	if x > t.max {
		return math.Inf(1)
	}
	return t.base.(lattice).ceilSupport(x)
}

func (t *truncated) floorSupport(x float64) float64 {
	if x >= t.max {
		return t.max
	}
	if x < t.min {
		return math.Inf(-1)
	}
	return t.base.(lattice).floorSupport(x)
}

func (t *truncated) Mean() float64     { return t.mean }
func (t *truncated) Variance() float64 { return t.variance }
func (t *truncated) Min() float64      { return t.min }
func (t *truncated) Max() float64      { return t.max }
func (t *truncated) Discrete() bool    { return t.base.Discrete() }

// Tanh-sinh quadrature of the quantile function over (0, 1): E[X] = ∫Q(u)du.
// The nodes u = 1/(1+e^(π·sinh t)) crowd the ends double-exponentially, which
// integrates the end-point singularities of unbounded quantile functions; a
// step of 1/32 on |t| <= 4 (257 nodes) is far past convergence for the
// smooth, monotone integrands here.
const (
	tanhSinhStep = 1.0 / 32
	tanhSinhMaxT = 4.0
)

// quantileMoments returns the mean and variance of the distribution with
// quantile function q, by tanh-sinh quadrature of q and q².
func quantileMoments(q func(float64) float64) (mean, variance float64) {
	var s, s2 float64
	type node struct{ u, w float64 }
	nodes := make([]node, 0, 2*int(tanhSinhMaxT/tanhSinhStep)+1)
	for k := 0; float64(k)*tanhSinhStep <= tanhSinhMaxT; k++ {
		t := float64(k) * tanhSinhStep
		e := math.Exp(math.Pi * math.Sinh(t)) // e^(2s) with s = π/2·sinh t
		c := 1 / (1 + e)                      // = (1 − tanh s)/2, the small node
		ch := math.Cosh(math.Pi / 2 * math.Sinh(t))
		w := tanhSinhStep * math.Pi / 4 * math.Cosh(t) / (ch * ch)
		if c == 0 || w == 0 {
			break
		}
		nodes = append(nodes, node{c, w})
		if k > 0 {
			nodes = append(nodes, node{1 - c, w})
		}
	}
	for _, n := range nodes {
		x := q(n.u)
		if math.IsInf(x, 0) || math.IsNaN(x) {
			continue
		}
		s += n.w * x
	}
	for _, n := range nodes {
		x := q(n.u)
		if math.IsInf(x, 0) || math.IsNaN(x) {
			continue
		}
		s2 += n.w * (x - s) * (x - s)
	}
	return s, s2
}

func isShiftedTable(d Distribution) bool {
	s, ok := d.(shiftedLattice)
	if !ok {
		return false
	}
	_, ok = s.base.(*table)
	return ok
}
