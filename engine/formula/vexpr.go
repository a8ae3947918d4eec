package formula

import (
	"math"
)

// vexpr is a compiled expression over a batch: eval returns the result
// lanes (at least n), either a cell's vector or the node's own register.
type vexpr interface {
	eval(s *State, n int) []float64
}

// vconst is a value that is the same in every lane.
type vconst struct {
	v   float64
	idx int // constant register
}

func (e *vconst) eval(s *State, n int) []float64 {
	return s.bufs[s.p.nslots+s.p.nregs+e.idx]
}

// vcell reads a varying cell's vector.
type vcell struct{ slot int32 }

func (e *vcell) eval(s *State, n int) []float64 { return s.bufs[e.slot] }

// vbin is an arithmetic operator. The fast path handles finite numbers; a
// NaN or infinite result (error, text, logical operand, overflow, division
// by zero) takes the slow path, which applies Excel's coercions.
type vbin struct {
	op     byte
	l, r   vexpr
	lc, rc *vconst
	out    int
}

func (e *vbin) eval(s *State, n int) []float64 {
	out := s.bufs[e.out][:n]
	switch {
	case e.lc != nil:
		a, b := e.lc.v, e.r.eval(s, n)[:n]
		for i := range out {
			out[i] = arithLane(s, e.op, a, b[i])
		}
	case e.rc != nil:
		a, b := e.l.eval(s, n)[:n], e.rc.v
		switch e.op {
		case '+':
			for i := range out {
				r := a[i] + b
				if r-r != 0 {
					r = slowArith(s, e.op, a[i], b)
				}
				out[i] = r
			}
		case '-':
			for i := range out {
				r := a[i] - b
				if r-r != 0 {
					r = slowArith(s, e.op, a[i], b)
				}
				out[i] = r
			}
		case '*':
			for i := range out {
				r := a[i] * b
				if r-r != 0 {
					r = slowArith(s, e.op, a[i], b)
				}
				out[i] = r
			}
		case '/':
			// x/0 is ±Inf or NaN, so the finite test also catches #DIV/0!
			for i := range out {
				r := a[i] / b
				if r-r != 0 {
					r = slowArith(s, e.op, a[i], b)
				}
				out[i] = r
			}
		default:
			for i := range out {
				out[i] = arithLane(s, e.op, a[i], b)
			}
		}
	default:
		a, b := e.l.eval(s, n)[:n], e.r.eval(s, n)[:n]
		switch e.op {
		case '+':
			for i := range out {
				r := a[i] + b[i]
				if r-r != 0 {
					r = slowArith(s, e.op, a[i], b[i])
				}
				out[i] = r
			}
		case '-':
			for i := range out {
				r := a[i] - b[i]
				if r-r != 0 {
					r = slowArith(s, e.op, a[i], b[i])
				}
				out[i] = r
			}
		case '*':
			for i := range out {
				r := a[i] * b[i]
				if r-r != 0 {
					r = slowArith(s, e.op, a[i], b[i])
				}
				out[i] = r
			}
		case '/':
			for i := range out {
				r := a[i] / b[i]
				if r-r != 0 {
					r = slowArith(s, e.op, a[i], b[i])
				}
				out[i] = r
			}
		default:
			for i := range out {
				out[i] = arithLane(s, e.op, a[i], b[i])
			}
		}
	}
	return out
}

// arithLane computes one lane of any arithmetic operator.
func arithLane(s *State, op byte, a, b float64) float64 {
	var r float64
	switch op {
	case '+':
		r = a + b
	case '-':
		r = a - b
	case '*':
		r = a * b
	case '/':
		if b == 0 {
			return slowArith(s, op, a, b)
		}
		r = a / b
	case '^':
		if a == 0 && b <= 0 {
			return slowArith(s, op, a, b)
		}
		r = math.Pow(a, b)
	}
	if r-r != 0 {
		return slowArith(s, op, a, b)
	}
	return r
}

