package formula

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/workbook"
)

func refs(t testing.TB, names ...string) []CellRef {
	t.Helper()
	out := make([]CellRef, len(names))
	for i, n := range names {
		r, err := ParseCellRef(n)
		require.NoError(t, err)
		out[i] = r
	}
	return out
}

var dcfInputs = []string{"Inputs!B2", "Inputs!B3", "Inputs!B4", "Inputs!B5", "Inputs!B7"}

// withInputs returns a copy of wb whose constant cells at refs hold vals.
func withInputs(t testing.TB, wb *workbook.Workbook, rs []CellRef, vals []float64) *workbook.Workbook {
	t.Helper()
	sheets := make([]*workbook.Sheet, len(wb.Sheets))
	for i, s := range wb.Sheets {
		cp := &workbook.Sheet{Name: s.Name, Cells: append([]workbook.Cell(nil), s.Cells...), Arrays: s.Arrays}
		sheets[i] = cp
	}
	out := workbook.New(sheets, wb.Names)
	for i, r := range rs {
		s, ok := out.Sheet(r.Sheet)
		require.True(t, ok)
		c, ok := s.Cell(r.Row, r.Col)
		require.True(t, ok)
		c.Value = workbook.Value{Kind: workbook.Number, Num: vals[i]}
	}
	return out
}

func cachedNumber(t testing.TB, wb *workbook.Workbook, r CellRef) float64 {
	s, ok := wb.Sheet(r.Sheet)
	require.True(t, ok)
	c, ok := s.Cell(r.Row, r.Col)
	require.True(t, ok)
	require.Equal(t, workbook.Number, c.Value.Kind)
	return c.Value.Num
}

func TestProgramMatchesCachedValues(t *testing.T) {
	t.Parallel()
	wb := openWorkbook(t, "project-dcf.xlsx")
	in := refs(t, dcfInputs...)
	out := refs(t, "Summary!B2", "Summary!B3")
	p, err := Compile(wb, CompileOptions{Inputs: in, Outputs: out})
	require.NoError(t, err)
	require.False(t, p.UsesRand())
	require.Equal(t, in, p.Inputs())
	require.Equal(t, out, p.Outputs())
	for _, batch := range []int{1, 7, 64} {
		s := p.NewState(batch)
		for i, r := range in {
			v := cachedNumber(t, wb, r)
			lanes := s.Input(i)
			for l := range lanes {
				lanes[l] = v
			}
		}
		s.Run(batch)
		for j, r := range out {
			want := cachedNumber(t, wb, r)
			for l, got := range s.Output(j)[:batch] {
				require.InEpsilonf(t, want, got, 1e-9, "%s lane %d batch %d", r, l, batch)
			}
		}
	}
}

// TestProgramLanesMatchScalar checks the batch program against the
// deterministic evaluator run on a copy of the workbook per lane.
func TestProgramLanesMatchScalar(t *testing.T) {
	t.Parallel()
	wb := openWorkbook(t, "project-dcf.xlsx")
	in := refs(t, dcfInputs...)
	outNames := []string{"Summary!B2", "Summary!B3", "Summary!B4", "Summary!B7", "Summary!B8", "Summary!B9", "Summary!B10", "Summary!B11", "Summary!B13", "Summary!B16", "Summary!B20", "Summary!B21", "Summary!B26", "Model!L6"}
	out := refs(t, outNames...)
	p, err := Compile(wb, CompileOptions{Inputs: in, Outputs: out})
	require.NoError(t, err)
	const lanes = 16
	rng := rand.New(rand.NewPCG(1, 2))
	s := p.NewState(lanes)
	vals := make([][]float64, lanes)
	for l := range vals {
		// ranges of the README's distributions
		vals[l] = []float64{100 + 50*rng.Float64(), 10000 + 3000*rng.NormFloat64(), 0.03 + 0.09*rng.Float64(), 60 + 30*rng.Float64(), 0.08 + 0.04*rng.Float64()}
		for i := range in {
			s.Input(i)[l] = vals[l][i]
		}
	}
	s.Run(lanes)
	for l := 0; l < lanes; l++ {
		ev, err := EvaluateWorkbook(withInputs(t, wb, in, vals[l]))
		require.NoError(t, err)
		byRef := map[CellRef]Value{}
		for _, c := range ev.Cells {
			byRef[c.Cell] = c.Value
		}
		for j, r := range out {
			want := byRef[r]
			got := s.OutputValue(j, l)
			require.Truef(t, ValuesMatch(got, want, 1e-12), "%s lane %d: batch %v, scalar %v", r, l, got, want)
		}
	}
}

