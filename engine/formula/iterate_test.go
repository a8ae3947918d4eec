package formula

import (
	"bytes"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine/workbook"
)

// iterBook writes a workbook with excelize, with iterative calculation
// enabled when count > 0, and imports it.
func iterBook(t *testing.T, count uint, delta float64, cells map[string]any) *workbook.Workbook {
	t.Helper()
	f := excelize.NewFile()
	for cell, v := range cells {
		if fx, ok := v.(string); ok && len(fx) > 0 && fx[0] == '=' {
			require.NoError(t, f.SetCellFormula("Sheet1", cell, fx[1:]))
		} else {
			require.NoError(t, f.SetCellValue("Sheet1", cell, v))
		}
	}
	if count > 0 {
		on := true
		require.NoError(t, f.SetCalcProps(&excelize.CalcPropsOptions{Iterate: &on, IterateCount: &count, IterateDelta: &delta}))
	}
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	wb, err := workbook.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), workbook.Limits{})
	require.NoError(t, err)
	return wb
}

func evaluated(t *testing.T, wb *workbook.Workbook) map[string]Value {
	t.Helper()
	ev, err := EvaluateWorkbook(wb)
	require.NoError(t, err)
	out := map[string]Value{}
	for _, c := range ev.Cells {
		require.Equal(t, Evaluated, c.Status, c.Cell.String())
		out[c.Cell.String()] = c.Value
	}
	return out
}

// TestIterationExcelExample is the example of Excel's documentation of
// iterative calculation: A1 = 1+A2, A2 = 1+A1, at most 10 iterations from
// blank cells, shows A1 = 19 and A2 = 20 (passes in sheet order, each cell
// reading the newest value of the other).
func TestIterationExcelExample(t *testing.T) {
	t.Parallel()
	wb := iterBook(t, 10, 0.001, map[string]any{"A1": "=1+A2", "A2": "=1+A1", "A3": "=A1*A2", "B1": 0.0})
	require.Equal(t, workbook.Calc{Iterate: true, MaxIterations: 10, MaxChange: 0.001}, wb.Calc)
	got := evaluated(t, wb)
	require.Equal(t, map[string]Value{"Sheet1!A1": NumberValue(19), "Sheet1!A2": NumberValue(20), "Sheet1!A3": NumberValue(380)}, got)

	// the same cycle as a constant program, and varying: A1 = B1+A2 gives
	// A2 = k(1+b) and A1 = b+(k-1)(1+b) after k passes
	p, err := Compile(wb, CompileOptions{Outputs: refs(t, "Sheet1!A1", "Sheet1!A3")})
	require.NoError(t, err)
	require.Equal(t, []int{0, 1}, p.ConstantOutputs())
	s := p.NewState(1)
	s.Run(1)
	require.Equal(t, []float64{19}, s.Output(0))
	require.Equal(t, []float64{380}, s.Output(1))

	wb = iterBook(t, 10, 0.001, map[string]any{"A1": "=B1+A2", "A2": "=1+A1", "A3": "=A1*A2", "B1": 0.0})
	p, err = Compile(wb, CompileOptions{Inputs: refs(t, "Sheet1!B1"), Outputs: refs(t, "Sheet1!A1", "Sheet1!A2", "Sheet1!A3")})
	require.NoError(t, err)
	bs := []float64{0, 1, -1, 2.5}
	s = p.NewState(len(bs))
	copy(s.Input(0), bs)
	s.Run(len(bs))
	for i, b := range bs {
		a1, a2 := b+9*(1+b), 10*(1+b)
		require.Equal(t, a1, s.Output(0)[i], "lane %d", i)
		require.Equal(t, a2, s.Output(1)[i], "lane %d", i)
		require.Equal(t, a1*a2, s.Output(2)[i], "lane %d", i)
	}
}

