package formula

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/workbook"
)

// chainFormulas are cells C1:Cn reading the inputs A1:A4 and each other:
// arithmetic chains (whose checks are deferred) through overflow, errors,
// text and logicals, a cell read as a divisor, diamonds, a chain longer
// than maxUncheckedSpan and cells read by functions, comparisons and IF.
var chainFormulas = []string{
	"A1*1E+300",        // C1 overflows in lanes with |A1| > 1.8e8
	"C1*1E+10-A2",      // C2
	"C2-C2+A3",         // C3: Inf-Inf
	"C3*0+A2",          // C4: Inf*0
	"A2/C4",            // C5: C4 is a divisor: checked
	"C4+C5*2",          // C6: diamond
	"C6*C4-C5",         // C7
	"C7^0+C6",          // C8: pow of a non-finite operand
	"-C8%",             // C9
	"C9/(C1-C1+1)",     // C10: an intermediate divisor
	"C10+A4",           // C11
	"C11*2+A1",         // C12..: a long chain
	"C12*0.5+C11*0.25", // C13
	"C13-C12*0.2+A3",   // C14
	"C14/2+A2*0.1",     // C15
	"C15*C15/(1+C15*C15)+A3-C14*0.1",
	"C16*0.5+C15*0.3",
	"C17-C15*0.2+A1",
	"C18/2+A2*0.1",
	"C19*C19/(1+C19*C19)+A3-C18*0.1",
	"C20*0.5+C19*0.3",
	"C21+C20",
	"C22+1",
	"C23+1",
	"C24-A4",
	"SUM(C24:C25)+C23",  // C26: C24, C25 read by SUM
	"IF(C26>0,C26,C22)", // C27: C26 read by a comparison, C22 by IF
	"C27+C26*2",         // C28
	"ROUND(C28,2)+C9",   // C29: C28 read by ROUND
	"C29&\"x\"",         // C30
	"C29+A2",            // C31
}

func chainWorkbook(inputs []workbook.Value) *workbook.Workbook {
	var cells []workbook.Cell
	for i, v := range inputs {
		if v.Kind != workbook.Blank {
			cells = append(cells, workbook.Cell{Row: i + 1, Col: 1, Value: v})
		}
	}
	for i, f := range chainFormulas {
		cells = append(cells, workbook.Cell{Row: i + 1, Col: 3, Formula: f})
	}
	return workbook.New([]*workbook.Sheet{{Name: "S", Cells: cells}}, nil)
}

// TestDeferredChecksMatchScalar: with only a few outputs most checks of
// the chain are deferred (the test requires it); every output lane must
// still equal, exactly, what the scalar evaluator computes, errors and
// their kinds included.
func TestDeferredChecksMatchScalar(t *testing.T) {
	t.Parallel()
	in := refs(t, "S!A1", "S!A2", "S!A3", "S!A4")
	out := []CellRef{{Sheet: "S", Row: 12, Col: 3}, {Sheet: "S", Row: 25, Col: 3}, {Sheet: "S", Row: 30, Col: 3}, {Sheet: "S", Row: 31, Col: 3}}
	var blank [4]workbook.Value
	p, err := Compile(chainWorkbook(blank[:]), CompileOptions{Inputs: in, Outputs: out})
	require.NoError(t, err)
	require.Greater(t, p.unchecked, len(chainFormulas)/3, "most checks are deferred")
	values := append([]float64{2e8, -3e8, 1e-300}, kernelLaneValues...)
	nv := len(values)
	lanes := 2*nv*nv + 3
	require.Greater(t, lanes, subBatch)
	s := p.NewState(lanes)
	inputs := func(l int) [4]float64 {
		return [4]float64{values[l%nv], values[(l/nv)%nv], values[(l*7+2)%nv], values[(l*3+1)%nv]}
	}
	for l := 0; l < lanes; l++ {
		x := inputs(l)
		for i := range in {
			s.Input(i)[l] = x[i]
		}
	}
	s.Run(lanes)
	errs := 0
	for l := 0; l < lanes; l++ {
		x := inputs(l)
		var vals [4]workbook.Value
		for i := range x {
			vals[i] = laneWorkbookValue(x[i])
		}
		ev, err := EvaluateWorkbook(chainWorkbook(vals[:]))
		require.NoError(t, err)
		want := map[CellRef]Value{}
		for _, c := range ev.Cells {
			want[c.Cell] = c.Value
		}
		for j, r := range out {
			got := s.OutputValue(j, l)
			if got.Kind == KindError {
				errs++
			}
			require.Truef(t, ValuesMatch(got, want[r], 0), "%s lane %d inputs %v: batch %v (%s), scalar %v (%s)",
				r, l, vals, got, got.Kind, want[r], want[r].Kind)
		}
	}
	require.Greater(t, errs, lanes/4, "error lanes are exercised")
}

// TestDeferredChecksLinked: a cell stays unchecked only when every reader
// is arithmetic reading it as a non-divisor leaf.
func TestDeferredChecksLinked(t *testing.T) {
	t.Parallel()
	in := refs(t, "S!A1", "S!A2", "S!A3", "S!A4")
	out := []CellRef{{Sheet: "S", Row: len(chainFormulas), Col: 3}}
	var blank [4]workbook.Value
	p, err := Compile(chainWorkbook(blank[:]), CompileOptions{Inputs: in, Outputs: out})
	require.NoError(t, err)
	checked := map[string]bool{}
	for _, st := range p.steps {
		e, ok := st.expr.(*varith)
		checked[p.m.cellName(st.id)] = !ok || e.check
	}
	for _, c := range []string{"S!C4", "S!C24", "S!C25", "S!C26", "S!C22", "S!C28", "S!C29", "S!C31"} {
		require.Truef(t, checked[c], "%s is checked", c)
	}

	for _, c := range []string{"S!C2", "S!C3", "S!C5", "S!C6", "S!C7"} {
		require.Falsef(t, checked[c], "%s is not checked", c)
	}

}
