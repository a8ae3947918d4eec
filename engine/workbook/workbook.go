package workbook

import (
	"math"
	"strconv"
	"strings"
)

// Workbook is an imported .xlsx file. It is read-only after Open.
type Workbook struct {
	Sheets   []*Sheet      // in workbook (tab) order
	Names    []DefinedName // workbook- and sheet-scoped defined names
	Date1904 bool          // serial dates count from 1904-01-01
	Tables   []Table       // Excel tables, in sheet order
	Calc     Calc          // calculation settings (iterative calculation)

	byName map[string]*Sheet // upper-cased sheet name
}

// Sheet is one worksheet. Cells are sorted by row, then column.
type Sheet struct {
	Name   string
	Index  int
	Cells  []Cell
	Arrays []ArrayFormula
	// DataTables are the what-if data tables ({=TABLE(r1,r2)}) of the sheet
	DataTables []DataTable

	byPos map[uint64]int // pos(row, col) -> index in Cells
}

// ValueKind is the type of a constant or cached cell value.
type ValueKind uint8

// Value kinds, as stored in the file.
const (
	Blank ValueKind = iota
	Number
	String
	Bool
	Error
)

func (k ValueKind) String() string {
	return [...]string{"blank", "number", "string", "bool", "error"}[k]
}

// Value is a constant or cached cell value. Error values keep Excel's text
// ("#DIV/0!") in Str.
type Value struct {
	Kind ValueKind
	Num  float64
	Str  string
	Bool bool
}

func (v Value) String() string {
	switch v.Kind {
	case Number:
		return strconv.FormatFloat(v.Num, 'g', -1, 64)
	case String, Error:
		return v.Str
	case Bool:
		if v.Bool {
			return "TRUE"
		}
		return "FALSE"
	}
	return ""
}

// Cell is one non-empty cell. For a formula cell Value is the cached result
// (what the application computed last), for a constant cell the constant.
type Cell struct {
	Row, Col int    // 1-based
	Formula  string // without the leading '='; "" for constants
	// ArrayRef is the range ("A1:B3") of an array (CSE) formula whose master
	// is this cell; the other cells of the range have no Formula and are
	// listed in Sheet.Arrays.
	ArrayRef string
	Value    Value
}

// Ref returns the cell's A1 reference without sheet ("B7").
func (c Cell) Ref() string { return CellName(c.Row, c.Col) }

// ArrayFormula is an array formula entered over a range.
type ArrayFormula struct {
	Formula                string
	Row1, Col1, Row2, Col2 int // the range; (Row1, Col1) is the master cell
	// Dynamic marks a dynamic-array formula (the master cell carries a cell
	// metadata index, cm, as Excel writes for formulas that spill): the
	// range is where the result spilled when the file was saved, and the
	// formula's result decides the range again on recalculation.
	Dynamic bool
}

// DataTable is a what-if data table: the cells of its range show a formula
// recalculated with one or two input cells replaced by the values beside
// the range. One-variable column tables (the default) take their values
// from the column left of the range and their formulas from the row above
// it; row tables (RowInput) the other way round. A two-variable table's
// formula is the cell above and left of the range; the values of the row
// above go into Input1 (the row input cell), those of the column left into
// Input2.
type DataTable struct {
	Row1, Col1, Row2, Col2 int
	TwoD, RowInput         bool
	Input1, Input2         string // A1 cell names on the sheet
	Deleted                bool   // an input cell was deleted: #REF!
}

// DefinedName is a name from the workbook's definedNames. Scope is "" for
// workbook-level names, else the sheet name.
type DefinedName struct {
	Name     string
	Scope    string
	RefersTo string // formula text without '='
}

func pos(row, col int) uint64 { return uint64(row)<<16 | uint64(col) }

// Cell returns the cell at (row, col), if present.
func (s *Sheet) Cell(row, col int) (*Cell, bool) {
	i, ok := s.byPos[pos(row, col)]
	if !ok {
		return nil, false
	}
	return &s.Cells[i], true
}

