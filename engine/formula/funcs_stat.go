package formula

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

func init() {
	regNumbers("AVERAGE", average)
	reg("AVERAGEA", 1, 255, func(ev *evaluator, a []Value) Value {
		xs, e := ev.numbersA(a)
		if e != 0 {
			return errv(e)
		}
		return average(xs)
	})
	minmax := func(pick func(x, y float64) float64) func(xs []float64) Value {
		return func(xs []float64) Value {
			if len(xs) == 0 {
				return num(0)
			}
			m := xs[0]
			for _, x := range xs[1:] {
				m = pick(m, x)
			}
			return num(m)
		}
	}
	regNumbers("MIN", minmax(math.Min))
	regNumbers("MAX", minmax(math.Max))
	regNumbersA("MINA", minmax(math.Min))
	regNumbersA("MAXA", minmax(math.Max))
	reg("COUNT", 1, 255, func(ev *evaluator, a []Value) Value {
		n := 0
		ev.walk(a, func(v Value, fromRef bool) bool {
			switch v.Kind {
			case KindNumber:
				n++
			case KindBool, KindBlank:
				if !fromRef {
					n++
				}
			case KindString:
				if !fromRef {
					if _, ok := parseNumber(v.Str); ok {
						n++
					}
				}
			}
			return true
		})
		return num(float64(n))
	})
	reg("COUNTA", 1, 255, func(ev *evaluator, a []Value) Value {
		n := 0
		ev.walk(a, func(v Value, fromRef bool) bool {
			if v.Kind != KindBlank || !fromRef {
				n++
			}
			return true
		})
		return num(float64(n))
	})
	reg("COUNTBLANK", 1, 1, func(ev *evaluator, a []Value) Value {
		if a[0].Kind != KindRef {
			return errv(ErrValue)
		}
		ar := a[0].Ref
		total := ar.rows() * ar.cols()
		filled := 0
		ev.eachCell(ar, func(v Value) bool {
			if !(v.Kind == KindString && v.Str == "") {
				filled++
			}
			return true
		})
		return num(float64(total - filled))
	})
	reg("MEDIAN", 1, 255, func(ev *evaluator, a []Value) Value {
		xs, e := ev.numbers(a)
		if e != 0 {
			return errv(e)
		}
		if len(xs) == 0 {
			return errv(ErrNum)
		}
		sort.Float64s(xs)
		n := len(xs)
		if n%2 == 1 {
			return num(xs[n/2])
		}
		return num((xs[n/2-1] + xs[n/2]) / 2)
	})
	reg("MODE", 1, 255, func(ev *evaluator, a []Value) Value {
		// direct and single-cell arguments must be numbers (Excel: #VALUE!)
		for _, v := range a {
			if v.Kind == KindRef && !v.Ref.single() || v.Kind == KindArray {
				continue
			}
			s := ev.scalar(v)
			if s.Kind == KindError {
				return s
			}
			if s.Kind != KindNumber {
				return errv(ErrValue)
			}
		}
		xs, e := ev.numbers(a)
		if e != 0 {
			return errv(e)
		}
		best, bestN := 0.0, 1
		for i, x := range xs {
			n := 0
			for _, y := range xs[i:] {
				if y == x {
					n++
				}
			}
			if n > bestN {
				best, bestN = x, n
			}
		}
		if bestN < 2 {
			return errv(ErrNA)
		}
		return num(best)
	})
	alias("MODE.SNGL", "MODE")
	varFn := func(name string, sample, sd, a bool) {
		f := func(xs []float64) Value {
			n := float64(len(xs))
			if n < 1 || sample && n < 2 {
				return errv(ErrDiv0)
			}
			ss := devsq(xs)
			if sample {
				ss /= n - 1
			} else {
				ss /= n
			}
			if sd {
				ss = math.Sqrt(ss)
			}
			return num(ss)
		}
		if a {
			regNumbersA(name, f)
		} else {
			regNumbers(name, f)
		}
	}
	varFn("VAR", true, false, false)
	varFn("VAR.S", true, false, false)
	varFn("VARP", false, false, false)
	varFn("VAR.P", false, false, false)
	varFn("STDEV", true, true, false)
	varFn("STDEV.S", true, true, false)
	varFn("STDEVP", false, true, false)
	varFn("STDEV.P", false, true, false)
	varFn("VARA", true, false, true)
	varFn("STDEVA", true, true, true)
	regNumbers("DEVSQ", func(xs []float64) Value {
		if len(xs) == 0 {
			return errv(ErrNum)
		}
		return num(devsq(xs))
	})
	reg("AVEDEV", 1, 255, func(ev *evaluator, a []Value) Value {
		xs, e := ev.numbers(a)
		if e != 0 {
			return errv(e)
		}
		if len(xs) == 0 {
			return errv(ErrNum)
		}
		m := mean(xs)
		s := 0.0
		for _, x := range xs {
			s += math.Abs(x - m)
		}
		return num(s / float64(len(xs)))
	})
	reg("GEOMEAN", 1, 255, func(ev *evaluator, a []Value) Value {
		xs, e := ev.numbers(a)
		if e != 0 {
			return errv(e)
		}
		if len(xs) == 0 {
			return errv(ErrNum)
		}
		s := 0.0
		for _, x := range xs {
			if x <= 0 {
				return errv(ErrNum)
			}
			s += math.Log(x)
		}
		return num(math.Exp(s / float64(len(xs))))
	})
	kth := func(name string, large bool) {
		reg(name, 2, 2, func(ev *evaluator, a []Value) Value {
			k, e := ev.num(a[1])
			if e != 0 {
				return errv(e)
			}
			xs, e := ev.numbers(a[:1])
			if e != 0 {
				return errv(e)
			}
			ki := int(math.Ceil(k))
			if ki < 1 || ki > len(xs) {
				return errv(ErrNum)
			}
			sort.Float64s(xs)
			if large {
				return num(xs[len(xs)-ki])
			}
			return num(xs[ki-1])
		})
	}
	kth("LARGE", true)
	kth("SMALL", false)
	pct := func(name string, exc bool, quart bool) {
		reg(name, 2, 2, func(ev *evaluator, a []Value) Value {
			p, e := ev.num(a[1])
			if e != 0 {
				return errv(e)
			}
			if quart {
				p = math.Floor(p)
				if p < 0 || p > 4 || exc && (p <= 0 || p >= 4) {
					return errv(ErrNum)
				}
				p /= 4
			}
			xs, e := ev.numbers(a[:1])
			if e != 0 {
				return errv(e)
			}
			return percentile(xs, p, exc)
		})
	}
	pct("PERCENTILE", false, false)
	pct("PERCENTILE.INC", false, false)
	pct("PERCENTILE.EXC", true, false)
	pct("QUARTILE", false, true)
	pct("QUARTILE.INC", false, true)
	pct("QUARTILE.EXC", true, true)
	rank := func(name string, avg bool) {
		reg(name, 2, 3, func(ev *evaluator, a []Value) Value {
			x, e := ev.num(a[0])
			if e != 0 {
				return errv(e)
			}
			asc, e := ev.optNum(a, 2, 0)
			if e != 0 {
				return errv(e)
			}
			if a[1].Kind != KindRef && a[1].Kind != KindArray {
				return errv(ErrValue)
			}
			xs, e := ev.numbers(a[1:2])
			if e != 0 {
				return errv(e)
			}
			better, equal := 0, 0
			for _, y := range xs {
				switch {
				case y == x:
					equal++
				case asc == 0 && y > x, asc != 0 && y < x:
					better++
				}
			}
			if equal == 0 {
				return errv(ErrNA)
			}
			if avg {
				return num(float64(better) + float64(equal+1)/2)
			}
			return num(float64(better + 1))
		})
	}
	rank("RANK", false)
	rank("RANK.EQ", false)
	rank("RANK.AVG", true)

	reg("NORM.DIST", 4, 4, normDist).lift = 15
	reg("NORMDIST", 4, 4, normDist).lift = 15
	reg("NORM.S.DIST", 2, 2, func(ev *evaluator, a []Value) Value {
		return normDist(ev, []Value{a[0], NumberValue(0), NumberValue(1), a[1]})
	}).lift = 3
	reg("NORMSDIST", 1, 1, func(ev *evaluator, a []Value) Value {
		return normDist(ev, []Value{a[0], NumberValue(0), NumberValue(1), BoolValue(true)})
	}).lift = 1
	reg("NORM.INV", 3, 3, normInv).lift = 7
	reg("NORMINV", 3, 3, normInv).lift = 7
	reg("NORM.S.INV", 1, 1, func(ev *evaluator, a []Value) Value {
		return normInv(ev, []Value{a[0], NumberValue(0), NumberValue(1)})
	}).lift = 1
	alias("NORMSINV", "NORM.S.INV")
	reg("STANDARDIZE", 3, 3, func(ev *evaluator, a []Value) Value {
		x, m, s, e := nums3(ev, a)
		if e != 0 {
			return errv(e)
		}
		if s <= 0 {
			return errv(ErrNum)
		}
		return num((x - m) / s)
	})
	reg("POISSON", 3, 3, poisson)
	alias("POISSON.DIST", "POISSON")

	ifs := func(name string, kind int) {
		// kind 0 COUNTIF, 1 SUMIF, 2 AVERAGEIF
		reg(name, 2, 3, func(ev *evaluator, a []Value) Value {
			if a[0].Kind != KindRef && a[0].Kind != KindArray {
				return errv(ErrValue)
			}
			if kind == 0 && len(a) > 2 {
				return errv(ErrValue)
			}
			crit := parseCriteria(ev.scalar(a[1]))
			g := ev.grid(a[0])
			sumSrc := g
			if kind > 0 && len(a) > 2 && a[2].Kind != KindBlank {
				sumSrc = ev.grid(a[2])
				if sumSrc.ref {
					// the sum range takes the criteria range's shape
					sumSrc.a.Row2 = sumSrc.a.Row1 + int32(g.rows) - 1
					sumSrc.a.Col2 = sumSrc.a.Col1 + int32(g.cols) - 1
					sumSrc.rows, sumSrc.cols = g.rows, g.cols
				}
			}
			n, s := 0, 0.0
			rows, cols := g.usedRows(), g.usedCols()
			if crit.val.Kind == KindBlank || crit.op == "<>" {
				rows, cols = g.rows, g.cols // blanks beyond the used area match too
				if kind == 0 && g.ref {
					return num(float64(countIfBlank(ev, g, &crit)))
				}
			}
			for r := 0; r < rows; r++ {
				for c := 0; c < cols; c++ {
					if !crit.match(g.at(r, c)) {
						continue
					}
					if kind == 0 {
						n++
						continue
					}
					if r >= sumSrc.rows || c >= sumSrc.cols {
						continue
					}
					v := sumSrc.at(r, c)
					switch v.Kind {
					case KindNumber:
						s += v.Num
						n++
					case KindError:
						return v
					}
				}
			}
			switch kind {
			case 0:
				return num(float64(n))
			case 1:
				return num(s)
			}
			if n == 0 {
				return errv(ErrDiv0)
			}
			return num(s / float64(n))
		})
	}
	ifs("COUNTIF", 0)
	ifs("SUMIF", 1)
	ifs("AVERAGEIF", 2)
	multi := func(name string, kind int) {
		// COUNTIFS(range, crit, ...), SUMIFS(sum, range, crit, ...)
		minArgs := 2
		if kind > 0 {
			minArgs = 3
		}
		reg(name, minArgs, 255, func(ev *evaluator, a []Value) Value {
			first := 0
			var target grid
			if kind > 0 {
				target = ev.grid(a[0])
				first = 1
			}
			if (len(a)-first)%2 != 0 {
				return errv(ErrValue)
			}
			type pair struct {
				g grid
				c criteria
			}
			pairs := make([]pair, 0, (len(a)-first)/2)
			rows, cols := -1, -1
			for i := first; i < len(a); i += 2 {
				if a[i].Kind != KindRef && a[i].Kind != KindArray {
					return errv(ErrValue)
				}
				g := ev.grid(a[i])
				if rows >= 0 && (g.rows != rows || g.cols != cols) {
					return errv(ErrValue)
				}
				rows, cols = g.rows, g.cols
				pairs = append(pairs, pair{g, parseCriteria(ev.scalar(a[i+1]))})
			}
			if kind > 0 && (target.rows != rows || target.cols != cols) {
				return errv(ErrValue)
			}
			// rows beyond every sheet's used area are blank in all ranges
			ur, uc := 0, 0
			for _, p := range pairs {
				ur, uc = max(ur, p.g.usedRows()), max(uc, p.g.usedCols())
			}
			blankMatches := true
			for _, p := range pairs {
				if !p.c.match(Blank) {
					blankMatches = false
				}
			}
			n, s := 0, 0.0
			for r := 0; r < ur; r++ {
				for c := 0; c < uc; c++ {
					ok := true
					for i := range pairs {
						if !pairs[i].c.match(pairs[i].g.at(r, c)) {
							ok = false
							break
						}
					}
					if !ok {
						continue
					}
					if kind == 0 {
						n++
						continue
					}
					v := target.at(r, c)
					switch v.Kind {
					case KindNumber:
						s += v.Num
						n++
					case KindError:
						return v
					}
				}
			}
			if kind == 0 && blankMatches {
				n += rows*cols - ur*uc
			}
			switch kind {
			case 0:
				return num(float64(n))
			case 1:
				return num(s)
			}
			if n == 0 {
				return errv(ErrDiv0)
			}
			return num(s / float64(n))
		})
	}
	multi("COUNTIFS", 0)
	multi("SUMIFS", 1)
	multi("AVERAGEIFS", 2)
	reg("CORREL", 2, 2, correl).arrayArgs = true
	alias("PEARSON", "CORREL")
}

