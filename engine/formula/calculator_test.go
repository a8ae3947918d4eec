package formula_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/workbook"
)

func calculatorWorkbook() *workbook.Workbook {
	num := func(r, c int, v float64) workbook.Cell {
		return workbook.Cell{Row: r, Col: c, Value: workbook.Value{Kind: workbook.Number, Num: v}}
	}
	wb := workbook.New([]*workbook.Sheet{
		{Name: "S", Cells: []workbook.Cell{
			num(1, 1, 2), num(2, 1, 3), num(3, 1, 5), // A1:A3
			{Row: 1, Col: 2, Formula: "A1*10"},     // B1
			{Row: 2, Col: 2, Formula: "B1+T!A1"},   // B2
			num(1, 3, 7),                           // C1
			{Row: 3, Col: 2, Formula: "Outer(A1)"}, // B3
			{Row: 4, Col: 2, Formula: "Ident(A1)"}, // B4
		}},
		{Name: "T", Cells: []workbook.Cell{num(1, 1, 100)}},
	}, []workbook.DefinedName{
		{Name: "Rate", RefersTo: "S!$C$1"},
		{Name: "Scale", RefersTo: "_xlfn.LAMBDA(_xlpm.x,_xlpm.x*S!$C$1)"}, // a named LAMBDA reading C1
		{Name: "Outer", RefersTo: "LAMBDA(x,Scale(x)+1)"},                 // one calling it
		{Name: "Scaled", RefersTo: "Scale(2)"},                            // a name calling it
		{Name: "Ident", RefersTo: "LAMBDA(x,x)"},
	})
	wb.Tables = []workbook.Table{{Name: "Nums", Sheet: "S", Row1: 1, Col1: 1, Row2: 3, Col2: 1, Columns: []string{"n"}}}
	return wb
}

func TestCalculatorValues(t *testing.T) {
	tests := []struct {
		expr string
		want []formula.Value
	}{
		{"A1+1", []formula.Value{formula.NumberValue(3)}},
		{"B2", []formula.Value{formula.NumberValue(120)}},
		{"A1:A3", []formula.Value{formula.NumberValue(2), formula.NumberValue(3), formula.NumberValue(5)}},
		{"{1,2;3,4}", []formula.Value{formula.NumberValue(1), formula.NumberValue(2), formula.NumberValue(3), formula.NumberValue(4)}},
		{"SUM(A1:A3)*Rate", []formula.Value{formula.NumberValue(70)}},
		{"D9", []formula.Value{formula.NumberValue(0)}},
		{`"x"&A1`, []formula.Value{formula.StringValue("x2")}},
		{"SUM(Nums[n])", []formula.Value{formula.NumberValue(10)}},
		{"Nums[@n]", []formula.Value{formula.ErrValueOf(formula.ErrValue)}}, // no cell, no row
	}
	calc := formula.NewCalculator(calculatorWorkbook())
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			n, err := formula.Parse(tt.expr)
			require.NoError(t, err)
			got, err := calc.Values("S", n)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCalculatorReads(t *testing.T) {
	a1 := formula.CellRef{Sheet: "S", Row: 1, Col: 1}
	c1 := formula.CellRef{Sheet: "S", Row: 1, Col: 3}
	t1 := formula.CellRef{Sheet: "T", Row: 1, Col: 1}
	tests := []struct {
		expr  string
		cells []formula.CellRef
		want  *formula.CellRef
	}{
		{"A1+1", []formula.CellRef{a1}, &a1},
		{"B2*2", []formula.CellRef{a1}, &a1},
		{"B2*2", []formula.CellRef{t1}, &t1},
		{"SUM(A1:A3)", []formula.CellRef{c1}, nil},
		{"Rate", []formula.CellRef{c1}, &c1},
		{"5", []formula.CellRef{a1}, nil},
		{"MAX(Nums)", []formula.CellRef{a1}, &a1},
		{"Scale(2)", []formula.CellRef{c1}, &c1},
		{"_xlfn.Scale(2)", []formula.CellRef{c1}, &c1},
		{"Outer(2)", []formula.CellRef{c1}, &c1},
		{"Scaled*2", []formula.CellRef{c1}, &c1},
		{"B3*2", []formula.CellRef{c1}, &c1},
		{"B4*2", []formula.CellRef{c1}, nil},
		{"Ident(5)", []formula.CellRef{c1}, nil},
		{"LAMBDA(x,Outer(x))(1)", []formula.CellRef{c1}, &c1},
		{"LET(f,Scale,f(1))", []formula.CellRef{c1}, &c1},
		{"LET(g,LAMBDA(y,Scale(y)),g(1))", []formula.CellRef{c1}, &c1},
		{"LET(Scale,LAMBDA(x,x),Scale(1))", []formula.CellRef{c1}, nil},
		{"MAP(A1:A2,Scale)", []formula.CellRef{c1}, &c1},
	}
	calc := formula.NewCalculator(calculatorWorkbook())
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			n, err := formula.Parse(tt.expr)
			require.NoError(t, err)
			got, ok := calc.Reads("S", n, tt.cells)
			if tt.want == nil {
				require.False(t, ok)
				return
			}
			require.True(t, ok)
			require.Equal(t, *tt.want, got)
		})
	}
}

// TestNamedLambdaDependency: a cell that reads an input only through named
// LAMBDAs (B3 = Outer(A1), Outer calling Scale, which reads C1) follows the
// input in a compiled program.
func TestNamedLambdaDependency(t *testing.T) {
	c1 := formula.CellRef{Sheet: "S", Row: 1, Col: 3}
	b3 := formula.CellRef{Sheet: "S", Row: 3, Col: 2}
	p, err := formula.Compile(calculatorWorkbook(), formula.CompileOptions{Inputs: []formula.CellRef{c1}, Outputs: []formula.CellRef{b3}})
	require.NoError(t, err)
	s := p.NewState(2)
	s.Input(0)[0], s.Input(0)[1] = 7, 10
	s.Run(2)
	require.Equal(t, []float64{2*7 + 1, 2*10 + 1}, s.Output(0)[:2])
}
