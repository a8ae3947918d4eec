package formula

// Vector kernels for the functions that read ranges cell by cell:
// COUNTIF, SUMIF, AVERAGEIF and their -S forms, SUMPRODUCT, MATCH and
// INDEX. Their areas are resolved when compiling, into one source per
// cell position in the order the scalar function visits them: a varying
// cell's slot or a constant. A lane whose values the fast path does not
// cover (text, logicals or errors in varying cells, an index outside the
// area...) is evaluated by the scalar evaluator, so that every lane gets
// exactly the scalar result.

// cellSrc is a cell of an area: the slot of a varying cell (>= 0), or
// -1-i for the i-th constant of the kernel.
type cellSrc int32

// gridSrcs lists the sources of the cells of area a restricted to its
// first rows x cols positions (row-major), appending constants to consts.
func (c *compiler) gridSrcs(a Area, rows, cols int, consts *[]Value) []cellSrc {
	ev := &evaluator{m: c.m}
	out := make([]cellSrc, 0, rows*cols)
	for r := 0; r < rows; r++ {
		for col := 0; col < cols; col++ {
			row, cl := a.Row1+int32(r), a.Col1+int32(col)
			if id, ok := c.m.index[key(a.Sheet, row, cl)]; ok && c.m.cells[id].slot >= 0 {
				out = append(out, cellSrc(c.m.cells[id].slot))
				continue
			}
			*consts = append(*consts, ev.cellValue(a.Sheet, row, cl))
			out = append(out, cellSrc(-len(*consts)))
		}
	}
	return out
}

// gridArea resolves a range argument: a reference (or a name standing for
// one) to one area of one sheet, of at most maxAreaOperands cells.
func (c *compiler) gridArea(n Node, ci *cellInfo) (Area, bool) {
	a, ok := c.anyGridArea(n, ci)
	if !ok || a.rows()*a.cols() > maxAreaOperands {
		return Area{}, false
	}
	return a, true
}

// anyGridArea is gridArea without the size bound, for functions that only
// visit the used part of the area (whole columns).
func (c *compiler) anyGridArea(n Node, ci *cellInfo) (Area, bool) {
	a, ok := c.staticArea(n, ci)
	if !ok || a.Sheet != a.Sheet2 {
		return Area{}, false
	}
	return a, true
}

// constArgs evaluates the arguments that must not vary (criteria, match
// type), or reports that one does.
func (c *compiler) constArgs(x *Call, ci *cellInfo, idx ...int) ([]Value, bool) {
	ev := &evaluator{m: c.m, sheet: ci.sheet, row: ci.row, col: ci.col}
	out := make([]Value, len(idx))
	for k, i := range idx {
		if c.varies(x.Args[i], ci.sheet) {
			return nil, false
		}
		out[k] = ev.scalar(ev.eval(x.Args[i]))
	}
	return out, true
}

// gridKernel is what the kernels of this file share: the call, for the
// lanes they leave to the scalar evaluator, and the constants of their
// cell sources.
type gridKernel struct {
	node            Node
	sheet, row, col int32
	consts          []Value
	out             int
}

func (e *gridKernel) reg() int32     { return int32(e.out) }
func (e *gridKernel) setOut(out int) { e.out = out }

// lane evaluates the call for lane i with the scalar evaluator.
func (e *gridKernel) lane(s *State, i int) float64 {
	ev := &s.ev
	ev.sheet, ev.row, ev.col = e.sheet, e.row, e.col
	ev.arrayMode = false
	ev.laneIdx = i
	ev.steps = 0
	return s.encode(finalValue(ev.scalar(ev.eval(e.node))))
}

// value is the lane value of a source: ok is false when it is not a number
// of a varying cell (the caller then decides).
func (e *gridKernel) number(s *State, src cellSrc, i int) (float64, bool) {
	if src >= 0 {
		x := s.bufs[src][i]
		return x, x == x
	}
	v := e.consts[-src-1]
	return v.Num, v.Kind == KindNumber
}

func (c *compiler) newGridKernel(x *Call, ci *cellInfo) gridKernel {
	return gridKernel{node: x, sheet: ci.sheet, row: ci.row, col: ci.col}
}

