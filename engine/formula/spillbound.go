package formula

import "github.com/simgraph/simgraph/engine/workbook"

// Spill ranges that follow the iterations. A dynamic formula's array may
// change size from one iteration to the next (FILTER over sampled values).
// Its range is made, when the model is built, as large as the array can
// ever be (spillBound: FILTER, SORT, UNIQUE... are never larger than
// their first argument) as far as the cells next to the anchor are free:
// that range's cells are members of the anchor, and in an iteration the
// cells past the array are blank (not reported by EvaluateWorkbook), so
// that the spill shows exactly the array, as in Excel. An array that does
// not fit the range, because a value or another formula is in its way (or
// because its bound is unknown and it outgrew the file's result), leaves
// the anchor #SPILL! in that iteration. A1# of such a range reads the
// part the array covers in the iteration (anchorArray), so ROWS(A1#) and
// COUNTA(A1#) follow it.

// spillBound is the largest extent an expression's array can have, when
// it can be told from the expression alone.
func (m *model) spillBound(n Node, sheet int32, depth int) (spillShape, bool) {
	if depth > 32 {
		return spillShape{}, false
	}
	switch x := n.(type) {
	case Number, String, Bool, ErrorLit:
		return spillShape{1, 1}, true
	case *Ref:
		a, ok := m.resolveRef(x, sheet)
		if !ok || a.Sheet != a.Sheet2 {
			return spillShape{}, false
		}
		if a.Row1 == 1 && a.Row2 == workbook.MaxRows || a.Col1 == 1 && a.Col2 == workbook.MaxCols {
			c := m.clip(a) // whole columns read as arrays stop at the used extent
			a.Row2, a.Col2 = max(c.Row2, a.Row1), max(c.Col2, a.Col1)
		}
		return spillShape{a.rows(), a.cols()}, true
	case *Name:
		if ast, ok := m.lookupName(x, sheet); ok {
			return m.spillBound(ast, sheet, depth+1)
		}
	case *Unary:
		if x.Op != '@' {
			return m.spillBound(x.X, sheet, depth+1)
		}
		return spillShape{1, 1}, true
	case *Percent:
		return m.spillBound(x.X, sheet, depth+1)
	case *Binary:
		if x.Op == ":" || x.Op == " " || x.Op == "," {
			return spillShape{}, false
		}
		l, okl := m.spillBound(x.L, sheet, depth+1)
		r, okr := m.spillBound(x.R, sheet, depth+1)
		return spillShape{max(l.rows, r.rows), max(l.cols, r.cols)}, okl && okr
	case *Call:
		switch x.Name {
		case "FILTER", "SORT", "SORTBY", "UNIQUE", "TAKE", "DROP":
			if len(x.Args) > 0 {
				return m.spillBound(x.Args[0], sheet, depth+1)
			}
		case "TOCOL", "TOROW":
			if len(x.Args) > 0 {
				s, ok := m.spillBound(x.Args[0], sheet, depth+1)
				if x.Name == "TOCOL" {
					return spillShape{s.rows * s.cols, 1}, ok
				}
				return spillShape{1, s.rows * s.cols}, ok
			}
		case "IFERROR", "IFNA", "IF":
			out := spillShape{1, 1}
			for _, a := range x.Args { // IF's condition broadcasts too
				if _, missing := a.(Missing); missing {
					continue
				}
				s, ok := m.spillBound(a, sheet, depth+1)
				if !ok {
					return spillShape{}, false
				}
				out = spillShape{max(out.rows, s.rows), max(out.cols, s.cols)}
			}
			return out, true
		}
	}
	return spillShape{}, false
}

// spillCapacity is the range a dynamic formula at anchor id may use: the
// larger of its bound and its static shape s, cut where a cell is in the
// way; without a known bound, s (whose obstacles placeSpill reports).
// follows tells whether the array's size may differ from s (its bound is
// known and larger than one cell): A1# then reads the part it covers.
func (m *model) spillCapacity(p pendingSpill, s spillShape, budget int) (capacity spillShape, follows bool) {
	ci := &m.cells[p.id]
	if ci.ast == nil || ci.parseErr != nil {
		return s, false
	}
	b, ok := m.spillBound(ci.ast, ci.sheet, 0)
	if !ok || b == (spillShape{1, 1}) {
		return s, false
	}
	b.rows, b.cols = max(b.rows, s.rows), max(b.cols, s.cols)
	free := func(r, c int32) bool {
		if int(r) > workbook.MaxRows || int(c) > workbook.MaxCols {
			return false
		}
		id, ok := m.index[key(ci.sheet, r, c)]
		if !ok || id == p.id {
			return true
		}
		o := &m.cells[id]
		if o.isFormula {
			return false
		}
		if a := p.saved; a != nil && int(r) >= a.Row1 && int(r) <= a.Row2 && int(c) >= a.Col1 && int(c) <= a.Col2 {
			return true
		}
		return o.value.Kind == KindBlank
	}
	cols := 0
	for cols < b.cols && free(ci.row, ci.col+int32(cols)) {
		cols++
	}
	rows := 1
	for rows < b.rows && (rows+1)*max(cols, 1) <= min(maxSpillCells, budget) {
		ok := true
		for c := 0; c < cols && ok; c++ {
			ok = free(ci.row+int32(rows), ci.col+int32(c))
		}
		if !ok {
			break
		}
		rows++
	}
	// smaller than s when a cell is in the way of the file's result:
	// #SPILL! in the iterations whose array reaches it
	return spillShape{rows, cols}, true
}

// exceeds reports whether an array does not fit the spill range a.
func (a *arrayInfo) exceeds(res Value) bool {
	s := shapeOf(res)
	return s.rows > int(a.row2-a.row1)+1 || s.cols > int(a.col2-a.col1)+1
}

// spillResult is the array the master of spill range a computed in the
// current evaluation (this lane's in a program), if it is known.
func (ev *evaluator) spillResult(a *arrayInfo) (Value, bool) {
	if ev.whatIf != nil {
		return Value{}, false
	}
	master := &ev.m.cells[a.master]
	if ev.lane != nil && master.slot >= 0 {
		if l, ok := ev.lane.spill[a.master]; ok {
			return l[ev.laneIdx], true
		}
		return Value{}, false
	}
	if a.result == nil {
		if ev.lane != nil {
			return Value{}, false
		}
		ev.m.evalCell(a.master, ev.rng)
	}
	if a.result == nil {
		return Value{}, false
	}
	return *a.result, true
}
