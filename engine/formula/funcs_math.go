package formula

import (
	"math"
)

func init() {
	regNumbers("SUM", func(xs []float64) Value {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return num(s)
	})
	regNumbers("PRODUCT", func(xs []float64) Value {
		if len(xs) == 0 {
			return num(0)
		}
		p := 1.0
		for _, x := range xs {
			p *= x
		}
		return num(p)
	})
	regNumbers("SUMSQ", func(xs []float64) Value {
		s := 0.0
		for _, x := range xs {
			s += x * x
		}
		return num(s)
	})
	math1("ABS", math.Abs)
	math1("SIGN", func(x float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return 0
	})
	math1("INT", math.Floor)
	math1("SQRT", nanIfNeg(math.Sqrt))
	math1("EXP", math.Exp)
	math1("LN", logPos(math.Log))
	math1("LOG10", logPos(math.Log10))
	math1("SIN", math.Sin)
	math1("COS", math.Cos)
	math1("TAN", math.Tan)
	math1("ASIN", math.Asin)
	math1("ACOS", math.Acos)
	math1("ATAN", math.Atan)
	math1("SINH", math.Sinh)
	math1("COSH", math.Cosh)
	math1("TANH", math.Tanh)
	math1("ASINH", math.Asinh)
	math1("ACOSH", math.Acosh)
	math1("ATANH", func(x float64) float64 {
		if math.Abs(x) >= 1 {
			return math.NaN()
		}
		return math.Atanh(x)
	})
	math1("RADIANS", func(x float64) float64 { return x * math.Pi / 180 })
	math1("DEGREES", func(x float64) float64 { return x * 180 / math.Pi })
	math1("EVEN", func(x float64) float64 {
		r := math.Ceil(math.Abs(x)/2) * 2
		return math.Copysign(r, x)
	})
	math1("ODD", func(x float64) float64 {
		a := math.Ceil(math.Abs(x))
		if math.Mod(a, 2) == 0 {
			a++
		}
		return math.Copysign(a, x)
	})
	math1("FACT", func(x float64) float64 {
		if x < 0 {
			return math.NaN()
		}
		return fact(math.Floor(x))
	})
	reg("PI", 0, 0, func(*evaluator, []Value) Value { return num(math.Pi) })
	math2("ATAN2", func(x, y float64) Value {
		if x == 0 && y == 0 {
			return errv(ErrDiv0)
		}
		return num(math.Atan2(y, x))
	})
	math2("POWER", power)
	math2("MOD", func(n, d float64) Value {
		if d == 0 {
			return errv(ErrDiv0)
		}
		r := n - d*math.Floor(n/d)
		return num(r)
	})
	math2("QUOTIENT", func(n, d float64) Value {
		if d == 0 {
			return errv(ErrDiv0)
		}
		return num(math.Trunc(n / d))
	})
	math2("ROUND", func(x, d float64) Value { return num(roundHalfAway(x, d)) })
	math2("ROUNDUP", func(x, d float64) Value { return num(roundUp(x, d)) })
	math2("ROUNDDOWN", func(x, d float64) Value { return num(roundDown(x, d)) })
	math2Floats["ROUND"] = roundHalfAway
	math2Floats["ROUNDUP"] = roundUp
	math2Floats["ROUNDDOWN"] = roundDown
	math2("MROUND", func(x, m float64) Value {
		if m == 0 {
			return num(0)
		}
		if x*m < 0 {
			return errv(ErrNum)
		}
		return num(roundHalfAway(x/m, 0) * m)
	})
	math2("COMBIN", func(n, k float64) Value {
		n, k = math.Floor(n), math.Floor(k)
		if n < 0 || k < 0 || k > n {
			return errv(ErrNum)
		}
		return num(math.Round(combin(n, k)))
	})
	math2("PERMUT", func(n, k float64) Value {
		n, k = math.Floor(n), math.Floor(k)
		if n < 0 || k < 0 || k > n {
			return errv(ErrNum)
		}
		return num(math.Round(fact(n) / fact(n-k)))
	})
	reg("TRUNC", 1, 2, func(ev *evaluator, a []Value) Value {
		x, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		d, e := ev.optNum(a, 1, 0)
		if e != 0 {
			return errv(e)
		}
		return num(roundDir(x, d, false))
	}).lift = 3
	reg("LOG", 1, 2, func(ev *evaluator, a []Value) Value {
		x, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		b, e := ev.optNum(a, 1, 10)
		if e != 0 {
			return errv(e)
		}
		if x <= 0 || b <= 0 {
			return errv(ErrNum)
		}
		if b == 1 {
			return errv(ErrDiv0)
		}
		return num(math.Log(x) / math.Log(b))
	}).lift = 3
	ceilFloor := func(name string, up bool) {
		reg(name, 1, 2, func(ev *evaluator, a []Value) Value {
			x, e := ev.num(a[0])
			if e != 0 {
				return errv(e)
			}
			def := 1.0
			if x < 0 {
				def = -1
			}
			s, e := ev.optNum(a, 1, def)
			if e != 0 {
				return errv(e)
			}
			if len(a) < 2 && (name == "CEILING" || name == "FLOOR") {
				return errv(ErrValue)
			}
			if s == 0 {
				if up {
					return num(0)
				}
				if x == 0 {
					return num(0)
				}
				return errv(ErrDiv0)
			}
			if x > 0 && s < 0 {
				return errv(ErrNum)
			}
			q := x / s
			var r float64
			// Excel rounds the quotient to 15 digits first so that
			// CEILING(0.3, 0.1) is 0.3, not 0.4.
			q = roundSig(q, 15)
			if up {
				r = math.Ceil(q)
			} else {
				r = math.Floor(q)
			}
			if x < 0 && s < 0 {
				// negative number, negative significance: away from zero for
				// CEILING, toward zero for FLOOR (q is positive)
				if up {
					r = math.Ceil(q)
				} else {
					r = math.Floor(q)
				}
			}
			return num(r * s)
		}).lift = 3
	}
	ceilFloor("CEILING", true)
	ceilFloor("FLOOR", false)
	for _, n := range []string{"CEILING.MATH", "CEILING.PRECISE", "ISO.CEILING"} {
		name := n
		reg(name, 1, 3, func(ev *evaluator, a []Value) Value {
			x, e := ev.num(a[0])
			if e != 0 {
				return errv(e)
			}
			s, e := ev.optNum(a, 1, 1)
			if e != 0 {
				return errv(e)
			}
			mode, e := ev.optNum(a, 2, 0)
			if e != 0 {
				return errv(e)
			}
			s = math.Abs(s)
			if s == 0 {
				return num(0)
			}
			if x < 0 && mode != 0 && name == "CEILING.MATH" {
				return num(-math.Ceil(roundSig(-x/s, 15)) * s)
			}
			return num(math.Ceil(roundSig(x/s, 15)) * s)
		})
	}
	for _, n := range []string{"FLOOR.MATH", "FLOOR.PRECISE"} {
		name := n
		reg(name, 1, 3, func(ev *evaluator, a []Value) Value {
			x, e := ev.num(a[0])
			if e != 0 {
				return errv(e)
			}
			s, e := ev.optNum(a, 1, 1)
			if e != 0 {
				return errv(e)
			}
			mode, e := ev.optNum(a, 2, 0)
			if e != 0 {
				return errv(e)
			}
			s = math.Abs(s)
			if s == 0 {
				return num(0)
			}
			if x < 0 && mode != 0 && name == "FLOOR.MATH" {
				return num(-math.Floor(roundSig(-x/s, 15)) * s)
			}
			return num(math.Floor(roundSig(x/s, 15)) * s)
		})
	}
	reg("SUMPRODUCT", 1, 255, sumProduct).arrayArgs = true
	sumXY := func(name string, f func(x, y float64) float64) {
		reg(name, 2, 2, func(ev *evaluator, a []Value) Value {
			r1, c1, at1 := ev.shape(a[0])
			r2, c2, at2 := ev.shape(a[1])
			if r1*c1 != r2*c2 {
				return errv(ErrNA)
			}
			s, pairs := 0.0, 0
			for i := 0; i < r1*c1; i++ {
				x := at1(i/c1, i%c1)
				y := at2(i/c2, i%c2)
				if x.Kind == KindError {
					return x
				}
				if y.Kind == KindError {
					return y
				}
				if x.Kind == KindNumber && y.Kind == KindNumber {
					s += f(x.Num, y.Num)
					pairs++
				}
			}
			if pairs == 0 {
				return errv(ErrDiv0)
			}
			return num(s)
		}).arrayArgs = true
	}
	sumXY("SUMX2MY2", func(x, y float64) float64 { return x*x - y*y })
	sumXY("SUMX2PY2", func(x, y float64) float64 { return x*x + y*y })
	sumXY("SUMXMY2", func(x, y float64) float64 { return (x - y) * (x - y) })
	reg("RAND", 0, 0, func(ev *evaluator, _ []Value) Value {
		if ev.rng == nil {
			return errv(ErrNA)
		}
		return num(ev.rng.Float64())
	}).volatile = true
	reg("RANDBETWEEN", 2, 2, func(ev *evaluator, a []Value) Value {
		lo, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		hi, e := ev.num(a[1])
		if e != 0 {
			return errv(e)
		}
		return randBetween(ev, lo, hi)
	}).volatile = true
	reg("GCD", 1, 255, func(ev *evaluator, a []Value) Value {
		xs, e := ev.numbers(a)
		if e != 0 {
			return errv(e)
		}
		g := 0.0
		for _, x := range xs {
			if x < 0 {
				return errv(ErrNum)
			}
			g = gcd(g, math.Floor(x))
		}
		return num(g)
	})
	reg("LCM", 1, 255, func(ev *evaluator, a []Value) Value {
		xs, e := ev.numbers(a)
		if e != 0 {
			return errv(e)
		}
		l := 1.0
		for _, x := range xs {
			x = math.Floor(x)
			if x < 0 {
				return errv(ErrNum)
			}
			if x == 0 {
				return num(0)
			}
			l = l / gcd(l, x) * x
		}
		return num(l)
	})
}