// debtCells is an interest-on-average-debt model: interest is charged on
// the average of opening and closing debt, and the closing debt is the
// opening debt less the cash left after interest. Its closed form:
// I = r(2·Open − Cash)/(2 − r).
func debtCells() map[string]any {
	return map[string]any{
		"B1": 1000.0, // opening debt
		"B2": 300.0,  // cash before interest
		"B3": 0.05,   // rate
		"B5": "=B3*(B1+B6)/2",
		"B6": "=B1-(B2-B5)",
		"B7": "=B5*2",
	}
}

func debtInterest(open, cash, r float64) float64 { return r * (2*open - cash) / (2 - r) }

func TestIterationDebtModel(t *testing.T) {
	t.Parallel()
	wb := iterBook(t, 100, 1e-12, debtCells())
	got := evaluated(t, wb)
	want := debtInterest(1000, 300, 0.05)
	require.InDelta(t, want, got["Sheet1!B5"].Num, 1e-9)
	require.InDelta(t, 1000-300+want, got["Sheet1!B6"].Num, 1e-9)
	require.InDelta(t, 2*want, got["Sheet1!B7"].Num, 1e-9)

	in := refs(t, "Sheet1!B1", "Sheet1!B2", "Sheet1!B3")
	out := refs(t, "Sheet1!B5", "Sheet1!B6", "Sheet1!B7")
	p, err := Compile(wb, CompileOptions{Inputs: in, Outputs: out})
	require.NoError(t, err)
	lanes := [][3]float64{{1000, 300, 0.05}, {500, 0, 0}, {2000, 100, 0.9}, {10, 20, 0.2}, {1e6, 1e5, 0.12}}
	s := p.NewState(len(lanes))
	for i, l := range lanes {
		for k := range in {
			s.Input(k)[i] = l[k]
		}
	}
	s.Run(len(lanes))
	for i, l := range lanes {
		want := debtInterest(l[0], l[1], l[2])
		require.InDeltaf(t, want, s.Output(0)[i], 1e-9*math.Max(1, want), "lane %d", i)
		require.InDeltaf(t, l[0]-l[1]+want, s.Output(1)[i], 1e-9*math.Max(1, l[0]), "lane %d", i)
		require.InDeltaf(t, 2*want, s.Output(2)[i], 2e-9*math.Max(1, want), "lane %d", i)
	}
}

// TestIterationLanesConvergeApart: with Excel's default maximum change the
// lanes stop after different numbers of passes (a zero rate converges at
// once, 0.9 takes many); each lane must give exactly what the deterministic
// evaluation of its own inputs gives, whatever the batch beside it.
func TestIterationLanesConvergeApart(t *testing.T) {
	t.Parallel()
	lanes := [][3]float64{{1000, 300, 0}, {2000, 100, 0.9}, {1000, 300, 0.05}, {50, 10, 0.5}, {1e6, 1e5, 0.12}}
	var want [][]float64
	for _, l := range lanes {
		cells := debtCells()
		cells["B1"], cells["B2"], cells["B3"] = l[0], l[1], l[2]
		got := evaluated(t, iterBook(t, 100, 0.001, cells))
		want = append(want, []float64{got["Sheet1!B5"].Num, got["Sheet1!B6"].Num, got["Sheet1!B7"].Num})
	}
	// the default stop leaves a visible error on the slow lane: the test
	// would not tell lanes apart otherwise
	require.Greater(t, math.Abs(want[1][0]-debtInterest(2000, 100, 0.9)), 1e-6)

	wb := iterBook(t, 100, 0.001, debtCells())
	in := refs(t, "Sheet1!B1", "Sheet1!B2", "Sheet1!B3")
	p, err := Compile(wb, CompileOptions{Inputs: in, Outputs: refs(t, "Sheet1!B5", "Sheet1!B6", "Sheet1!B7")})
	require.NoError(t, err)
	for _, batch := range []int{1, 2, len(lanes)} {
		s := p.NewState(batch)
		for lo := 0; lo < len(lanes); lo += batch {
			n := min(batch, len(lanes)-lo)
			for i := range n {
				for k := range in {
					s.Input(k)[i] = lanes[lo+i][k]
				}
			}
			s.Run(n)
			for i := range n {
				for j := range 3 {
					require.Equalf(t, want[lo+i][j], s.Output(j)[i], "lane %d output %d batch %d", lo+i, j, batch)
				}
			}
		}
	}
}

