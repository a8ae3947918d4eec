package formula

import (
	"math"

	"gonum.org/v1/gonum/floats"
)

// Vector kernels of the arithmetic fast path. They compute IEEE arithmetic
// on whole lane vectors and never test a lane: an error, text or logical
// operand is a NaN and stays one, a division by zero or an overflow becomes
// an infinity or a NaN, and varith repairs the few lanes whose result is
// not finite afterwards. The unit-stride forms with a gonum counterpart
// (a+b, a-b, a/b, c*a, y+c*a) use gonum's SSE2 assembly; the others are
// plain loops, resliced so that the compiler drops the bounds checks.
//
// The results are bit-identical to the scalar evaluator's: every kernel
// performs the same single IEEE operations in the same order (y+c*a rounds
// the product before the sum, as the scalar path does, and x/c is a
// multiplication only when 1/c is exact).

// arithmetic kernel kinds
const (
	kAddVV   uint8 = iota // dst = a + b
	kSubVV                // dst = a - b
	kMulVV                // dst = a * b
	kDivVV                // dst = a / b
	kAddVC                // dst = a + c (also a - c as a + -c)
	kRSubVC               // dst = c - a
	kMulVC                // dst = a * c (also -a, and a / c when 1/c is exact)
	kDivVC                // dst = a / c
	kRDivVC               // dst = c / a
	kAxpy                 // dst = b + c*a
	kPowVV                // dst = a ^ b
	kPowVC                // dst = a ^ c
	kRPowVC               // dst = c ^ a
	kMulAddC              // dst = a*c + d
)

// The plain loops below are unrolled by four: one loop branch per four
// lanes and four independent operations in flight run them about twice as
// fast as the one-lane loop (measured on 512-lane vectors, ns per lane:
// a*b 0.59 -> 0.29, a+c 0.59 -> 0.30; gonum's SSE2 forms take 0.17-0.20).
// The tail loops handle the last n%4 lanes.

