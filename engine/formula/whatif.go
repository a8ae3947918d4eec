package formula

import (
	"github.com/simgraph/simgraph/engine/workbook"
)

// What-if data tables ({=TABLE(r1,r2)}): each cell of the table's range
// shows a formula cell recalculated with the table's input cells replaced
// by the values beside the range (workbook.DataTable says which). The
// model gives every such cell a whatIfCell; evaluating it evaluates the
// formula cell again under the replacement, re-evaluating only the cone:
// the formula cells between it and the input cells. Everything else reads
// its ordinary value (a constant, a lane of a varying cell), so a data
// table is recalculated in every iteration of a simulation without a
// compiled copy of the cone per table cell, at the price of the scalar
// evaluator for the cone.

// whatIfCell is what one cell of a data table computes.
type whatIfCell struct {
	formula   [3]int32 // sheet, row, col of the formula cell
	inputs    []int32  // the input cells replaced (ids)
	values    [][3]int32
	deleted   bool
	cone      map[int32]bool // shared by the cells of one formula
	formulaID int32          // -1 when the formula cell is empty
}

// whatIfScope is the replacement in force while a data table cell is
// evaluated: the input cells' values and the cone cells already computed.
type whatIfScope struct {
	values map[int32]Value
	cone   map[int32]bool
}

// addDataTables turns the data tables of the workbook into what-if cells
// and reports whether there were any. It runs after the formulas are
// parsed and indexed: the cones follow their dependencies.
func (m *model) addDataTables() bool {
	added := false
	cones := map[[2]int64]map[int32]bool{} // (formula cell, inputs) -> cone
	for si, s := range m.wb.Sheets {
		sheet := int32(si)
		for _, dt := range s.DataTables {
			var inputs []int32
			deleted := dt.Deleted
			for _, name := range []string{dt.Input1, dt.Input2}[:map[bool]int{false: 1, true: 2}[dt.TwoD]] {
				r, c, ok := workbook.ParseCellName(name)
				if !ok {
					deleted = true
					continue
				}
				inputs = append(inputs, m.ensureCell(sheet, int32(r), int32(c)))
			}
			for r := dt.Row1; r <= dt.Row2; r++ {
				for c := dt.Col1; c <= dt.Col2; c++ {
					w := &whatIfCell{deleted: deleted, inputs: inputs}
					row, col := int32(r), int32(c)
					switch {
					case dt.TwoD:
						w.formula = [3]int32{sheet, int32(dt.Row1 - 1), int32(dt.Col1 - 1)}
						w.values = [][3]int32{{sheet, int32(dt.Row1 - 1), col}, {sheet, row, int32(dt.Col1 - 1)}}
					case dt.RowInput:
						w.formula = [3]int32{sheet, row, int32(dt.Col1 - 1)}
						w.values = [][3]int32{{sheet, int32(dt.Row1 - 1), col}}
					default:
						w.formula = [3]int32{sheet, int32(dt.Row1 - 1), col}
						w.values = [][3]int32{{sheet, row, int32(dt.Col1 - 1)}}
					}
					w.formulaID = -1
					if id, ok := m.index[key(w.formula[0], w.formula[1], w.formula[2])]; ok {
						w.formulaID = id
					}
					if w.formulaID >= 0 && m.cells[w.formulaID].isFormula && len(inputs) > 0 {
						k := [2]int64{int64(w.formulaID), int64(inputs[0])<<32 | int64(inputs[len(inputs)-1])}
						cone, ok := cones[k]
						if !ok {
							cone = m.coneOf(w.formulaID, inputs)
							cones[k] = cone
						}
						w.cone = cone
					}
					id := m.ensureCell(sheet, row, col)
					ci := &m.cells[id]
					if ci.isFormula {
						continue // a formula typed over the table wins
					}
					ci.isFormula = true
					ci.formula = "TABLE(" + dt.Input1 + "," + dt.Input2 + ")"
					if !dt.TwoD && dt.RowInput {
						ci.formula = "TABLE(" + dt.Input1 + ",)"
					} else if !dt.TwoD {
						ci.formula = "TABLE(," + dt.Input1 + ")"
					}
					ci.value = Blank
					ci.whatIf = w
					added = true
					sh := m.sheets[sheet]
					sh.formulaCols[col] = append(sh.formulaCols[col], id)
				}
			}
		}
	}
	return added
}

