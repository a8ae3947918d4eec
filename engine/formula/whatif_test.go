package formula

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine/workbook"
)

// withDataTables rewrites an excelize package so that the cells holding
// the formula "DATATABLE_n" become the masters of the data tables given
// (excelize cannot write the r1/r2 attributes).
func withDataTables(t *testing.T, pkg []byte, tables map[string]string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	require.NoError(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		s := string(b)
		for placeholder, attrs := range tables {
			s = strings.ReplaceAll(s, "<f>"+placeholder+"</f>", `<f t="dataTable" `+attrs+`/>`)
		}
		w, err := zw.Create(f.Name)
		require.NoError(t, err)
		_, err = w.Write([]byte(s))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return out.Bytes()
}

// TestDataTables covers the three kinds of what-if data table over one
// small model: interest B4 = principal·rate, total B5 = B4·years +
// principal. The cells' cached values are absent: every result is
// recalculated, by hand here as the model's formulas say.
func TestDataTables(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	set := func(cell string, v any) { require.NoError(t, f.SetCellValue("Sheet1", cell, v)) }
	fx := func(cell, x string) { require.NoError(t, f.SetCellFormula("Sheet1", cell, x)) }
	set("B1", 0.05) // rate
	set("B2", 10)   // years
	set("B3", 1000) // principal
	fx("B4", "B3*B1")
	fx("B5", "B4*B2+B3")
	// one variable, values down column D, formulas in row 1, input B1
	set("D2", 0.01)
	set("D3", 0.02)
	set("D4", 0.03)
	fx("E1", "B5")
	fx("F1", "B4")
	fx("E2", "DATATABLE_1")
	// two variables: years across row 1 into B2, rates down column H into B1
	fx("H1", "B5")
	set("I1", 5)
	set("J1", 20)
	set("H2", 0.01)
	set("H3", 0.1)
	fx("I2", "DATATABLE_2")
	// one variable as a row: principals across row 1 into B3, formula in L2
	set("M1", 100)
	set("N1", 200)
	fx("L2", "B4")
	fx("M2", "DATATABLE_3")
	fx("P1", "SUM(E2:F4)+SUM(I2:J3)") // a formula reading the tables
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	pkg := withDataTables(t, buf.Bytes(), map[string]string{
		"DATATABLE_1": `ref="E2:F4" r1="B1"`,
		"DATATABLE_2": `ref="I2:J3" dt2D="1" r1="B2" r2="B1"`,
		"DATATABLE_3": `ref="M2:N2" dtr="1" r1="B3"`,
	})
	wb, err := workbook.Open(bytes.NewReader(pkg), int64(len(pkg)), workbook.Limits{})
	require.NoError(t, err)
	require.Len(t, wb.Sheets[0].DataTables, 3)

	total := func(p, rate, years float64) float64 { return p*rate*years + p }
	want := map[string]float64{
		"E2": total(1000, 0.01, 10), "F2": 1000 * 0.01,
		"E3": total(1000, 0.02, 10), "F3": 1000 * 0.02,
		"E4": total(1000, 0.03, 10), "F4": 1000 * 0.03,
		"I2": total(1000, 0.01, 5), "J2": total(1000, 0.01, 20),
		"I3": total(1000, 0.1, 5), "J3": total(1000, 0.1, 20),
		"M2": 100 * 0.05, "N2": 200 * 0.05,
		// the model itself is untouched by the tables
		"B4": 50, "B5": 1500, "E1": 1500, "F1": 50, "H1": 1500, "L2": 50,
	}
	want["P1"] = want["E2"] + want["E3"] + want["E4"] + want["F2"] + want["F3"] + want["F4"] + want["I2"] + want["J2"] + want["I3"] + want["J3"]
	// the values LibreOffice 7.4.7 computed for this package, recalculated
	// headless (soffice --convert-to xlsx, OOXMLRecalcMode 0, as in
	// testdata/README.md); it imports each table as its TABLE function
	libreOffice := map[string]float64{
		"E2": 1100, "F2": 10, "E3": 1200, "F3": 20, "E4": 1300, "F4": 30,
		"I2": 1050, "J2": 1200, "I3": 1500, "J3": 3000, "M2": 5, "N2": 10,
		"B4": 50, "B5": 1500, "E1": 1500, "F1": 50, "H1": 1500, "L2": 50, "P1": 10410,
	}
	got := evaluated(t, wb)
	for cell, v := range libreOffice {
		require.InDeltaf(t, v, got["Sheet1!"+cell].Num, 1e-9, "%s = %v, LibreOffice %v", cell, got["Sheet1!"+cell], v)
	}
	require.Len(t, got, len(want))
	for cell, v := range want {
		require.InDeltaf(t, v, got["Sheet1!"+cell].Num, 1e-9, "%s = %v", cell, got["Sheet1!"+cell])
	}

	// recalculated lane by lane when the model varies: the principal
	p, err := Compile(wb, CompileOptions{Inputs: refs(t, "Sheet1!B3"), Outputs: refs(t, "Sheet1!E3", "Sheet1!J3", "Sheet1!N2", "Sheet1!P1", "Sheet1!B5")})
	require.NoError(t, err)
	principals := []float64{1000, 2000, 0}
	s := p.NewState(len(principals))
	copy(s.Input(0), principals)
	s.Run(len(principals))
	for i, pr := range principals {
		require.InDelta(t, total(pr, 0.02, 10), s.Output(0)[i], 1e-9, "lane %d", i)
		require.InDelta(t, total(pr, 0.1, 20), s.Output(1)[i], 1e-9, "lane %d", i)
		require.InDelta(t, 200*0.05, s.Output(2)[i], 1e-9, "lane %d: the table's own principal wins", i)
		require.InDelta(t, want["P1"]*pr/1000, s.Output(3)[i], 1e-9, "lane %d", i)
		require.InDelta(t, total(pr, 0.05, 10), s.Output(4)[i], 1e-9, "lane %d", i)
	}
}