// vifs is COUNTIF, SUMIF, AVERAGEIF (one pair) or COUNTIFS, SUMIFS,
// AVERAGEIFS with criteria that do not vary, over the positions the scalar
// function visits. The fast path takes lanes whose varying cells in the
// criteria ranges hold numbers.
type vifs struct {
	gridKernel
	kind  int // 0 count, 1 sum, 2 average
	crits []criteria
	// numOp[p]: how a number matches criteria p: 0 never, 1 always,
	// else the comparison with crits[p].val.Num (2 = 3 <> 4 < 5 > 6 <= 7 >=)
	numOp []uint8
	crit  [][]cellSrc // per pair, the criteria cells
	sum   []cellSrc   // the cells summed (kind > 0)
	extra int         // COUNTIFS: matching blanks beyond the used area
}

var critOps = map[string]uint8{"=": 2, "<>": 3, "<": 4, ">": 5, "<=": 6, ">=": 7}

func (c *compiler) ifsCall(x *Call, ci *cellInfo) vexpr {
	kind := map[string]int{"COUNTIF": 0, "SUMIF": 1, "AVERAGEIF": 2, "COUNTIFS": 0, "SUMIFS": 1, "AVERAGEIFS": 2}[x.Name]
	multi := x.Name[len(x.Name)-1] == 'S'
	e := &vifs{gridKernel: c.newGridKernel(x, ci), kind: kind}
	ev := &evaluator{m: c.m}
	var ranges []Area
	var critIdx []int
	var target Area
	if !multi {
		if kind == 0 && len(x.Args) > 2 {
			return nil
		}
		a, ok := c.anyGridArea(x.Args[0], ci)
		if !ok {
			return nil
		}
		ranges, critIdx = []Area{a}, []int{1}
		target = a
		if kind > 0 && len(x.Args) > 2 {
			if target, ok = c.anyGridArea(x.Args[2], ci); !ok {
				return nil
			}
		}
	} else {
		first := 0
		if kind > 0 {
			first = 1
			a, ok := c.anyGridArea(x.Args[0], ci)
			if !ok {
				return nil
			}
			target = a
		}
		if (len(x.Args)-first)%2 != 0 {
			return nil
		}
		for i := first; i < len(x.Args); i += 2 {
			a, ok := c.anyGridArea(x.Args[i], ci)
			if !ok || len(ranges) > 0 && (a.rows() != ranges[0].rows() || a.cols() != ranges[0].cols()) {
				return nil
			}
			ranges, critIdx = append(ranges, a), append(critIdx, i+1)
		}
		if kind > 0 && (target.rows() != ranges[0].rows() || target.cols() != ranges[0].cols()) {
			return nil
		}
	}
	cv, ok := c.constArgs(x, ci, critIdx...)
	if !ok {
		return nil
	}
	blankMatches := true
	for _, v := range cv {
		cr := parseCriteria(v)
		if !multi && (cr.val.Kind == KindBlank || cr.op == "<>") {
			return nil // blanks beyond the used area match: left to the scalar path
		}
		blankMatches = blankMatches && cr.match(Blank)
		op := uint8(0)
		switch {
		case cr.val.Kind == KindNumber:
			op = critOps[cr.op]
		case cr.match(NumberValue(0)):
			op = 1
		}
		e.crits, e.numOp = append(e.crits, cr), append(e.numOp, op)
	}
	// the positions visited, as the scalar functions compute them
	var rows, cols int
	for _, a := range ranges {
		g := grid{ev: ev, ref: true, a: a, rows: a.rows(), cols: a.cols()}
		rows, cols = max(rows, g.usedRows()), max(cols, g.usedCols())
	}
	if rows*cols*(len(ranges)+1) > maxAreaOperands {
		return nil
	}
	if multi && kind == 0 && blankMatches {
		e.extra = ranges[0].rows()*ranges[0].cols() - rows*cols
	}
	for _, a := range ranges {
		e.crit = append(e.crit, c.gridSrcs(a, rows, cols, &e.consts))
	}
	if kind > 0 {
		e.sum = c.gridSrcs(target, rows, cols, &e.consts)
	}
	e.out = c.newReg()
	return e
}

