package formula

import "math"

// Vector kernels for functions over ranges (SUM, AVERAGE, STDEV, NPV, IRR,
// VLOOKUP...). The referenced areas are resolved when compiling: every
// non-empty cell becomes an operand, its slot when it varies, a constant
// register otherwise, in the order the scalar evaluator visits them
// (sheet, row, column). A lane's numbers are then collected from those
// vectors, without the scalar path's per-cell map lookups, and handed to
// the same function the scalar evaluator calls.

// maxAreaOperands bounds the cells of the areas one kernel reads; beyond
// it the function is evaluated lane by lane.
const maxAreaOperands = 1 << 16

// numArg is an argument of a numbers function: the cells of an area
// (fromRef: text, logicals and blanks are skipped) or one scalar operand
// (coerced as SUM coerces its direct arguments).
type numArg struct {
	srcs    []int32
	fromRef bool
}

// staticArea resolves a reference argument (a reference or a name
// standing for one) to its area.
func (c *compiler) staticArea(n Node, ci *cellInfo) (Area, bool) {
	if nm, ok := n.(*Name); ok {
		ast, ok := c.m.lookupName(nm, ci.sheet)
		if !ok {
			return Area{}, false
		}
		n = ast
	}
	r, ok := n.(*Ref)
	if !ok {
		return Area{}, false
	}
	return c.m.resolveRef(r, ci.sheet)
}

// areaOperands lists the operands of an area's non-empty cells in the
// scalar evaluator's order (see evaluator.eachCell).
func (c *compiler) areaOperands(a Area) ([]int32, bool) {
	var out []int32
	ev := &evaluator{m: c.m}
	visited := 0
	for s := a.Sheet; s <= a.Sheet2; s++ {
		b := a
		b.Sheet, b.Sheet2 = s, s
		b = c.m.clip(b)
		if b.Row1 > b.Row2 || b.Col1 > b.Col2 {
			continue
		}
		visited += b.rows() * b.cols()
		if visited > maxAreaOperands {
			return nil, false
		}
		for r := b.Row1; r <= b.Row2; r++ {
			for col := b.Col1; col <= b.Col2; col++ {
				id, ok := c.m.index[key(s, r, col)]
				if !ok {
					continue
				}
				if ci := &c.m.cells[id]; ci.slot >= 0 {
					out = append(out, ci.slot)
					continue
				}
				v := ev.cellValue(s, r, col)
				if v.Kind == KindBlank {
					continue
				}
				out = append(out, c.konst(c.constLane(v)).reg())
			}
		}
	}
	return out, true
}

// numArgs compiles the arguments of a numbers function; scalar operands
// that must be computed are appended to pre.
func (c *compiler) numArgs(args []Node, ci *cellInfo, depth int, pre *[]vexpr) ([]numArg, bool) {
	out := make([]numArg, 0, len(args))
	total := 0
	for _, a := range args {
		switch a.(type) {
		case *Ref, *Name:
			area, ok := c.staticArea(a, ci)
			if !ok {
				return nil, false
			}
			srcs, ok := c.areaOperands(area)
			if !ok {
				return nil, false
			}
			total += len(srcs)
			out = append(out, numArg{srcs: srcs, fromRef: true})
			continue
		}
		if !scalarNode(a) {
			return nil, false
		}
		e := c.node(a, ci, depth+1)
		*pre = append(*pre, e)
		total++
		out = append(out, numArg{srcs: []int32{e.reg()}})
	}
	if total > maxAreaOperands {
		return nil, false
	}
	c.p.maxOperands = max(c.p.maxOperands, total)
	return out, true
}

// laneCols resolves the operand buffers of args into the state's scratch.
func (s *State) laneCols(args []numArg) [][]float64 {
	cols := s.cols[:0]
	for _, a := range args {
		for _, r := range a.srcs {
			cols = append(cols, s.vec(r))
		}
	}
	return cols
}