func countIfBlank(ev *evaluator, g grid, c *criteria) int {
	total := g.rows * g.cols
	nonEmpty, nonEmptyMatch := 0, 0
	ev.eachCell(g.a, func(v Value) bool {
		nonEmpty++
		if c.match(v) {
			nonEmptyMatch++
		}
		return true
	})
	blanks := total - nonEmpty
	if c.match(Blank) {
		return blanks + nonEmptyMatch
	}
	return nonEmptyMatch
}

func nums3(ev *evaluator, a []Value) (x, y, z float64, e ErrorCode) {
	if x, e = ev.num(a[0]); e != 0 {
		return
	}
	if y, e = ev.num(a[1]); e != 0 {
		return
	}
	z, e = ev.num(a[2])
	return
}

func normDist(ev *evaluator, a []Value) Value {
	x, m, s, e := nums3(ev, a)
	if e != 0 {
		return errv(e)
	}
	cum, e := ev.boolean(a[3])
	if e != 0 {
		return errv(e)
	}
	if s <= 0 {
		return errv(ErrNum)
	}
	d := distuv.Normal{Mu: m, Sigma: s}
	if cum {
		return num(d.CDF(x))
	}
	return num(d.Prob(x))
}

func normInv(ev *evaluator, a []Value) Value {
	p, m, s, e := nums3(ev, a)
	if e != 0 {
		return errv(e)
	}
	if p <= 0 || p >= 1 || s <= 0 {
		return errv(ErrNum)
	}
	return num(distuv.Normal{Mu: m, Sigma: s}.Quantile(p))
}

