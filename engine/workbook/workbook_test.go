package workbook

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// rawXLSX builds a minimal package from worksheet XML bodies (the content
// of <sheetData>), for inputs excelize would not write.
func rawXLSX(t testing.TB, sheets map[string]string, order []string, extra map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, body string) {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	add("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`)
	add("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	var sh, rels strings.Builder
	for i, name := range order {
		fmt.Fprintf(&sh, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, name, i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
		add(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`+sheets[name]+`</sheetData></worksheet>`)
	}
	add("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`+sh.String()+`</sheets>`+extra["definedNames"]+`</workbook>`)
	add("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+rels.String()+`</Relationships>`)
	for k, v := range extra {
		if k != "definedNames" {
			add(k, v)
		}
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func open(t testing.TB, b []byte, lim Limits) (*Workbook, error) {
	return Open(bytes.NewReader(b), int64(len(b)), lim)
}

func TestOpenExcelizeFixture(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	require.NoError(t, f.SetSheetName("Sheet1", "Data"))
	_, err := f.NewSheet("My Sheet")
	require.NoError(t, err)
	require.NoError(t, f.SetCellValue("Data", "A1", 1.5))
	require.NoError(t, f.SetCellValue("Data", "A2", "text"))
	require.NoError(t, f.SetCellValue("Data", "A3", true))
	require.NoError(t, f.SetCellFormula("Data", "B1", "A1*2"))
	require.NoError(t, f.SetCellFormula("My Sheet", "A1", "Data!A1+'My Sheet'!B1"))
	typ, ref := excelize.STCellFormulaTypeShared, "C1:C3"
	require.NoError(t, f.SetCellFormula("Data", "C1", "A1+$A$1", excelize.FormulaOpts{Type: &typ, Ref: &ref}))
	require.NoError(t, f.SetDefinedName(&excelize.DefinedName{Name: "Rate", RefersTo: "Data!$A$1"}))
	require.NoError(t, f.SetDefinedName(&excelize.DefinedName{Name: "Local", RefersTo: "Data!$A$2", Scope: "My Sheet"}))
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))

	wb, err := open(t, buf.Bytes(), Limits{})
	require.NoError(t, err)
	require.Len(t, wb.Sheets, 2)
	require.Equal(t, "Data", wb.Sheets[0].Name)
	require.Equal(t, "My Sheet", wb.Sheets[1].Name)
	d, _ := wb.Sheet("data") // case-insensitive
	c, ok := d.Cell(1, 1)
	require.True(t, ok)
	require.Equal(t, Value{Kind: Number, Num: 1.5}, c.Value)
	c, _ = d.Cell(2, 1)
	require.Equal(t, Value{Kind: String, Str: "text"}, c.Value)
	c, _ = d.Cell(3, 1)
	require.Equal(t, Value{Kind: Bool, Bool: true}, c.Value)
	c, _ = d.Cell(1, 2)
	require.Equal(t, "A1*2", c.Formula)
	for row, want := range []string{"A1+$A$1", "A2+$A$1", "A3+$A$1"} {
		c, ok := d.Cell(row+1, 3)
		require.True(t, ok)
		require.Equal(t, want, c.Formula, "shared formula expanded per cell")
	}
	n, ok := wb.Name("RATE", "")
	require.True(t, ok)
	require.Equal(t, "Data!$A$1", n.RefersTo)
	n, ok = wb.Name("Local", "My Sheet")
	require.True(t, ok)
	require.Equal(t, "My Sheet", n.Scope)
	_, ok = wb.Name("Local", "Data")
	require.False(t, ok, "sheet-scoped name is invisible elsewhere")
}

func TestOpenRawCells(t *testing.T) {
	t.Parallel()
	b := rawXLSX(t, map[string]string{"S": `
<row r="1"><c r="A1" t="e"><v>#N/A</v></c><c r="B1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="C1" t="inlineStr"><is><t>inline</t></is></c></row>
<row r="2"><c r="A2"><f t="shared" ref="A2:C3" si="0">A1+$B1+C$1+Z:Z+2:2</f><v>1</v></c><c r="B2"><f t="shared" si="0"/></c></row>
<row r="3"><c r="C3"><f t="shared" si="0"/></c><c r="D3" s="1"/></row>
<row r="5"><c r="A5"><f t="array" ref="A5:B6">{1,2;3,4}</f><v>1</v></c><c r="B5"><v>2</v></c></row>
<row r="6"><c r="D6" cm="1"><f t="array" ref="D6:D7">_xlfn.SEQUENCE(2)</f><v>1</v></c></row>
<row r="7"><c r="A7"><f t="shared" ref="A7:A8" si="1">A1048576+XFD1</f></c></row>
<row r="8"><c r="A8"><f t="shared" si="1"/></c><c r="B8"><f t="shared" si="1"/></c></row>`}, []string{"S"}, nil)
	wb, err := open(t, b, Limits{})
	require.NoError(t, err)
	s := wb.Sheets[0]
	get := func(r, c int) Cell {
		cell, ok := s.Cell(r, c)
		require.True(t, ok, "cell %s", CellName(r, c))
		return *cell
	}
	require.Equal(t, Value{Kind: Error, Str: "#N/A"}, get(1, 1).Value)
	require.Equal(t, `"a"&"b"`, get(1, 2).Formula)
	require.Equal(t, "ab", get(1, 2).Value.Str)
	require.Equal(t, "inline", get(1, 3).Value.Str)
	require.Equal(t, "A1+$B1+C$1+Z:Z+2:2", get(2, 1).Formula)
	require.Equal(t, "B1+$B1+D$1+AA:AA+2:2", get(2, 2).Formula)
	require.Equal(t, "C2+$B2+E$1+AB:AB+3:3", get(3, 3).Formula)
	_, ok := s.Cell(3, 4)
	require.False(t, ok, "styled empty cells are dropped")
	require.Equal(t, "A5:B6", get(5, 1).ArrayRef)
	// cm marks the formula Excel spilled (a dynamic array), not a CSE one
	require.Equal(t, []ArrayFormula{{Formula: "{1,2;3,4}", Row1: 5, Col1: 1, Row2: 6, Col2: 2},
		{Formula: "_xlfn.SEQUENCE(2)", Row1: 6, Col1: 4, Row2: 7, Col2: 4, Dynamic: true}}, s.Arrays)
	require.Equal(t, "#REF!+#REF!", get(8, 2).Formula, "references shifted off the sheet")
}

func TestShiftFormula(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in         string
		dRow, dCol int
		want       string
	}{
		{"A1+B2", 1, 1, "B2+C3"},
		{"$A$1+A$1+$A1", 2, 2, "$A$1+C$1+$A3"},
		{`"A1"&A1`, 1, 0, `"A1"&A2`},
		{"'Sheet A1'!A1+Sheet2!B2", 1, 0, "'Sheet A1'!A2+Sheet2!B3"},
		{"LOG10(A1)+ATAN2(B1,C1)", 0, 1, "LOG10(B1)+ATAN2(C1,D1)"},
		{"SUM(A:B,3:4)", 1, 1, "SUM(B:C,4:5)"},
		{"Rate*A1", 1, 0, "Rate*A2"},
		{"A1:B2", -1, 0, "#REF!:B1"},
		{"#N/A+#DIV/0!+A1", 1, 0, "#N/A+#DIV/0!+A2"},
		{"1.5E+3+A1", 0, 1, "1.5E+3+B1"},
		// structured references name columns, not cells
		{"Sales[[#This Row],[Q1]]*B2+[@[Q2]]", 1, 0, "Sales[[#This Row],[Q1]]*B3+[@[Q2]]"},
		{"SUM(T[[A1]:[B2 '[x']]])+A1", 1, 0, "SUM(T[[A1]:[B2 '[x']]])+A2"},
	} {
		require.Equal(t, tc.want, ShiftFormula(tc.in, tc.dRow, tc.dCol), tc.in)
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	valid := rawXLSX(t, map[string]string{"S": `<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1*2</f></c></row>`}, []string{"S"}, nil)
	bomb := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("xl/worksheets/sheet1.xml")
		zeros := make([]byte, 1<<20)
		for i := 0; i < 64; i++ {
			_, _ = w.Write(zeros)
		}
		require.NoError(t, zw.Close())
		return buf.Bytes()
	}()
	many := func() []byte {
		var sb strings.Builder
		for r := 1; r <= 50; r++ {
			fmt.Fprintf(&sb, `<row r="%d"><c r="A%d"><v>1</v></c></row>`, r, r)
		}
		return rawXLSX(t, map[string]string{"S": sb.String()}, []string{"S"}, nil)
	}()
	long := rawXLSX(t, map[string]string{"S": `<row r="1"><c r="A1"><f>` + strings.Repeat("1+", 100) + `1</f></c></row>`}, []string{"S"}, nil)
	for _, tc := range []struct {
		name string
		data []byte
		lim  Limits
		is   error
		msg  string
	}{
		{"NotZip", []byte("hello, world"), Limits{}, ErrInvalidWorkbook, "not a zip"},
		{"Empty", nil, Limits{}, ErrInvalidWorkbook, "not a zip"},
		{"OLE", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), Limits{}, ErrInvalidWorkbook, "xls"},
		{"Truncated", valid[:len(valid)/2], Limits{}, ErrInvalidWorkbook, ""},
		{"ZipWithoutWorkbook", bomb[:0:0], Limits{}, ErrInvalidWorkbook, ""},
		{"ZipBombRatio", bomb, Limits{}, ErrLimitExceeded, "MaxRatio"},
		{"ZipBombTotal", bomb, Limits{MaxUncompressed: 1 << 20, MaxRatio: -1}, ErrLimitExceeded, "MaxUncompressed"},
		{"FileSize", valid, Limits{MaxFileSize: 100}, ErrLimitExceeded, "MaxFileSize"},
		{"Cells", many, Limits{MaxCells: 10}, ErrLimitExceeded, "MaxCells"},
		{"FormulaLength", long, Limits{MaxFormulaLen: 50}, ErrLimitExceeded, "MaxFormulaLen"},
		{"Entries", valid, Limits{MaxEntries: 2}, ErrLimitExceeded, "MaxEntries"},
		{"BadXML", rawXLSX(t, map[string]string{"S": `<row r="1"><c r="A1"><v>1</v></row>`}, []string{"S"}, nil), Limits{}, ErrInvalidWorkbook, "sheet1.xml"},
		{"BadCellRef", rawXLSX(t, map[string]string{"S": `<row r="1"><c r="1A"><v>1</v></c></row>`}, []string{"S"}, nil), Limits{}, ErrInvalidWorkbook, "bad cell reference"},
		{"BadSharedString", rawXLSX(t, map[string]string{"S": `<row r="1"><c r="A1" t="s"><v>7</v></c></row>`}, []string{"S"}, nil), Limits{}, ErrInvalidWorkbook, "shared string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := tc.data
			if tc.name == "ZipWithoutWorkbook" {
				var buf bytes.Buffer
				zw := zip.NewWriter(&buf)
				w, _ := zw.Create("hello.txt")
				_, _ = w.Write([]byte("hi"))
				require.NoError(t, zw.Close())
				data = buf.Bytes()
			}
			_, err := open(t, data, tc.lim)
			require.Error(t, err)
			require.Truef(t, errors.Is(err, tc.is), "%v is not %v", err, tc.is)
			require.Contains(t, err.Error(), tc.msg)
		})
	}
}

// panicReader panics on its read number panicAt (counting from 0): a
// stand-in for a reader bug that a hostile package triggers, at every
// point of the import in turn (our parts readers, archive/zip, excelize).
type panicReader struct {
	r        io.ReaderAt
	reads    int
	panicAt  int
	panicked bool
}

func (p *panicReader) ReadAt(b []byte, off int64) (int, error) {
	if p.reads == p.panicAt {
		p.panicked = true
		panic(fmt.Sprintf("read %d at offset %d", p.reads, off))
	}
	p.reads++
	return p.r.ReadAt(b, off)
}

// TestOpenRecoversPanics: a panic anywhere during the import is an
// ErrInvalidWorkbook, never a crash (a hostile upload gets a user error).
func TestOpenRecoversPanics(t *testing.T) {
	t.Parallel()
	b := rawXLSX(t, map[string]string{"S": `<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1*2</f></c></row>`}, []string{"S"},
		map[string]string{"definedNames": `<definedNames><definedName name="X">S!$A$1</definedName></definedNames>`})
	for k := 0; ; k++ {
		pr := &panicReader{r: bytes.NewReader(b), panicAt: k}
		wb, err := Open(pr, int64(len(b)), Limits{})
		if !pr.panicked {
			// the import made fewer than k+1 reads
			require.NoError(t, err)
			require.Len(t, wb.Sheets, 1)
			require.Greater(t, k, 3, "the import reads the package more than 3 times")
			return
		}
		require.Nilf(t, wb, "panic at read %d", k)
		require.ErrorIsf(t, err, ErrInvalidWorkbook, "panic at read %d", k)
		require.ErrorContains(t, err, fmt.Sprintf("read %d at offset", k))
	}
}

func TestOpenSharedWorkbooks(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "shared", "workbooks")
	files, err := filepath.Glob(filepath.Join(dir, "*.xlsx"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no workbooks in %s", dir)
	for _, fn := range files {
		wb, err := OpenFile(fn, Limits{})
		require.NoError(t, err, fn)
		require.NotEmpty(t, wb.Sheets)
	}
	_, err = OpenFile(filepath.Join(dir, "missing.xlsx"), Limits{})
	require.ErrorIs(t, err, os.ErrNotExist)
}

func FuzzOpen(f *testing.F) {
	f.Add(rawXLSX(f, map[string]string{"S": `<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B2" si="0">A1*2</f></c></row><row r="2"><c r="B2"><f t="shared" si="0"/></c></row>`}, []string{"S"}, nil))
	f.Add(rawXLSX(f, map[string]string{"S": `<row><c t="s"><v>0</v></c><c t="b"><v>1</v></c></row>`}, []string{"S"}, map[string]string{"xl/sharedStrings.xml": `<sst><si><t>x</t></si></sst>`}))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "workbooks", "56822-Countifs.xlsx")); err == nil {
		f.Add(b)
	}
	lim := Limits{MaxFileSize: 1 << 20, MaxUncompressed: 8 << 20, MaxCells: 10_000}
	f.Fuzz(func(t *testing.T, b []byte) {
		tm := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("slow input %q", b)) })
		defer tm.Stop()
		wb, err := open(t, b, lim)
		if err != nil {
			if !errors.Is(err, ErrInvalidWorkbook) && !errors.Is(err, ErrLimitExceeded) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		for _, s := range wb.Sheets {
			for _, c := range s.Cells {
				_ = c.Ref()
			}
		}
	})
}