func TestProgramRand(t *testing.T) {
	t.Parallel()
	wb := workbook.New([]*workbook.Sheet{{Name: "S", Cells: []workbook.Cell{
		{Row: 1, Col: 1, Formula: "RAND()"},
		{Row: 2, Col: 1, Formula: "A1*2+RANDBETWEEN(1,3)"},
	}}}, nil)
	p, err := Compile(wb, CompileOptions{Outputs: refs(t, "S!A1", "S!A2")})
	require.NoError(t, err)
	require.True(t, p.UsesRand())
	run := func(seed uint64) []float64 {
		s := p.NewState(32)
		s.SetRand(rand.New(rand.NewPCG(seed, 0)))
		s.Run(32)
		out := append([]float64(nil), s.Output(0)...)
		for l, v := range s.Output(1) {
			d := v - 2*out[l]
			require.Truef(t, d == 1 || d == 2 || d == 3 || math.Abs(d-math.Round(d)) < 1e-9, "lane %d: %v", l, d)
		}
		return out
	}
	a, b := run(7), run(7)
	require.Equal(t, a, b, "same seed, same draws")
	for _, v := range a {
		require.True(t, v >= 0 && v < 1)
	}
	// without a source RAND is #N/A, never a silent global draw
	s := p.NewState(2)
	s.Run(2)
	k, ok := ErrorKind(s.Output(0)[0])
	require.True(t, ok)
	require.Equal(t, ErrNA, k)
}

func TestProgramErrorsPropagate(t *testing.T) {
	t.Parallel()
	wb := workbook.New([]*workbook.Sheet{{Name: "S", Cells: []workbook.Cell{
		{Row: 1, Col: 1, Value: workbook.Value{Kind: workbook.Number, Num: 1}},
		{Row: 1, Col: 2, Formula: "1/A1"},
		{Row: 1, Col: 3, Formula: "B1+1"},
		{Row: 1, Col: 4, Formula: "IFERROR(C1,-1)"},
		{Row: 1, Col: 5, Formula: "IF(A1>0,\"pos\",\"neg\")"},
		{Row: 1, Col: 6, Formula: "SQRT(A1-2)"},
		{Row: 1, Col: 7, Formula: "A1&\"x\""},
		{Row: 1, Col: 8, Formula: "MAX(A1,B1)"},
	}}}, nil)
	p, err := Compile(wb, CompileOptions{Inputs: refs(t, "S!A1"), Outputs: refs(t, "S!C1", "S!D1", "S!E1", "S!F1", "S!G1", "S!H1")})
	require.NoError(t, err)
	s := p.NewState(3)
	copy(s.Input(0), []float64{0, 4, -1})
	s.Run(3)
	k, ok := ErrorKind(s.Output(0)[0])
	require.True(t, ok)
	require.Equal(t, ErrDiv0, k)
	require.Equal(t, 1.25, s.Output(0)[1])
	require.Equal(t, []float64{-1, 1.25, 0}, s.Output(1))
	require.Equal(t, "neg", s.OutputValue(2, 0).Str)
	require.Equal(t, "pos", s.OutputValue(2, 1).Str)
	k, _ = ErrorKind(s.Output(3)[0])
	require.Equal(t, ErrNum, k)
	require.Equal(t, 1.4142135623730951, s.Output(3)[1])
	require.Equal(t, "4x", s.OutputValue(4, 1).Str)
	k, _ = ErrorKind(s.Output(5)[0])
	require.Equal(t, ErrDiv0, k)
	require.Equal(t, 4.0, s.Output(5)[1])
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	cyc := workbook.New([]*workbook.Sheet{{Name: "S", Cells: []workbook.Cell{
		{Row: 1, Col: 1, Formula: "B1+1"},
		{Row: 1, Col: 2, Formula: "C1*2"},
		{Row: 1, Col: 3, Formula: "SUM(A1:A2)"},
		{Row: 2, Col: 1, Formula: "FOOBAR(1)+FOOBAR(2)"},
		{Row: 3, Col: 1, Formula: "BAZ(1)"},
		{Row: 4, Col: 1, Formula: "1+"},
	}}}, nil)
	_, err := Compile(cyc, CompileOptions{Outputs: refs(t, "S!A1")})
	var ce *CycleError
	require.ErrorAs(t, err, &ce)
	require.ElementsMatch(t, []string{"S!A1", "S!B1", "S!C1"}, ce.Cells)

	_, err = Compile(cyc, CompileOptions{Outputs: refs(t, "S!A2", "S!A3")})
	var ue *UnsupportedError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, map[string]int{"FOOBAR": 1, "BAZ": 1}, ue.Functions)

	_, err = Compile(cyc, CompileOptions{Outputs: refs(t, "S!A4")})
	var fe *FormulaError
	require.ErrorAs(t, err, &fe)

	_, err = Compile(cyc, CompileOptions{Inputs: refs(t, "S!A2"), Outputs: refs(t, "S!A3")})
	require.ErrorContains(t, err, "formula")
	_, err = Compile(cyc, CompileOptions{Outputs: refs(t, "Nope!A1")})
	require.Error(t, err)

	// EvaluateWorkbook reports rather than fails
	ev, err := EvaluateWorkbook(cyc)
	require.NoError(t, err)
	st := map[string]CellStatus{}
	for _, c := range ev.Cells {
		st[c.Cell.String()] = c.Status
	}
	require.Equal(t, InCycle, st["S!B1"])
	require.Equal(t, Unsupported, st["S!A2"])
	require.Equal(t, ParseFailed, st["S!A4"])
}