// laneNumbers collects lane i's numbers as evaluator.numbers does; cols
// are the operand buffers of args (laneCols).
func (s *State) laneNumbers(args []numArg, cols [][]float64, i int) ([]float64, ErrorCode) {
	xs := s.ev.fs1[:0]
	k := 0
	for _, a := range args {
		for range a.srcs {
			x := cols[k][i]
			k++
			if x == x {
				xs = append(xs, x)
				continue
			}
			v := s.decode(x)
			switch v.Kind {
			case KindNumber:
				xs = append(xs, v.Num)
			case KindError:
				s.ev.fs1 = xs
				return xs, v.Err
			case KindBlank:
				if !a.fromRef {
					xs = append(xs, 0)
				}
			default:
				if !a.fromRef {
					f, e := toNumber(v)
					if e != 0 {
						s.ev.fs1 = xs
						return xs, e
					}
					xs = append(xs, f)
				}
			}
		}
	}
	s.ev.fs1 = xs
	return xs, 0
}

// laneNumber coerces a scalar operand as evaluator.num does.
func (s *State) laneNumber(x float64) (float64, ErrorCode) {
	if x == x {
		return x, 0
	}
	return toNumber(s.decode(x))
}

// vnumbers is SUM, AVERAGE, MIN, MAX, STDEV... (numberFns).
type vnumbers struct {
	f    func(xs []float64) Value
	fast byte // 'S' SUM, 'm' MIN, 'M' MAX: lanes of numbers only skip f
	pre  []vexpr
	args []numArg
	out  int
}

func (e *vnumbers) eval(s *State, n int) []float64 {
	for _, p := range e.pre {
		p.eval(s, n)
	}
	cols := s.laneCols(e.args)
	out := s.bufs[e.out][:n]
	if e.fast != 0 && len(cols) == 2 {
		e.eval2(s, cols, out)
		return out
	}
lanes:
	for i := range out {
		if e.fast != 0 && len(cols) > 0 {
			// the same operations as SUM, MIN and MAX on the lane's numbers
			acc := 0.0
			for k, c := range cols {
				x := c[i]
				if x != x {
					goto slow
				}
				switch {
				case e.fast == 'S':
					acc += x
				case k == 0:
					acc = x
				case e.fast == 'm':
					acc = math.Min(acc, x)
				default:
					acc = math.Max(acc, x)
				}
			}
			if acc-acc != 0 {
				acc = ErrorValue(ErrNum)
			}
			out[i] = acc
			continue lanes
		}
	slow:
		xs, er := s.laneNumbers(e.args, cols, i)
		if er != 0 {
			out[i] = ErrorValue(er)
			continue
		}
		out[i] = s.encode(e.f(xs))
	}
	return out
}

// eval2 is the fast path of SUM, MIN and MAX of two operands (MAX(x,0)),
// with the operations of the general loop: (0+a)+b, Min(a,b), Max(a,b).
func (e *vnumbers) eval2(s *State, cols [][]float64, out []float64) {
	a, b := cols[0][:len(out)], cols[1][:len(out)]
	for i := range out {
		x, y := a[i], b[i]
		if x != x || y != y {
			xs, er := s.laneNumbers(e.args, cols, i)
			if er != 0 {
				out[i] = ErrorValue(er)
				continue
			}
			out[i] = s.encode(e.f(xs))
			continue
		}
		var r float64
		switch {
		case e.fast == 'S':
			r = (0 + x) + y
		case x == y:
			// math.Min and math.Max of zeros: -0 is the smaller
			r = x
			if x == 0 {
				if e.fast == 'm' {
					r = math.Float64frombits(math.Float64bits(x) | math.Float64bits(y))
				} else {
					r = math.Float64frombits(math.Float64bits(x) & math.Float64bits(y))
				}
			}
		case (x < y) == (e.fast == 'm'):
			r = x
		default:
			r = y
		}
		if r-r != 0 {
			r = ErrorValue(ErrNum)
		}
		out[i] = r
	}
}

