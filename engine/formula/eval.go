package formula

import (
	"math"
	"math/rand/v2"

	"github.com/simgraph/simgraph/engine/workbook"
)

// evaluator evaluates ASTs to Values. The same code serves deterministic
// evaluation (constant folding, EvaluateWorkbook) and the per-lane slow path
// of a batch, where cell reads come from the lane's vectors.
type evaluator struct {
	m               *model
	sheet, row, col int32 // the formula cell being evaluated
	arrayMode       bool  // ranges in operators are arrays, not intersected
	clipWhole       bool  // whole columns and rows read as arrays stop at the used extent
	rng             *rand.Rand
	lane            *State // non-nil in the per-lane slow path
	laneIdx         int
	depth           int
	stack           []Value   // function arguments
	fs1, fs2        []float64 // number scratch for statistical functions
	whatIf          *whatIfScope
	scope           *binding // LET and LAMBDA names in force (lambda.go)
	lambdaDepth     int      // nested LAMBDA invocations
	steps           int      // work done by this evaluation (limits.go)
}

const maxEvalDepth = 512

func (ev *evaluator) eval(n Node) Value {
	if ev.steps++; ev.steps > maxEvalSteps {
		return ErrValueOf(ErrNum)
	}
	switch x := n.(type) {
	case Number:
		return NumberValue(x.V)
	case String:
		return StringValue(x.V)
	case Bool:
		return BoolValue(x.V)
	case ErrorLit:
		return ErrValueOf(x.K)
	case Missing:
		return Blank
	case *Ref:
		a, ok := ev.m.resolveRef(x, ev.sheet)
		if !ok {
			return ErrValueOf(ErrRef)
		}
		return Value{Kind: KindRef, Ref: a}
	case *Name:
		if ev.scope != nil && x.Sheet == "" {
			if b := ev.scope.find(x.Name); b != nil {
				return b.v
			}
		}
		ast, ok := ev.m.lookupName(x, ev.sheet)
		if !ok {
			return ErrValueOf(ErrName)
		}
		if ev.depth > maxEvalDepth {
			return ErrValueOf(ErrRef)
		}
		// a defined name sees no LET or LAMBDA names of the formula using it
		scope := ev.scope
		ev.scope = nil
		ev.depth++
		v := ev.eval(ast)
		ev.depth--
		ev.scope = scope
		return v
	case *Invoke:
		return ev.invoke(x)
	case *Array:
		arr := &ArrayValue{Rows: len(x.Rows), Cols: len(x.Rows[0])}
		arr.V = make([]Value, 0, arr.Rows*arr.Cols)
		for _, r := range x.Rows {
			for _, e := range r {
				arr.V = append(arr.V, ev.eval(e))
			}
		}
		return Value{Kind: KindArray, Arr: arr}
	case *Unary:
		v := ev.eval(x.X)
		if x.Op == '@' {
			return ev.intersect(v)
		}
		return ev.unary(v, func(f float64) float64 { return -f })
	case *Percent:
		return ev.unary(ev.eval(x.X), func(f float64) float64 { return f / 100 })
	case *Binary:
		return ev.binary(x)
	case *Call:
		return ev.call(x)
	case *TableRef:
		// the model resolves the structured references of formulas and
		// names; one built at run time (INDIRECT's text) is not resolved
		return ErrValueOf(ErrRef)
	}
	return ErrValueOf(ErrValue)
}

// operand dereferences a value used by an operator: a reference becomes its
// cell value (implicit intersection) or, in array mode, an array.
func (ev *evaluator) operand(v Value) Value {
	if v.Kind != KindRef {
		return v
	}
	if len(v.Areas) > 0 {
		return ErrValueOf(ErrValue)
	}
	if v.Ref.single() {
		return ev.cellValue(v.Ref.Sheet, v.Ref.Row1, v.Ref.Col1)
	}
	if ev.arrayMode {
		return ev.refToArray(v.Ref)
	}
	return ev.intersect(v)
}

// intersect applies Excel's implicit intersection: a range used where one
// value is expected yields the cell in the formula's row (or column).
func (ev *evaluator) intersect(v Value) Value {
	switch v.Kind {
	case KindRef:
		a := v.Ref
		if len(v.Areas) > 0 || a.Sheet != a.Sheet2 {
			return ErrValueOf(ErrValue)
		}
		if a.single() {
			return ev.cellValue(a.Sheet, a.Row1, a.Col1)
		}
		if a.Col1 == a.Col2 && ev.row >= a.Row1 && ev.row <= a.Row2 {
			return ev.cellValue(a.Sheet, ev.row, a.Col1)
		}
		if a.Row1 == a.Row2 && ev.col >= a.Col1 && ev.col <= a.Col2 {
			return ev.cellValue(a.Sheet, a.Row1, ev.col)
		}
		return ErrValueOf(ErrValue)
	case KindArray:
		return v.Arr.V[0]
	}
	return v
}

