package workbook

import (
	"encoding/xml"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

type rawFormula struct {
	typ, ref, si string
	text         string
	// what-if data tables
	dt2D, dtr, del1, del2 bool
	r1, r2                string
}

type sharedMaster struct {
	row, col int
	text     string
}

// readSheet streams one worksheet part into sh.
func (p *pkg) readSheet(part string, sh *Sheet) error {
	rc, err := p.open(part)
	if err != nil {
		return err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	masters := map[string]sharedMaster{}
	type pending struct {
		idx int
		si  string
	}
	var dependents []pending
	row, col := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return wrapXML(part, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "row":
			if r, ok := attr(se, "r"); ok {
				n, err := strconv.Atoi(r)
				if err != nil || n < 1 || n > MaxRows {
					return invalid("%s: bad row number %q", part, r)
				}
				row = n
			} else {
				row++
			}
			col = 0
		case "c":
			if row == 0 {
				row = 1
			}
			if r, ok := attr(se, "r"); ok {
				rr, cc, ok := ParseCellName(r)
				if !ok {
					return invalid("%s: bad cell reference %q", part, r)
				}
				row, col = rr, cc
			} else {
				col++
			}
			if col > MaxCols {
				return invalid("%s: column out of range", part)
			}
			typ, _ := attr(se, "t")
			_, dynamic := attr(se, "cm")
			v, f, err := p.readCell(d, typ)
			if err != nil {
				return wrapXML(part, err)
			}
			cell := Cell{Row: row, Col: col, Value: v}
			if f != nil {
				switch f.typ {
				case "shared":
					if f.ref != "" && f.text != "" {
						masters[f.si] = sharedMaster{row, col, f.text}
						cell.Formula = f.text
					} else {
						dependents = append(dependents, pending{len(sh.Cells), f.si})
					}
				case "array":
					cell.Formula = f.text
					cell.ArrayRef = f.ref
					if r1, c1, r2, c2, ok := parseArea(f.ref); ok {
						// the model gives every cell of the range a formula
						p.cells += int64(r2-r1+1) * int64(c2-c1+1)
						if p.cells > p.lim.MaxCells {
							return &LimitError{Limit: "MaxCells", Max: p.lim.MaxCells, Got: p.cells, Where: sh.Name + " data table " + f.ref}
						}
						sh.Arrays = append(sh.Arrays, ArrayFormula{Formula: f.text, Row1: r1, Col1: c1, Row2: r2, Col2: c2, Dynamic: dynamic})
					}
				case "dataTable":
					// the cells keep their cached values; the formula model
					// recalculates them from the table's description
					if r1, c1, r2, c2, ok := parseArea(f.ref); ok {
						// the model gives every cell of the range a formula
						p.cells += int64(r2-r1+1) * int64(c2-c1+1)
						if p.cells > p.lim.MaxCells {
							return &LimitError{Limit: "MaxCells", Max: p.lim.MaxCells, Got: p.cells, Where: sh.Name + " data table " + f.ref}
						}
						sh.DataTables = append(sh.DataTables, DataTable{Row1: r1, Col1: c1, Row2: r2, Col2: c2,
							TwoD: f.dt2D, RowInput: f.dtr, Input1: f.r1, Input2: f.r2, Deleted: f.del1 || f.del2 && f.dt2D})
					}
				default:
					cell.Formula = f.text
				}
				if int64(len(cell.Formula)) > p.lim.MaxFormulaLen {
					return &LimitError{Limit: "MaxFormulaLen", Max: p.lim.MaxFormulaLen, Got: int64(len(cell.Formula)), Where: sh.Name + "!" + cell.Ref()}
				}
			} else if v.Kind == Blank {
				continue // styled empty cell
			}
			p.cells++
			if p.cells > p.lim.MaxCells {
				return &LimitError{Limit: "MaxCells", Max: p.lim.MaxCells, Got: p.cells, Where: sh.Name}
			}
			sh.Cells = append(sh.Cells, cell)
		}
	}
	for _, dep := range dependents {
		m, ok := masters[dep.si]
		if !ok {
			continue // orphan shared formula: keep the cached value only
		}
		c := &sh.Cells[dep.idx]
		c.Formula = ShiftFormula(m.text, c.Row-m.row, c.Col-m.col)
		if int64(len(c.Formula)) > p.lim.MaxFormulaLen {
			return &LimitError{Limit: "MaxFormulaLen", Max: p.lim.MaxFormulaLen, Got: int64(len(c.Formula)), Where: sh.Name + "!" + c.Ref()}
		}
	}
	return nil
}

// readCell consumes the children of a <c> element.
func (p *pkg) readCell(d *xml.Decoder, typ string) (Value, *rawFormula, error) {
	var (
		f      *rawFormula
		v      string
		hasV   bool
		inline strings.Builder
		hasIS  bool
		depth  = 1
		target *strings.Builder
		vbuf   strings.Builder
		fbuf   strings.Builder
	)
	for depth > 0 {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return Value{}, nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch t.Name.Local {
			case "f":
				f = &rawFormula{}
				f.typ, _ = attr(t, "t")
				f.ref, _ = attr(t, "ref")
				f.si, _ = attr(t, "si")
				if f.typ == "dataTable" {
					flag := func(name string) bool { v, _ := attr(t, name); return v == "1" || v == "true" }
					f.dt2D, f.dtr, f.del1, f.del2 = flag("dt2D"), flag("dtr"), flag("del1"), flag("del2")
					f.r1, _ = attr(t, "r1")
					f.r2, _ = attr(t, "r2")
				}
				fbuf.Reset()
				target = &fbuf
			case "v":
				hasV = true
				vbuf.Reset()
				target = &vbuf
			case "is":
				hasIS = true
			case "t":
				if hasIS {
					target = &inline
				}
			case "rPh":
				target = nil
			}
		case xml.EndElement:
			depth--
			switch t.Name.Local {
			case "f":
				f.text = fbuf.String()
				target = nil
			case "v":
				v = vbuf.String()
				target = nil
			case "t":
				target = nil
			}
		case xml.CharData:
			if target != nil {
				if int64(target.Len()+len(t)) > max(p.lim.MaxFormulaLen, 32767)*4 {
					return Value{}, nil, &LimitError{Limit: "MaxFormulaLen", Max: p.lim.MaxFormulaLen, Got: int64(target.Len() + len(t))}
				}
				target.Write(t)
			}
		}
	}
	if hasIS {
		return Value{Kind: String, Str: inline.String()}, f, nil
	}
	if !hasV {
		return Value{}, f, nil
	}
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(p.sst) {
			return Value{}, nil, invalid("shared string index %q out of range", v)
		}
		return Value{Kind: String, Str: p.sst[i]}, f, nil
	case "str", "inlineStr":
		return Value{Kind: String, Str: v}, f, nil
	case "b":
		return Value{Kind: Bool, Bool: strings.TrimSpace(v) == "1" || strings.EqualFold(v, "true")}, f, nil
	case "e":
		return Value{Kind: Error, Str: strings.TrimSpace(v)}, f, nil
	case "d":
		t, err := time.Parse("2006-01-02T15:04:05", strings.TrimSuffix(strings.TrimSpace(v), "Z"))
		if err != nil {
			return Value{Kind: String, Str: v}, f, nil
		}
		base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
		return Value{Kind: Number, Num: t.Sub(base).Hours() / 24}, f, nil
	}
	s := strings.TrimSpace(v)
	if s == "" {
		return Value{}, f, nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return Value{}, nil, invalid("bad number %q", v)
	}
	return Value{Kind: Number, Num: n}, f, nil
}

// parseArea parses "A1:B3" or "A1".
func parseArea(ref string) (r1, c1, r2, c2 int, ok bool) {
	a, b, found := strings.Cut(ref, ":")
	r1, c1, ok = ParseCellName(a)
	if !ok {
		return
	}
	if !found {
		return r1, c1, r1, c1, true
	}
	r2, c2, ok = ParseCellName(b)
	if r2 < r1 {
		r1, r2 = r2, r1
	}
	if c2 < c1 {
		c1, c2 = c2, c1
	}
	return
}

func sortCells(cells []Cell) {
	if sort.SliceIsSorted(cells, func(i, j int) bool { return less(cells[i], cells[j]) }) {
		return
	}
	sort.SliceStable(cells, func(i, j int) bool { return less(cells[i], cells[j]) })
}

func less(a, b Cell) bool {
	if a.Row != b.Row {
		return a.Row < b.Row
	}
	return a.Col < b.Col
}
