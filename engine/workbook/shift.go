package workbook

import (
	"strconv"
	"strings"
)

// ShiftFormula moves the relative references of formula by (dRow, dCol), the
// way Excel fills a shared formula from its master cell into the other cells
// of its range. Absolute parts ($A, $1) stay; references pushed off the
// sheet become #REF!. Strings, quoted sheet names, function names and
// defined names are left alone.
//
// excelize's GetCellFormula does translate shared formulas, but by splitting
// its tokens on ':' and shifting anything that parses as a cell; it does not
// guard names followed by '(' or '!', and keeps out-of-range references. We
// read the raw XML ourselves, so we translate here.
func ShiftFormula(formula string, dRow, dCol int) string {
	if dRow == 0 && dCol == 0 {
		return formula
	}
	var b strings.Builder
	b.Grow(len(formula) + 8)
	s := formula
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			j := skipQuoted(s, i, '"')
			b.WriteString(s[i:j])
			i = j
		case c == '\'':
			j := skipQuoted(s, i, '\'')
			b.WriteString(s[i:j])
			i = j
		case c == '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			b.WriteString(s[i : i+j+1])
			i += j + 1
		case c == '#':
			// error literal such as #REF! or #N/A: copy its letters
			j := i + 1
			for j < len(s) && (isLetter(s[j]) || s[j] == '/' || s[j] == '0' || s[j] == '!' || s[j] == '?') {
				j++
				if s[j-1] == '!' || s[j-1] == '?' {
					break
				}
			}
			b.WriteString(s[i:j])
			i = j
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			tok := s[i:j]
			next := byte(0)
			if j < len(s) {
				next = s[j]
			}
			switch {
			case next == '(' || next == '!':
				b.WriteString(tok)
			case next == ':':
				// possible column or row range: shift both ends together
				k := j + 1
				for k < len(s) && isIdentByte(s[k]) {
					k++
				}
				tok2 := s[j+1 : k]
				if a, ok := shiftCol(tok, dCol); ok {
					if b2, ok2 := shiftCol(tok2, dCol); ok2 {
						b.WriteString(a + ":" + b2)
						i = k
						continue
					}
				}
				if a, ok := shiftRow(tok, dRow); ok {
					if b2, ok2 := shiftRow(tok2, dRow); ok2 {
						b.WriteString(a + ":" + b2)
						i = k
						continue
					}
				}
				b.WriteString(shiftCellTok(tok, dRow, dCol))
			default:
				b.WriteString(shiftCellTok(tok, dRow, dCol))
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func isIdentByte(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '$' || c == '_' || c == '.' || c == '\\' || c >= 0x80
}

// skipQuoted returns the index after the quoted run starting at i (doubled
// quotes are escapes).
func skipQuoted(s string, i int, q byte) int {
	j := i + 1
	for j < len(s) {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j += 2
				continue
			}
			return j + 1
		}
		j++
	}
	return len(s)
}

func shiftCellTok(tok string, dRow, dCol int) string {
	absCol := strings.HasPrefix(tok, "$")
	row, col, ok := ParseCellName(tok)
	if !ok {
		return tok
	}
	absRow := strings.LastIndexByte(tok, '$') > 0
	if !absCol {
		col += dCol
	}
	if !absRow {
		row += dRow
	}
	if row < 1 || row > MaxRows || col < 1 || col > MaxCols {
		return "#REF!"
	}
	var b strings.Builder
	if absCol {
		b.WriteByte('$')
	}
	b.WriteString(ColumnName(col))
	if absRow {
		b.WriteByte('$')
	}
	b.WriteString(strconv.Itoa(row))
	return b.String()
}

func shiftCol(tok string, d int) (string, bool) {
	abs := strings.HasPrefix(tok, "$")
	t := strings.TrimPrefix(tok, "$")
	if len(t) == 0 || len(t) > 3 {
		return "", false
	}
	col := 0
	for i := 0; i < len(t); i++ {
		if !isLetter(t[i]) {
			return "", false
		}
		col = col*26 + int(upper(t[i])-'A'+1)
	}
	if col > MaxCols {
		return "", false
	}
	if abs {
		return tok, true
	}
	col += d
	if col < 1 || col > MaxCols {
		return "#REF!", true
	}
	return ColumnName(col), true
}

func shiftRow(tok string, d int) (string, bool) {
	abs := strings.HasPrefix(tok, "$")
	t := strings.TrimPrefix(tok, "$")
	row, err := strconv.Atoi(t)
	if err != nil || row < 1 || row > MaxRows || t[0] == '+' || t[0] == '-' {
		return "", false
	}
	if abs {
		return tok, true
	}
	row += d
	if row < 1 || row > MaxRows {
		return "#REF!", true
	}
	return strconv.Itoa(row), true
}