// scalar reduces any value to a scalar for a scalar argument.
func (ev *evaluator) scalar(v Value) Value {
	switch v.Kind {
	case KindRef:
		return ev.intersect(v)
	case KindArray:
		return v.Arr.V[0]
	}
	return v
}

func (ev *evaluator) refToArray(a Area) Value {
	if a.Sheet != a.Sheet2 {
		return ErrValueOf(ErrValue)
	}
	if ev.clipWhole && (a.Row1 == 1 && a.Row2 == workbook.MaxRows || a.Col1 == 1 && a.Col2 == workbook.MaxCols) {
		c := ev.m.clip(a)
		a.Row2, a.Col2 = max(c.Row2, a.Row1), max(c.Col2, a.Col1)
	}
	r, c := a.rows(), a.cols()
	if r*c > 1<<22 || !ev.spend(r*c) {
		return ErrValueOf(ErrNum)
	}
	arr := &ArrayValue{Rows: r, Cols: c, V: make([]Value, r*c)}
	cl := ev.m.clip(a)
	for row := cl.Row1; row <= cl.Row2; row++ {
		for col := cl.Col1; col <= cl.Col2; col++ {
			arr.V[int(row-a.Row1)*c+int(col-a.Col1)] = ev.cellValue(a.Sheet, row, col)
		}
	}
	return Value{Kind: KindArray, Arr: arr}
}

// cellValue reads a cell: a constant, a computed formula value, or, in the
// per-lane slow path, the lane's element of a varying cell's vector.
func (ev *evaluator) cellValue(sheet, row, col int32) Value {
	k := key(sheet, row, col)
	id, ok := ev.m.index[k]
	if !ok {
		if ev.m.virt != nil {
			return ev.m.virtualValue(k)
		}
		return Blank
	}
	ci := &ev.m.cells[id]
	if w := ev.whatIf; w != nil {
		if v, ok := w.values[id]; ok {
			return v
		}
		if w.cone[id] {
			return ev.inScope(w, id)
		}
	}
	if ev.lane != nil && ci.slot >= 0 {
		return ev.lane.decode(ev.lane.bufs[ci.slot][ev.laneIdx])
	}
	if !ci.isFormula || ci.state == stDone {
		return ci.value
	}
	return ev.m.evalCell(id, ev.rng)
}

// evalCell computes a formula cell deterministically (memoised).
func (m *model) evalCell(id int32, rng *rand.Rand) Value {
	ci := &m.cells[id]
	if ci.state == stDone {
		return ci.value
	}
	if ci.state == stRunning {
		return ErrValueOf(ErrRef) // a cycle only visible at run time (OFFSET)
	}
	ci.state = stRunning
	ev := &evaluator{m: m, sheet: ci.sheet, row: ci.row, col: ci.col, rng: rng}
	ci.value = ev.formulaValue(id)
	ci.state = stDone
	return ci.value
}

// formulaValue evaluates the formula of cell id to its final scalar.
func (ev *evaluator) formulaValue(id int32) Value {
	ci := &ev.m.cells[id]
	if ci.whatIf != nil {
		return ev.whatIfValue(ci.whatIf)
	}
	if ci.array != nil {
		a := ci.array
		if a.blocked {
			return ErrValueOf(ErrSpill)
		}
		var res Value
		var lanes []Value // a spill's arrays per lane (spillLanes), for its members
		if a.spill && (a.row2 > a.row1 || a.col2 > a.col1) && ev.lane != nil && ev.whatIf == nil {
			lanes = ev.lane.spillLanes(a.master)
		}
		if a.result != nil && ev.lane == nil && ev.whatIf == nil {
			res = *a.result
		} else if lanes != nil && id != a.master && lanes[ev.laneIdx].Kind != KindBlank {
			res = lanes[ev.laneIdx]
		} else {
			master := &ev.m.cells[a.master]
			if master.parseErr != nil || master.ast == nil {
				return ErrValueOf(ErrName)
			}
			ev.sheet, ev.row, ev.col = master.sheet, master.row, master.col
			ev.arrayMode = true
			res = ev.eval(master.ast)
			if res.Kind == KindRef {
				res = ev.operand(res)
			}
			if ev.lane == nil && ev.whatIf == nil {
				a.result = &res
			}
			if lanes != nil {
				lanes[ev.laneIdx] = res
			}
		}
		r, c := int(ci.row-a.row1), int(ci.col-a.col1)
		if a.spill {
			if a.exceeds(res) {
				// in the way of a cell, or past the range made for it
				if id == a.master {
					return ErrValueOf(ErrSpill)
				}
				return Blank
			}
			return spilledValue(res, r, c)
		}
		if res.Kind == KindArray {
			arr := res.Arr
			if (arr.Rows == 1 || r < arr.Rows) && (arr.Cols == 1 || c < arr.Cols) {
				return finalValue(arr.at(r, c))
			}
			return ErrValueOf(ErrNA)
		}
		return finalValue(res)
	}
	if ci.parseErr != nil || ci.ast == nil {
		return ErrValueOf(ErrName)
	}
	v := ev.eval(ci.ast)
	return finalValue(ev.scalar(v))
}

