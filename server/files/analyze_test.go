package files

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/workbook"
)

// TestAnalyzeLambdaCalls: calls of a named LAMBDA and of LET-bound lambdas
// are not unsupported functions; an unknown function still is.
func TestAnalyzeLambdaCalls(t *testing.T) {
	wb := workbook.New([]*workbook.Sheet{{Name: "S", Cells: []workbook.Cell{
		{Row: 1, Col: 1, Formula: "MyFn(2)"},
		{Row: 2, Col: 1, Formula: "LET(f,LAMBDA(x,x*2),f(3))"},
		{Row: 3, Col: 1, Formula: "_xlfn.LET(_xlpm.f,_xlfn.LAMBDA(_xlpm.x,_xlpm.x),_xlpm.f(1))"},
		{Row: 4, Col: 1, Formula: "NoSuchFn(1)+MyFn(1)"},
		{Row: 5, Col: 1, Formula: "g(1)"},
	}}}, []workbook.DefinedName{{Name: "MyFn", RefersTo: "_xlfn.LAMBDA(_xlpm.x,_xlpm.x+1)"}})
	a := Analyze(wb)
	require.Equal(t, 5, a.Formulas)
	require.Equal(t, map[string]int{"NOSUCHFN": 1, "G": 1}, a.Unsupported)
}
