package formula

import "math"

// LET, LAMBDA and the functions taking a LAMBDA. Arrays they return are
// plain array values: an array formula spreads them over its cells, SUM
// and the other functions of arrays read them.

func init() {
	regLazy("LET", 3, 253, fnLet)
	regLazy("LAMBDA", 1, 254, fnLambda)
	regLazy("ISOMITTED", 1, 1, fnIsOmitted)
	reg("MAP", 2, 254, fnMap).arrayArgs = true
	reg("REDUCE", 3, 3, fnReduce).arrayArgs = true
	reg("SCAN", 3, 3, fnScan).arrayArgs = true
	reg("BYROW", 2, 2, func(ev *evaluator, a []Value) Value { return ev.byLine(a, true) }).arrayArgs = true
	reg("BYCOL", 2, 2, func(ev *evaluator, a []Value) Value { return ev.byLine(a, false) }).arrayArgs = true
	reg("MAKEARRAY", 3, 3, fnMakeArray)
}

// maxLambdaCells bounds the arrays the helpers build (a whole column).
const maxLambdaCells = 1 << 20

// localName is a LET or LAMBDA name argument: an unqualified name,
// without the _xlop. prefix of an optional LAMBDA parameter.
func localName(n Node) (string, bool) {
	nm, ok := n.(*Name)
	if !ok || nm.Sheet != "" {
		return "", false
	}
	if optionalParam(nm) {
		return nm.Name[len(optPrefix):], true
	}
	return nm.Name, true
}

// optPrefix marks an optional LAMBDA parameter in xlsx files (shown
// LAMBDA(a, [b], ...) in Excel): a call may leave it out.
const optPrefix = "_xlop."

func optionalParam(n Node) bool {
	nm, ok := n.(*Name)
	return ok && len(nm.Name) > len(optPrefix) && equalFoldASCII(nm.Name[:len(optPrefix)], optPrefix)
}

// required is the number of leading parameters of l a call must pass:
// those up to the last that is not optional.
func (l *Lambda) required() int {
	ps := l.params()
	n := len(ps)
	for n > 0 && optionalParam(ps[n-1]) {
		n--
	}
	return n
}

// fnLet binds each name to its value, evaluated once in order (a value
// sees the names before it), then evaluates the calculation. A value that
// is a reference stays one: LET(r, A1:A3, ROWS(r)).
func fnLet(ev *evaluator, args []Node) Value {
	if len(args)%2 == 0 {
		return ErrValueOf(ErrValue)
	}
	saved := ev.scope
	bs := make([]binding, len(args)/2)
	for i := range bs {
		name, ok := localName(args[2*i])
		if !ok {
			ev.scope = saved
			return ErrValueOf(ErrValue)
		}
		bs[i] = binding{name: name, v: ev.eval(args[2*i+1]), up: ev.scope}
		ev.scope = &bs[i]
	}
	v := ev.eval(args[len(args)-1])
	ev.scope = saved
	return v
}