func addVC(dst, a []float64, c float64) {
	a = a[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d, x := dst[i:i+4:i+4], a[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = x[0]+c, x[1]+c, x[2]+c, x[3]+c
	}
	for ; i < len(dst); i++ {
		dst[i] = a[i] + c
	}
}

func rsubVC(dst, a []float64, c float64) {
	a = a[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d, x := dst[i:i+4:i+4], a[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = c-x[0], c-x[1], c-x[2], c-x[3]
	}
	for ; i < len(dst); i++ {
		dst[i] = c - a[i]
	}
}

func mulVV(dst, a, b []float64) {
	a = a[:len(dst)]
	b = b[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d, x, y := dst[i:i+4:i+4], a[i:i+4:i+4], b[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = x[0]*y[0], x[1]*y[1], x[2]*y[2], x[3]*y[3]
	}
	for ; i < len(dst); i++ {
		dst[i] = a[i] * b[i]
	}
}

func divVC(dst, a []float64, c float64) {
	a = a[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d, x := dst[i:i+4:i+4], a[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = x[0]/c, x[1]/c, x[2]/c, x[3]/c
	}
	for ; i < len(dst); i++ {
		dst[i] = a[i] / c
	}
}

func rdivVC(dst, a []float64, c float64) {
	a = a[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d, x := dst[i:i+4:i+4], a[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = c/x[0], c/x[1], c/x[2], c/x[3]
	}
	for ; i < len(dst); i++ {
		dst[i] = c / a[i]
	}
}

// mulAddC is a*c + d with the product rounded first (the conversion stops
// the compiler from fusing the two operations).
func mulAddC(dst, a []float64, c, d float64) {
	a = a[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		o, x := dst[i:i+4:i+4], a[i:i+4:i+4]
		o[0], o[1], o[2], o[3] = float64(x[0]*c)+d, float64(x[1]*c)+d, float64(x[2]*c)+d, float64(x[3]*c)+d
	}
	for ; i < len(dst); i++ {
		dst[i] = float64(a[i]*c) + d
	}
}

// powLane is x^y when both are finite numbers and the result needs no
// Excel rule (0^0, 0^negative); NaN otherwise, for the repair pass. IEEE's
// pow(NaN, 0) = 1 and pow(1, NaN) = 1 would hide an error operand.
func powLane(x, y float64) float64 {
	if x-x != 0 || y-y != 0 || x == 0 && y <= 0 {
		return math.NaN()
	}
	return pow(x, y)
}

// pow is math.Pow(x, y), bit for bit, with a fast path for small whole
// exponents (growth factors (1+g)^(t-1)): math.Pow multiplies the
// mantissas of successive squarings of x by the bits of |y| and scales by
// a power of two at the end; without the scaling the products round the
// same as long as every one is a normal number, which holds when the
// result is one (partial products lie between 1 and the result).
func pow(x, y float64) float64 {
	if n := int64(y); float64(n) == y && n >= -maxPowInt && n <= maxPowInt && x-x == 0 && x != 0 {
		k := n
		if k < 0 {
			k = -k
		}
		a, b := 1.0, x
		for ; k != 0; k >>= 1 {
			if k&1 == 1 {
				a *= b
			}
			b *= b
		}
		if n < 0 {
			if !isNormal(a) {
				return math.Pow(x, y)
			}
			a = 1 / a
		}
		if isNormal(a) {
			return a
		}
	}
	return math.Pow(x, y)
}

// maxPowInt bounds the exponents of pow's fast path.
const maxPowInt = 1 << 10

// isNormal reports whether x is a finite, normal, non-zero number.
func isNormal(x float64) bool {
	a := math.Abs(x)
	return a >= 0x1p-1022 && a <= math.MaxFloat64
}

func powVV(dst, a, b []float64) {
	a = a[:len(dst)]
	b = b[:len(dst)]
	for i := range dst {
		dst[i] = powLane(a[i], b[i])
	}
}

func powVC(dst, a []float64, c float64) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = powLane(a[i], c)
	}
}

func rpowVC(dst, a []float64, c float64) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = powLane(c, a[i])
	}
}

// allFinite reports whether every lane is a finite number. The sum of the
// lanes is finite only if every lane is (an overflowing sum of finite
// lanes is a false alarm, sorted out by the caller's lane scan).
func allFinite(x []float64) bool {
	s := floats.Sum(x)
	return s-s == 0
}

// exactReciprocal returns 1/c when multiplying by it is exactly dividing by
// c (c a power of two, so that both are one correctly rounded operation on
// the same real number).
func exactReciprocal(c float64) (float64, bool) {
	if c == 0 || c-c != 0 {
		return 0, false
	}
	frac, exp := math.Frexp(c)
	if math.Abs(frac) != 0.5 || exp < -1020 || exp > 1020 {
		return 0, false
	}
	return 1 / c, true
}

// runKernel applies one arithmetic kernel to n lanes.
func runKernel(kind uint8, dst, a, b []float64, c, d float64) {
	switch kind {
	case kAddVV:
		floats.AddTo(dst, a[:len(dst)], b[:len(dst)])
	case kSubVV:
		floats.SubTo(dst, a[:len(dst)], b[:len(dst)])
	case kMulVV:
		mulVV(dst, a, b)
	case kDivVV:
		floats.DivTo(dst, a[:len(dst)], b[:len(dst)])
	case kAddVC:
		addVC(dst, a, c)
	case kRSubVC:
		rsubVC(dst, a, c)
	case kMulVC:
		floats.ScaleTo(dst, c, a[:len(dst)])
	case kDivVC:
		divVC(dst, a, c)
	case kRDivVC:
		rdivVC(dst, a, c)
	case kAxpy:
		floats.AddScaledTo(dst, b[:len(dst)], c, a[:len(dst)])
	case kPowVV:
		powVV(dst, a, b)
	case kPowVC:
		powVC(dst, a, c)
	case kRPowVC:
		rpowVC(dst, a, c)
	case kMulAddC:
		mulAddC(dst, a, c, d)
	}
}
