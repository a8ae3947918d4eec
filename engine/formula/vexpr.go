package formula

import (
	"math"
)

// vexpr is a compiled expression over a batch: eval returns the result
// lanes (at least n), either a cell's vector or the node's own register.
type vexpr interface {
	eval(s *State, n int) []float64
	// reg is the buffer eval returns (see State.vec).
	reg() int32
}

// retargetable is a vexpr whose result register can be chosen, so that a
// cell's expression writes straight into the cell's slot.
type retargetable interface {
	setOut(out int)
}

// vconst is a value that is the same in every lane.
type vconst struct {
	v   float64
	idx int // constant register
}

func (e *vconst) eval(s *State, n int) []float64 { return s.vec(e.reg()) }
func (e *vconst) reg() int32                     { return constRef(e.idx) }

// vcell reads a varying cell's vector.
type vcell struct {
	slot int32
	id   int32 // the cell
}

func (e *vcell) eval(s *State, n int) []float64 { return s.bufs[e.slot] }
func (e *vcell) reg() int32                     { return e.slot }

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
		// pow(NaN, 0) and pow(1, NaN) are 1 in IEEE: test the operands
		if a == 0 && b <= 0 || a != a || b != b {
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

// vif selects per lane. A branch is computed only when some lane of the
// batch takes it, so that a batch whose lanes agree neither pays for the
// other branch nor draws its random numbers (when lanes disagree, both
// branches are computed for the whole batch).
type vif struct {
	c, t, f vexpr
	out     int
}

func (e *vif) eval(s *State, n int) []float64 {
	c := e.c.eval(s, n)[:n]
	out := s.bufs[e.out][:n]
	// pick: 1 true, 2 false, 3 error (out already holds it)
	taken := [4]bool{}
	for i := range out {
		x := c[i]
		if x == x {
			if x != 0 {
				taken[1] = true
			} else {
				taken[2] = true
			}
			continue
		}
		b, er := toBool(s.decode(x))
		switch {
		case er != 0:
			taken[3] = true
		case b:
			taken[1] = true
		default:
			taken[2] = true
		}
	}
	var t, f []float64
	if taken[1] {
		t = e.t.eval(s, n)[:n]
	}
	if taken[2] {
		f = e.f.eval(s, n)[:n]
	}
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
		ev.steps = 0
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
		ev.steps = 0
		var v Value
		if e.cell >= 0 {
			v = ev.formulaValue(e.cell)
			if v.Kind == KindBlank {
				// a cell of a spill range past this lane's array
				out[i] = laneBlank
				continue
			}
		} else {
			v = finalValue(ev.scalar(ev.eval(e.node)))
		}
		out[i] = s.encode(v)
	}
	return out
}

func (e *vcmp) reg() int32         { return int32(e.out) }
func (e *vcmp) setOut(out int)     { e.out = out }
func (e *vconcat) reg() int32      { return int32(e.out) }
func (e *vconcat) setOut(out int)  { e.out = out }
func (e *vif) reg() int32          { return int32(e.out) }
func (e *vif) setOut(out int)      { e.out = out }
func (e *viferror) reg() int32     { return int32(e.out) }
func (e *viferror) setOut(out int) { e.out = out }
func (e *vrand) reg() int32        { return int32(e.out) }
func (e *vrand) setOut(out int)    { e.out = out }
func (e *vmath1) reg() int32       { return int32(e.out) }
func (e *vmath1) setOut(out int)   { e.out = out }
func (e *vfunc) reg() int32        { return int32(e.out) }
func (e *vfunc) setOut(out int)    { e.out = out }
func (e *vlane) reg() int32        { return int32(e.out) }
func (e *vlane) setOut(out int)    { e.out = out }
func (e *vmath2) reg() int32       { return int32(e.out) }
func (e *vmath2) setOut(out int)   { e.out = out }

// vmath2 is a two-argument numeric function (ROUND, MOD, POWER...) with a
// float kernel: lanes whose arguments are both numbers skip the Value
// round trip of the scalar function.
type vmath2 struct {
	f    func(x, y float64) Value
	ff   func(x, y float64) float64 // f as a float function, if it is one
	x, y vexpr
	out  int
}

func (e *vmath2) eval(s *State, n int) []float64 {
	a, b := e.x.eval(s, n)[:n], e.y.eval(s, n)[:n]
	out := s.bufs[e.out][:n]
	for i := range out {
		x, y := a[i], b[i]
		if e.ff != nil && x == x && y == y {
			r := e.ff(x, y)
			if r-r != 0 {
				r = ErrorValue(ErrNum)
			}
			out[i] = r
			continue
		}
		if x != x {
			f, er := toNumber(s.decode(x))
			if er != 0 {
				out[i] = ErrorValue(er)
				continue
			}
			x = f
		}
		if y != y {
			f, er := toNumber(s.decode(y))
			if er != 0 {
				out[i] = ErrorValue(er)
				continue
			}
			y = f
		}
		out[i] = s.encode(e.f(x, y))
	}
	return out
}
func (e *vnumbers) reg() int32     { return int32(e.out) }
func (e *vnumbers) setOut(out int) { e.out = out }
func (e *vnpv) reg() int32         { return int32(e.out) }
func (e *vnpv) setOut(out int)     { e.out = out }
func (e *virr) reg() int32         { return int32(e.out) }
func (e *virr) setOut(out int)     { e.out = out }
func (e *vlookup) reg() int32      { return int32(e.out) }
func (e *vlookup) setOut(out int)  { e.out = out }