// fnLambda makes a LAMBDA value; nothing is evaluated until it is called.
func fnLambda(ev *evaluator, args []Node) Value {
	params := args[:len(args)-1]
	for i, p := range params {
		name, ok := localName(p)
		if !ok {
			return ErrValueOf(ErrValue)
		}
		for _, q := range params[:i] {
			if other, _ := localName(q); equalFoldASCII(other, name) {
				return ErrValueOf(ErrValue)
			}
		}
	}
	if _, ok := args[len(args)-1].(Missing); ok {
		return ErrValueOf(ErrValue)
	}
	return Value{Kind: KindLambda, Fn: &Lambda{def: &Call{Name: "LAMBDA", Args: args}, env: ev.scope}}
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// fnIsOmitted is ISOMITTED(param): TRUE when the caller left the LAMBDA
// parameter out.
func fnIsOmitted(ev *evaluator, args []Node) Value {
	if name, ok := localName(args[0]); ok {
		if b := ev.scope.find(name); b != nil {
			return BoolValue(b.omitted)
		}
	}
	return BoolValue(false)
}

// lambdaOf checks that v is a LAMBDA that can be called with n arguments.
func lambdaOf(v Value, n int) (*Lambda, Value) {
	switch {
	case v.Kind == KindError:
		return nil, v
	case v.Kind != KindLambda || n > len(v.Fn.params()) || n < v.Fn.required():
		return nil, ErrValueOf(ErrValue)
	}
	return v.Fn, Value{}
}

// elements is a view of a helper's array argument: a range yields
// references to its cells (so that ISBLANK, ROW... see cells), an array
// its values, a scalar itself.
type elements struct {
	rows, cols int
	ref        bool
	a          Area
	arr        *ArrayValue
	v          Value
}

func (ev *evaluator) elements(v Value) (elements, Value) {
	switch v.Kind {
	case KindRef:
		a := v.Ref
		if len(v.Areas) > 0 || a.Sheet != a.Sheet2 {
			return elements{}, ErrValueOf(ErrValue)
		}
		if a.rows()*a.cols() > maxLambdaCells {
			return elements{}, ErrValueOf(ErrNum)
		}
		return elements{rows: a.rows(), cols: a.cols(), ref: true, a: a}, Value{}
	case KindArray:
		return elements{rows: v.Arr.Rows, cols: v.Arr.Cols, arr: v.Arr}, Value{}
	case KindLambda:
		return elements{}, ErrValueOf(ErrValue)
	}
	return elements{rows: 1, cols: 1, v: v}, Value{}
}

// at returns element (r, c), broadcasting a single row or column as array
// arithmetic does; outside the array it is #N/A.
func (e *elements) at(r, c int) Value {
	if e.rows == 1 {
		r = 0
	}
	if e.cols == 1 {
		c = 0
	}
	if r >= e.rows || c >= e.cols {
		return ErrValueOf(ErrNA)
	}
	switch {
	case e.ref:
		row, col := e.a.Row1+int32(r), e.a.Col1+int32(c)
		return Value{Kind: KindRef, Ref: Area{Sheet: e.a.Sheet, Sheet2: e.a.Sheet, Row1: row, Col1: col, Row2: row, Col2: col}}
	case e.arr != nil:
		return e.arr.V[r*e.arr.Cols+c]
	}
	return e.v
}

// line returns row (or column) i as a reference or an array.
func (e *elements) line(i int, row bool) Value {
	switch {
	case e.ref:
		a := e.a
		if row {
			a.Row1 += int32(i)
			a.Row2 = a.Row1
		} else {
			a.Col1 += int32(i)
			a.Col2 = a.Col1
		}
		return Value{Kind: KindRef, Ref: a}
	case e.arr != nil:
		if row {
			return Value{Kind: KindArray, Arr: &ArrayValue{Rows: 1, Cols: e.cols, V: e.arr.V[i*e.cols : (i+1)*e.cols]}}
		}
		out := &ArrayValue{Rows: e.rows, Cols: 1, V: make([]Value, e.rows)}
		for r := range out.V {
			out.V[r] = e.arr.V[r*e.cols+i]
		}
		return Value{Kind: KindArray, Arr: out}
	}
	return e.v
}

// element reduces a LAMBDA's result to one array element: a single cell's
// value, a 1x1 array's element; a larger range or array, or a LAMBDA, is
// #CALC! (Excel has no nested arrays).
func (ev *evaluator) element(v Value) Value {
	switch v.Kind {
	case KindRef:
		if len(v.Areas) == 0 && v.Ref.single() {
			return ev.cellValue(v.Ref.Sheet, v.Ref.Row1, v.Ref.Col1)
		}
		return ErrValueOf(ErrCalc)
	case KindArray:
		if len(v.Arr.V) == 1 {
			return v.Arr.V[0]
		}
		return ErrValueOf(ErrCalc)
	case KindLambda:
		return ErrValueOf(ErrCalc)
	}
	return v
}

func (ev *evaluator) newArray(rows, cols int) (*ArrayValue, Value) {
	if rows*cols > maxLambdaCells {
		return nil, ErrValueOf(ErrNum)
	}
	if e := ev.arrayCells(rows, cols); e != 0 {
		return nil, ErrValueOf(e)
	}
	return &ArrayValue{Rows: rows, Cols: cols, V: make([]Value, rows*cols)}, Value{}
}

// fnMap is MAP(array1, [array2, ...], lambda): the lambda applied to the
// arrays' elements, position by position.
func fnMap(ev *evaluator, args []Value) Value {
	n := len(args) - 1
	l, bad := lambdaOf(args[n], n)
	if l == nil {
		return bad
	}
	els := make([]elements, n)
	rows, cols := 0, 0
	for i := range els {
		e, bad := ev.elements(args[i])
		if bad.Kind != KindBlank {
			return bad
		}
		els[i] = e
		rows, cols = max(rows, e.rows), max(cols, e.cols)
	}
	out, bad := ev.newArray(rows, cols)
	if out == nil {
		return bad
	}
	xs := make([]Value, n)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			for i := range els {
				xs[i] = els[i].at(r, c)
			}
			out.V[r*cols+c] = ev.element(ev.apply(l, xs, nil))
		}
	}
	return Value{Kind: KindArray, Arr: out}
}

