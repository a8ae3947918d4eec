package formula

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/workbook"
)

// spillData is the sheet the spill tests read:
//
//	A1..A6 = 3, 1, 2, 3, 5, 1    B1..B6 = "b", "a", "c", "B", "e", "a"
func spillData() []workbook.Cell {
	nums := []float64{3, 1, 2, 3, 5, 1}
	strs := []string{"b", "a", "c", "B", "e", "a"}
	var cells []workbook.Cell
	for i := range nums {
		cells = append(cells,
			workbook.Cell{Row: i + 1, Col: 1, Value: workbook.Value{Kind: workbook.Number, Num: nums[i]}},
			workbook.Cell{Row: i + 1, Col: 2, Value: workbook.Value{Kind: workbook.String, Str: strs[i]}})
	}
	return cells
}

// evalSheet evaluates a sheet of spillData plus cells and returns every
// formula cell's value by its A1 name.
func evalSheet(t *testing.T, cells []workbook.Cell) map[string]Value {
	t.Helper()
	wb := workbook.New([]*workbook.Sheet{{Name: "S", Cells: append(spillData(), cells...)}}, []workbook.DefinedName{{Name: "Seq", RefersTo: "SEQUENCE(3)"}, {Name: "Odds", RefersTo: "LAMBDA(r,FILTER(r,r>2))"}})
	ev, err := EvaluateWorkbook(wb)
	require.NoError(t, err)
	out := map[string]Value{}
	for _, c := range ev.Cells {
		require.Equalf(t, Evaluated, c.Status, "%s: %v %v", c.Cell, c.Err, c.Unsupported)
		out[workbook.CellName(c.Cell.Row, c.Cell.Col)] = c.Value
	}
	return out
}

func formulaAt(ref, f string) workbook.Cell {
	r, c, _ := workbook.ParseCellName(ref)
	return workbook.Cell{Row: r, Col: c, Formula: f}
}

// laidOut lays out expected values from an anchor, row by row.
func laidOut(anchor string, rows ...[]Value) map[string]Value {
	r0, c0, _ := workbook.ParseCellName(anchor)
	out := map[string]Value{}
	for i, row := range rows {
		for j, v := range row {
			out[workbook.CellName(r0+i, c0+j)] = v
		}
	}
	return out
}

func col(vs ...Value) [][]Value {
	out := make([][]Value, len(vs))
	for i, v := range vs {
		out[i] = []Value{v}
	}
	return out
}