// numMatch is criteria p's verdict on the number x.
func (e *vifs) numMatch(p int, x float64) bool {
	y := e.crits[p].val.Num
	switch e.numOp[p] {
	case 0:
		return false
	case 1:
		return true
	case 2:
		return x == y
	case 3:
		return x != y
	case 4:
		return x < y
	case 5:
		return x > y
	case 6:
		return x <= y
	}
	return x >= y
}

func (e *vifs) eval(s *State, n int) []float64 {
	out := s.bufs[e.out][:n]
lanes:
	for i := range out {
		count, sum := 0, 0.0
		for k := range e.crit[0] {
			for p, srcs := range e.crit {
				src := srcs[k]
				var m bool
				if src >= 0 {
					x := s.bufs[src][i]
					if x != x {
						out[i] = e.lane(s, i)
						continue lanes
					}
					m = e.numMatch(p, x)
				} else {
					m = e.crits[p].match(e.consts[-src-1])
				}
				if !m {
					goto next
				}
			}
			if e.kind == 0 {
				count++
				continue
			}
			if src := e.sum[k]; src >= 0 {
				if y := s.bufs[src][i]; y == y {
					sum += y
					count++
				} else if k, isErr := ErrorKind(y); isErr {
					out[i] = ErrorValue(k)
					continue lanes
				}
			} else if v := e.consts[-src-1]; v.Kind == KindNumber {
				sum += v.Num
				count++
			} else if v.Kind == KindError {
				out[i] = ErrorValue(v.Err)
				continue lanes
			}
		next:
		}
		var v Value
		switch {
		case e.kind == 0:
			v = num(float64(count + e.extra))
		case e.kind == 1:
			v = num(sum)
		case count == 0:
			v = errv(ErrDiv0)
		default:
			v = num(sum / float64(count))
		}
		out[i] = s.encode(v)
	}
	return out
}

// vsumproduct is SUMPRODUCT of areas of one shape (not all single cells).
// The fast path takes lanes whose varying cells hold numbers.
type vsumproduct struct {
	gridKernel
	args [][]cellSrc
}

func (c *compiler) sumProductCall(x *Call, ci *cellInfo) vexpr {
	e := &vsumproduct{gridKernel: c.newGridKernel(x, ci)}
	var areas []Area
	for _, a := range x.Args {
		ar, ok := c.gridArea(a, ci)
		if !ok || len(areas) > 0 && (ar.rows() != areas[0].rows() || ar.cols() != areas[0].cols()) {
			return nil
		}
		areas = append(areas, ar)
	}
	if areas[0].rows()*areas[0].cols() == 1 {
		return nil
	}
	for _, a := range areas {
		e.args = append(e.args, c.gridSrcs(a, a.rows(), a.cols(), &e.consts))
	}
	e.out = c.newReg()
	return e
}

func (e *vsumproduct) eval(s *State, n int) []float64 {
	out := s.bufs[e.out][:n]
lanes:
	for i := range out {
		sum := 0.0
		for k := range e.args[0] {
			p := 1.0
			for _, srcs := range e.args {
				src := srcs[k]
				if src >= 0 {
					x := s.bufs[src][i]
					if x != x {
						out[i] = e.lane(s, i)
						continue lanes
					}
					p *= x
					continue
				}
				switch v := e.consts[-src-1]; v.Kind {
				case KindNumber:
					p *= v.Num
				case KindError:
					out[i] = ErrorValue(v.Err)
					continue lanes
				default:
					p = 0 // text, logicals and blanks count as zero
				}
			}
			sum += p
		}
		out[i] = s.encode(num(sum))
	}
	return out
}

// vmatch is MATCH(x, area) with a match type that does not vary, in a
// one-row or one-column area. The fast path takes number lookup values:
// exact matches compare numbers only; approximate ones (type 1) need every
// cell of the lane to be a number.
type vmatch struct {
	gridKernel
	x     vexpr
	exact bool
	cells []cellSrc
}