func slowArith(s *State, op byte, a, b float64) float64 {
	return s.encode(binaryScalar(string(op), s.decode(a), s.decode(b)))
}

var cmpOps = [...]string{"=", "<>", "<", ">", "<=", ">="}

// vcmp is a comparison; numbers compare directly, anything else through
// Excel's mixed-type ordering.
type vcmp struct {
	op   int // index into cmpOps
	l, r vexpr
	out  int
}

func (e *vcmp) eval(s *State, n int) []float64 {
	a, b := e.l.eval(s, n)[:n], e.r.eval(s, n)[:n]
	out := s.bufs[e.out][:n]
	for i := range out {
		x, y := a[i], b[i]
		if x == x && y == y {
			var t bool
			switch e.op {
			case 0:
				t = x == y
			case 1:
				t = x != y
			case 2:
				t = x < y
			case 3:
				t = x > y
			case 4:
				t = x <= y
			default:
				t = x >= y
			}
			if t {
				out[i] = laneTrue
			} else {
				out[i] = laneFalse
			}
			continue
		}
		out[i] = s.encode(binaryScalar(cmpOps[e.op], s.decode(x), s.decode(y)))
	}
	return out
}

// vconcat is the & operator.
type vconcat struct {
	l, r vexpr
	out  int
}

func (e *vconcat) eval(s *State, n int) []float64 {
	a, b := e.l.eval(s, n)[:n], e.r.eval(s, n)[:n]
	out := s.bufs[e.out][:n]
	for i := range out {
		out[i] = s.encode(binaryScalar("&", s.decode(a[i]), s.decode(b[i])))
	}
	return out
}

// vunary is negation or percent.
type vunary struct {
	mul float64 // -1 or 0.01
	x   vexpr
	out int
}

func (e *vunary) eval(s *State, n int) []float64 {
	a := e.x.eval(s, n)[:n]
	out := s.bufs[e.out][:n]
	for i := range out {
		x := a[i]
		if x != x {
			v := s.decode(x)
			f, er := toNumber(v)
			if er != 0 {
				out[i] = ErrorValue(er)
				continue
			}
			x = f
		}
		out[i] = x * e.mul
	}
	return out
}

// vif selects per lane; both branches are computed for the whole batch.
type vif struct {
	c, t, f vexpr
	out     int
}

func (e *vif) eval(s *State, n int) []float64 {
	c, t, f := e.c.eval(s, n)[:n], e.t.eval(s, n)[:n], e.f.eval(s, n)[:n]
	out := s.bufs[e.out][:n]
	for i := range out {
		x := c[i]
		if x == x {
			if x != 0 {
				out[i] = t[i]
			} else {
				out[i] = f[i]
			}
			continue
		}
		b, er := toBool(s.decode(x))
		switch {
		case er != 0:
			out[i] = ErrorValue(er)
		case b:
			out[i] = t[i]
		default:
			out[i] = f[i]
		}
	}
	return out
}

// viferror is IFERROR (na=false) or IFNA (na=true).
type viferror struct {
	x, alt vexpr
	na     bool
	out    int
}

func (e *viferror) eval(s *State, n int) []float64 {
	x, alt := e.x.eval(s, n)[:n], e.alt.eval(s, n)[:n]
	out := s.bufs[e.out][:n]
	for i := range out {
		v := x[i]
		if v != v {
			if k, isErr := ErrorKind(v); isErr && (!e.na || k == ErrNA) {
				v = alt[i]
			}
		}
		out[i] = v
	}
	return out
}

// vrand draws RAND() per lane from the state's source.
type vrand struct{ out int }

func (e *vrand) eval(s *State, n int) []float64 {
	out := s.bufs[e.out][:n]
	if s.rng == nil {
		for i := range out {
			out[i] = ErrorValue(ErrNA)
		}
		return out
	}
	for i := range out {
		out[i] = s.rng.Float64()
	}
	return out
}

// vmath1 is a one-argument numeric function with a float kernel.
type vmath1 struct {
	f   func(float64) float64
	x   vexpr
	out int
}

