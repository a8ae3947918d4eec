package workbook

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

func TestOpenTablesAndCalc(t *testing.T) {
	t.Parallel()
	build := func(calc *excelize.CalcPropsOptions) []byte {
		f := excelize.NewFile()
		_, err := f.NewSheet("Other")
		require.NoError(t, err)
		for i, h := range []string{"Key", "Line_x000a_Break", "Val"} {
			cell, _ := excelize.CoordinatesToCellName(2+i, 3)
			require.NoError(t, f.SetCellStr("Other", cell, h))
		}
		require.NoError(t, f.AddTable("Other", &excelize.Table{Range: "B3:D6", Name: "Prices"}))
		require.NoError(t, f.AddTable("Sheet1", &excelize.Table{Range: "A1:A2", Name: "Tiny"}))
		require.NoError(t, f.SetCalcProps(calc))
		var buf bytes.Buffer
		require.NoError(t, f.Write(&buf))
		return buf.Bytes()
	}
	wb, err := open(t, build(nil), Limits{})
	require.NoError(t, err)
	require.Equal(t, []Table{
		{Name: "Tiny", Sheet: "Sheet1", Row1: 1, Col1: 1, Row2: 2, Col2: 1, HeaderRows: 1, Columns: []string{"Column1"}},
		{Name: "Prices", Sheet: "Other", Row1: 3, Col1: 2, Row2: 6, Col2: 4, HeaderRows: 1, Columns: []string{"Key", "Line\nBreak", "Val"}},
	}, wb.Tables)
	tb, ok := wb.Table("PRICES")
	require.True(t, ok)
	first, last := tb.DataRows()
	require.Equal(t, [2]int{4, 6}, [2]int{first, last})
	i, ok := tb.Column("val")
	require.True(t, ok)
	require.Equal(t, 2, i)
	_, ok = wb.TableAt("other", 6, 4)
	require.True(t, ok)
	_, ok = wb.TableAt("Other", 7, 4)
	require.False(t, ok)
	require.Equal(t, Calc{MaxIterations: DefaultMaxIterations, MaxChange: DefaultMaxChange}, wb.Calc)

	on, count, delta := true, uint(250), 1e-6
	wb, err = open(t, build(&excelize.CalcPropsOptions{Iterate: &on, IterateCount: &count, IterateDelta: &delta}), Limits{})
	require.NoError(t, err)
	require.Equal(t, Calc{Iterate: true, MaxIterations: 250, MaxChange: 1e-6}, wb.Calc)
}

func TestOpenDataTables(t *testing.T) {
	t.Parallel()
	body := `<row r="2"><c r="C2"><f t="dataTable" ref="C2:D3" dt2D="1" dtr="0" r1="A1" r2="B1"/><v>7</v></c></row>`
	wb, err := open(t, rawXLSX(t, map[string]string{"S": body}, []string{"S"}, nil), Limits{})
	require.NoError(t, err)
	require.Equal(t, []DataTable{{Row1: 2, Col1: 3, Row2: 3, Col2: 4, TwoD: true, Input1: "A1", Input2: "B1"}}, wb.Sheets[0].DataTables)
	c, ok := wb.Sheets[0].Cell(2, 3)
	require.True(t, ok)
	require.Equal(t, "", c.Formula)
	require.Equal(t, Value{Kind: Number, Num: 7}, c.Value)

	// a table over the whole sheet would give the model 2^34 formulas
	huge := `<row r="1"><c r="A1"><f t="dataTable" ref="A1:XFD1048576" r1="A1"/></c></row>`
	_, err = open(t, rawXLSX(t, map[string]string{"S": huge}, []string{"S"}, nil), Limits{})
	require.ErrorIs(t, err, ErrLimitExceeded)
}
