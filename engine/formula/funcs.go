package formula

import (
	"strings"
)

// fnSpec describes one worksheet function.
type fnSpec struct {
	min, max  int // argument counts; max < 0: variadic
	fn        func(ev *evaluator, args []Value) Value
	lazy      func(ev *evaluator, args []Node) Value // gets unevaluated args (IF, IFERROR...)
	arrayArgs bool                                   // arguments are evaluated as arrays (SUMPRODUCT)
	lift      uint32                                 // bitmask of scalar args mapped over arrays
	volatile  bool                                   // draws random numbers
	clipWhole bool                                   // whole columns/rows in arguments stop at the used extent
}

// functions is the registry, filled by the funcs_*.go init functions.
var functions = map[string]*fnSpec{}

func reg(name string, min, max int, fn func(ev *evaluator, args []Value) Value) *fnSpec {
	s := &fnSpec{min: min, max: max, fn: fn}
	functions[name] = s
	return s
}

func regLazy(name string, min, max int, fn func(ev *evaluator, args []Node) Value) *fnSpec {
	s := &fnSpec{min: min, max: max, lazy: fn}
	functions[name] = s
	return s
}

func alias(name, to string) {
	functions[name] = functions[to]
	if f, ok := numberFns[to]; ok {
		numberFns[name] = f
	}
}

// numberFns are the functions of the numbers of their arguments, collected
// as SUM does (see evaluator.numbers): the vector compiler gives them a
// kernel that collects a lane's numbers from vector slots and calls the same
// function.
var numberFns = map[string]func(xs []float64) Value{}

// regNumbers registers a function of the numbers of its arguments.
func regNumbers(name string, f func(xs []float64) Value) *fnSpec {
	numberFns[name] = f
	return reg(name, 1, 255, func(ev *evaluator, a []Value) Value {
		xs, e := ev.numbers(a)
		if e != 0 {
			return errv(e)
		}
		return f(xs)
	})
}

// regNumbersA registers a function of its arguments' numbers collected as
// AVERAGEA does (no vector kernel).
func regNumbersA(name string, f func(xs []float64) Value) *fnSpec {
	return reg(name, 1, 255, func(ev *evaluator, a []Value) Value {
		xs, e := ev.numbersA(a)
		if e != 0 {
			return errv(e)
		}
		return f(xs)
	})
}

// Supported reports whether a worksheet function is implemented.
func Supported(name string) bool {
	_, ok := functions[strings.ToUpper(name)]
	return ok
}

// num coerces a scalar argument to a number.
func (ev *evaluator) num(v Value) (float64, ErrorCode) {
	return toNumber(ev.scalar(v))
}

func (ev *evaluator) text(v Value) (string, ErrorCode) {
	return toText(ev.scalar(v))
}

func (ev *evaluator) boolean(v Value) (bool, ErrorCode) {
	return toBool(ev.scalar(v))
}

// optNum returns a numeric argument or def when absent or omitted.
func (ev *evaluator) optNum(args []Value, i int, def float64) (float64, ErrorCode) {
	if i >= len(args) || args[i].Kind == KindBlank {
		return def, 0
	}
	return ev.num(args[i])
}

// eachCell calls fn with every non-blank cell of the area (row-major).
func (ev *evaluator) eachCell(a Area, fn func(v Value) bool) {
	for s := a.Sheet; s <= a.Sheet2; s++ {
		b := a
		b.Sheet, b.Sheet2 = s, s
		b = ev.m.clip(b)
		for r := b.Row1; r <= b.Row2; r++ {
			for c := b.Col1; c <= b.Col2; c++ {
				if _, ok := ev.m.index[key(s, r, c)]; !ok {
					continue
				}
				v := ev.cellValue(s, r, c)
				if v.Kind == KindBlank {
					continue
				}
				if !fn(v) {
					return
				}
			}
		}
	}
}

// walk visits the values of function arguments as aggregate functions see
// them: references and arrays element by element (fromRef = true), other
// arguments as given.
func (ev *evaluator) walk(args []Value, fn func(v Value, fromRef bool) bool) {
	for _, a := range args {
		switch a.Kind {
		case KindRef:
			cont := true
			visit := func(v Value) bool { cont = fn(v, true); return cont }
			ev.eachCell(a.Ref, visit)
			for _, x := range a.Areas {
				if !cont {
					return
				}
				ev.eachCell(x, visit)
			}
			if !cont {
				return
			}
		case KindArray:
			for _, v := range a.Arr.V {
				if !fn(v, true) {
					return
				}
			}
		default:
			if !fn(a, false) {
				return
			}
		}
	}
}