// spilledValue is what cell (r, c) of a spill range shows: its element of
// the anchor's array, or blank past it.
func spilledValue(res Value, r, c int) Value {
	if res.Kind == KindArray {
		if r < res.Arr.Rows && c < res.Arr.Cols {
			return finalValue(res.Arr.V[r*res.Arr.Cols+c])
		}
		return Blank
	}
	if r == 0 && c == 0 {
		return finalValue(res)
	}
	return Blank
}

// finalValue is what a cell shows: a blank result reads as 0.
func finalValue(v Value) Value {
	switch v.Kind {
	case KindBlank:
		return NumberValue(0)
	case KindNumber:
		if math.IsNaN(v.Num) || math.IsInf(v.Num, 0) {
			return ErrValueOf(ErrNum)
		}
	case KindArray:
		return finalValue(v.Arr.V[0])
	case KindRef:
		return ErrValueOf(ErrValue)
	case KindLambda:
		return ErrValueOf(ErrCalc)
	}
	return v
}

func (ev *evaluator) unary(v Value, f func(float64) float64) Value {
	v = ev.operand(v)
	if v.Kind == KindArray {
		out := &ArrayValue{Rows: v.Arr.Rows, Cols: v.Arr.Cols, V: make([]Value, len(v.Arr.V))}
		for i, e := range v.Arr.V {
			out.V[i] = ev.unary(e, f)
		}
		return Value{Kind: KindArray, Arr: out}
	}
	x, e := toNumber(v)
	if e != 0 {
		return ErrValueOf(e)
	}
	return num(f(x))
}

func (ev *evaluator) binary(x *Binary) Value {
	switch x.Op {
	case ":", " ", ",":
		return ev.refOp(x)
	}
	l := ev.operand(ev.eval(x.L))
	r := ev.operand(ev.eval(x.R))
	if l.Kind == KindArray || r.Kind == KindArray {
		return ev.arrayBinary(x.Op, l, r)
	}
	return binaryScalar(x.Op, l, r)
}

func (ev *evaluator) arrayBinary(op string, l, r Value) Value {
	rows, cols := 1, 1
	if l.Kind == KindArray {
		rows, cols = max(rows, l.Arr.Rows), max(cols, l.Arr.Cols)
	}
	if r.Kind == KindArray {
		rows, cols = max(rows, r.Arr.Rows), max(cols, r.Arr.Cols)
	}
	if e := ev.arrayCells(rows, cols); e != 0 {
		return ErrValueOf(e)
	}
	out := &ArrayValue{Rows: rows, Cols: cols, V: make([]Value, rows*cols)}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			a, b := l, r
			if a.Kind == KindArray {
				a = a.Arr.at(i, j)
			}
			if b.Kind == KindArray {
				b = b.Arr.at(i, j)
			}
			out.V[i*cols+j] = binaryScalar(op, a, b)
		}
	}
	return Value{Kind: KindArray, Arr: out}
}

// binaryScalar applies an arithmetic, text or comparison operator.
func binaryScalar(op string, l, r Value) Value {
	switch op {
	case "&":
		a, e := toText(l)
		if e != 0 {
			return ErrValueOf(e)
		}
		b, e := toText(r)
		if e != 0 {
			return ErrValueOf(e)
		}
		return StringValue(a + b)
	case "=", "<>", "<", ">", "<=", ">=":
		if l.Kind == KindError {
			return l
		}
		if r.Kind == KindError {
			return r
		}
		c := compareValues(l, r)
		var b bool
		switch op {
		case "=":
			b = c == 0
		case "<>":
			b = c != 0
		case "<":
			b = c < 0
		case ">":
			b = c > 0
		case "<=":
			b = c <= 0
		case ">=":
			b = c >= 0
		}
		return BoolValue(b)
	}
	a, e := toNumber(l)
	if e != 0 {
		return ErrValueOf(e)
	}
	b, e := toNumber(r)
	if e != 0 {
		return ErrValueOf(e)
	}
	return arith(op[0], a, b)
}

func arith(op byte, a, b float64) Value {
	switch op {
	case '+':
		return num(a + b)
	case '-':
		return num(a - b)
	case '*':
		return num(a * b)
	case '/':
		if b == 0 {
			return ErrValueOf(ErrDiv0)
		}
		return num(a / b)
	case '^':
		return power(a, b)
	}
	return ErrValueOf(ErrValue)
}