func TestSpill(t *testing.T) {
	t.Parallel()
	n, s, e := NumberValue, StringValue, ErrValueOf
	cases := []struct {
		name  string
		cells []workbook.Cell
		want  map[string]Value
		// cells that must not hold a formula result (outside the spill)
		absent []string
	}{
		{"Sequence", []workbook.Cell{formulaAt("D1", "SEQUENCE(3,2,10,5)")},
			laidOut("D1", []Value{n(10), n(15)}, []Value{n(20), n(25)}, []Value{n(30), n(35)}), []string{"D4", "F1"}},
		{"Sort", []workbook.Cell{formulaAt("D1", "_xlfn._xlws.SORT(A1:A6)")},
			laidOut("D1", col(n(1), n(1), n(2), n(3), n(3), n(5))...), []string{"D7"}},
		// descending by the second column; equal keys keep their order
		{"SortByIndexDescending", []workbook.Cell{formulaAt("D1", "SORT(A1:B6,2,-1)")},
			laidOut("D1", []Value{n(5), s("e")}, []Value{n(2), s("c")}, []Value{n(3), s("b")}, []Value{n(3), s("B")},
				[]Value{n(1), s("a")}, []Value{n(1), s("a")}), nil},
		{"SortByColumns", []workbook.Cell{formulaAt("D1", "SORT({3,1,2;6,4,5},1,1,TRUE)")},
			laidOut("D1", []Value{n(1), n(2), n(3)}, []Value{n(4), n(5), n(6)}), nil},
		{"SortBy", []workbook.Cell{formulaAt("D1", "SORTBY(B1:B6,A1:A6,-1)")},
			laidOut("D1", col(s("e"), s("b"), s("B"), s("c"), s("a"), s("a"))...), nil},
		{"Unique", []workbook.Cell{formulaAt("D1", "UNIQUE(A1:A6)")},
			laidOut("D1", col(n(3), n(1), n(2), n(5))...), []string{"D5"}},
		{"UniqueExactlyOnce", []workbook.Cell{formulaAt("D1", "UNIQUE(A1:A6,,TRUE)")},
			laidOut("D1", col(n(2), n(5))...), []string{"D3"}},
		{"UniqueIgnoresCase", []workbook.Cell{formulaAt("D1", "UNIQUE(B1:B6)")},
			laidOut("D1", col(s("b"), s("a"), s("c"), s("e"))...), nil},
		{"UniqueByColumn", []workbook.Cell{formulaAt("D1", "UNIQUE({1,2,1;3,4,3},TRUE)")},
			laidOut("D1", []Value{n(1), n(2)}, []Value{n(3), n(4)}), []string{"F1"}},
		{"Filter", []workbook.Cell{formulaAt("D1", "FILTER(B1:B6,A1:A6>2)")},
			laidOut("D1", col(s("b"), s("B"), s("e"))...), []string{"D4"}},
		{"FilterRowsOfTwoColumns", []workbook.Cell{formulaAt("D1", "FILTER(A1:B6,B1:B6=\"a\")")},
			laidOut("D1", []Value{n(1), s("a")}, []Value{n(1), s("a")}), nil},
		{"FilterWholeColumns", []workbook.Cell{formulaAt("D1", "FILTER(A:A,A:A>2)"), formulaAt("E1", "FILTER(B:B,A:A=1)")},
			map[string]Value{"D1": n(3), "D2": n(3), "D3": n(5), "E1": s("a"), "E2": s("a")}, []string{"D4", "E3"}},
		{"NamedLambdaSpills", []workbook.Cell{formulaAt("D1", "Odds(A1:A6)")},
			laidOut("D1", col(n(3), n(3), n(5))...), []string{"D4"}},
		{"FilterIfEmpty", []workbook.Cell{formulaAt("D1", "FILTER(A1:A6,A1:A6>9,\"none\")")},
			map[string]Value{"D1": s("none")}, []string{"D2"}},
		{"FilterEmptyIsCalc", []workbook.Cell{formulaAt("D1", "FILTER(A1:A6,A1:A6>9)")},
			map[string]Value{"D1": e(ErrCalc)}, nil},
		// ranges in a dynamic formula are arrays even when its result is one cell
		{"ArraysInScalarResult", []workbook.Cell{formulaAt("D1", "SUM(SEQUENCE(6)*A1:A6)")},
			map[string]Value{"D1": n(1*3 + 2*1 + 3*2 + 4*3 + 5*5 + 6*1)}, []string{"D2"}},
		{"FilterInsideSum", []workbook.Cell{formulaAt("D1", "SUM(FILTER(A1:A6,A1:A6>2))")},
			map[string]Value{"D1": n(11)}, []string{"D2"}},
		{"Blocked", []workbook.Cell{formulaAt("D1", "SEQUENCE(3)"), {Row: 2, Col: 4, Value: workbook.Value{Kind: workbook.Number, Num: 7}}},
			map[string]Value{"D1": e(ErrSpill)}, []string{"D2", "D3"}},
		{"TooLarge", []workbook.Cell{formulaAt("D1", "SEQUENCE(300000)")}, map[string]Value{"D1": e(ErrSpill)}, []string{"D2"}},
		{"BlockedByFormula", []workbook.Cell{formulaAt("D1", "SEQUENCE(1,3)"), formulaAt("F1", "1+1")},
			map[string]Value{"D1": e(ErrSpill), "F1": n(2)}, []string{"E1"}},
		{"ImplicitIntersection", []workbook.Cell{formulaAt("D1", "@SEQUENCE(3,1,4)"), formulaAt("E1", "_xlfn.SINGLE(SEQUENCE(3,1,7))")},
			map[string]Value{"D1": n(4), "E1": n(7)}, []string{"D2", "E2"}},
		{"SpillRef", []workbook.Cell{formulaAt("D1", "SEQUENCE(2,3)"), formulaAt("H1", "SUM(D1#)"), formulaAt("H2", "ROWS(D1#)*10+COLUMNS(D1#)")},
			map[string]Value{"H1": n(21), "H2": n(23)}, nil},
		{"SpillRefAsStored", []workbook.Cell{formulaAt("D1", "SEQUENCE(4)"), formulaAt("F1", "_xlfn.ANCHORARRAY(D1)*2")},
			laidOut("F1", col(n(2), n(4), n(6), n(8))...), []string{"F5"}},
		{"SpillRefOfNoSpillIsRef", []workbook.Cell{formulaAt("D1", "1+1"), formulaAt("F1", "SUM(D1#)")},
			map[string]Value{"F1": e(ErrRef)}, nil},
		{"SpillReadsSpill", []workbook.Cell{formulaAt("D1", "SEQUENCE(4)"), formulaAt("F1", "FILTER(D1:D4,D1:D4>2)"), formulaAt("G1", "D3*10")},
			map[string]Value{"F1": n(3), "F2": n(4), "G1": n(30)}, []string{"F3"}},
		{"ThroughName", []workbook.Cell{formulaAt("D1", "Seq*2")}, laidOut("D1", col(n(2), n(4), n(6))...), []string{"D4"}},
		{"XLookupColumns", []workbook.Cell{formulaAt("D1", "_xlfn.XLOOKUP(2,A1:A6,A1:B6)")},
			laidOut("D1", []Value{n(2), s("c")}), []string{"F1"}},
		{"XLookupScalarStaysPut", []workbook.Cell{formulaAt("D1", "XLOOKUP(5,A1:A6,B1:B6)")},
			map[string]Value{"D1": s("e")}, nil},
		{"TakeDrop", []workbook.Cell{formulaAt("D1", "TAKE(A1:A6,2)"), formulaAt("E1", "TAKE(A1:A6,-2)"), formulaAt("F1", "DROP(A1:A6,4)"),
			formulaAt("G1", "DROP(A1:B6,-5,1)"), formulaAt("H1", "TAKE(A1:B6,1,-1)")},
			map[string]Value{"D1": n(3), "D2": n(1), "E1": n(5), "E2": n(1), "F1": n(5), "F2": n(1), "G1": s("b"), "H1": s("b")},
			[]string{"D3", "G2", "I1"}},
		{"Stack", []workbook.Cell{formulaAt("D1", "VSTACK({1,2},3)"), formulaAt("G1", "HSTACK(1,{2;3})")},
			map[string]Value{"D1": n(1), "E1": n(2), "D2": n(3), "E2": e(ErrNA), "G1": n(1), "H1": n(2), "G2": e(ErrNA), "H2": n(3)}, nil},
		{"ToColToRow", []workbook.Cell{formulaAt("D1", "TOCOL({1,2;3,4})"), formulaAt("E1", "TOCOL({1,2;3,4},0,TRUE)"), formulaAt("F1", "TOROW({1;2})")},
			map[string]Value{"D1": n(1), "D2": n(2), "D3": n(3), "D4": n(4), "E1": n(1), "E2": n(3), "E3": n(2), "E4": n(4), "F1": n(1), "G1": n(2)}, nil},
		{"Choose", []workbook.Cell{formulaAt("D1", "CHOOSECOLS(A1:B6,2,1)"), formulaAt("G1", "CHOOSEROWS(A1:B6,-1,1)")},
			map[string]Value{"D1": s("b"), "E1": n(3), "D6": s("a"), "G1": n(1), "H1": s("a"), "G2": n(3), "H2": s("b")}, []string{"G3"}},
		{"IndexRowSpillsInsideSequence", []workbook.Cell{formulaAt("D1", "SUM(INDEX(A1:B6,0,1))+SEQUENCE(1,2)")},
			laidOut("D1", []Value{n(16), n(17)}), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := evalSheet(t, tc.cells)
			for ref, w := range tc.want {
				require.Containsf(t, got, ref, "%s not computed", ref)
				require.Truef(t, CellResult{Value: got[ref], Cached: w}.Matches() && got[ref].Kind == w.Kind, "%s = %v (%s), want %v (%s)", ref, got[ref], got[ref].Kind, w, w.Kind)
			}
			for _, ref := range tc.absent {
				require.NotContainsf(t, got, ref, "%s is no spilled cell", ref)
			}
		})
	}
}

