package files

import (
	"context"
	"math"
	"strings"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/engine/workbook"
	"github.com/simgraph/simgraph/server/apperr"
)

// MaxCellsPerPage bounds one cells request; the grid pages by range.
const MaxCellsPerPage = 10000

// SheetInfo describes a sheet's used range.
type SheetInfo struct {
	Name          string
	Dimension     string
	Rows, Columns int
}

// Sheets lists the sheets of a parsed workbook with their used ranges.
func Sheets(wb *workbook.Workbook) []SheetInfo {
	out := make([]SheetInfo, 0, len(wb.Sheets))
	for _, sh := range wb.Sheets {
		info := SheetInfo{Name: sh.Name, Dimension: "A1:A1", Rows: 1, Columns: 1}
		if len(sh.Cells) > 0 {
			maxRow, maxCol := 1, 1
			for _, c := range sh.Cells {
				maxRow, maxCol = max(maxRow, c.Row), max(maxCol, c.Col)
			}
			info.Rows, info.Columns = maxRow, maxCol
			info.Dimension = "A1:" + workbook.CellName(maxRow, maxCol)
		}
		out = append(out, info)
	}
	return out
}

// Cell is one cell for the grid view.
type Cell struct {
	Ref         string // Sheet!A1
	Row, Column int
	Value       *string
	Number      *float64
	Type        string // NUMBER, STRING, BOOLEAN, ERROR, BLANK
	Formula     *string
}

// CellPage is the cells of one range, row by row.
type CellPage struct {
	Sheet, Range string
	Cells        []Cell
}

// Cells returns the non-empty cells of sheet within rng (A1:B2; default the
// used range), at most MaxCellsPerPage of them.
func (s *Service) Cells(ctx context.Context, id uuid.UUID, sheet, rng string) (*CellPage, error) {
	wb, _, err := s.Parsed(ctx, id)
	if err != nil {
		return nil, err
	}
	sh, ok := wb.Sheet(sheet)
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "sheet %q not found", sheet)
	}
	r1, c1, r2, c2 := 1, 1, 1<<20, 1<<14
	if rng = strings.TrimSpace(rng); rng != "" {
		if r1, c1, r2, c2, err = parseRange(rng); err != nil {
			return nil, err
		}
	} else {
		for _, info := range Sheets(wb) {
			if info.Name == sh.Name {
				r2, c2 = info.Rows, info.Columns
				rng = info.Dimension
			}
		}
	}
	page := &CellPage{Sheet: sh.Name, Range: rng}
	for _, c := range sh.Cells {
		if c.Row < r1 || c.Row > r2 || c.Col < c1 || c.Col > c2 {
			continue
		}
		if len(page.Cells) == MaxCellsPerPage {
			return nil, apperr.Errorf(apperr.BadUserInput, "range %s has more than %d cells; ask for a smaller range", rng, MaxCellsPerPage)
		}
		page.Cells = append(page.Cells, gridCell(sh.Name, c))
	}
	return page, nil
}

func gridCell(sheet string, c workbook.Cell) Cell {
	out := Cell{Ref: QualifiedRef(sheet, c.Row, c.Col), Row: c.Row, Column: c.Col}
	if c.Formula != "" {
		f := c.Formula
		out.Formula = &f
	}
	switch c.Value.Kind {
	case workbook.Number:
		n := c.Value.Num
		out.Number = &n
		out.Type = "NUMBER"
	case workbook.String:
		out.Type = "STRING"
	case workbook.Bool:
		out.Type = "BOOLEAN"
	case workbook.Error:
		out.Type = "ERROR"
	default:
		out.Type = "BLANK"
	}
	if c.Value.Kind != workbook.Blank {
		s := c.Value.String()
		out.Value = &s
	}
	return out
}

// QualifiedRef formats Sheet!A1, quoting sheet names that need it.
func QualifiedRef(sheet string, row, col int) string {
	name := sheet
	if strings.ContainsAny(sheet, " !'-+,;()&=<>") || sheet == "" {
		name = "'" + strings.ReplaceAll(sheet, "'", "''") + "'"
	}
	return name + "!" + workbook.CellName(row, col)
}

// RangeCells is how many cells an A1 range (A1:B2, $A$1, B2:A1) spans,
// saturating at math.MaxInt32; false if rng is not an A1 range.
func RangeCells(rng string) (int, bool) {
	r1, c1, r2, c2, err := parseRange(strings.TrimSpace(rng))
	if err != nil {
		return 0, false
	}
	rows, cols := int64(r2-r1+1), int64(c2-c1+1)
	return int(min(rows*cols, math.MaxInt32)), true
}

func parseRange(rng string) (r1, c1, r2, c2 int, err error) {
	a, b, found := strings.Cut(strings.ReplaceAll(strings.ToUpper(rng), "$", ""), ":")
	if !found {
		b = a
	}
	var ok1, ok2 bool
	r1, c1, ok1 = workbook.ParseCellName(a)
	r2, c2, ok2 = workbook.ParseCellName(b)
	if !ok1 || !ok2 {
		return 0, 0, 0, 0, apperr.Errorf(apperr.BadUserInput, "range %q is not an A1 range", rng)
	}
	if r1 > r2 {
		r1, r2 = r2, r1
	}
	if c1 > c2 {
		c1, c2 = c2, c1
	}
	return r1, c1, r2, c2, nil
}