// numbers collects numbers as SUM does: numbers in references and arrays
// (text, logicals and blanks there are skipped), direct arguments coerced
// (TRUE = 1, "3" = 3, "x" is #VALUE!). The first error wins. The slice is
// scratch owned by the evaluator (valid until the next call).
func (ev *evaluator) numbers(args []Value) ([]float64, ErrorCode) {
	out := ev.fs1[:0]
	var err ErrorCode
	ev.walk(args, func(v Value, fromRef bool) bool {
		switch v.Kind {
		case KindNumber:
			out = append(out, v.Num)
		case KindError:
			err = v.Err
			return false
		case KindBlank:
			if !fromRef {
				out = append(out, 0)
			}
		default:
			if !fromRef {
				f, e := toNumber(v)
				if e != 0 {
					err = e
					return false
				}
				out = append(out, f)
			}
		}
		return true
	})
	ev.fs1 = out
	return out, err
}

// numbersA collects as AVERAGEA/MAXA do: text in references counts as 0,
// logicals as 0/1.
func (ev *evaluator) numbersA(args []Value) ([]float64, ErrorCode) {
	out := ev.fs1[:0]
	var err ErrorCode
	ev.walk(args, func(v Value, fromRef bool) bool {
		switch v.Kind {
		case KindNumber, KindBool:
			out = append(out, v.Num)
		case KindError:
			err = v.Err
			return false
		case KindString:
			if fromRef {
				out = append(out, 0)
			} else {
				f, e := toNumber(v)
				if e != 0 {
					err = e
					return false
				}
				out = append(out, f)
			}
		case KindBlank:
			if !fromRef {
				out = append(out, 0)
			}
		}
		return true
	})
	ev.fs1 = out
	return out, err
}

// shape returns the dimensions and an element accessor of a range or array
// argument (a scalar is 1x1).
func (ev *evaluator) shape(v Value) (rows, cols int, at func(r, c int) Value) {
	switch v.Kind {
	case KindRef:
		a := v.Ref
		return a.rows(), a.cols(), func(r, c int) Value {
			return ev.cellValue(a.Sheet, a.Row1+int32(r), a.Col1+int32(c))
		}
	case KindArray:
		arr := v.Arr
		return arr.Rows, arr.Cols, func(r, c int) Value { return arr.V[r*arr.Cols+c] }
	}
	return 1, 1, func(int, int) Value { return v }
}

// grid is a positional view of a range or array argument without closures
// (used by lookups in the per-lane path).
type grid struct {
	ev         *evaluator
	ref        bool
	a          Area
	arr        *ArrayValue
	scalar     Value
	rows, cols int
}

func (ev *evaluator) grid(v Value) grid {
	switch v.Kind {
	case KindRef:
		a := v.Ref
		return grid{ev: ev, ref: true, a: a, rows: a.rows(), cols: a.cols()}
	case KindArray:
		return grid{ev: ev, arr: v.Arr, rows: v.Arr.Rows, cols: v.Arr.Cols}
	}
	return grid{ev: ev, scalar: v, rows: 1, cols: 1}
}

func (g *grid) at(r, c int) Value {
	switch {
	case g.ref:
		return g.ev.cellValue(g.a.Sheet, g.a.Row1+int32(r), g.a.Col1+int32(c))
	case g.arr != nil:
		return g.arr.V[r*g.arr.Cols+c]
	}
	return g.scalar
}

// usedRows bounds iteration of whole-column references by the sheet's extent.
func (g *grid) usedRows() int {
	if g.ref {
		c := g.ev.m.clip(g.a)
		return max(0, min(g.rows, int(c.Row2-g.a.Row1)+1))
	}
	return g.rows
}

func (g *grid) usedCols() int {
	if g.ref {
		c := g.ev.m.clip(g.a)
		return max(0, min(g.cols, int(c.Col2-g.a.Col1)+1))
	}
	return g.cols
}

func errv(e ErrorCode) Value { return ErrValueOf(e) }
