package formula

import (
	"strings"

	"github.com/simgraph/simgraph/engine/workbook"
)

// tableRef parses the bracketed part of a structured reference; table is
// the name before it ("" for [Col] or [@Col] inside a table).
//
//	Table1[Col]  Table1[[Col1]:[Col2]]  Table1[#All]  Table1[]
//	Table1[[#Headers],[#Data],[Col]]  Table1[@Col]  Table1[@[Col 1]]
//	Table1[[#This Row],[Col]]  [@]
//
// A single quote escapes the next character of a column name ('[ '] '# ”).
func (p *parser) tableRef(table string) (Node, error) {
	start := p.pos
	p.pos++ // [
	ref := &TableRef{Table: table}
	p.skipSpace()
	switch p.peek() {
	case ']':
		p.pos++
	case '@':
		p.pos++
		ref.Items = ItemThisRow
		p.skipSpace()
		switch p.peek() {
		case ']':
			p.pos++
		case '[':
			if err := p.tableItems(ref); err != nil {
				return nil, err
			}
		default:
			name, err := p.columnName()
			if err != nil {
				return nil, err
			}
			ref.Col1, ref.Col2 = name, name
		}
	case '[':
		if err := p.tableItems(ref); err != nil {
			return nil, err
		}
	default:
		name, err := p.columnName()
		if err != nil {
			return nil, err
		}
		if err := p.tableItem(ref, name); err != nil {
			return nil, err
		}
	}
	if table == "" && (isIdentByte(p.peek()) || p.peek() == '!' || p.peek() == '\'') {
		p.pos = start
		return nil, p.fail("external workbook references are not supported")
	}
	return ref, nil
}

// tableItems parses "[a],[b]:[c], ...]" up to and including the closing
// bracket of the reference.
func (p *parser) tableItems(ref *TableRef) error {
	for {
		p.skipSpace()
		if p.peek() != '[' {
			return p.fail("expected [ in structured reference")
		}
		p.pos++
		name, err := p.columnName()
		if err != nil {
			return err
		}
		p.skipSpace()
		if p.peek() == ':' {
			p.pos++
			p.skipSpace()
			if p.peek() != '[' {
				return p.fail("expected [ after : in structured reference")
			}
			p.pos++
			name2, err := p.columnName()
			if err != nil {
				return err
			}
			if ref.Col1 != "" || strings.HasPrefix(name, "#") || strings.HasPrefix(name2, "#") {
				return p.fail("bad column range in structured reference")
			}
			ref.Col1, ref.Col2 = name, name2
		} else if err := p.tableItem(ref, name); err != nil {
			return err
		}
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return nil
		default:
			return p.fail("expected , or ] in structured reference")
		}
	}
}

// tableItem records a special item (#Data) or a column.
func (p *parser) tableItem(ref *TableRef, name string) error {
	if strings.HasPrefix(name, "#") {
		var it TableItems
		switch strings.ToUpper(name) {
		case "#ALL":
			it = ItemAll
		case "#DATA":
			it = ItemData
		case "#HEADERS":
			it = ItemHeaders
		case "#TOTALS":
			it = ItemTotals
		case "#THIS ROW":
			it = ItemThisRow
		default:
			return p.fail("unknown structured reference item %s", name)
		}
		ref.Items |= it
		return nil
	}
	if ref.Col1 != "" {
		return p.fail("two columns in a structured reference")
	}
	ref.Col1, ref.Col2 = name, name
	return nil
}

// columnName reads a name up to an unescaped ']' and consumes the bracket.
func (p *parser) columnName() (string, error) {
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '\'':
			if p.pos+1 >= len(p.src) {
				return "", p.fail("unterminated structured reference")
			}
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
			continue
		case ']':
			p.pos++
			return b.String(), nil
		case '[':
			return "", p.fail("unescaped [ in a column name")
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", p.fail("unterminated structured reference")
}

// hasTableRef reports whether an expression holds a structured reference
// or names a table alone (=SUM(Sales) is Sales' data).
func (m *model) hasTableRef(n Node) bool {
	found := false
	Walk(n, func(x Node) {
		switch y := x.(type) {
		case *TableRef:
			found = true
		case *Name:
			found = found || m.isTableName(y, -1)
		}
	})
	return found
}

// isTableName reports whether a name is a table's rather than a defined
// name (Excel keeps the two apart, so this is only a precaution).
func (m *model) isTableName(n *Name, sheet int32) bool {
	if n.Sheet != "" || len(m.wb.Tables) == 0 {
		return false
	}
	if _, ok := m.wb.Table(n.Name); !ok {
		return false
	}
	_, defined := m.lookupName(n, sheet)
	return !defined
}

