package workbook

import "strings"

// labelSearch is how far Label looks to the left of, then above, a cell.
const labelSearch = 3

// Label returns the text that labels the cell at (row, col) of the named
// sheet, the way a model's author writes them: the nearest text cell to its
// left in the same row, else the nearest above it in the same column,
// looking past blank cells but stopping at a number or a formula (another
// value, not a label), at most labelSearch cells away. A formula whose
// cached value is text counts as a label. A trailing colon is dropped
// ("NPV:" labels as "NPV"). It returns "" when there is none.
func (w *Workbook) Label(sheet string, row, col int) string {
	s, ok := w.Sheet(sheet)
	if !ok {
		return ""
	}
	look := func(dr, dc int) string {
		for k := 1; k <= labelSearch; k++ {
			r, c := row+dr*k, col+dc*k
			if r < 1 || c < 1 {
				return ""
			}
			cell, ok := s.Cell(r, c)
			if !ok || cell.Value.Kind == Blank && cell.Formula == "" {
				continue
			}
			if cell.Value.Kind != String {
				return ""
			}
			if t := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(cell.Value.Str), ":")); t != "" {
				return t
			}
			return ""
		}
		return ""
	}
	if t := look(0, -1); t != "" {
		return t
	}
	return look(-1, 0)
}
