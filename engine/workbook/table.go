package workbook

import (
	"path"
	"strconv"
	"strings"
)

// Table is an Excel table (ListObject): a named range whose first rows are
// headers and last rows totals, addressed by structured references such as
// Table1[Price].
type Table struct {
	Name                   string // the display name formulas use
	Sheet                  string
	Row1, Col1, Row2, Col2 int // the whole table, headers and totals included
	HeaderRows             int // 0 or 1
	TotalsRows             int // 0 or 1
	Columns                []string
}

// DataRows returns the first and last data rows (last < first when the
// table has none).
func (t Table) DataRows() (first, last int) {
	return t.Row1 + t.HeaderRows, t.Row2 - t.TotalsRows
}

// Column returns the 0-based index of the named column (case-insensitive,
// as Excel).
func (t Table) Column(name string) (int, bool) {
	for i, c := range t.Columns {
		if strings.EqualFold(c, name) {
			return i, true
		}
	}
	return 0, false
}

// Table returns the table with the given name (case-insensitive).
func (w *Workbook) Table(name string) (*Table, bool) {
	for i := range w.Tables {
		if strings.EqualFold(w.Tables[i].Name, name) {
			return &w.Tables[i], true
		}
	}
	return nil, false
}

// TableAt returns the table whose range holds the cell.
func (w *Workbook) TableAt(sheet string, row, col int) (*Table, bool) {
	for i := range w.Tables {
		t := &w.Tables[i]
		if strings.EqualFold(t.Sheet, sheet) && row >= t.Row1 && row <= t.Row2 && col >= t.Col1 && col <= t.Col2 {
			return t, true
		}
	}
	return nil, false
}

type xTable struct {
	Name         string `xml:"name,attr"`
	DisplayName  string `xml:"displayName,attr"`
	Ref          string `xml:"ref,attr"`
	HeaderRows   *int   `xml:"headerRowCount,attr"`
	TotalsRows   *int   `xml:"totalsRowCount,attr"`
	TableColumns []struct {
		Name string `xml:"name,attr"`
	} `xml:"tableColumns>tableColumn"`
}

// readTables reads the table parts a worksheet part relates to. A sheet
// without relationships has no tables.
func (p *pkg) readTables(sheetPart string, sh *Sheet) ([]Table, error) {
	dir := path.Dir(sheetPart)
	var rels xRels
	if err := p.decodePart(path.Join(dir, "_rels", path.Base(sheetPart)+".rels"), &rels); err != nil {
		return nil, nil
	}
	var out []Table
	for _, r := range rels.Rels {
		if !strings.HasSuffix(r.Type, "/table") {
			continue
		}
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Clean(path.Join(dir, t))
		}
		var x xTable
		if err := p.decodePart(t, &x); err != nil {
			return nil, err
		}
		r1, c1, r2, c2, ok := parseArea(x.Ref)
		if !ok {
			return nil, invalid("table %s: bad range %q", t, x.Ref)
		}
		tb := Table{Name: x.DisplayName, Sheet: sh.Name, Row1: r1, Col1: c1, Row2: r2, Col2: c2, HeaderRows: 1}
		if tb.Name == "" {
			tb.Name = x.Name
		}
		if x.HeaderRows != nil {
			tb.HeaderRows = min(max(*x.HeaderRows, 0), 1)
		}
		if x.TotalsRows != nil {
			tb.TotalsRows = min(max(*x.TotalsRows, 0), 1)
		}
		for _, c := range x.TableColumns {
			tb.Columns = append(tb.Columns, unescapeXML(c.Name))
		}
		if len(tb.Columns) != c2-c1+1 {
			return nil, invalid("table %s: %d columns named for a range of %d", tb.Name, len(tb.Columns), c2-c1+1)
		}
		if tb.Row2-tb.Row1+1 < tb.HeaderRows+tb.TotalsRows {
			return nil, invalid("table %s: range %s is shorter than its header and totals rows", tb.Name, x.Ref)
		}
		out = append(out, tb)
	}
	return out, nil
}

// unescapeXML decodes the _xHHHH_ escapes OOXML uses for characters XML
// cannot hold (a line break in a column name is _x000a_).
func unescapeXML(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(n))
				i += 7
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}
