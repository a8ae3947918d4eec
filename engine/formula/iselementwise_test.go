package formula

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/workbook"
)

// evalDynamic evaluates spillData and cells with formula in E1 as a
// dynamic-array formula (as Excel 365 saves one: an array formula marked
// by cm), and returns every formula cell's value by its A1 name.
func evalDynamic(t *testing.T, cells []workbook.Cell, formula string) map[string]Value {
	t.Helper()
	all := append(append(spillData(), cells...), workbook.Cell{Row: 1, Col: 5, Formula: formula, ArrayRef: "E1"})
	sh := &workbook.Sheet{Name: "S", Cells: all, Arrays: []workbook.ArrayFormula{{Formula: formula, Row1: 1, Col1: 5, Row2: 1, Col2: 5, Dynamic: true}}}
	ev, err := EvaluateWorkbook(workbook.New([]*workbook.Sheet{sh}, nil))
	require.NoError(t, err)
	out := map[string]Value{}
	for _, c := range ev.Cells {
		require.Equalf(t, Evaluated, c.Status, "%s: %v %v", c.Cell, c.Err, c.Unsupported)
		out[workbook.CellName(c.Cell.Row, c.Cell.Col)] = c.Value
	}
	return out
}

// TestIsFunctionsElementwise: the IS functions map over a range or an
// array as Excel's dynamic arrays do, so that FILTER(r, ISODD(r)) keeps
// r's odd numbers. The expected values are worked out by hand from
// spillData (A1..A6 = 3, 1, 2, 3, 5, 1; B1..B6 text) and the mixed column
// C1..C6 = 1, "x", TRUE, blank, #DIV/0!, #N/A.
func TestIsFunctionsElementwise(t *testing.T) {
	t.Parallel()
	n, b, e := NumberValue, BoolValue, ErrValueOf
	T, F := b(true), b(false)
	mixed := []workbook.Cell{
		{Row: 1, Col: 3, Value: workbook.Value{Kind: workbook.Number, Num: 1}},
		{Row: 2, Col: 3, Value: workbook.Value{Kind: workbook.String, Str: "x"}},
		{Row: 3, Col: 3, Value: workbook.Value{Kind: workbook.Bool, Bool: true}},
		formulaAt("C5", "1/0"),
		formulaAt("C6", "NA()"),
	}
	cases := []struct {
		name, formula string
		want          [][]Value
	}{
		{"FilterOdd", "FILTER(A1:A6,ISODD(A1:A6))", col(n(3), n(1), n(3), n(5), n(1))},
		{"FilterEven", "FILTER(A1:A6,ISEVEN(A1:A6))", col(n(2))},
		{"FilterOddNone", `FILTER(A1:A6,ISEVEN(A1:A6)*(A1:A6>2),"none")`, col(StringValue("none"))},
		{"OddSpills", "ISODD(A1:A6)", col(T, T, F, T, T, T)},
		{"EvenSpills", "ISEVEN(A1:A3)", col(F, F, T)},
		{"OddArray", "ISODD({1,2,-3,2.5,0})", [][]Value{{T, F, T, F, F}}},
		{"EvenArray", "ISEVEN({-4,3.9,0})", [][]Value{{T, F, T}}},
		{"OddCounted", "SUMPRODUCT(--ISODD(A1:A6))", col(n(5))},
		{"OddOfText", "ISODD(B1:B2)", col(e(ErrValue), e(ErrValue))},
		{"Number", "ISNUMBER(C1:C6)", col(T, F, F, F, F, F)},
		{"Text", "ISTEXT(C1:C6)", col(F, T, F, F, F, F)},
		{"NonText", "ISNONTEXT(C1:C6)", col(T, F, T, T, T, T)},
		{"Logical", "ISLOGICAL(C1:C6)", col(F, F, T, F, F, F)},
		{"Blank", "ISBLANK(C1:C6)", col(F, F, F, T, F, F)},
		{"Error", "ISERROR(C1:C6)", col(F, F, F, F, T, T)},
		{"Err", "ISERR(C1:C6)", col(F, F, F, F, T, F)},
		{"NA", "ISNA(C1:C6)", col(F, F, F, F, F, T)},
		{"FilterText", "ROWS(FILTER(B1:B6,ISTEXT(B1:B6)))", col(n(6))},
		{"RefIsOne", "ISREF(A1:A6)", col(T)},
		{"RefOfArray", "ISREF({1,2})", col(F)},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := evalDynamic(t, mixed, tt.formula)
			want := laidOut("E1", tt.want...)
			for cell, v := range want {
				require.Equal(t, v, got[cell], "%s at %s", tt.formula, cell)
			}
			r, c, _ := workbook.ParseCellName("E1")
			below := workbook.CellName(r+len(tt.want), c)
			_, spilledFurther := got[below]
			require.False(t, spilledFurther, "%s spills past %d rows", tt.formula, len(tt.want))
		})
	}
}
