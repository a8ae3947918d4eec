package formula

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/workbook"
)

// followBook: A1:A8 = 1..8, C1 the threshold (4 in the file);
// E1 = FILTER(A1:A8, A1:A8>C1) with ROWS, SUM and COUNTA of E1# beside
// it; J1 = FILTER(A1:A8, A1:A8<=C1) with a value in J4, in its way once
// it has more than three rows, and ROWS(J1#) in K1.
func followBook() *workbook.Workbook {
	var cells []workbook.Cell
	for i := 1; i <= 8; i++ {
		cells = append(cells, workbook.Cell{Row: i, Col: 1, Value: workbook.Value{Kind: workbook.Number, Num: float64(i)}})
	}
	cells = append(cells,
		workbook.Cell{Row: 1, Col: 3, Value: workbook.Value{Kind: workbook.Number, Num: 4}},
		formulaAt("E1", "FILTER(A1:A8,A1:A8>C1)"),
		formulaAt("F1", "ROWS(E1#)"),
		formulaAt("G1", "SUM(E1#)"),
		formulaAt("H1", "COUNTA(E1#)"),
		formulaAt("J1", "FILTER(A1:A8,A1:A8<=C1)"),
		workbook.Cell{Row: 4, Col: 10, Value: workbook.Value{Kind: workbook.String, Str: "in the way"}},
		formulaAt("K1", "ROWS(J1#)"),
	)
	return workbook.New([]*workbook.Sheet{{Name: "S", Cells: cells}}, nil)
}

// TestSpillFollowsArrayStatic: the file's own evaluation shows the array
// at its size, the cells past it empty, and #SPILL! where a value is in
// the way.
func TestSpillFollowsArrayStatic(t *testing.T) {
	t.Parallel()
	ev, err := EvaluateWorkbook(followBook())
	require.NoError(t, err)
	got := map[string]Value{}
	for _, c := range ev.Cells {
		got[workbook.CellName(c.Cell.Row, c.Cell.Col)] = c.Value
	}
	n := NumberValue
	want := map[string]Value{
		"E1": n(5), "E2": n(6), "E3": n(7), "E4": n(8),
		"F1": n(4), "G1": n(26), "H1": n(4),
		"J1": ErrValueOf(ErrSpill), "K1": ErrValueOf(ErrRef),
	}
	require.Equal(t, want, got)
}

// TestSpillFollowsArrayInSimulation: with the threshold an input, FILTER's
// row count changes from lane to lane; each lane's spill shows exactly its
// array, A1# reads what it covers, and the spill blocked by J4 is #SPILL!
// only in the lanes whose array reaches J4.
func TestSpillFollowsArrayInSimulation(t *testing.T) {
	t.Parallel()
	outs := refs(t, "S!E1", "S!E2", "S!E3", "S!E4", "S!E5", "S!E6", "S!E7", "S!E8", "S!F1", "S!G1", "S!H1", "S!J1", "S!J2", "S!J3", "S!K1")
	p, err := Compile(followBook(), CompileOptions{Inputs: refs(t, "S!C1"), Outputs: outs})
	require.NoError(t, err)
	const lanes = 8
	for _, batch := range []int{1, 3, lanes} {
		s := p.NewState(batch)
		for lo := 0; lo < lanes; lo += batch {
			k := min(batch, lanes-lo)
			for i := range k {
				s.Input(0)[i] = float64(lo + i) // thresholds 0..7
			}
			s.Run(k)
			for i := range k {
				th := lo + i
				at := func(j int) Value { return s.OutputValue(j, i) }
				above := 8 - th // rows of E1's array: th+1..8
				sum := 0.0
				for r := 0; r < 8; r++ {
					if r < above {
						require.Equalf(t, NumberValue(float64(th+1+r)), at(r), "threshold %d E%d batch %d", th, r+1, batch)
						sum += float64(th + 1 + r)
					} else {
						require.Equalf(t, KindBlank, at(r).Kind, "threshold %d E%d batch %d: %v", th, r+1, batch, at(r))
					}
				}
				require.Equalf(t, NumberValue(float64(above)), at(8), "threshold %d ROWS(E1#)", th)
				require.Equalf(t, NumberValue(sum), at(9), "threshold %d SUM(E1#)", th)
				require.Equalf(t, NumberValue(float64(above)), at(10), "threshold %d COUNTA(E1#)", th)
				switch {
				case th == 0:
					require.Equalf(t, ErrValueOf(ErrCalc), at(11), "threshold 0: FILTER finds nothing")
				case th <= 3:
					require.Equalf(t, NumberValue(1), at(11), "threshold %d J1", th)
					require.Equalf(t, NumberValue(float64(th)), at(14), "threshold %d ROWS(J1#)", th)
					if th >= 2 {
						require.Equalf(t, NumberValue(2), at(12), "threshold %d J2", th)
					} else {
						require.Equalf(t, KindBlank, at(12).Kind, "threshold %d J2", th)
					}
				default:
					require.Equalf(t, ErrValueOf(ErrSpill), at(11), "threshold %d: J4 is in the way", th)
					require.Equalf(t, KindBlank, at(12).Kind, "threshold %d J2", th)
					require.Equalf(t, ErrValueOf(ErrRef), at(14), "threshold %d ROWS(J1#)", th)
				}
			}
		}
	}
}
