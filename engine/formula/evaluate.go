package formula

import (
	"fmt"
	"math"

	"github.com/simgraph/simgraph/engine/workbook"
)

// CellStatus says what EvaluateWorkbook did with a formula cell.
type CellStatus uint8

// Cell statuses.
const (
	Evaluated   CellStatus = iota
	Unsupported            // calls a function the engine does not implement
	ParseFailed            // the formula text does not parse
	InCycle                // part of a circular reference
)

func (s CellStatus) String() string {
	return [...]string{"evaluated", "unsupported", "parse error", "cycle"}[s]
}

// CellResult is one formula cell of an Evaluation.
type CellResult struct {
	Cell        CellRef
	Formula     string
	Status      CellStatus
	Value       Value    // computed (Status == Evaluated)
	Cached      Value    // what the file says the application computed
	Unsupported []string // unknown function names (Status == Unsupported)
	Err         error    // parse error
}

// Matches compares the computed value with the cached one: numbers within a
// relative 1e-9 (absolute near zero), other kinds exactly (text
// case-sensitively). A blank cached value (never computed) matches nothing.
func (r CellResult) Matches() bool {
	if r.Status != Evaluated {
		return false
	}
	return ValuesMatch(r.Value, r.Cached, 1e-9)
}

// ValuesMatch compares two scalar values with a numeric tolerance.
func ValuesMatch(a, b Value, tol float64) bool {
	if b.Kind == KindBlank && a.Kind == KindString && a.Str == "" {
		return true
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case KindNumber:
		d := math.Abs(a.Num - b.Num)
		return d <= tol || d <= tol*math.Max(math.Abs(a.Num), math.Abs(b.Num))
	case KindString:
		return a.Str == b.Str
	case KindBool:
		return a.Num == b.Num
	case KindError:
		return a.Err == b.Err
	}
	return true
}

// Evaluation is the result of EvaluateWorkbook, formula cells in sheet and
// row-major order.
type Evaluation struct {
	Cells []CellResult
}

// EvaluateWorkbook computes every formula of the workbook once, without
// inputs, so that the results can be compared with the values the
// spreadsheet application cached. Formulas calling unsupported functions
// are reported as such and not evaluated.
func EvaluateWorkbook(wb *workbook.Workbook) (ev *Evaluation, err error) {
	defer func() {
		if v := recover(); v != nil {
			ev, err = nil, fmt.Errorf("formula: internal error evaluating the workbook: %v", v)
		}
	}()
	return evaluateWorkbook(wb)
}

func evaluateWorkbook(wb *workbook.Workbook) (*Evaluation, error) {
	m := newModel(wb, 0)
	res := map[int32]*CellResult{}
	var ids []int32
	for id := range m.cells {
		ci := &m.cells[id]
		if !ci.isFormula {
			continue
		}
		ids = append(ids, int32(id))
	}
	// cells that cannot be computed become errors, so that dependents can
	// still be evaluated (their results will then not match the cache)
	block := func(id int32, st CellStatus) {
		ci := &m.cells[id]
		ci.state = stDone
		ci.value = ErrValueOf(ErrName)
		if st == InCycle {
			ci.value = ErrValueOf(ErrRef)
		}
		r := m.result(id)
		r.Status = st
		r.Err = ci.parseErr
		r.Unsupported = ci.unsupported
		res[id] = r
	}
	for _, id := range ids {
		ci := &m.cells[id]
		if ci.parseErr != nil {
			block(id, ParseFailed)
			continue
		}
		if ci.ast != nil {
			if u := unsupportedIn(ci.ast); len(u) > 0 {
				ci.unsupported = u
				block(id, Unsupported)
			}
		}
	}
	// array members inherit their master's status
	for _, id := range ids {
		ci := &m.cells[id]
		if ci.array != nil && ci.array.master != id {
			if r, ok := res[ci.array.master]; ok {
				m.cells[id].unsupported = r.Unsupported
				block(id, r.Status)
			}
		}
	}
	var order []int32
	if wb.Calc.Iterate {
		var groups []cycleGroup
		order, groups = m.iterativeOrder(ids)
		for _, g := range groups {
			m.solveGroup(g, wb.Calc)
		}
	} else {
		var cycles [][]int32
		order, cycles = m.order(ids)
		for _, cyc := range cycles {
			for _, id := range cyc {
				if _, done := res[id]; !done {
					block(id, InCycle)
				}
			}
		}
	}
	for _, id := range order {
		if _, done := res[id]; done {
			continue
		}
		m.evalCell(id, nil)
	}
	ev := &Evaluation{}
	for _, id := range ids {
		r, ok := res[id]
		if !ok {
			r = m.result(id)
			r.Status = Evaluated
			r.Value = m.evalCell(id, nil)
			if ci := &m.cells[id]; r.Value.Kind == KindBlank && ci.array != nil && ci.array.spill && ci.array.master != id {
				continue // a cell of a spill range past the array: empty
			}
		}
		ev.Cells = append(ev.Cells, *r)
	}
	return ev, nil
}

func (m *model) result(id int32) *CellResult {
	ci := &m.cells[id]
	r := &CellResult{Cell: CellRef{Sheet: m.sheets[ci.sheet].name, Row: int(ci.row), Col: int(ci.col)}}
	r.Formula = ci.formula
	if ci.array != nil {
		r.Formula = m.cells[ci.array.master].formula
	}
	if s, ok := m.wb.Sheet(r.Cell.Sheet); ok {
		if c, ok := s.Cell(r.Cell.Row, r.Cell.Col); ok {
			r.Cached = fromWorkbookValue(c.Value)
		}
	}
	return r
}
