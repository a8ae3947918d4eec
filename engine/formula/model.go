package formula

import (
	"sort"
	"strings"

	"github.com/simgraph/simgraph/engine/workbook"
)

// cellState tracks deterministic evaluation of a formula cell.
type cellState uint8

const (
	stPending cellState = iota
	stRunning
	stDone
)

// cellInfo is one non-empty cell of the model.
type cellInfo struct {
	sheet, row, col int32
	formula         string
	ast             Node
	parseErr        error
	isFormula       bool
	array           *arrayInfo  // master or member of an array formula
	whatIf          *whatIfCell // a cell of a what-if data table
	value           Value       // constant, or computed value once stDone
	state           cellState
	varying         bool
	slot            int32 // vector slot when varying, else -1
	unsupported     []string
}

type arrayInfo struct {
	master                 int32 // cell id of the master
	row1, col1, row2, col2 int32
	result                 *Value // the master's computed array (deterministic mode)
	spill                  bool   // a dynamic array's spill range (spillrange.go)
	blocked                bool   // the spill range is blocked: the master is #SPILL!
	follows                bool   // A1# reads the part the array covers (spillbound.go)
}

type sheetInfo struct {
	name           string
	maxRow, maxCol int32
	// formula cells per column, sorted by row, for dependency lookup in ranges
	formulaCols map[int32][]int32
	cols        []int32 // sorted keys of formulaCols
}

// model is the workbook prepared for compilation and evaluation.
type model struct {
	wb       *workbook.Workbook
	sheets   []*sheetInfo
	cells    []cellInfo
	index    map[uint64]int32
	names    map[string]Node // key: upper(scope) + "!" + upper(name); scope "" = workbook
	maxDepth int
	// while spill ranges settle (spillrange.go): the dynamic formulas, their
	// static arrays and the cells of the ranges found so far
	spillCands map[int32]bool
	shaping    map[int32]*Value
	virt       map[uint64]virtualCell
}

func key(sheet, row, col int32) uint64 {
	return uint64(sheet)<<40 | uint64(row)<<16 | uint64(col)
}

func newModel(wb *workbook.Workbook, maxDepth int) *model {
	m := &model{wb: wb, index: map[uint64]int32{}, names: map[string]Node{}, maxDepth: maxDepth}
	var dynamic []pendingSpill
	for si, s := range wb.Sheets {
		sh := &sheetInfo{name: s.Name, formulaCols: map[int32][]int32{}}
		m.sheets = append(m.sheets, sh)
		for _, c := range s.Cells {
			id := int32(len(m.cells))
			ci := cellInfo{sheet: int32(si), row: int32(c.Row), col: int32(c.Col), slot: -1}
			ci.value = fromWorkbookValue(c.Value)
			if c.Formula != "" {
				ci.isFormula = true
				ci.formula = c.Formula
				ci.value = Blank
			}
			m.cells = append(m.cells, ci)
			m.index[key(ci.sheet, ci.row, ci.col)] = id
			sh.maxRow = max(sh.maxRow, ci.row)
			sh.maxCol = max(sh.maxCol, ci.col)
		}
		// array formulas: members become formula cells reading the master
		for i, a := range s.Arrays {
			mid, ok := m.index[key(int32(si), int32(a.Row1), int32(a.Col1))]
			if !ok {
				continue
			}
			if a.Dynamic {
				// its range is decided again from its result (addSpills)
				dynamic = append(dynamic, pendingSpill{id: mid, saved: &s.Arrays[i]})
				continue
			}
			ai := &arrayInfo{master: mid, row1: int32(a.Row1), col1: int32(a.Col1), row2: int32(a.Row2), col2: int32(a.Col2)}
			if int64(a.Row2-a.Row1+1)*int64(a.Col2-a.Col1+1) > 1<<20 {
				continue
			}
			for r := a.Row1; r <= a.Row2; r++ {
				for c := a.Col1; c <= a.Col2; c++ {
					k := key(int32(si), int32(r), int32(c))
					id, ok := m.index[k]
					if !ok {
						id = int32(len(m.cells))
						m.cells = append(m.cells, cellInfo{sheet: int32(si), row: int32(r), col: int32(c), slot: -1})
						m.index[k] = id
						sh.maxRow = max(sh.maxRow, int32(r))
						sh.maxCol = max(sh.maxCol, int32(c))
					}
					ci := &m.cells[id]
					ci.isFormula = true
					ci.array = ai
					if id != mid {
						ci.formula = ""
						ci.value = Blank
					}
				}
			}
		}
	}
	// names first: a bare name that is no defined name may be a table
	for _, n := range wb.Names {
		ast, err := ParseDepth(n.RefersTo, maxDepth)
		if err != nil {
			continue
		}
		m.names[strings.ToUpper(n.Scope)+"!"+strings.ToUpper(n.Name)] = ast
	}
	for k, ast := range m.names {
		m.names[k] = m.bindInvokes(ast)
	}
	if len(wb.Tables) > 0 {
		for k, ast := range m.names {
			if m.hasTableRef(ast) {
				m.names[k] = m.resolveTables(ast, -1, 0, 0)
			}
		}
	}
	for id := range m.cells {
		ci := &m.cells[id]
		if !ci.isFormula {
			continue
		}
		sh := m.sheets[ci.sheet]
		sh.formulaCols[ci.col] = append(sh.formulaCols[ci.col], int32(id))
		if ci.formula != "" {
			ci.ast, ci.parseErr = ParseDepth(ci.formula, maxDepth)
			ci.ast = m.bindInvokes(ci.ast)
			if ci.ast != nil && m.hasTableRef(ci.ast) {
				ci.ast = m.resolveTables(ci.ast, ci.sheet, ci.row, ci.col)
			}
		}
	}
	m.indexFormulaCols()
	if m.addDataTables() {
		m.indexFormulaCols()
	}
	if m.addSpills(dynamic) {
		m.indexFormulaCols()
	}
	return m
}