func randBetween(ev *evaluator, lo, hi float64) Value {
	lo, hi = math.Ceil(lo), math.Floor(hi)
	if lo > hi {
		return errv(ErrNum)
	}
	if ev.rng == nil {
		return errv(ErrNA)
	}
	return num(lo + math.Floor(ev.rng.Float64()*(hi-lo+1)))
}

func gcd(a, b float64) float64 {
	for b != 0 {
		a, b = b, math.Mod(a, b)
	}
	return a
}

func sumProduct(ev *evaluator, args []Value) Value {
	// all single cells: a plain product, where text is #VALUE!
	single := true
	for _, a := range args {
		r, c, _ := ev.shape(a)
		single = single && r == 1 && c == 1
	}
	if single {
		p := 1.0
		for _, a := range args {
			v := ev.scalar(a)
			switch v.Kind {
			case KindNumber:
				p *= v.Num
			case KindBlank:
				p = 0
			case KindError:
				return v
			default:
				return errv(ErrValue)
			}
		}
		return num(p)
	}
	var rows, cols int
	for i, a := range args {
		r, c, _ := ev.shape(a)
		if i == 0 {
			rows, cols = r, c
		} else if r != rows || c != cols {
			return errv(ErrValue)
		}
	}
	s := 0.0
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			p := 1.0
			for _, a := range args {
				var v Value
				switch a.Kind {
				case KindRef:
					v = ev.cellValue(a.Ref.Sheet, a.Ref.Row1+int32(r), a.Ref.Col1+int32(c))
				case KindArray:
					v = a.Arr.V[r*a.Arr.Cols+c]
				default:
					v = a
				}
				switch v.Kind {
				case KindNumber:
					p *= v.Num
				case KindError:
					return v
				default:
					p = 0 // text, logicals and blanks count as zero
				}
			}
			s += p
		}
	}
	return num(s)
}

