package formula

import (
	"math"
)

func init() {
	reg("PV", 3, 5, func(ev *evaluator, a []Value) Value {
		x, e := finArgs(ev, a, 3, 5)
		if e != 0 {
			return errv(e)
		}
		return num(pv(x[0], x[1], x[2], x[3], x[4]))
	}).lift = 31
	reg("FV", 3, 5, func(ev *evaluator, a []Value) Value {
		x, e := finArgs(ev, a, 3, 5)
		if e != 0 {
			return errv(e)
		}
		return num(fv(x[0], x[1], x[2], x[3], x[4]))
	}).lift = 31
	reg("PMT", 3, 5, func(ev *evaluator, a []Value) Value {
		x, e := finArgs(ev, a, 3, 5)
		if e != 0 {
			return errv(e)
		}
		if x[1] == 0 {
			return errv(ErrNum)
		}
		return num(pmt(x[0], x[1], x[2], x[3], x[4]))
	}).lift = 31
	reg("NPER", 3, 5, func(ev *evaluator, a []Value) Value {
		x, e := finArgs(ev, a, 3, 5)
		if e != 0 {
			return errv(e)
		}
		r, p, v, f, t := x[0], x[1], x[2], x[3], x[4]
		if r == 0 {
			if p == 0 {
				return errv(ErrNum)
			}
			return num(-(v + f) / p)
		}
		q := p * (1 + r*t)
		return num(math.Log((q-f*r)/(q+v*r)) / math.Log1p(r))
	}).lift = 31
	reg("IPMT", 4, 6, func(ev *evaluator, a []Value) Value {
		x, e := finArgs(ev, a, 4, 6)
		if e != 0 {
			return errv(e)
		}
		if x[1] < 1 || x[1] > x[2] {
			return errv(ErrNum)
		}
		return num(ipmt(x[0], x[1], x[2], x[3], x[4], x[5]))
	}).lift = 63
	reg("PPMT", 4, 6, func(ev *evaluator, a []Value) Value {
		x, e := finArgs(ev, a, 4, 6)
		if e != 0 {
			return errv(e)
		}
		if x[1] < 1 || x[1] > x[2] {
			return errv(ErrNum)
		}
		return num(pmt(x[0], x[2], x[3], x[4], x[5]) - ipmt(x[0], x[1], x[2], x[3], x[4], x[5]))
	}).lift = 63
	reg("RATE", 3, 6, func(ev *evaluator, a []Value) Value {
		x, e := finArgs(ev, a, 3, 5)
		if e != 0 {
			return errv(e)
		}
		guess, e := ev.optNum(a, 5, 0.1)
		if e != 0 {
			return errv(e)
		}
		n, p, v, f, t := x[0], x[1], x[2], x[3], x[4]
		r, ok := newton(guess, func(r float64) (float64, float64) { return rateF(r, n, p, v, f, t) })
		if !ok {
			return errv(ErrNum)
		}
		return num(r)
	})
	reg("NPV", 2, 255, func(ev *evaluator, a []Value) Value {
		r, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		xs, e := ev.numbers(a[1:])
		if e != 0 {
			return errv(e)
		}
		return npv(r, xs)
	})
	reg("IRR", 1, 2, func(ev *evaluator, a []Value) Value {
		xs, e := ev.numbers(a[:1])
		if e != 0 {
			return errv(e)
		}
		guess, e := ev.optNum(a, 1, 0.1)
		if e != 0 {
			return errv(e)
		}
		return irr(xs, guess)
	})
	reg("XNPV", 3, 3, func(ev *evaluator, a []Value) Value {
		r, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		vs, ds, e := ev.pairs(a[1], a[2])
		if e != 0 {
			return errv(e)
		}
		if r <= -1 {
			return errv(ErrNum)
		}
		s := 0.0
		for i := range vs {
			s += vs[i] / math.Pow(1+r, (ds[i]-ds[0])/365)
		}
		return num(s)
	})
	reg("XIRR", 2, 3, func(ev *evaluator, a []Value) Value {
		vs, ds, e := ev.pairs(a[0], a[1])
		if e != 0 {
			return errv(e)
		}
		guess, e := ev.optNum(a, 2, 0.1)
		if e != 0 {
			return errv(e)
		}
		pos, neg := false, false
		for _, v := range vs {
			pos = pos || v > 0
			neg = neg || v < 0
		}
		if !pos || !neg {
			return errv(ErrNum)
		}
		r, ok := newton(guess, func(r float64) (float64, float64) {
			f, df := 0.0, 0.0
			for i := range vs {
				t := (ds[i] - ds[0]) / 365
				q := math.Pow(1+r, t)
				f += vs[i] / q
				df -= t * vs[i] / (q * (1 + r))
			}
			return f, df
		})
		if !ok {
			return errv(ErrNum)
		}
		return num(r)
	})
}