// Sheet returns the sheet with the given name (case-insensitive, as Excel).
func (w *Workbook) Sheet(name string) (*Sheet, bool) {
	s, ok := w.byName[strings.ToUpper(name)]
	return s, ok
}

// Name returns the defined name visible from sheet scope (sheet-scoped names
// shadow workbook ones). scope may be "".
func (w *Workbook) Name(name, scope string) (DefinedName, bool) {
	var global *DefinedName
	for i := range w.Names {
		n := &w.Names[i]
		if !strings.EqualFold(n.Name, name) {
			continue
		}
		if n.Scope == "" {
			global = n
		} else if scope != "" && strings.EqualFold(n.Scope, scope) {
			return *n, true
		}
	}
	if global != nil {
		return *global, true
	}
	return DefinedName{}, false
}

// New builds a workbook from sheets (used by tests and by tools that build
// models in memory). Cells are sorted and indexed.
func New(sheets []*Sheet, names []DefinedName) *Workbook {
	w := &Workbook{Sheets: sheets, Names: names}
	w.index()
	return w
}

func (w *Workbook) index() {
	w.byName = make(map[string]*Sheet, len(w.Sheets))
	for i, s := range w.Sheets {
		s.Index = i
		w.byName[strings.ToUpper(s.Name)] = s
		sortCells(s.Cells)
		s.byPos = make(map[uint64]int, len(s.Cells))
		for j, c := range s.Cells {
			s.byPos[pos(c.Row, c.Col)] = j
		}
	}
}

// CellName formats (row, col) as "B7".
func CellName(row, col int) string {
	return ColumnName(col) + strconv.Itoa(row)
}

// ColumnName formats a 1-based column number as letters ("AB").
func ColumnName(col int) string {
	var b [4]byte
	i := len(b)
	for col > 0 && i > 0 {
		col--
		i--
		b[i] = byte('A' + col%26)
		col /= 26
	}
	return string(b[i:])
}

// ParseCellName parses "B7" or "$B$7" into (row, col).
func ParseCellName(s string) (row, col int, ok bool) {
	i := 0
	if i < len(s) && s[i] == '$' {
		i++
	}
	for i < len(s) && isLetter(s[i]) {
		col = col*26 + int(upper(s[i])-'A'+1)
		i++
		if col > MaxCols {
			return 0, 0, false
		}
	}
	if col == 0 {
		return 0, 0, false
	}
	if i < len(s) && s[i] == '$' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		row = row*10 + int(s[i]-'0')
		i++
		if row > MaxRows {
			return 0, 0, false
		}
	}
	if i == start || i != len(s) || row == 0 {
		return 0, 0, false
	}
	return row, col, true
}

// Sheet dimensions of the .xlsx format.
const (
	MaxRows = 1 << 20
	MaxCols = 1 << 14
)

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// Calc holds the workbook's calculation settings (calcPr) that change
// results.
type Calc struct {
	// Iterate enables iterative calculation: circular references are
	// solved by repeated recalculation instead of being refused.
	Iterate bool
	// MaxIterations bounds the recalculations (iterateCount, 100 by default).
	MaxIterations int
	// MaxChange stops the iteration once no cell of a cycle changes by more
	// than it (iterateDelta, 0.001 by default).
	MaxChange float64
}

// Defaults of calcPr in ECMA-376 (and Excel's File > Options > Formulas).
const (
	DefaultMaxIterations = 100
	DefaultMaxChange     = 0.001
)

func readCalc(iterate, count, delta string) Calc {
	c := Calc{Iterate: iterate == "1" || strings.EqualFold(iterate, "true"), MaxIterations: DefaultMaxIterations, MaxChange: DefaultMaxChange}
	if n, err := strconv.Atoi(strings.TrimSpace(count)); err == nil && n >= 0 {
		c.MaxIterations = min(n, 32767) // Excel's own bound
	}
	if d, err := strconv.ParseFloat(strings.TrimSpace(delta), 64); err == nil && d >= 0 && !math.IsInf(d, 0) {
		c.MaxChange = d
	}
	return c
}
