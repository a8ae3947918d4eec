package workbook

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// TestLabel builds a workbook with excelize, as users make them, and checks
// which text labels each cell.
func TestLabel(t *testing.T) {
	t.Parallel()
	x := excelize.NewFile()
	defer x.Close()
	require.NoError(t, x.SetSheetName("Sheet1", "Model"))
	set := func(cell string, v any) { require.NoError(t, x.SetCellValue("Model", cell, v)) }
	set("A1", "Unit price")
	set("B1", 120.0)
	set("A2", "Volume:")
	set("C2", 10_000.0) // a blank between label and value
	set("A3", 7.0)
	set("B3", 5.0) // a number to the left is not a label
	set("D5", "Growth")
	set("D6", 0.05) // the label above
	set("F1", "Far")
	set("J1", 1.0) // more than three cells away
	set("A8", "   ")
	set("B8", 2.0) // blank text is not a label
	require.NoError(t, x.SetCellFormula("Model", "B10", "B1*C2"))
	set("A10", "NPV")
	require.NoError(t, x.SetCellFormula("Model", "B11", "B10*2"))
	_, err := x.NewSheet("Other sheet")
	require.NoError(t, err)
	require.NoError(t, x.SetCellValue("Other sheet", "A1", "Rate"))
	require.NoError(t, x.SetCellValue("Other sheet", "B1", 0.1))
	buf, err := x.WriteToBuffer()
	require.NoError(t, err)
	wb, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), Limits{})
	require.NoError(t, err)
	for _, tc := range []struct {
		sheet, cell, want string
	}{
		{"Model", "B1", "Unit price"},
		{"Model", "C2", "Volume"},
		{"Model", "B3", ""},
		{"Model", "D6", "Growth"},
		{"Model", "J1", ""},
		{"Model", "B8", ""},
		{"Model", "B10", "NPV"},
		{"Model", "B11", ""}, // a formula above, nothing to the left
		{"model", "B1", "Unit price"},
		{"Other sheet", "B1", "Rate"},
		{"Missing", "B1", ""},
	} {
		row, col, ok := ParseCellName(tc.cell)
		require.True(t, ok)
		require.Equal(t, tc.want, wb.Label(tc.sheet, row, col), "%s!%s", tc.sheet, tc.cell)
	}
}
