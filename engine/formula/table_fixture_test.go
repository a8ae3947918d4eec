package formula

import (
	"archive/zip"
	"bytes"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine/workbook"
)

// TestTableFixture writes a workbook with excelize in the spelling Excel
// saves structured references in (Sales[[#This Row],[Qty]] for [@Qty],
// unqualified [Col] inside the table, a totals row), with cached values
// computed here in plain Go from the data, never by the engine, and
// requires the evaluation `simgraph eval` runs to reproduce every one:
// Table[Column], Table[[C1]:[C2]], [@Col], Table[[#This Row],[Col]],
// #All/#Data/#Headers/#Totals, unqualified references inside the table,
// tables in defined names and in VLOOKUP, INDEX/MATCH, SUMIFS and COUNTIFS,
// and dynamic arrays (SORT, FILTER) spilling from a table's columns.
func TestTableFixture(t *testing.T) {
	t.Parallel()
	type row struct {
		item, region string
		qty, price   float64
	}
	rows := []row{{"a", "East", 3, 1.5}, {"b", "West", 5, 2}, {"c", "East", 2, 4}, {"d", "North", 4, 2.5}, {"e", "West", 6, 3}}
	headers := []string{"Item", "Region", "Qty", "Price", "Amount", "Share", "QtyAgain"}
	amount := make([]float64, len(rows))
	var total, qtySum, priceSum, east, maxAmount float64
	westBig := 0
	for i, r := range rows {
		amount[i] = r.qty * r.price
		total += amount[i]
		qtySum += r.qty
		priceSum += r.price
		if r.region == "East" {
			east += amount[i]
		}
		if r.region == "West" && r.qty > 2 {
			westBig++
		}
		maxAmount = max(maxAmount, amount[i])
	}
	shares := 0.0
	for _, a := range amount {
		shares += a / total
	}
	argmax := 0
	for i := range amount {
		if amount[i] == maxAmount {
			argmax = i + 1
			break
		}
	}

	f := excelize.NewFile()
	defer f.Close()
	require.NoError(t, f.SetSheetName("Sheet1", "Data"))
	_, err := f.NewSheet("Report")
	require.NoError(t, err)
	for j, h := range headers {
		cell, _ := excelize.CoordinatesToCellName(j+1, 1)
		require.NoError(t, f.SetCellValue("Data", cell, h))
	}
	var data []anchorCell
	set := func(sheet, cell, fx string, cached any, anchors *[]anchorCell) {
		require.NoError(t, f.SetCellValue(sheet, cell, cached))
		require.NoError(t, f.SetCellFormula(sheet, cell, fx))
		*anchors = append(*anchors, anchorCell{cell: cell, cached: cached})
	}
	for i, r := range rows {
		n := i + 2
		for j, v := range []any{r.item, r.region, r.qty, r.price} {
			cell, _ := excelize.CoordinatesToCellName(j+1, n)
			require.NoError(t, f.SetCellValue("Data", cell, v))
		}
		row := func(col string) string { return col + strconv.Itoa(n) }
		// [@Qty]*[@Price], as Excel writes it in the file.
		set("Data", row("E"), "Sales[[#This Row],[Qty]]*Sales[[#This Row],[Price]]", amount[i], &data)
		// [@Amount] over the unqualified whole column.
		set("Data", row("F"), "[@Amount]/SUM([Amount])", amount[i]/total, &data)
		// An unqualified column in a data row: its value in this row.
		set("Data", row("G"), "[Qty]", r.qty, &data)
	}
	// The totals row (excelize writes none: the table part is patched).
	require.NoError(t, f.SetCellValue("Data", "A7", "Total"))
	set("Data", "C7", "SUBTOTAL(109,[Qty])", qtySum, &data)
	set("Data", "E7", "SUBTOTAL(109,Sales[Amount])", total, &data)
	require.NoError(t, f.AddTable("Data", &excelize.Table{Range: "A1:G7", Name: "Sales"}))
	require.NoError(t, f.SetDefinedName(&excelize.DefinedName{Name: "QtyCol", RefersTo: "Sales[Qty]"}))
	require.NoError(t, f.SetDefinedName(&excelize.DefinedName{Name: "EastTotal", RefersTo: `SUMIFS(Sales[Amount],Sales[Region],"East")`}))
	require.NoError(t, f.SetDefinedName(&excelize.DefinedName{Name: "WholeTable", RefersTo: "Sales[#All]"}))

	var report []anchorCell
	for _, c := range []struct {
		cell, fx string
		cached   any
	}{
		{"A1", "SUM(Sales[Amount])", total},
		{"A2", "SUM(Sales[[Qty]:[Price]])", qtySum + priceSum},
		{"A3", "ROWS(Sales[#All])", float64(len(rows) + 2)},
		{"A4", "ROWS(Sales[#Data])", float64(len(rows))},
		{"A5", "COUNTA(Sales[#Headers])", float64(len(headers))},
		{"A6", "INDEX(Sales[#Headers],4)", "Price"},
		{"A7", "SUM(Sales[[#Data],[Qty]])", qtySum},
		{"A8", "SUM(Sales[[#All],[Qty]])", 2 * qtySum}, // the totals row's SUBTOTAL counts
		{"A9", "Sales[[#Totals],[Amount]]", total},
		{"A10", "INDEX(Sales[#Totals],1,1)", "Total"},
		{"A11", `VLOOKUP("b",Sales,4,FALSE)`, rows[1].price},
		{"A12", `INDEX(Sales[Price],MATCH("c",Sales[Item],0))`, rows[2].price},
		{"A13", `SUMIFS(Sales[Amount],Sales[Region],"East")`, east},
		{"A14", `COUNTIFS(Sales[Region],"West",Sales[Qty],">2")`, float64(westBig)},
		{"A15", "SUM(QtyCol)", qtySum},
		{"A16", "EastTotal*2", 2 * east},
		{"A17", "ROWS(WholeTable)*COLUMNS(WholeTable)", float64((len(rows) + 2) * len(headers))},
		{"A18", "MATCH(MAX(Sales[Amount]),Sales[Amount],0)", float64(argmax)},
		{"A19", `VLOOKUP("d",Sales[[Item]:[Price]],3,FALSE)`, rows[3].qty},
		{"A20", "SUM(Sales[Share])", shares},
	} {
		set("Report", c.cell, c.fx, c.cached, &report)
	}
	// Dynamic arrays over the table, spilled as Excel 365 saves them.
	sortedQty := []float64{}
	var west []string
	for _, r := range rows {
		sortedQty = append(sortedQty, r.qty)
		if r.region == "West" {
			west = append(west, r.item)
		}
	}
	slices.Sort(sortedQty)
	slices.Reverse(sortedQty)
	spilled := 0
	spill := func(cell, fx string, values []any) {
		col, r0, err := excelize.CellNameToCoordinates(cell)
		require.NoError(t, err)
		for i, v := range values {
			c, _ := excelize.CoordinatesToCellName(col, r0+i)
			require.NoError(t, f.SetCellValue("Report", c, v))
		}
		end, _ := excelize.CoordinatesToCellName(col, r0+len(values)-1)
		typ, ref := excelize.STCellFormulaTypeArray, cell+":"+end
		require.NoError(t, f.SetCellFormula("Report", cell, fx, excelize.FormulaOpts{Type: &typ, Ref: &ref}))
		report = append(report, anchorCell{cell: cell, cached: values[0], dynamic: true})
		spilled += len(values) - 1
	}
	spill("C1", "_xlfn._xlws.SORT(Sales[Qty],,-1)", anyOfFloats(sortedQty))
	spill("D1", `_xlfn._xlws.FILTER(Sales[Item],Sales[Region]="West")`, anyOf(west))
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	b := markDynamic(t, buf.Bytes(), "xl/worksheets/sheet1.xml", data)
	b = markDynamic(t, b, "xl/worksheets/sheet2.xml", report)
	b = withTotalsRow(t, b, "Sales")

	wb, err := workbook.Open(bytes.NewReader(b), int64(len(b)), workbook.Limits{})
	require.NoError(t, err)
	require.Len(t, wb.Tables, 1)
	require.Equal(t, 1, wb.Tables[0].TotalsRows, "the totals row is read")
	c := conformanceOf(t, wb)
	for _, m := range c.mismatches {
		t.Log("mismatch: " + m)
	}
	require.Equal(t, len(data)+len(report)+spilled, c.formulas, "every spilled cell is a formula cell")
	require.Equal(t, c.formulas, c.matched)
}

// withTotalsRow gives the named table of an excelize package the totals
// row its last row is (totalsRowCount="1", the autofilter above it).
func withTotalsRow(t *testing.T, xlsx []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	require.NoError(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	patched := false
	for _, zf := range zr.File {
		rc, err := zf.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		if strings.HasPrefix(zf.Name, "xl/tables/") && strings.Contains(string(b), `name="`+name+`"`) {
			s := string(b)
			s = strings.Replace(s, `name="`+name+`"`, `name="`+name+`" totalsRowCount="1"`, 1)
			s = strings.Replace(s, `<autoFilter ref="A1:G7"`, `<autoFilter ref="A1:G6"`, 1)
			b, patched = []byte(s), true
		}
		w, err := zw.Create(zf.Name)
		require.NoError(t, err)
		_, err = w.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.True(t, patched, "table %s found", name)
	return out.Bytes()
}

func anyOfFloats(xs []float64) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