// vnpv is NPV(rate, values...).
type vnpv struct {
	rate vexpr
	pre  []vexpr
	args []numArg
	out  int
}

func (e *vnpv) eval(s *State, n int) []float64 {
	rate := e.rate.eval(s, n)[:n]
	for _, p := range e.pre {
		p.eval(s, n)
	}
	cols := s.laneCols(e.args)
	out := s.bufs[e.out][:n]
	for i := range out {
		r, er := s.laneNumber(rate[i])
		if er == 0 {
			var xs []float64
			xs, er = s.laneNumbers(e.args, cols, i)
			if er == 0 {
				out[i] = s.encode(npv(r, xs))
				continue
			}
		}
		out[i] = ErrorValue(er)
	}
	return out
}

// virr is IRR(values[, guess]) with a guess that does not vary.
type virr struct {
	pre   []vexpr
	args  []numArg
	guess float64
	out   int
}

func (e *virr) eval(s *State, n int) []float64 {
	for _, p := range e.pre {
		p.eval(s, n)
	}
	cols := s.laneCols(e.args)
	out := s.bufs[e.out][:n]
	for i := range out {
		xs, er := s.laneNumbers(e.args, cols, i)
		if er != 0 {
			out[i] = ErrorValue(er)
			continue
		}
		out[i] = s.encode(irr(xs, e.guess))
	}
	return out
}

// vlookup is VLOOKUP or HLOOKUP in a table that does not vary, with a
// column (row) index and match mode that do not vary either.
type vlookup struct {
	x       vexpr
	keys    []Value
	nums    []float64 // keys, when all are numbers
	results []float64 // lane values of the result column
	approx  bool
	err     float64 // non-zero: the error every non-error lookup value gets
	at      func(i int) Value
	out     int
}

func (e *vlookup) eval(s *State, n int) []float64 {
	xs := e.x.eval(s, n)[:n]
	out := s.bufs[e.out][:n]
	for i := range out {
		x := xs[i]
		var k int
		switch {
		case x != x:
			v := s.decode(x)
			if v.Kind == KindError {
				out[i] = x
				continue
			}
			if e.err != 0 {
				out[i] = e.err
				continue
			}
			if e.approx {
				k = approxFind(v, len(e.keys), e.at, false)
			} else {
				k = linearFind(v, len(e.keys), e.at, true)
			}
		case e.err != 0:
			out[i] = e.err
			continue
		case e.nums != nil:
			if e.approx {
				k = approxFindNum(x, e.nums)
			} else {
				k = -1
				for j, y := range e.nums {
					if y == x {
						k = j
						break
					}
				}
			}
		default:
			v := NumberValue(x)
			if e.approx {
				k = approxFind(v, len(e.keys), e.at, false)
			} else {
				k = linearFind(v, len(e.keys), e.at, true)
			}
		}
		if k < 0 {
			out[i] = ErrorValue(ErrNA)
			continue
		}
		out[i] = e.results[k]
	}
	return out
}

// approxFindNum is approxFind (ascending) for a number in numbers: the same
// probes, so that unsorted data gives the same answer.
func approxFindNum(x float64, keys []float64) int {
	lo, hi := -1, len(keys)
	for {
		if hi-lo < 2 {
			return lo
		}
		mid := lo + (hi-lo)/2
		y := keys[mid]
		if x == y {
			for i := mid + 1; i < hi; i++ {
				if keys[i] != x {
					return i - 1
				}
			}
			return hi - 1
		}
		if x < y {
			hi = mid
		} else {
			lo = mid
		}
	}
}

