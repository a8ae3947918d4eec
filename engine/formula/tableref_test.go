package formula

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine/workbook"
)

func TestParseTableRef(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src  string
		want TableRef
	}{
		{"Sales[Qty]", TableRef{Table: "Sales", Col1: "Qty", Col2: "Qty"}},
		{"Sales[Unit Price]", TableRef{Table: "Sales", Col1: "Unit Price", Col2: "Unit Price"}},
		{"Sales[[Qty]:[Amount]]", TableRef{Table: "Sales", Col1: "Qty", Col2: "Amount"}},
		{"Sales[]", TableRef{Table: "Sales"}},
		{"Sales[#All]", TableRef{Table: "Sales", Items: ItemAll}},
		{"Sales[#data]", TableRef{Table: "Sales", Items: ItemData}},
		{"Sales[#Headers]", TableRef{Table: "Sales", Items: ItemHeaders}},
		{"Sales[#Totals]", TableRef{Table: "Sales", Items: ItemTotals}},
		{"Sales[[#Headers],[#Data],[Qty]]", TableRef{Table: "Sales", Items: ItemHeaders | ItemData, Col1: "Qty", Col2: "Qty"}},
		{"Sales[ [#Data], [#Totals], [Qty]:[Amount] ]", TableRef{Table: "Sales", Items: ItemData | ItemTotals, Col1: "Qty", Col2: "Amount"}},
		{"Sales[[#This Row],[Qty]]", TableRef{Table: "Sales", Items: ItemThisRow, Col1: "Qty", Col2: "Qty"}},
		{"Sales[@Qty]", TableRef{Table: "Sales", Items: ItemThisRow, Col1: "Qty", Col2: "Qty"}},
		{"Sales[@[Unit Price]]", TableRef{Table: "Sales", Items: ItemThisRow, Col1: "Unit Price", Col2: "Unit Price"}},
		{"Sales[@[Qty]:[Amount]]", TableRef{Table: "Sales", Items: ItemThisRow, Col1: "Qty", Col2: "Amount"}},
		{"Sales[@]", TableRef{Table: "Sales", Items: ItemThisRow}},
		{"[@Qty]", TableRef{Items: ItemThisRow, Col1: "Qty", Col2: "Qty"}},
		{"[Qty]", TableRef{Col1: "Qty", Col2: "Qty"}},
		{"[@[Price '[USD']]]", TableRef{Items: ItemThisRow, Col1: "Price [USD]", Col2: "Price [USD]"}},
		{"Sales[[Price '[USD']]]", TableRef{Table: "Sales", Col1: "Price [USD]", Col2: "Price [USD]"}},
		{`\_Prime.1[calc='#*'#]`, TableRef{Table: `\_Prime.1`, Col1: "calc=#*#", Col2: "calc=#*#"}},
		{"T_1[[Field 4 ]]", TableRef{Table: "T_1", Col1: "Field 4 ", Col2: "Field 4 "}},
		{"Sales[it''s]", TableRef{Table: "Sales", Col1: "it's", Col2: "it's"}},
	}
	for _, tc := range cases {
		t.Run(tc.src, func(t *testing.T) {
			n, err := Parse(tc.src)
			require.NoError(t, err)
			got, ok := n.(*TableRef)
			require.Truef(t, ok, "%T", n)
			require.Equal(t, tc.want, *got)
		})
	}
	// inside expressions, structured references are operands and references
	n, err := Parse("SUM(Sales[Qty])*[@Price]+Sales[[#This Row],[Qty]]:Sales[[#This Row],[Amount]]")
	require.NoError(t, err)
	var found int
	Walk(n, func(x Node) {
		if _, ok := x.(*TableRef); ok {
			found++
		}
	})
	require.Equal(t, 4, found)

	for _, bad := range []string{
		"Sales[Qty", "Sales[[Qty]", "Sales[#Nothing]", "Sales[[Qty],[Amount]]", "Sales[[#All]:[Qty]]",
		"[1]Sheet1!A1", "[Book.xlsx]Sheet1!A1", "Sales[a[b]",
	} {
		_, err := Parse(bad)
		require.Errorf(t, err, "%s parses", bad)
	}
}