func poisson(ev *evaluator, a []Value) Value {
	x, e := ev.num(a[0])
	if e != 0 {
		return errv(e)
	}
	m, e := ev.num(a[1])
	if e != 0 {
		return errv(e)
	}
	cum, e := ev.boolean(a[2])
	if e != 0 {
		return errv(e)
	}
	x = math.Floor(x)
	if x < 0 || m < 0 {
		return errv(ErrNum)
	}
	if cum {
		s := 0.0
		for k := 0.0; k <= x; k++ {
			s += math.Exp(k*math.Log(m) - m - lgamma(k+1))
		}
		return num(s)
	}
	if m == 0 {
		if x == 0 {
			return num(1)
		}
		return num(0)
	}
	return num(math.Exp(x*math.Log(m) - m - lgamma(x+1)))
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

func correl(ev *evaluator, a []Value) Value {
	r1, c1, at1 := ev.shape(a[0])
	r2, c2, at2 := ev.shape(a[1])
	if r1*c1 != r2*c2 {
		return errv(ErrNA)
	}
	var xs, ys []float64
	for i := 0; i < r1*c1; i++ {
		x, y := at1(i/c1, i%c1), at2(i/c2, i%c2)
		if x.Kind == KindError {
			return x
		}
		if y.Kind == KindError {
			return y
		}
		if x.Kind == KindNumber && y.Kind == KindNumber {
			xs, ys = append(xs, x.Num), append(ys, y.Num)
		}
	}
	if len(xs) < 2 {
		return errv(ErrDiv0)
	}
	mx, my := mean(xs), mean(ys)
	var sxy, sxx, syy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return errv(ErrDiv0)
	}
	return num(sxy / math.Sqrt(sxx*syy))
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func average(xs []float64) Value {
	if len(xs) == 0 {
		return errv(ErrDiv0)
	}
	return num(mean(xs))
}

// devsq is the sum of squared deviations, two-pass for accuracy.
func devsq(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	m := mean(xs)
	s := 0.0
	for _, x := range xs {
		d := x - m
		s += d * d
	}
	return s
}

// percentile interpolates as PERCENTILE.INC (rank p(n-1)) or .EXC
// (rank p(n+1), 1-based).
func percentile(xs []float64, p float64, exc bool) Value {
	n := float64(len(xs))
	if n == 0 || p < 0 || p > 1 {
		return errv(ErrNum)
	}
	sort.Float64s(xs)
	var h float64
	if exc {
		h = p*(n+1) - 1
		if h < 0 || h > n-1 {
			return errv(ErrNum)
		}
	} else {
		h = p * (n - 1)
	}
	lo := math.Floor(h)
	i := int(lo)
	if i >= len(xs)-1 {
		return num(xs[len(xs)-1])
	}
	return num(xs[i] + (h-lo)*(xs[i+1]-xs[i]))
}