// TestSpillSavedRange reads a dynamic formula as Excel saves it: an array
// formula whose range is where it spilled, marked by cm, with the cached
// values of the range as plain cells. A range saved larger than the result
// (the data changed since) shrinks; the cells it no longer covers are
// blank.
func TestSpillSavedRange(t *testing.T) {
	t.Parallel()
	cells := append(spillData(),
		workbook.Cell{Row: 1, Col: 4, Formula: "_xlfn.UNIQUE(A1:A6)", ArrayRef: "D1:D5", Value: workbook.Value{Kind: workbook.Number, Num: 3}},
		workbook.Cell{Row: 5, Col: 4, Value: workbook.Value{Kind: workbook.Number, Num: 9}},
		workbook.Cell{Row: 1, Col: 6, Formula: "SUM(D1:D5)"})
	sh := &workbook.Sheet{Name: "S", Cells: cells, Arrays: []workbook.ArrayFormula{{Formula: "_xlfn.UNIQUE(A1:A6)", Row1: 1, Col1: 4, Row2: 5, Col2: 4, Dynamic: true}}}
	ev, err := EvaluateWorkbook(workbook.New([]*workbook.Sheet{sh}, nil))
	require.NoError(t, err)
	got := map[string]Value{}
	for _, c := range ev.Cells {
		got[workbook.CellName(c.Cell.Row, c.Cell.Col)] = c.Value
	}
	require.Equal(t, map[string]Value{"D1": NumberValue(3), "D2": NumberValue(1), "D3": NumberValue(2), "D4": NumberValue(5), "F1": NumberValue(11)}, got)
}