// math1 registers a one-argument numeric function (lifted over arrays).
// math1Fns and math2Fns hold the float kernels of the functions declared
// with math1 and math2, for the vector compiler.
var (
	math1Fns = map[string]func(float64) float64{}
	math2Fns = map[string]func(x, y float64) Value{}
	// math2Floats are math2 functions whose Value is num of a float: the
	// vector kernel skips the Value (a non-finite result is #NUM!)
	math2Floats = map[string]func(x, y float64) float64{}
)

func roundUp(x, d float64) float64   { return roundDir(x, d, true) }
func roundDown(x, d float64) float64 { return roundDir(x, d, false) }

func math1(name string, f func(float64) float64) {
	math1Fns[name] = f
	reg(name, 1, 1, func(ev *evaluator, a []Value) Value {
		x, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		return num(f(x))
	}).lift = 1
}

func math2(name string, f func(a, b float64) Value) {
	math2Fns[name] = f
	reg(name, 2, 2, func(ev *evaluator, a []Value) Value {
		x, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		y, e := ev.num(a[1])
		if e != 0 {
			return errv(e)
		}
		return f(x, y)
	}).lift = 3
}

func nanIfNeg(f func(float64) float64) func(float64) float64 {
	return func(x float64) float64 {
		if x < 0 {
			return math.NaN()
		}
		return f(x)
	}
}