// salesBook is the workbook of the structured-reference tests: table Sales
// on sheet Data (A1:D5, header row, four data rows), whose Amount column is
// a calculated column in both the typed form ([@Qty]) and the form Excel
// stores (Sales[[#This Row],[Qty]]), and formulas on sheet Report. The
// expected values are worked out by hand from the data.
func salesBook(t *testing.T) *workbook.Workbook {
	t.Helper()
	f := excelize.NewFile()
	require.NoError(t, f.SetSheetName("Sheet1", "Data"))
	_, err := f.NewSheet("Report")
	require.NoError(t, err)
	rows := [][]any{
		{"Item", "Qty", "Price [USD]", "Amount"},
		{"Apple", 3, 1.5},
		{"Pear", 5, 2},
		{"Plum", 2, 4},
		{"Fig", 4, 2.5},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		require.NoError(t, f.SetSheetRow("Data", cell, &r))
	}
	require.NoError(t, f.AddTable("Data", &excelize.Table{Range: "A1:D5", Name: "Sales"}))
	formula := func(sheet, cell, fx string) { require.NoError(t, f.SetCellFormula(sheet, cell, fx)) }
	formula("Data", "D2", "[@Qty]*[@[Price '[USD']]]")
	formula("Data", "D3", "Sales[[#This Row],[Qty]]*Sales[[#This Row],[Price '[USD']]]")
	formula("Data", "D4", "[@Qty]*[@[Price '[USD']]]")
	formula("Data", "D5", "Sales[@Qty]*Sales[@[Price '[USD']]]")
	require.NoError(t, f.SetDefinedName(&excelize.DefinedName{Name: "TotalQty", RefersTo: "SUM(Sales[Qty])"}))
	require.NoError(t, f.SetDefinedName(&excelize.DefinedName{Name: "AmountCol", RefersTo: "Sales[Amount]"}))
	for cell, fx := range map[string]string{
		"A1":  "Sales[@Qty]", // the header row: no data row here
		"A2":  "SUM(Sales[Qty])",
		"A3":  "SUM(Sales[[Qty]:[Amount]])",
		"A4":  "ROWS(Sales[#All])*10+COLUMNS(Sales[#All])",
		"A5":  "ROWS(Sales[#Data])*10+ROWS(Sales[])",
		"A6":  "INDEX(Sales[#Headers],3)",
		"A7":  "ROWS(Sales[[#Headers],[#Data],[Qty]])",
		"A8":  "INDEX(Sales[[#Headers], [Item]],1)",
		"A9":  `VLOOKUP("Plum",Sales,4,FALSE)`,
		"A10": `INDEX(Sales[Amount],MATCH("Pear",Sales[Item],0))`,
		"A11": `SUMIFS(Sales[Amount],Sales[Qty],">2")`,
		"A12": "TotalQty*2",
		"A13": "SUM(AmountCol)",
		"A14": "SUM(Sales)",
		"A15": "Sales[Nope]",
		"A16": "Sales[#Totals]",
		"A17": "SUM(Sales[[#Data],[#Totals],[Qty]])",
		"A18": "COUNTA(Sales[#All])",
		// another sheet's row 3 is the table's second data row
		"B3": "Sales[@Qty]",
		"C2": "SUM(Sales[@[Qty]:[Price '[USD']]])",
		"D4": "SUM(Sales[@])",
	} {
		formula("Report", cell, fx)
	}
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	wb, err := workbook.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), workbook.Limits{})
	require.NoError(t, err)
	return wb
}

func TestStructuredReferences(t *testing.T) {
	t.Parallel()
	wb := salesBook(t)
	require.Equal(t, []workbook.Table{{Name: "Sales", Sheet: "Data", Row1: 1, Col1: 1, Row2: 5, Col2: 4, HeaderRows: 1, Columns: []string{"Item", "Qty", "Price [USD]", "Amount"}}}, wb.Tables)
	ev, err := EvaluateWorkbook(wb)
	require.NoError(t, err)
	got := map[string]CellResult{}
	for _, c := range ev.Cells {
		got[c.Cell.String()] = c
	}
	want := map[string]Value{
		"Data!D2":    NumberValue(4.5),
		"Data!D3":    NumberValue(10),
		"Data!D4":    NumberValue(8),
		"Data!D5":    NumberValue(10),
		"Report!A1":  ErrValueOf(ErrValue),
		"Report!A2":  NumberValue(14),
		"Report!A3":  NumberValue(14 + 10 + 32.5),
		"Report!A4":  NumberValue(54),
		"Report!A5":  NumberValue(44),
		"Report!A6":  StringValue("Price [USD]"),
		"Report!A7":  NumberValue(5),
		"Report!A8":  StringValue("Item"),
		"Report!A9":  NumberValue(8),
		"Report!A10": NumberValue(10),
		"Report!A11": NumberValue(4.5 + 10 + 10),
		"Report!A12": NumberValue(28),
		"Report!A13": NumberValue(32.5),
		"Report!A14": NumberValue(14 + 10 + 32.5),
		"Report!A15": ErrValueOf(ErrRef),
		"Report!A16": ErrValueOf(ErrRef), // no totals row
		"Report!A17": NumberValue(14),    // the part that exists
		"Report!A18": NumberValue(20),
		"Report!B3":  NumberValue(5),
		"Report!C2":  NumberValue(3 + 1.5),
		"Report!D4":  NumberValue(2 + 4 + 8), // "Plum" is text
	}
	for k, v := range want {
		r, ok := got[k]
		require.True(t, ok, k)
		require.Equalf(t, Evaluated, r.Status, "%s: %v", k, r.Err)
		require.Truef(t, ValuesMatch(r.Value, v, 1e-12), "%s = %v, want %v", k, r.Value, v)
	}
	require.Len(t, got, len(want))

	// the batched program: Apple's quantity varies lane by lane and reaches
	// the calculated column, the lookups and the names
	p, err := Compile(wb, CompileOptions{
		Inputs:  refs(t, "Data!B2"),
		Outputs: refs(t, "Data!D2", "Report!A11", "Report!A12", "Report!A14", "Report!B3"),
	})
	require.NoError(t, err)
	require.Empty(t, p.UnusedInputs())
	s := p.NewState(3)
	copy(s.Input(0), []float64{1, 3, 10})
	s.Run(3)
	require.Equal(t, []float64{1.5, 4.5, 15}, s.Output(0))
	require.Equal(t, []float64{20, 24.5, 35}, s.Output(1)) // Apple counts once Qty > 2
	require.Equal(t, []float64{24, 28, 42}, s.Output(2))
	require.Equal(t, []float64{12 + 10 + 29.5, 14 + 10 + 32.5, 21 + 10 + 43}, s.Output(3))
	require.Equal(t, []float64{5, 5, 5}, s.Output(4)) // constant: the Pear row
}