func power(a, b float64) Value {
	if a == 0 && b == 0 {
		return ErrValueOf(ErrNum)
	}
	if a == 0 && b < 0 {
		return ErrValueOf(ErrDiv0)
	}
	return num(math.Pow(a, b))
}

// refOp implements the reference operators ':' (range), ' ' (intersection)
// and ',' (union).
func (ev *evaluator) refOp(x *Binary) Value {
	l := ev.eval(x.L)
	r := ev.eval(x.R)
	if l.Kind == KindError {
		return l
	}
	if r.Kind == KindError {
		return r
	}
	if l.Kind != KindRef || r.Kind != KindRef {
		return ErrValueOf(ErrValue)
	}
	switch x.Op {
	case ",":
		out := l
		out.Areas = append(append(append([]Area(nil), l.Areas...), r.Ref), r.Areas...)
		return out
	case ":":
		a, b := l.Ref, r.Ref
		if a.Sheet != b.Sheet || len(l.Areas) > 0 || len(r.Areas) > 0 {
			return ErrValueOf(ErrValue)
		}
		return Value{Kind: KindRef, Ref: Area{Sheet: a.Sheet, Sheet2: max(a.Sheet2, b.Sheet2),
			Row1: min(a.Row1, b.Row1), Col1: min(a.Col1, b.Col1), Row2: max(a.Row2, b.Row2), Col2: max(a.Col2, b.Col2)}}
	}
	a, b := l.Ref, r.Ref
	if a.Sheet != b.Sheet {
		return ErrValueOf(ErrValue)
	}
	out := Area{Sheet: a.Sheet, Sheet2: a.Sheet2, Row1: max(a.Row1, b.Row1), Col1: max(a.Col1, b.Col1), Row2: min(a.Row2, b.Row2), Col2: min(a.Col2, b.Col2)}
	if out.Row1 > out.Row2 || out.Col1 > out.Col2 {
		return ErrValueOf(ErrNull)
	}
	return Value{Kind: KindRef, Ref: out}
}

// call evaluates a function call.
func (ev *evaluator) call(x *Call) Value {
	spec, ok := functions[x.Name]
	if !ok {
		return ev.callName(x)
	}
	if len(x.Args) < spec.min || spec.max >= 0 && len(x.Args) > spec.max {
		return ErrValueOf(ErrValue)
	}
	if spec.lazy != nil {
		return spec.lazy(ev, x.Args)
	}
	if ev.depth > maxEvalDepth {
		return ErrValueOf(ErrNum)
	}
	ev.depth++
	defer func() { ev.depth-- }()
	saved, savedClip := ev.arrayMode, ev.clipWhole
	if spec.arrayArgs {
		ev.arrayMode = true
	}
	if spec.clipWhole {
		ev.clipWhole = true
	}
	// arguments live on the evaluator's stack so that the per-lane slow
	// path allocates nothing in steady state
	base := len(ev.stack)
	for _, a := range x.Args {
		v := ev.eval(a)
		ev.stack = append(ev.stack, v)
	}
	args := ev.stack[base:len(ev.stack):len(ev.stack)]
	defer func() { ev.stack = ev.stack[:base] }()
	ev.arrayMode, ev.clipWhole = saved, savedClip
	if spec.lift != 0 {
		if v, lifted := ev.lift(spec, args); lifted {
			return v
		}
	}
	return spec.fn(ev, args)
}

// lift maps a scalar function over array arguments (in array formulas):
// ABS({-1,2}) = {1,2}. spec.lift is a bitmask of the lifted argument
// positions (bit 0 = first argument).
func (ev *evaluator) lift(spec *fnSpec, args []Value) (Value, bool) {
	rows, cols := 0, 0
	for i := range args {
		if spec.lift&(1<<uint(min(i, 31))) == 0 {
			continue
		}
		if args[i].Kind == KindRef && ev.arrayMode && !args[i].Ref.single() {
			args[i] = ev.refToArray(args[i].Ref)
		}
		if args[i].Kind == KindArray {
			rows, cols = max(rows, args[i].Arr.Rows), max(cols, args[i].Arr.Cols)
		}
	}
	if rows == 0 {
		return Value{}, false
	}
	if e := ev.arrayCells(rows, cols); e != 0 {
		return ErrValueOf(e), true
	}
	out := &ArrayValue{Rows: rows, Cols: cols, V: make([]Value, rows*cols)}
	sub := make([]Value, len(args))
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			for k, a := range args {
				if a.Kind == KindArray && spec.lift&(1<<uint(min(k, 31))) != 0 {
					a = a.Arr.at(i, j)
				}
				sub[k] = a
			}
			out.V[i*cols+j] = spec.fn(ev, sub)
		}
	}
	return Value{Kind: KindArray, Arr: out}, true
}