func logPos(f func(float64) float64) func(float64) float64 {
	return func(x float64) float64 {
		if x <= 0 {
			return math.NaN()
		}
		return f(x)
	}
}

func fact(n float64) float64 {
	if n > 170 {
		return math.Inf(1)
	}
	r := 1.0
	for i := 2.0; i <= n; i++ {
		r *= i
	}
	return r
}

func combin(n, k float64) float64 {
	if k > n-k {
		k = n - k
	}
	r := 1.0
	for i := 1.0; i <= k; i++ {
		r = r * (n - k + i) / i
	}
	return r
}

// pow10Table holds math.Pow(10, k) for the integer k rounding needs, so
// that ROUND costs a lookup rather than two math.Pow calls per value (the
// values are math.Pow's own, so results do not change).
var pow10Table = func() (t [2*pow10Range + 1]float64) {
	for k := range t {
		t[k] = math.Pow(10, float64(k-pow10Range))
	}
	return t
}()

const pow10Range = 400

// pow10 is math.Pow(10, k).
func pow10(k float64) float64 {
	if k == math.Trunc(k) && k >= -pow10Range && k <= pow10Range {
		return pow10Table[int(k)+pow10Range]
	}
	return math.Pow(10, k)
}

// floorLog10 is math.Floor(math.Log10(a)) for a finite a > 0, without the
// logarithm (a third of ROUND's time): a lies in [2^(b-1), 2^b) for its
// binary exponent b, so the decimal exponent is floor((b-1)*log10(2)) or
// one more, as a is below or not below the next power of ten. Within
// relBoundary of a power of ten, where math.Log10's rounding decides,
// math.Log10 is asked, so that the result is always the same as before.
func floorLog10(a float64) float64 {
	_, b := math.Frexp(a)
	e := int(math.Floor(float64(b-1) * (math.Ln2 / math.Ln10)))
	if e < -300 || e+1 > 300 {
		return math.Floor(math.Log10(a))
	}
	lo, hi := pow10Table[e+pow10Range], pow10Table[e+1+pow10Range]
	if math.Abs(a-hi) <= hi*relBoundary || math.Abs(a-lo) <= lo*relBoundary || a < lo {
		return math.Floor(math.Log10(a))
	}
	if a >= hi {
		return float64(e + 1)
	}
	return float64(e)
}

// relBoundary is how close to a power of ten floorLog10 defers to
// math.Log10: far more than its error (a few ulps of a result below 400,
// 1e-13 at most) and than pow10Table's (half an ulp).
const relBoundary = 1e-11

// roundSig rounds to n significant digits (Excel computes with 15).
func roundSig(x float64, n int) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	e := floorLog10(math.Abs(x))
	p := pow10(float64(n-1) - e)
	if math.IsInf(p, 0) || p == 0 {
		return x
	}
	return math.Round(x*p) / p
}

// roundHalfAway rounds to d decimals, halves away from zero, after a
// 15-significant-digit correction so that ROUND(2.675, 2) is 2.68 as in
// Excel, not 2.67 as the binary value would give.
func roundHalfAway(x, d float64) float64 {
	d = math.Trunc(d)
	if d > 15 || x == 0 {
		return x
	}
	p := pow10(d)
	v := x * p
	if a := math.Abs(v); a < 1<<52 {
		// the correction moves v by 1e-14*|v| at most: far enough from a
		// half, it cannot change which integer v rounds to
		if f := a - math.Floor(a); math.Abs(f-0.5) > a*sigMargin {
			return math.Round(v) / p
		}
	}
	y := roundSig(v, 15)
	return math.Round(y) / p
}

// sigMargin bounds the relative change of roundSig(v, 15): half a unit of
// the 15th digit (5e-15) and the rounding of its two operations.
const sigMargin = 1e-13

func roundDir(x, d float64, up bool) float64 {
	d = math.Trunc(d)
	if d > 15 {
		return x
	}
	p := pow10(d)
	v := x * p
	if a := math.Abs(v); a < 1<<52 {
		// far from an integer, as roundHalfAway: the correction changes
		// neither the sign nor the integer part
		if f := a - math.Floor(a); f > a*sigMargin && 1-f > a*sigMargin {
			switch {
			case !up:
				return math.Trunc(v) / p
			case v > 0:
				return math.Ceil(v) / p
			}
			return math.Floor(v) / p
		}
	}
	y := roundSig(v, 15)
	if up {
		if y > 0 {
			y = math.Ceil(y)
		} else {
			y = math.Floor(y)
		}
	} else {
		y = math.Trunc(y)
	}
	return y / p
}