// rangeCall compiles the range functions that have kernels; nil when the
// call's shape needs the scalar evaluator.
func (c *compiler) rangeCall(x *Call, ci *cellInfo, depth int) vexpr {
	if f, ok := numberFns[x.Name]; ok {
		e := &vnumbers{f: f, fast: map[string]byte{"SUM": 'S', "MIN": 'm', "MAX": 'M'}[x.Name]}
		args, ok := c.numArgs(x.Args, ci, depth, &e.pre)
		if !ok {
			return nil
		}
		e.args, e.out = args, c.newReg()
		return e
	}
	switch x.Name {
	case "NPV":
		if !scalarNode(x.Args[0]) {
			return nil
		}
		e := &vnpv{rate: c.node(x.Args[0], ci, depth+1)}
		args, ok := c.numArgs(x.Args[1:], ci, depth, &e.pre)
		if !ok {
			return nil
		}
		e.args, e.out = args, c.newReg()
		return e
	case "IRR":
		e := &virr{guess: 0.1}
		if len(x.Args) > 1 {
			if c.varies(x.Args[1], ci.sheet) {
				return nil
			}
			ev := &evaluator{m: c.m, sheet: ci.sheet, row: ci.row, col: ci.col}
			g, er := ev.optNum([]Value{{}, ev.eval(x.Args[1])}, 1, 0.1)
			if er != 0 {
				return nil
			}
			e.guess = g
		}
		args, ok := c.numArgs(x.Args[:1], ci, depth, &e.pre)
		if !ok {
			return nil
		}
		e.args, e.out = args, c.newReg()
		return e
	case "VLOOKUP", "HLOOKUP":
		return c.lookupCall(x, ci, depth, x.Name == "VLOOKUP")
	case "COUNTIF", "SUMIF", "AVERAGEIF", "COUNTIFS", "SUMIFS", "AVERAGEIFS":
		return c.ifsCall(x, ci)
	case "SUMPRODUCT":
		return c.sumProductCall(x, ci)
	case "MATCH":
		return c.matchCall(x, ci, depth)
	case "INDEX":
		return c.indexCall(x, ci, depth)
	}
	return nil
}

func (c *compiler) lookupCall(x *Call, ci *cellInfo, depth int, vertical bool) vexpr {
	for _, a := range x.Args[1:] {
		if c.varies(a, ci.sheet) {
			return nil
		}
	}
	if !scalarNode(x.Args[0]) {
		return nil
	}
	area, ok := c.staticArea(x.Args[1], ci)
	if !ok || area.Sheet != area.Sheet2 {
		return nil
	}
	ev := &evaluator{m: c.m, sheet: ci.sheet, row: ci.row, col: ci.col}
	// the scalar function's argument checks, on the constant arguments
	a := make([]Value, len(x.Args))
	for i := 1; i < len(x.Args); i++ {
		a[i] = ev.eval(x.Args[i])
	}
	e := &vlookup{approx: true}
	idx, er := ev.num(a[2])
	if er == 0 && len(a) > 3 && a[3].Kind != KindBlank {
		var b bool
		b, er = ev.boolean(a[3])
		e.approx = b
	}
	g := ev.grid(a[1])
	n, width := g.usedRows(), g.cols
	if !vertical {
		n, width = g.usedCols(), g.rows
	}
	k := int(idx)
	switch {
	case er != 0:
		e.err = ErrorValue(er)
	case k < 1:
		e.err = ErrorValue(ErrValue)
	case k > width:
		e.err = ErrorValue(ErrRef)
	}
	if n > maxAreaOperands {
		return nil
	}
	if e.err == 0 {
		allNum := true
		for i := 0; i < n; i++ {
			var key, res Value
			if vertical {
				key, res = g.at(i, 0), g.at(i, k-1)
			} else {
				key, res = g.at(0, i), g.at(k-1, i)
			}
			e.keys = append(e.keys, key)
			e.results = append(e.results, c.constLane(finalValue(res)))
			allNum = allNum && key.Kind == KindNumber
		}
		if allNum {
			e.nums = make([]float64, n)
			for i, v := range e.keys {
				e.nums[i] = v.Num
			}
		}
		keys := e.keys
		e.at = func(i int) Value { return keys[i] }
	}
	e.x = c.node(x.Args[0], ci, depth+1)
	e.out = c.newReg()
	return e
}