// TestSpillInSimulation runs spilled ranges in the batch program: a
// RANDARRAY sorted as one array per iteration (every member of a lane
// reads the same draw), an input feeding a SEQUENCE, and spilled cells as
// outputs and as operands of other formulas.
func TestSpillInSimulation(t *testing.T) {
	t.Parallel()
	cells := []workbook.Cell{
		formulaAt("A1", "SORT(RANDARRAY(5))"),
		formulaAt("B1", "SUM(A1#)"),
		{Row: 1, Col: 3, Value: workbook.Value{Kind: workbook.Number, Num: 1}},
		formulaAt("D1", "SEQUENCE(3,1,C1,C1)"),
		formulaAt("E1", "D3-D2"),
		// a scalar of arrays in the vector path: FILTER is no lane value
		formulaAt("F1", "SUM(FILTER(D1:D3,D1:D3>C1))"),
	}
	wb := workbook.New([]*workbook.Sheet{{Name: "S", Cells: cells}}, nil)
	outs := refs(t, "S!A1", "S!A2", "S!A3", "S!A4", "S!A5", "S!B1", "S!D3", "S!E1", "S!F1")
	p, err := Compile(wb, CompileOptions{Inputs: refs(t, "S!C1"), Outputs: outs})
	require.NoError(t, err)
	require.True(t, p.UsesRand())
	const batch = 700 // more than one sub-batch
	run := func(seed uint64) [][]float64 {
		st := p.NewState(batch)
		st.SetRand(rand.New(rand.NewPCG(seed, 1)))
		in := st.Input(0)
		for l := range in {
			in[l] = float64(l%7 + 1)
		}
		st.Run(batch)
		out := make([][]float64, len(outs))
		for j := range outs {
			out[j] = append([]float64(nil), st.Output(j)[:batch]...)
		}
		return out
	}
	got := run(7)
	firsts := map[float64]bool{}
	for l := 0; l < batch; l++ {
		draws := make([]float64, 5)
		sum := 0.0
		for k := range draws {
			draws[k] = got[k][l]
			require.Truef(t, draws[k] >= 0 && draws[k] < 1, "lane %d: %v", l, draws)
			sum += draws[k]
		}
		require.Truef(t, sort.Float64sAreSorted(draws), "lane %d: members of one draw, sorted: %v", l, draws)
		require.InDeltaf(t, sum, got[5][l], 1e-12, "lane %d: SUM(A1#)", l)
		x := float64(l%7 + 1)
		require.Equalf(t, 3*x, got[6][l], "lane %d: SEQUENCE(3,1,x,x) third element", l)
		require.Equalf(t, x, got[7][l], "lane %d: D3-D2", l)
		require.Equalf(t, 5*x, got[8][l], "lane %d: 2x+3x", l)
		firsts[draws[0]] = true
	}
	require.Greater(t, len(firsts), batch/2, "iterations draw afresh")
	require.Equal(t, got, run(7), "the same seed draws the same arrays")
	require.NotEqual(t, got[0], run(8)[0])
}