// resolveTables returns n with every structured reference replaced by the
// range it names, seen from the cell (sheet, row, col); row 0 stands for no
// cell (a defined name), where #This Row is #VALUE!. Nodes without a
// structured reference below them are shared, not copied.
func (m *model) resolveTables(n Node, sheet, row, col int32) Node {
	switch x := n.(type) {
	case *TableRef:
		return m.resolveTableRef(x, sheet, row, col)
	case *Name:
		if m.isTableName(x, sheet) {
			return m.resolveTableRef(&TableRef{Table: x.Name}, sheet, row, col)
		}
	case *Unary:
		if y := m.resolveTables(x.X, sheet, row, col); y != x.X {
			return &Unary{Op: x.Op, X: y}
		}
	case *Percent:
		if y := m.resolveTables(x.X, sheet, row, col); y != x.X {
			return &Percent{X: y}
		}
	case *Binary:
		l, r := m.resolveTables(x.L, sheet, row, col), m.resolveTables(x.R, sheet, row, col)
		if l != x.L || r != x.R {
			return &Binary{Op: x.Op, L: l, R: r}
		}
	case *Call:
		var args []Node
		for i, a := range x.Args {
			b := m.resolveTables(a, sheet, row, col)
			if b != a && args == nil {
				args = append(make([]Node, 0, len(x.Args)), x.Args[:i]...)
			}
			if args != nil {
				args = append(args, b)
			}
		}
		if args != nil {
			return &Call{Name: x.Name, Args: args}
		}
	case *Invoke:
		fn := m.resolveTables(x.Fn, sheet, row, col)
		args := make([]Node, len(x.Args))
		changed := fn != x.Fn
		for i, a := range x.Args {
			args[i] = m.resolveTables(a, sheet, row, col)
			changed = changed || args[i] != a
		}
		if changed {
			return &Invoke{Fn: fn, Args: args}
		}
	}
	return n
}

// resolveTableRef turns one structured reference into a Ref, or into the
// error Excel shows: #REF! for an unknown table or column or a missing
// part (#Totals without a totals row), #VALUE! for #This Row outside the
// table's data rows.
func (m *model) resolveTableRef(r *TableRef, sheet, row, col int32) Node {
	var t *workbook.Table
	ok := false
	if r.Table == "" {
		if sheet >= 0 && int(sheet) < len(m.sheets) {
			t, ok = m.wb.TableAt(m.sheets[sheet].name, int(row), int(col))
		}
	} else {
		t, ok = m.wb.Table(r.Table)
	}
	if !ok {
		return ErrorLit{K: ErrRef}
	}
	c1, c2 := 0, len(t.Columns)-1
	if r.Col1 != "" {
		i, ok1 := t.Column(r.Col1)
		j, ok2 := t.Column(r.Col2)
		if !ok1 || !ok2 {
			return ErrorLit{K: ErrRef}
		}
		c1, c2 = min(i, j), max(i, j)
	}
	first, last := t.DataRows()
	r1, r2 := 0, -1
	include := func(lo, hi int) {
		if lo > hi {
			return
		}
		if r2 < r1 {
			r1, r2 = lo, hi
			return
		}
		r1, r2 = min(r1, lo), max(r2, hi)
	}
	items := r.Items
	switch {
	case items&ItemThisRow != 0:
		if items != ItemThisRow {
			return ErrorLit{K: ErrRef}
		}
		if row == 0 || int(row) < first || int(row) > last {
			return ErrorLit{K: ErrValue}
		}
		include(int(row), int(row))
	default:
		if items == 0 {
			items = ItemData
		}
		if items&ItemHeaders != 0 {
			include(t.Row1, t.Row1+t.HeaderRows-1)
		}
		if items&ItemData != 0 {
			include(first, last)
		}
		if items&ItemTotals != 0 {
			include(t.Row2-t.TotalsRows+1, t.Row2)
		}
		if r2 < r1 {
			return ErrorLit{K: ErrRef}
		}
	}
	ref := &Ref{Sheet: t.Sheet, Kind: RefArea, Row1: r1, Col1: t.Col1 + c1, Row2: r2, Col2: t.Col1 + c2, Abs: AbsCol1 | AbsRow1 | AbsCol2 | AbsRow2}
	if ref.Row1 == ref.Row2 && ref.Col1 == ref.Col2 {
		ref.Kind = RefCell
	}
	return ref
}