// pairs reads two equally long number ranges (XNPV values and dates).
func (ev *evaluator) pairs(v, d Value) ([]float64, []float64, ErrorCode) {
	xs, e := ev.numbers([]Value{v})
	if e != 0 {
		return nil, nil, e
	}
	vs := append([]float64(nil), xs...)
	ds, e := ev.numbers([]Value{d})
	if e != 0 {
		return nil, nil, e
	}
	if len(vs) != len(ds) || len(vs) == 0 {
		return nil, nil, ErrNum
	}
	for _, x := range ds {
		if x < ds[0] {
			return nil, nil, ErrNum
		}
	}
	return vs, ds, 0
}

// finArgs reads numeric arguments, defaulting the optional ones to 0.
func finArgs(ev *evaluator, a []Value, req, total int) ([6]float64, ErrorCode) {
	var x [6]float64
	for i := 0; i < total; i++ {
		v, e := ev.optNum(a, i, 0)
		if e != 0 {
			return x, e
		}
		x[i] = v
	}
	if total >= 5 && x[total-1] != 0 && req <= 4 {
		x[total-1] = 1 // type: any non-zero is "beginning of period"
	}
	return x, 0
}

func pv(r, n, p, f, t float64) float64 {
	if r == 0 {
		return -(p*n + f)
	}
	q := math.Pow(1+r, n)
	return -(f + p*(1+r*t)*(q-1)/r) / q
}

func fv(r, n, p, v, t float64) float64 {
	if r == 0 {
		return -(v + p*n)
	}
	q := math.Pow(1+r, n)
	return -(v*q + p*(1+r*t)*(q-1)/r)
}

func pmt(r, n, v, f, t float64) float64 {
	if r == 0 {
		return -(v + f) / n
	}
	q := math.Pow(1+r, n)
	return -(v*q + f) * r / ((1 + r*t) * (q - 1))
}

// ipmt follows LibreOffice's ScGetIpmt, which matches Excel including the
// zero interest of the first period paid in advance.
func ipmt(r, per, n, v, f, t float64) float64 {
	p := pmt(r, n, v, f, t)
	var i float64
	if per == 1 {
		if t != 0 {
			i = 0
		} else {
			i = -v
		}
	} else if t != 0 {
		i = fv(r, per-2, p, v, 1) - p
	} else {
		i = fv(r, per-1, p, v, 0)
	}
	return i * r
}

func rateF(r, n, p, v, f, t float64) (float64, float64) {
	if r == 0 {
		return v + p*n + f, 0
	}
	q := math.Pow(1+r, n)
	dq := n * math.Pow(1+r, n-1)
	g := (q - 1) / r
	dg := (dq*r - (q - 1)) / (r * r)
	fx := v*q + p*(1+r*t)*g + f
	dfx := v*dq + p*t*g + p*(1+r*t)*dg
	return fx, dfx
}

// newton finds a root from guess; Excel uses at most 20 iterations for
// RATE and 100 for XIRR, we allow 100 and require 1e-10 precision.
func newton(x float64, f func(float64) (float64, float64)) (float64, bool) {
	for i := 0; i < 100; i++ {
		y, dy := f(x)
		if math.IsNaN(y) || math.IsNaN(dy) || dy == 0 {
			return 0, false
		}
		nx := x - y/dy
		if math.Abs(nx-x) < 1e-12*math.Max(1, math.Abs(x)) {
			return nx, true
		}
		x = nx
		if x <= -1 {
			x = -0.999999
		}
	}
	return 0, false
}

func irr(xs []float64, guess float64) Value {
	pos, neg := false, false
	for _, v := range xs {
		pos = pos || v > 0
		neg = neg || v < 0
	}
	if !pos || !neg {
		return errv(ErrNum)
	}
	// NPV at r and its derivative, with the discount factors 1/(1+r)^i
	// built by multiplication (one division per evaluation instead of two
	// per cash flow: a fifth of a simulation's time went to them)
	f := func(r float64) (float64, float64) {
		q := 1 / (1 + r)
		s, ds, w := 0.0, 0.0, 1.0
		for i, v := range xs {
			s += v * w
			ds -= float64(i) * v * (w * q)
			w *= q
		}
		return s, ds
	}
	if r, ok := newton(guess, f); ok {
		return num(r)
	}
	// bisection fallback over a wide bracket
	lo, hi := -0.999999, 10.0
	flo, _ := f(lo)
	fhi, _ := f(hi)
	if flo*fhi > 0 {
		return errv(ErrNum)
	}
	for i := 0; i < 200; i++ {
		mid := (lo + hi) / 2
		fm, _ := f(mid)
		if fm*flo <= 0 {
			hi = mid
		} else {
			lo, flo = mid, fm
		}
	}
	return num((lo + hi) / 2)
}

// npv discounts xs at rate r (the first value one period out).
func npv(r float64, xs []float64) Value {
	if r == -1 {
		return errv(ErrDiv0)
	}
	s, d := 0.0, 1.0
	for _, x := range xs {
		d *= 1 + r
		s += x / d
	}
	return num(s)
}