// TestIterationStartsFromCachedValues: the first pass reads the values the
// file cached for the cycle's cells, in deterministic evaluation and in
// every lane of a program.
func TestIterationStartsFromCachedValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cached float64
		passes int
	}{
		{cached: 0, passes: 1},
		{cached: 2, passes: 1}, // the fixed point for b = 1
		{cached: 10, passes: 1},
		{cached: 10, passes: 3},
	} {
		// A1 = A1/2 + b, from the cached value, for the given passes
		solve := func(b float64) float64 {
			x := tc.cached
			for range tc.passes {
				x = x/2 + b
			}
			return x
		}
		sh := &workbook.Sheet{Name: "S", Cells: []workbook.Cell{
			{Row: 1, Col: 1, Formula: "A1/2+B1", Value: workbook.Value{Kind: workbook.Number, Num: tc.cached}},
			{Row: 1, Col: 2, Value: workbook.Value{Kind: workbook.Number, Num: 1}},
		}}
		wb := workbook.New([]*workbook.Sheet{sh}, nil)
		wb.Calc = workbook.Calc{Iterate: true, MaxIterations: tc.passes, MaxChange: 1e-9}
		got := evaluated(t, wb)
		require.Equal(t, NumberValue(solve(1)), got["S!A1"], "cached %v, %d passes", tc.cached, tc.passes)

		p, err := Compile(wb, CompileOptions{Inputs: refs(t, "S!B1"), Outputs: refs(t, "S!A1")})
		require.NoError(t, err)
		s := p.NewState(2)
		copy(s.Input(0), []float64{1, 3})
		s.Run(2)
		require.Equal(t, []float64{solve(1), solve(3)}, s.Output(0), "cached %v, %d passes", tc.cached, tc.passes)
	}
}

// TestCycleWithoutIteration: with iteration off a cycle is refused, naming
// its cells.
func TestCycleWithoutIteration(t *testing.T) {
	t.Parallel()
	wb := iterBook(t, 0, 0, debtCells())
	require.False(t, wb.Calc.Iterate)
	_, err := Compile(wb, CompileOptions{Inputs: refs(t, "Sheet1!B1"), Outputs: refs(t, "Sheet1!B7")})
	var ce *CycleError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "circular reference: Sheet1!B5 -> Sheet1!B6", err.Error())
	ev, err := EvaluateWorkbook(wb)
	require.NoError(t, err)
	for _, c := range ev.Cells {
		if c.Cell.Row == 5 || c.Cell.Row == 6 {
			require.Equal(t, InCycle, c.Status, c.Cell.String())
		}
	}
}

// TestIterationLibreOfficeFixture runs the LibreOffice-recalculated debt
// model (testdata/README.md) as a program: first-year cash and rate vary
// by lane, and the first year's interest follows the closed form.
func TestIterationLibreOfficeFixture(t *testing.T) {
	t.Parallel()
	wb, err := workbook.OpenFile("testdata/libreoffice/iterative-debt-and-tables.xlsx", workbook.Limits{})
	require.NoError(t, err)
	require.Equal(t, workbook.Calc{Iterate: true, MaxIterations: 100, MaxChange: 1e-9}, wb.Calc)
	p, err := Compile(wb, CompileOptions{Inputs: refs(t, "Debt!B3", "Debt!B4"), Outputs: refs(t, "Debt!B5", "Sales!F8")})
	require.NoError(t, err)
	cash, rate := []float64{150, 0, 400}, []float64{0.06, 0.1, 0.02}
	s := p.NewState(3)
	copy(s.Input(0), cash)
	copy(s.Input(1), rate)
	s.Run(3)
	for i := range cash {
		require.InDeltaf(t, debtInterest(1000, cash[i], rate[i]), s.Output(0)[i], 1e-6, "lane %d", i)
	}
	// lane 0 is the file's own inputs: LibreOffice's cached total
	require.InDelta(t, 121.920607928577, s.Output(1)[0], 1e-9)
}
