package formula

import (
	"fmt"
	"strings"

	"github.com/simgraph/simgraph/engine/workbook"
)

// CellRef names one cell of a workbook. Row and Col are 1-based.
type CellRef struct {
	Sheet    string
	Row, Col int
}

// String formats the reference as "Sheet!A1", quoting the sheet name when
// Excel would ("'My Sheet'!A1").
func (c CellRef) String() string {
	return quoteSheet(c.Sheet) + "!" + workbook.CellName(c.Row, c.Col)
}

func quoteSheet(s string) string {
	if strings.HasPrefix(s, "[") {
		return s // external book prefix: ADDRESS writes it unquoted
	}
	plain := s != ""
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch == '_' || ch == '.' || ch >= '0' && ch <= '9' && i > 0 || ch >= 0x80) {
			plain = false
		}
	}
	if plain {
		if _, _, isCell := workbook.ParseCellName(s); isCell {
			plain = false
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// ParseCellRef parses "Sheet!A1", "'My Sheet'!$A$1".
func ParseCellRef(s string) (CellRef, error) {
	i := strings.LastIndexByte(s, '!')
	if i <= 0 {
		return CellRef{}, fmt.Errorf("cell reference %q: want Sheet!A1", s)
	}
	sheet, cell := s[:i], s[i+1:]
	if strings.HasPrefix(sheet, "'") {
		if len(sheet) < 2 || !strings.HasSuffix(sheet, "'") {
			return CellRef{}, fmt.Errorf("cell reference %q: unbalanced quotes", s)
		}
		sheet = strings.ReplaceAll(sheet[1:len(sheet)-1], "''", "'")
	}
	row, col, ok := workbook.ParseCellName(cell)
	if !ok || sheet == "" {
		return CellRef{}, fmt.Errorf("cell reference %q: bad cell", s)
	}
	return CellRef{Sheet: sheet, Row: row, Col: col}, nil
}