// TestIndirectStructuredReference resolves a table reference written as
// INDIRECT's text from the formula's cell.
func TestIndirectStructuredReference(t *testing.T) {
	t.Parallel()
	cells := []workbook.Cell{
		{Row: 1, Col: 1, Value: workbook.Value{Kind: workbook.String, Str: "Item"}},
		{Row: 1, Col: 2, Value: workbook.Value{Kind: workbook.String, Str: "Qty"}},
	}
	for r := 2; r <= 4; r++ {
		cells = append(cells,
			workbook.Cell{Row: r, Col: 1, Value: workbook.Value{Kind: workbook.String, Str: fmt.Sprint("i", r)}},
			workbook.Cell{Row: r, Col: 2, Value: workbook.Value{Kind: workbook.Number, Num: float64(r * 10)}})
	}
	cells = append(cells,
		formulaAt("D1", `SUM(INDIRECT("Sales[Qty]"))`),
		formulaAt("D2", `ROWS(INDIRECT("Sales"))`),
		formulaAt("D3", `SUM(INDIRECT("Sales[Nope]"))`),
		formulaAt("D4", `INDIRECT("Sales[[#Headers],[Qty]]")`),
		formulaAt("D5", `SUM(INDIRECT("D1#"))`))
	wb := workbook.New([]*workbook.Sheet{{Name: "Data", Cells: cells}}, nil)
	wb.Tables = []workbook.Table{{Name: "Sales", Sheet: "Data", Row1: 1, Col1: 1, Row2: 4, Col2: 2, HeaderRows: 1, Columns: []string{"Item", "Qty"}}}
	ev, err := EvaluateWorkbook(wb)
	require.NoError(t, err)
	got := map[string]Value{}
	for _, c := range ev.Cells {
		got[workbook.CellName(c.Cell.Row, c.Cell.Col)] = c.Value
	}
	require.Equal(t, map[string]Value{
		"D1": NumberValue(90), "D2": NumberValue(3), "D3": ErrValueOf(ErrRef), "D4": StringValue("Qty"), "D5": ErrValueOf(ErrRef),
	}, got)
}