// fold runs REDUCE and SCAN: acc = lambda(acc, element) over the array in
// row-major order; each calls step with the index and the new acc.
func (ev *evaluator) fold(args []Value, step func(i int, acc Value)) (elements, Value, bool) {
	l, bad := lambdaOf(args[2], 2)
	if l == nil {
		return elements{}, bad, false
	}
	e, bad := ev.elements(args[1])
	if bad.Kind != KindBlank {
		return elements{}, bad, false
	}
	acc := args[0]
	xs := make([]Value, 2)
	for r := 0; r < e.rows; r++ {
		for c := 0; c < e.cols; c++ {
			xs[0], xs[1] = acc, e.at(r, c)
			acc = ev.apply(l, xs, nil)
			if step != nil {
				step(r*e.cols+c, acc)
			}
		}
	}
	return e, acc, true
}

// fnReduce is REDUCE([initial], array, lambda(acc, value)): the last acc.
func fnReduce(ev *evaluator, args []Value) Value {
	_, acc, _ := ev.fold(args, nil)
	return acc
}

// fnScan is SCAN([initial], array, lambda(acc, value)): every acc, in an
// array of the input's shape.
func fnScan(ev *evaluator, args []Value) Value {
	var out *ArrayValue
	if e, bad := ev.elements(args[1]); bad.Kind == KindBlank {
		if out, bad = ev.newArray(e.rows, e.cols); out == nil {
			return bad
		}
	}
	_, acc, ok := ev.fold(args, func(i int, acc Value) { out.V[i] = ev.element(acc) })
	if !ok {
		return acc
	}
	return Value{Kind: KindArray, Arr: out}
}

// byLine is BYROW (row) or BYCOL: the lambda applied to each row (column),
// in a column (row) of results.
func (ev *evaluator) byLine(args []Value, row bool) Value {
	l, bad := lambdaOf(args[1], 1)
	if l == nil {
		return bad
	}
	e, bad := ev.elements(args[0])
	if bad.Kind != KindBlank {
		return bad
	}
	n, rows, cols := e.cols, 1, e.cols
	if row {
		n, rows, cols = e.rows, e.rows, 1
	}
	out := &ArrayValue{Rows: rows, Cols: cols, V: make([]Value, n)}
	xs := make([]Value, 1)
	for i := range out.V {
		xs[0] = e.line(i, row)
		out.V[i] = ev.element(ev.apply(l, xs, nil))
	}
	return Value{Kind: KindArray, Arr: out}
}

// fnMakeArray is MAKEARRAY(rows, cols, lambda(r, c)) with 1-based r, c.
func fnMakeArray(ev *evaluator, args []Value) Value {
	l, bad := lambdaOf(args[2], 2)
	if l == nil {
		return bad
	}
	var dims [2]int
	for i := range dims {
		f, e := ev.num(args[i])
		if e != 0 {
			return ErrValueOf(e)
		}
		f = math.Trunc(f)
		if f < 1 {
			return ErrValueOf(ErrValue)
		}
		if f > maxLambdaCells {
			return ErrValueOf(ErrNum)
		}
		dims[i] = int(f)
	}
	out, bad := ev.newArray(dims[0], dims[1])
	if out == nil {
		return bad
	}
	xs := make([]Value, 2)
	for r := 0; r < dims[0]; r++ {
		for c := 0; c < dims[1]; c++ {
			xs[0], xs[1] = NumberValue(float64(r+1)), NumberValue(float64(c+1))
			out.V[r*dims[1]+c] = ev.element(ev.apply(l, xs, nil))
		}
	}
	return Value{Kind: KindArray, Arr: out}
}