func (c *compiler) matchCall(x *Call, ci *cellInfo, depth int) vexpr {
	if !scalarNode(x.Args[0]) || usesVolatile(x.Args[0]) {
		return nil
	}
	a, ok := c.gridArea(x.Args[1], ci)
	if !ok || a.rows() != 1 && a.cols() != 1 {
		return nil
	}
	mt := 1.0
	if len(x.Args) > 2 {
		if _, missing := x.Args[2].(Missing); !missing {
			v, ok := c.constArgs(x, ci, 2)
			if !ok || v[0].Kind != KindNumber {
				return nil
			}
			mt = v[0].Num
		}
	}
	if mt < 0 {
		return nil
	}
	e := &vmatch{gridKernel: c.newGridKernel(x, ci), exact: mt == 0}
	e.cells = c.gridSrcs(a, a.rows(), a.cols(), &e.consts)
	e.x = c.node(x.Args[0], ci, depth+1)
	e.out = c.newReg()
	return e
}

func (e *vmatch) eval(s *State, n int) []float64 {
	xs := e.x.eval(s, n)[:n]
	out := s.bufs[e.out][:n]
lanes:
	for i := range out {
		x := xs[i]
		if x != x {
			out[i] = e.lane(s, i)
			continue
		}
		k := -1
		if e.exact {
			for j, src := range e.cells {
				if y, isNum := e.number(s, src, i); isNum && y == x {
					k = j
					break
				}
			}
		} else {
			keys := s.ev.fs1[:0]
			for _, src := range e.cells {
				y, isNum := e.number(s, src, i)
				if !isNum {
					s.ev.fs1 = keys
					out[i] = e.lane(s, i)
					continue lanes
				}
				keys = append(keys, y)
			}
			s.ev.fs1 = keys
			k = approxFindNum(x, keys)
		}
		if k < 0 {
			out[i] = ErrorValue(ErrNA)
			continue
		}
		out[i] = float64(k + 1)
	}
	return out
}

// vindex is INDEX(area, row[, col]) over one area: the fast path takes
// lanes whose indices are numbers selecting one cell.
type vindex struct {
	gridKernel
	r, c       vexpr // c nil: INDEX(area, k)
	rows, cols int
	cells      []cellSrc
	vals       []float64 // lane values of the constant cells
}

func (c *compiler) indexCall(x *Call, ci *cellInfo, depth int) vexpr {
	if len(x.Args) > 3 {
		return nil
	}
	a, ok := c.gridArea(x.Args[0], ci)
	if !ok {
		return nil
	}
	for _, arg := range x.Args[1:] {
		if _, missing := arg.(Missing); missing || !scalarNode(arg) || usesVolatile(arg) {
			return nil
		}
	}
	e := &vindex{gridKernel: c.newGridKernel(x, ci), rows: a.rows(), cols: a.cols()}
	e.cells = c.gridSrcs(a, e.rows, e.cols, &e.consts)
	for _, v := range e.consts {
		e.vals = append(e.vals, c.constLane(finalValue(v)))
	}
	e.r = c.node(x.Args[1], ci, depth+1)
	if len(x.Args) > 2 {
		e.c = c.node(x.Args[2], ci, depth+1)
	}
	e.out = c.newReg()
	return e
}

func (e *vindex) eval(s *State, n int) []float64 {
	rs := e.r.eval(s, n)[:n]
	var cs []float64
	if e.c != nil {
		cs = e.c.eval(s, n)[:n]
	}
	out := s.bufs[e.out][:n]
	for i := range out {
		r, c := rs[i], 0.0
		if cs != nil {
			c = cs[i]
		}
		if r != r || c != c {
			out[i] = e.lane(s, i)
			continue
		}
		ri, ci := int(r), int(c)
		if cs == nil && e.rows == 1 {
			ri, ci = 0, int(r)
		}
		// one cell: an index within the area, or 0 on a one-wide side
		if ri < 0 || ci < 0 || ri > e.rows || ci > e.cols || ri == 0 && e.rows != 1 || ci == 0 && e.cols != 1 {
			out[i] = e.lane(s, i)
			continue
		}
		src := e.cells[(max(ri, 1)-1)*e.cols+max(ci, 1)-1]
		if src >= 0 {
			x := s.bufs[src][i]
			if x != x {
				x = s.encode(finalValue(s.decode(x)))
			}
			out[i] = x
		} else {
			out[i] = e.vals[-src-1]
		}
	}
	return out
}
