package formula_test

import (
	"fmt"

	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/workbook"
)

// Compile a two-cell model, set the input lane by lane and read the output.
func Example() {
	wb := workbook.New([]*workbook.Sheet{{Name: "Model", Cells: []workbook.Cell{
		{Row: 1, Col: 1, Value: workbook.Value{Kind: workbook.Number, Num: 100}}, // A1: price
		{Row: 2, Col: 1, Formula: "A1*(1-10%)"},                                  // A2: net price
		{Row: 3, Col: 1, Formula: "IF(A2>100,\"high\",A2)"},
	}}}, nil)
	in, _ := formula.ParseCellRef("Model!A1")
	out, _ := formula.ParseCellRef("Model!A2")
	p, err := formula.Compile(wb, formula.CompileOptions{Inputs: []formula.CellRef{in}, Outputs: []formula.CellRef{out}})
	if err != nil {
		panic(err)
	}
	s := p.NewState(3)
	copy(s.Input(0), []float64{100, 120, 0})
	s.Run(3)
	fmt.Println(s.Output(0))
	// Output: [90 108 0]
}