// ensureCell returns the id of a cell, adding a blank constant one if the
// workbook has none there.
func (m *model) ensureCell(sheet, row, col int32) int32 {
	k := key(sheet, row, col)
	if id, ok := m.index[k]; ok {
		return id
	}
	id := int32(len(m.cells))
	m.cells = append(m.cells, cellInfo{sheet: sheet, row: row, col: col, slot: -1})
	m.index[k] = id
	sh := m.sheets[sheet]
	sh.maxRow, sh.maxCol = max(sh.maxRow, row), max(sh.maxCol, col)
	return id
}

// coneOf returns the formula cells, from formula down through its
// dependencies, whose value depends on one of the input cells.
func (m *model) coneOf(formula int32, inputs []int32) map[int32]bool {
	memo := map[int32]int8{} // 1 in the cone, -1 not, 2 being visited
	var visit func(id int32) bool
	visit = func(id int32) bool {
		switch memo[id] {
		case 1:
			return true
		case -1, 2:
			return false
		}
		memo[id] = 2
		in := false
		if src := m.formulaAST(id); src != nil {
			m.refsOf(src, m.cells[id].sheet, 0, func(a Area) {
				for _, i := range inputs {
					c := &m.cells[i]
					if c.sheet >= a.Sheet && c.sheet <= a.Sheet2 && c.row >= a.Row1 && c.row <= a.Row2 && c.col >= a.Col1 && c.col <= a.Col2 {
						in = true
					}
				}
			})
		}
		for _, d := range m.deps(id) {
			if visit(d) {
				in = true
			}
		}
		if in {
			memo[id] = 1
		} else {
			memo[id] = -1
		}
		return in
	}
	visit(formula)
	cone := map[int32]bool{}
	for id, v := range memo {
		if v == 1 {
			cone[id] = true
		}
	}
	return cone
}

// whatIfDeps are the cells a data table cell reads before its own
// evaluation: its formula cell and the cells holding its values.
func (m *model) whatIfDeps(w *whatIfCell) []int32 {
	var out []int32
	if w.formulaID >= 0 && m.cells[w.formulaID].isFormula {
		out = append(out, w.formulaID)
	}
	for _, v := range w.values {
		if id, ok := m.index[key(v[0], v[1], v[2])]; ok && m.cells[id].isFormula {
			out = append(out, id)
		}
	}
	return out
}

// whatIfValue evaluates a data table cell.
func (ev *evaluator) whatIfValue(w *whatIfCell) Value {
	if w.deleted {
		return ErrValueOf(ErrRef)
	}
	if w.formulaID < 0 {
		return NumberValue(0)
	}
	if ev.depth > maxEvalDepth {
		return ErrValueOf(ErrRef)
	}
	scope := &whatIfScope{values: make(map[int32]Value, len(w.inputs)+len(w.cone)), cone: w.cone}
	for k, in := range w.inputs {
		scope.values[in] = ev.cellValue(w.values[k][0], w.values[k][1], w.values[k][2])
	}
	if f := &ev.m.cells[w.formulaID]; !f.isFormula {
		if v, ok := scope.values[w.formulaID]; ok {
			return finalValue(v)
		}
		return finalValue(f.value)
	}
	return ev.inScope(scope, w.formulaID)
}

// inScope evaluates formula cell id under a what-if replacement, with a
// fresh evaluator (the caller's argument stack stays untouched).
func (ev *evaluator) inScope(scope *whatIfScope, id int32) Value {
	ci := &ev.m.cells[id]
	sub := &evaluator{m: ev.m, sheet: ci.sheet, row: ci.row, col: ci.col, rng: ev.rng, lane: ev.lane, laneIdx: ev.laneIdx, depth: ev.depth + 1, whatIf: scope}
	v := sub.formulaValue(id)
	scope.values[id] = v
	return v
}