// TestInputWithoutFormulaDependents: constant outputs still fill lanes.
func TestProgramConstantOutput(t *testing.T) {
	t.Parallel()
	wb := workbook.New([]*workbook.Sheet{{Name: "S", Cells: []workbook.Cell{
		{Row: 1, Col: 1, Value: workbook.Value{Kind: workbook.Number, Num: 3}},
		{Row: 1, Col: 2, Formula: "A1*2"},
	}}}, nil)
	p, err := Compile(wb, CompileOptions{Inputs: refs(t, "S!C1"), Outputs: refs(t, "S!B1")})
	require.NoError(t, err)
	s := p.NewState(4)
	s.Run(4)
	require.Equal(t, []float64{6, 6, 6, 6}, s.Output(0))
}

// TestProgramDependencies checks which outputs depend on no input and
// which inputs no output depends on, through direct references, ranges,
// defined names, chains of formulas, an output that is an input, RAND and
// OFFSET (whose targets are only known per lane).
func TestProgramDependencies(t *testing.T) {
	t.Parallel()
	num := func(row, col int, x float64) workbook.Cell {
		return workbook.Cell{Row: row, Col: col, Value: workbook.Value{Kind: workbook.Number, Num: x}}
	}
	wb := workbook.New([]*workbook.Sheet{{Name: "S", Cells: []workbook.Cell{
		num(1, 1, 1), num(2, 1, 2), num(3, 1, 3), num(4, 1, 4), num(5, 1, 5), // A1:A5 constants
		{Row: 1, Col: 2, Formula: "A1*2"},           // B1 reads A1
		{Row: 2, Col: 2, Formula: "B1+1"},           // B2 reads A1 through B1
		{Row: 3, Col: 2, Formula: "SUM(A2:A3)"},     // B3 reads A2 and A3 as a range
		{Row: 4, Col: 2, Formula: "Rate*10"},        // B4 reads A4 through a name
		{Row: 5, Col: 2, Formula: "42"},             // B5 reads nothing
		{Row: 6, Col: 2, Formula: "RAND()"},         // B6 varies without inputs
		{Row: 7, Col: 2, Formula: "OFFSET(A1,1,0)"}, // B7 may read any cell
	}}}, []workbook.DefinedName{{Name: "Rate", RefersTo: "S!$A$4"}})
	for _, tc := range []struct {
		name            string
		inputs, outputs []string
		constant        []int
		unused          []int
	}{
		{"Direct", []string{"S!A1"}, []string{"S!B1"}, nil, nil},
		{"Chain", []string{"S!A1", "S!A2"}, []string{"S!B2"}, nil, []int{1}},
		{"Range", []string{"S!A3", "S!A1"}, []string{"S!B3"}, nil, []int{1}},
		{"Name", []string{"S!A4"}, []string{"S!B4", "S!B5"}, []int{1}, nil},
		{"OutputIsInput", []string{"S!A5"}, []string{"S!A5"}, nil, nil},
		{"ConstantCell", []string{"S!A1"}, []string{"S!B1", "S!A2", "S!C9"}, []int{1, 2}, nil},
		{"NoInputs", nil, []string{"S!B1"}, []int{0}, nil},
		{"Rand", []string{"S!A1"}, []string{"S!B6"}, nil, []int{0}},
		{"Offset", []string{"S!A5"}, []string{"S!B7"}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(wb, CompileOptions{Inputs: refs(t, tc.inputs...), Outputs: refs(t, tc.outputs...)})
			require.NoError(t, err)
			require.Equal(t, tc.constant, p.ConstantOutputs(), "constant outputs")
			require.Equal(t, tc.unused, p.UnusedInputs(), "unused inputs")
		})
	}
}