func (e *vmath1) eval(s *State, n int) []float64 {
	a := e.x.eval(s, n)[:n]
	out := s.bufs[e.out][:n]
	for i := range out {
		x := a[i]
		if x != x {
			f, er := toNumber(s.decode(x))
			if er != 0 {
				out[i] = ErrorValue(er)
				continue
			}
			x = f
		}
		r := e.f(x)
		if r-r != 0 {
			r = ErrorValue(ErrNum)
		}
		out[i] = r
	}
	return out
}

// vagg is SUM/MIN/MAX/AVERAGE over scalar arguments; fromRef marks
// arguments that were single-cell references (text and logicals there are
// ignored, as in ranges).
type vagg struct {
	kind    byte // 'S' sum, 'm' min, 'M' max, 'A' average
	args    []vexpr
	fromRef []bool
	out     int
}

func (e *vagg) eval(s *State, n int) []float64 {
	out := s.bufs[e.out][:n]
	var local [8][]float64
	cols := local[:0]
	for _, a := range e.args {
		cols = append(cols, a.eval(s, n))
	}
	for i := range out {
		acc, cnt := 0.0, 0
		var err float64
		for k, col := range cols {
			x := col[i]
			if x != x {
				v := s.decode(x)
				if v.Kind == KindError {
					err = x
					break
				}
				if e.fromRef[k] {
					continue
				}
				f, er := toNumber(v)
				if er != 0 {
					err = ErrorValue(er)
					break
				}
				x = f
			}
			switch e.kind {
			case 'S', 'A':
				acc += x
			case 'm':
				if cnt == 0 || x < acc {
					acc = x
				}
			case 'M':
				if cnt == 0 || x > acc {
					acc = x
				}
			}
			cnt++
		}
		switch {
		case err != 0 || err != err:
			out[i] = err
		case e.kind == 'A':
			if cnt == 0 {
				out[i] = ErrorValue(ErrDiv0)
			} else {
				out[i] = acc / float64(cnt)
			}
		default:
			if acc-acc != 0 {
				acc = ErrorValue(ErrNum)
			}
			out[i] = acc
		}
	}
	return out
}

// vfunc calls a scalar worksheet function lane by lane.
type vfunc struct {
	spec            *fnSpec
	args            []vexpr
	sheet, row, col int32
	out             int
}

func (e *vfunc) eval(s *State, n int) []float64 {
	var local [8][]float64
	cols := local[:0]
	for _, a := range e.args {
		cols = append(cols, a.eval(s, n))
	}
	out := s.bufs[e.out][:n]
	ev := &s.ev
	ev.sheet, ev.row, ev.col = e.sheet, e.row, e.col
	for i := range out {
		ev.laneIdx = i
		base := len(ev.stack)
		for _, c := range cols {
			ev.stack = append(ev.stack, s.decode(c[i]))
		}
		v := e.spec.fn(ev, ev.stack[base:len(ev.stack):len(ev.stack)])
		ev.stack = ev.stack[:base]
		out[i] = s.encode(finalValue(ev.scalar(v)))
	}
	return out
}

// vlane evaluates an expression lane by lane with the scalar evaluator:
// the general path for lookups, range functions and everything without a
// vector kernel.
type vlane struct {
	node            Node
	cell            int32 // >= 0: evaluate this cell's formula (array formulas)
	sheet, row, col int32
	out             int
}

func (e *vlane) eval(s *State, n int) []float64 {
	out := s.bufs[e.out][:n]
	ev := &s.ev
	for i := range out {
		ev.sheet, ev.row, ev.col = e.sheet, e.row, e.col
		ev.arrayMode = false
		ev.laneIdx = i
		var v Value
		if e.cell >= 0 {
			v = ev.formulaValue(e.cell)
		} else {
			v = finalValue(ev.scalar(ev.eval(e.node)))
		}
		out[i] = s.encode(v)
	}
	return out
}
