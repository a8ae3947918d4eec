package formula

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine/workbook"
)

// TestExcelizeFixture writes a workbook with excelize (cross-sheet
// references, a quoted sheet name, defined names of both scopes, a shared
// formula, errors and a cycle), imports it and evaluates it.
func TestExcelizeFixture(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	require.NoError(t, f.SetSheetName("Sheet1", "In"))
	_, err := f.NewSheet("Out Sheet")
	require.NoError(t, err)
	set := func(sheet, cell string, v any) { require.NoError(t, f.SetCellValue(sheet, cell, v)) }
	formula := func(sheet, cell, fx string) { require.NoError(t, f.SetCellFormula(sheet, cell, fx)) }
	set("In", "A1", 10)
	set("In", "A2", 20)
	set("In", "A3", 30)
	set("In", "B1", "label")
	typ, ref := excelize.STCellFormulaTypeShared, "C1:C3"
	require.NoError(t, f.SetCellFormula("In", "C1", "A1*Growth", excelize.FormulaOpts{Type: &typ, Ref: &ref}))
	require.NoError(t, f.SetDefinedName(&excelize.DefinedName{Name: "Growth", RefersTo: "In!$A$1"}))
	require.NoError(t, f.SetDefinedName(&excelize.DefinedName{Name: "Total", RefersTo: "SUM(In!$C$1:$C$3)"}))
	require.NoError(t, f.SetDefinedName(&excelize.DefinedName{Name: "Growth", RefersTo: "2", Scope: "Out Sheet"}))
	formula("Out Sheet", "A1", "SUM(In!A1:A3)")
	formula("Out Sheet", "A2", "'Out Sheet'!A1/In!A1")
	formula("Out Sheet", "A3", "Total")
	formula("Out Sheet", "A4", "Growth*3") // the sheet-scoped name wins
	formula("Out Sheet", "A5", "In!B1+1")
	formula("Out Sheet", "A6", "IFERROR(A5,\"bad\")")
	formula("Out Sheet", "A7", "MissingName+1")
	formula("Out Sheet", "B1", "B2+1")
	formula("Out Sheet", "B2", "B1+1")
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	wb, err := workbook.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), workbook.Limits{})
	require.NoError(t, err)

	ev, err := EvaluateWorkbook(wb)
	require.NoError(t, err)
	got := map[string]CellResult{}
	for _, c := range ev.Cells {
		got[c.Cell.String()] = c
	}
	want := map[string]Value{
		"In!C1":          NumberValue(100),
		"In!C2":          NumberValue(200),
		"In!C3":          NumberValue(300),
		"'Out Sheet'!A1": NumberValue(60),
		"'Out Sheet'!A2": NumberValue(6),
		"'Out Sheet'!A3": NumberValue(600),
		"'Out Sheet'!A4": NumberValue(6),
		"'Out Sheet'!A5": ErrValueOf(ErrValue),
		"'Out Sheet'!A6": StringValue("bad"),
		"'Out Sheet'!A7": ErrValueOf(ErrName),
	}
	for k, v := range want {
		r, ok := got[k]
		require.True(t, ok, k)
		require.Equal(t, Evaluated, r.Status, k)
		require.Truef(t, ValuesMatch(r.Value, v, 1e-12), "%s = %v, want %v", k, r.Value, v)
	}
	require.Equal(t, InCycle, got["'Out Sheet'!B1"].Status)
	require.Equal(t, InCycle, got["'Out Sheet'!B2"].Status)

	// the same book as a program: In!A1 drives everything through names
	p, err := Compile(wb, CompileOptions{Inputs: refs(t, "In!A1"), Outputs: refs(t, "'Out Sheet'!A3", "'Out Sheet'!A2")})
	require.NoError(t, err)
	s := p.NewState(2)
	copy(s.Input(0), []float64{1, 2})
	s.Run(2)
	require.Equal(t, []float64{1*1 + 20*1 + 30*1, 2*2 + 20*2 + 30*2}, s.Output(0)) // x*x + 20x + 30x
	require.Equal(t, []float64{51, 26}, s.Output(1))
	_, err = Compile(wb, CompileOptions{Outputs: refs(t, "'Out Sheet'!B1")})
	var ce *CycleError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, []string{"'Out Sheet'!B1", "'Out Sheet'!B2"}, ce.Cells)
}
