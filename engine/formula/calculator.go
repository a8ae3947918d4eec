package formula

import (
	"fmt"
	"slices"

	"github.com/simgraph/simgraph/engine/workbook"
)

// Calculator evaluates expressions that are not cells of the workbook (the
// arguments of a function the engine reads itself, such as an in-cell
// distribution) over the workbook's values, deterministically: the formula
// cells they read are computed once, as EvaluateWorkbook would, and
// memoised. It is not safe for concurrent use.
type Calculator struct {
	m *model
}

// NewCalculator prepares wb for Values and Reads.
func NewCalculator(wb *workbook.Workbook) *Calculator {
	return &Calculator{m: newModel(wb, 0)}
}

// Values evaluates n as an expression of sheet and returns its values in
// row-major order: one for a scalar, every cell of a range or array
// constant (ranges are read whole, not intersected).
func (c *Calculator) Values(sheet string, n Node) (vals []Value, err error) {
	defer func() {
		if v := recover(); v != nil {
			vals, err = nil, fmt.Errorf("formula: internal error evaluating an expression: %v", v)
		}
	}()
	s, ok := c.m.sheetIndex(sheet)
	if !ok {
		return nil, fmt.Errorf("no sheet %q", sheet)
	}
	if c.m.hasTableRef(n) {
		n = c.m.resolveTables(n, s, 0, 0) // no cell: #This Row is #VALUE!
	}
	ev := &evaluator{m: c.m, sheet: s, arrayMode: true}
	v := ev.eval(n)
	if v.Kind == KindRef {
		v = ev.operand(v)
	}
	if v.Kind == KindArray {
		return slices.Clone(v.Arr.V), nil
	}
	return []Value{finalValue(v)}, nil
}

// Reads returns the first of cells that n, as an expression of sheet,
// reads directly or through the formulas it depends on (following defined
// names), and whether there is one. References that OFFSET or INDIRECT
// compute are not followed.
func (c *Calculator) Reads(sheet string, n Node, cells []CellRef) (CellRef, bool) {
	s, ok := c.m.sheetIndex(sheet)
	if !ok || len(cells) == 0 {
		return CellRef{}, false
	}
	if c.m.hasTableRef(n) {
		n = c.m.resolveTables(n, s, 0, 0)
	}
	type target struct {
		sheet    int32
		row, col int32
		ref      CellRef
	}
	var targets []target
	for _, r := range cells {
		if ts, ok := c.m.sheetIndex(r.Sheet); ok {
			targets = append(targets, target{ts, int32(r.Row), int32(r.Col), r})
		}
	}
	seen := map[int32]bool{}
	var queue []int32
	var found *CellRef
	visit := func(a Area) {
		if found != nil {
			return
		}
		for i := range targets {
			t := &targets[i]
			if t.sheet >= a.Sheet && t.sheet <= a.Sheet2 && t.row >= a.Row1 && t.row <= a.Row2 && t.col >= a.Col1 && t.col <= a.Col2 {
				found = &t.ref
				return
			}
		}
		c.m.formulaCellsIn(a, func(id int32) {
			if !seen[id] {
				seen[id] = true
				queue = append(queue, id)
			}
		})
	}
	c.m.refsOf(n, s, 0, visit)
	for len(queue) > 0 && found == nil {
		id := queue[0]
		queue = queue[1:]
		ci := &c.m.cells[id]
		if ci.array != nil && ci.array.master != id {
			if m := ci.array.master; !seen[m] {
				seen[m] = true
				queue = append(queue, m)
			}
			continue
		}
		if ci.ast != nil {
			c.m.refsOf(ci.ast, ci.sheet, 0, visit)
		}
	}
	if found == nil {
		return CellRef{}, false
	}
	return *found, true
}

// Grid is Values with the shape of the result: rows and columns of a range
// or array constant, 1×1 for a scalar.
func (c *Calculator) Grid(sheet string, n Node) (rows, cols int, vals []Value, err error) {
	defer func() {
		if v := recover(); v != nil {
			rows, cols, vals, err = 0, 0, nil, fmt.Errorf("formula: internal error evaluating an expression: %v", v)
		}
	}()
	s, ok := c.m.sheetIndex(sheet)
	if !ok {
		return 0, 0, nil, fmt.Errorf("no sheet %q", sheet)
	}
	if c.m.hasTableRef(n) {
		n = c.m.resolveTables(n, s, 0, 0)
	}
	ev := &evaluator{m: c.m, sheet: s, arrayMode: true}
	v := ev.eval(n)
	if v.Kind == KindRef {
		v = ev.operand(v)
	}
	if v.Kind == KindArray {
		return v.Arr.Rows, v.Arr.Cols, slices.Clone(v.Arr.V), nil
	}
	return 1, 1, []Value{finalValue(v)}, nil
}
