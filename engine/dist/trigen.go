package dist

import (
	"fmt"
	"math"
)

// newTrigenSpec validates and builds @RISK's RiskTrigen(bottom, mode, top,
// bottomPerc, topPerc): the triangular distribution with that mode whose
// bottomPerc-th percentile is bottom and topPerc-th percentile is top.
func newTrigenSpec(s Spec) (Distribution, string) {
	if r := requireFields(&s, "bottom", "mode", "top", "bottomPercentile", "topPercentile"); r != "" {
		return nil, r
	}
	lo, c, hi := *s.Bottom, *s.Mode, *s.Top
	pLo, pHi := *s.BottomPercentile, *s.TopPercentile
	switch {
	case !(lo <= c && c <= hi):
		return nil, fmt.Sprintf("trigen requires bottom <= mode <= top (got bottom=%s, mode=%s, top=%s)", num(lo), num(c), num(hi))
	case !(lo < hi):
		return nil, fmt.Sprintf("trigen requires bottom < top (got bottom=%s, top=%s)", num(lo), num(hi))
	case !(pLo >= 0 && pLo < pHi && pHi <= 100):
		return nil, fmt.Sprintf("trigen requires 0 <= bottomPercentile < topPercentile <= 100 (got bottomPercentile=%s, topPercentile=%s)", num(pLo), num(pHi))
	}
	a, b := trigenBounds(lo, c, hi, pLo/100, pHi/100)
	d := newTriangular(a, c, b)
	d.typ = Trigen
	return d, ""
}

// trigenBounds returns the minimum a and maximum b of the triangular
// distribution with mode c, CDF pLo at lo <= c and CDF pHi at hi >= c.
//
// With u = c − a, v = b − c and w = u + v, the two conditions are
//
//	(u − l)² = pLo·w·u        l = c − lo, on the rising side
//	(v − r)² = (1 − pHi)·w·v  r = hi − c, on the falling side
//
// For a given width w each is a quadratic whose larger root (u >= l,
// v >= r) is taken, and w solves g(w) = u(w) + v(w) − w = 0. u and v are
// concave in w, so g is: g(l + r) >= 0 and, as √(x² + 2xy) <= x + y,
// g(w) <= 2(l + r) − (pHi − pLo)·w, which is <= 0 at w = 2(l + r)/(pHi −
// pLo). g has a single root in that bracket, found by bisection to the last
// bit. (This is the same triangle @RISK's RiskTrigen describes, since the
// conditions determine it; @RISK does not document its own solver.)
func trigenBounds(lo, c, hi, pLo, pHi float64) (a, b float64) {
	l, r, q := c-lo, hi-c, 1-pHi
	side := func(d, p, w float64) float64 {
		return d + p*w/2 + math.Sqrt(p*p*w*w+4*d*p*w)/2
	}
	g := func(w float64) float64 { return side(l, pLo, w) + side(r, q, w) - w }
	wLo, wHi := l+r, 2*(l+r)/(pHi-pLo)
	// The loop ends when no float64 lies between the ends: about 60 halvings
	// for ordinary percentiles, never more than trigenMaxHalvings.
	for range trigenMaxHalvings {
		mid := wLo + (wHi-wLo)/2
		if mid <= wLo || mid >= wHi {
			break
		}
		if g(mid) >= 0 {
			wLo = mid
		} else {
			wHi = mid
		}
	}
	return c - side(l, pLo, wLo), c + side(r, q, wLo)
}

// trigenMaxHalvings bounds the bisection: halving any float64 interval
// reaches adjacent values within the 2098 binary exponents plus 53
// mantissa bits.
const trigenMaxHalvings = 2098 + 53