// indexFormulaCols sorts the formula cells of every column by row and lists
// the columns that have any, for formulaCellsIn.
func (m *model) indexFormulaCols() {
	for _, sh := range m.sheets {
		sh.cols = sh.cols[:0]
		for c, ids := range sh.formulaCols {
			sort.Slice(ids, func(i, j int) bool { return m.cells[ids[i]].row < m.cells[ids[j]].row })
			sh.cols = append(sh.cols, c)
		}
		sort.Slice(sh.cols, func(i, j int) bool { return sh.cols[i] < sh.cols[j] })
	}
}

func fromWorkbookValue(v workbook.Value) Value {
	switch v.Kind {
	case workbook.Number:
		return NumberValue(v.Num)
	case workbook.String:
		return StringValue(v.Str)
	case workbook.Bool:
		return BoolValue(v.Bool)
	case workbook.Error:
		if k, ok := ParseErrorCode(v.Str); ok {
			return ErrValueOf(k)
		}
		return ErrValueOf(ErrValue)
	}
	return Blank
}

// sheetIndex finds a sheet by name (case-insensitive, as Excel). The exact
// spelling is tried first so that evaluation does not allocate.
func (m *model) sheetIndex(name string) (int32, bool) {
	for i, sh := range m.sheets {
		if sh.name == name {
			return int32(i), true
		}
	}
	for i, sh := range m.sheets {
		if strings.EqualFold(sh.name, name) {
			return int32(i), true
		}
	}
	return 0, false
}

// lookupName resolves a defined name seen from sheet.
func (m *model) lookupName(n *Name, sheet int32) (Node, bool) {
	if n.Sheet != "" {
		ast, ok := m.names[strings.ToUpper(n.Sheet)+"!"+strings.ToUpper(n.Name)]
		return ast, ok
	}
	if sheet >= 0 && int(sheet) < len(m.sheets) {
		if ast, ok := m.names[strings.ToUpper(m.sheets[sheet].name)+"!"+strings.ToUpper(n.Name)]; ok {
			return ast, true
		}
	}
	ast, ok := m.names["!"+strings.ToUpper(n.Name)]
	return ast, ok
}

// resolveRef turns a parsed reference into an Area relative to sheet.
func (m *model) resolveRef(r *Ref, sheet int32) (Area, bool) {
	a := Area{Sheet: sheet, Sheet2: sheet, Row1: int32(r.Row1), Col1: int32(r.Col1), Row2: int32(r.Row2), Col2: int32(r.Col2)}
	if r.Sheet != "" {
		s, ok := m.sheetIndex(r.Sheet)
		if !ok {
			return a, false
		}
		a.Sheet, a.Sheet2 = s, s
		if r.Sheet2 != "" {
			s2, ok := m.sheetIndex(r.Sheet2)
			if !ok {
				return a, false
			}
			if s2 < s {
				s, s2 = s2, s
			}
			a.Sheet, a.Sheet2 = s, s2
		}
	}
	return a, true
}

// formulaCellsIn calls fn for every formula cell inside area.
func (m *model) formulaCellsIn(a Area, fn func(id int32)) {
	for s := a.Sheet; s <= a.Sheet2; s++ {
		if int(s) >= len(m.sheets) || s < 0 {
			return
		}
		sh := m.sheets[s]
		lo := sort.Search(len(sh.cols), func(i int) bool { return sh.cols[i] >= a.Col1 })
		for _, c := range sh.cols[lo:] {
			if c > a.Col2 {
				break
			}
			ids := sh.formulaCols[c]
			i := sort.Search(len(ids), func(i int) bool { return m.cells[ids[i]].row >= a.Row1 })
			for ; i < len(ids) && m.cells[ids[i]].row <= a.Row2; i++ {
				fn(ids[i])
			}
		}
	}
}

// clip bounds an area by the used extent of its sheet, so that A:A costs
// what the column holds rather than a million rows.
func (m *model) clip(a Area) Area {
	var mr, mc int32
	for s := a.Sheet; s <= a.Sheet2; s++ {
		if int(s) < len(m.sheets) && s >= 0 {
			mr = max(mr, m.sheets[s].maxRow)
			mc = max(mc, m.sheets[s].maxCol)
		}
	}
	a.Row2 = min(a.Row2, mr)
	a.Col2 = min(a.Col2, mc)
	return a
}

func (m *model) cellName(id int32) string {
	c := &m.cells[id]
	return CellRef{Sheet: m.sheets[c.sheet].name, Row: int(c.row), Col: int(c.col)}.String()
}