// TestStructuredReferenceParts covers what excelize cannot write: a totals
// row and a table without a header row.
func TestStructuredReferenceParts(t *testing.T) {
	t.Parallel()
	num := func(r, c int, v float64) workbook.Cell {
		return workbook.Cell{Row: r, Col: c, Value: workbook.Value{Kind: workbook.Number, Num: v}}
	}
	str := func(r, c int, v string) workbook.Cell {
		return workbook.Cell{Row: r, Col: c, Value: workbook.Value{Kind: workbook.String, Str: v}}
	}
	fx := func(r, c int, f string) workbook.Cell { return workbook.Cell{Row: r, Col: c, Formula: f} }
	// T (B2:C6): header row 2, data rows 3-5, totals row 6; N (E3:E5): no header
	sh := &workbook.Sheet{Name: "S", Cells: []workbook.Cell{
		str(2, 2, "k"), str(2, 3, "v"),
		str(3, 2, "a"), num(3, 3, 1),
		str(4, 2, "b"), num(4, 3, 2),
		str(5, 2, "c"), num(5, 3, 4),
		str(6, 2, "Total"), fx(6, 3, "SUBTOTAL(109,[v])"),
		num(3, 5, 10), num(4, 5, 20), num(5, 5, 30),
		fx(1, 1, "T[[#Totals],[v]]*100+ROWS(T[#All])"),
		fx(1, 2, "SUM(T[[#Data],[#Totals],[v]])"),
		fx(1, 3, "ROWS(T[[#Headers],[#Data]])"),
		fx(1, 4, "INDEX(T[#Totals],1)"),
		fx(1, 5, "N[#Headers]"),
		fx(1, 6, "SUM(N)+ROWS(N[#All])"),
		fx(7, 1, "T[@v]"), // below the table: not a data row
		fx(5, 7, "[@v]"),  // outside every table
	}}
	wb := workbook.New([]*workbook.Sheet{sh}, nil)
	wb.Tables = []workbook.Table{
		{Name: "T", Sheet: "S", Row1: 2, Col1: 2, Row2: 6, Col2: 3, HeaderRows: 1, TotalsRows: 1, Columns: []string{"k", "v"}},
		{Name: "N", Sheet: "S", Row1: 3, Col1: 5, Row2: 5, Col2: 5, Columns: []string{"n"}},
	}
	ev, err := EvaluateWorkbook(wb)
	require.NoError(t, err)
	want := map[string]Value{
		"S!C6": NumberValue(7),
		"S!A1": NumberValue(705),
		"S!B1": NumberValue(14),
		"S!C1": NumberValue(4),
		"S!D1": StringValue("Total"),
		"S!E1": ErrValueOf(ErrRef),
		"S!F1": NumberValue(63),
		"S!A7": ErrValueOf(ErrValue),
		"S!G5": ErrValueOf(ErrRef),
	}
	require.Len(t, ev.Cells, len(want))
	for _, c := range ev.Cells {
		v, ok := want[c.Cell.String()]
		require.True(t, ok, c.Cell.String())
		require.Truef(t, ValuesMatch(c.Value, v, 1e-12), "%s = %v, want %v", c.Cell, c.Value, v)
	}
}
