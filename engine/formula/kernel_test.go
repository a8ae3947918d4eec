package formula

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/workbook"
)

// kernelFormulas exercise every vector kernel: the fused arithmetic path
// (constant and vector operands, fused multiply-adds, exact and inexact
// reciprocals, powers, overflow, an infinite intermediate divisor), the
// float kernels of ROUND and MOD, the range kernels (SUM, AVERAGE, STDEV,
// MIN, MAX, NPV, IRR) and VLOOKUP/HLOOKUP in constant tables.
var kernelFormulas = []string{
	"A1+A2", "A1-A2*3", "A1*2+A2", "A2+A1*0.5", "A2-A1/4", "A1*0.3-2", "7+A1*3", "7-A1*3",
	"1/A1", "A1/(A2-1)", "A1*A1/(1+A1*A1)+A2-A1*0.1", "A1/3", "A1/4", "3/A1", "5-A1", "-A1", "A1%",
	"A1^A2", "2^A1", "A1^2", "A1^0", "(A1*1E+300)*(A2*1E+300)", "1/(A1*1E+300*1E+300)", "2/(A2*1E+300*A1*1E+300)",
	"A1+\"2\"", "A1+TRUE", "A1*\"x\"", "(A1+A2)*(A1+A2)-A1",
	"ROUND(A1*A2,2)", "ROUNDUP(A1/3,1)", "ROUNDDOWN(A2,0)", "MOD(A1,A2)", "POWER(A1,2)",
	"MAX(A1,0)", "MIN(A1,A2,3)", "SUM(A1,A2,E1)", "MAX(A1:A4)", "SUM(A1:A4)", "AVERAGE(A1:A4)",
	"STDEV(A1:A4)", "MIN(A1:A4,E1:E2)", "SUM(A1:A4)*2+MAX(A1,A2)",
	"NPV(A4/10,A1:A3)", "NPV(0.1,A1,A2,D1:D3)", "IRR(D1:D5)", "IRR(D1:D5,0.2)",
	"VLOOKUP(A1,F1:H4,2,TRUE)", "VLOOKUP(A1,F1:H4,3,FALSE)", "VLOOKUP(A2,F1:H4,4)", "VLOOKUP(A1,F1:H4,2)*2",
	"HLOOKUP(A1,F6:I7,2)", "VLOOKUP(A1,F9:G11,2)",
	// conditional aggregates, SUMPRODUCT, MATCH and INDEX over areas
	// holding inputs, formulas and constants of every type (vgrid.go)
	"COUNTIF(A1:A4,\">0\")", "COUNTIF(D1:D5,\"<35\")", "SUMIF(A1:A4,\">=1\")", "SUMIF(A1:A4,\"<2\",D1:D4)",
	"SUMIF(D1:D5,\">30\",A1:A4)", "AVERAGEIF(D1:D5,\">0\")", "AVERAGEIF(A1:A4,\"<0\")", "COUNTIF(A1:A4,2.5)",
	"COUNTIF(A1:A4,TRUE)", "COUNTIF(A1:A4,\"#N/A\")", "SUMIF(A1:A4,\"text\",D1:D4)", "COUNTIF(A1:E2,\"t*\")",
	"COUNTIFS(A1:A4,\">0\",D1:D4,\"<50\")", "SUMIFS(D1:D4,A1:A4,\">0\",A1:A4,\"<100\")", "AVERAGEIFS(D1:D4,A1:A4,\"<>0\")",
	"COUNTIFS(A1:A9,\"<>1\")", "SUMIF(A:A,\">1\")", "COUNTIFS(A:A,\"<>1\")", "AVERAGEIFS(D:D,A:A,\">0\")", "COUNTIFS(A1:A200,\"<>1\",D1:D200,\"<>2\")", "SUMIFS(A1:A4,D1:D4,\">0\")",
	"SUMPRODUCT(A1:A4,D1:D4)", "SUMPRODUCT(A1:A2,E1:E2)", "SUMPRODUCT(F1:F4,A1:A4,G1:G4)",
	"MATCH(A1,F1:F4,0)", "MATCH(A1,F1:F4)", "MATCH(A2,D1:D5,0)", "MATCH(A1*10,D1:D5,0)", "MATCH(A1,F9:F11,1)",
	"MATCH(A1,A1:A4,0)", "MATCH(A2,A1:A4,1)",
	"INDEX(F1:H4,A1,2)", "INDEX(D1:D5,A2)", "INDEX(G1:G4,MATCH(A1,F1:F4,1))", "INDEX(F6:I6,A1)", "INDEX(A1:A4,A3)",
	"INDEX(H1:H4,A1)", "INDEX(F1:H4,A1)", "INDEX(A1:D4,A4,A3)",
}

// kernelLaneValues are the lane values of the inputs: numbers, zero,
// a huge number, errors, logicals and blank.
var kernelLaneValues = []float64{1, 0, -1, 2.5, 3, 1e308, 7, ErrorValue(ErrNA), ErrorValue(ErrDiv0), laneTrue, laneFalse, laneBlank, 150, -0.25}

func kernelWorkbook(inputs []workbook.Value) *workbook.Workbook {
	num := func(f float64) workbook.Value { return workbook.Value{Kind: workbook.Number, Num: f} }
	var cells []workbook.Cell
	for i, v := range inputs {
		if v.Kind != workbook.Blank {
			cells = append(cells, workbook.Cell{Row: i + 1, Col: 1, Value: v})
		}
	}
	// D1:D5 cash flows for IRR, D4 and D5 driven by the inputs
	cells = append(cells,
		workbook.Cell{Row: 1, Col: 4, Value: num(-100)},
		workbook.Cell{Row: 2, Col: 4, Value: num(30)},
		workbook.Cell{Row: 3, Col: 4, Value: num(40)},
		workbook.Cell{Row: 4, Col: 4, Formula: "A1*10"},
		workbook.Cell{Row: 5, Col: 4, Formula: "A2*20+5"},
		workbook.Cell{Row: 2, Col: 5, Value: workbook.Value{Kind: workbook.String, Str: "text"}},
	)
	// F1:H4 an ascending table, F6:I7 a horizontal one, F9:G11 mixed keys
	for r, k := range []float64{-1, 0, 2, 100} {
		cells = append(cells,
			workbook.Cell{Row: r + 1, Col: 6, Value: num(k)},
			workbook.Cell{Row: r + 1, Col: 7, Value: num(float64(r) * 1.5)},
			workbook.Cell{Row: r + 1, Col: 8, Value: workbook.Value{Kind: workbook.String, Str: fmt.Sprint("row", r)}})
	}
	for c, k := range []float64{0, 1, 3, 10} {
		cells = append(cells,
			workbook.Cell{Row: 6, Col: 6 + c, Value: num(k)},
			workbook.Cell{Row: 7, Col: 6 + c, Value: num(k * k)})
	}
	cells = append(cells,
		workbook.Cell{Row: 9, Col: 6, Value: num(0)},
		workbook.Cell{Row: 10, Col: 6, Value: workbook.Value{Kind: workbook.String, Str: "b"}},
		workbook.Cell{Row: 11, Col: 6, Value: num(5)},
		workbook.Cell{Row: 9, Col: 7, Value: num(1)},
		workbook.Cell{Row: 10, Col: 7, Value: num(2)},
		workbook.Cell{Row: 11, Col: 7, Value: num(3)},
	)
	for i, f := range kernelFormulas {
		cells = append(cells, workbook.Cell{Row: i + 1, Col: 2, Formula: f})
	}
	return workbook.New([]*workbook.Sheet{{Name: "S", Cells: cells}}, nil)
}

// laneWorkbookValue is the workbook value a lane value stands for.
func laneWorkbookValue(x float64) workbook.Value {
	if x == x {
		return workbook.Value{Kind: workbook.Number, Num: x}
	}
	var s State
	v := s.decode(x)
	switch v.Kind {
	case KindError:
		return workbook.Value{Kind: workbook.Error, Str: v.Err.String()}
	case KindBool:
		return workbook.Value{Kind: workbook.Bool, Bool: v.Num != 0}
	}
	return workbook.Value{}
}

// TestKernelsMatchScalar runs every kernel over lanes mixing numbers,
// errors, logicals and blanks and requires each lane to equal, exactly,
// what the scalar evaluator computes for a workbook holding that lane's
// inputs. The batch spans several sub-batches.
func TestKernelsMatchScalar(t *testing.T) {
	t.Parallel()
	in := refs(t, "S!A1", "S!A2", "S!A3", "S!A4")
	var out []CellRef
	for i := range kernelFormulas {
		out = append(out, CellRef{Sheet: "S", Row: i + 1, Col: 2})
	}
	var blank [4]workbook.Value
	p, err := Compile(kernelWorkbook(blank[:]), CompileOptions{Inputs: in, Outputs: out})
	require.NoError(t, err)
	nv := len(kernelLaneValues)
	lanes := 3*nv*nv + 5
	require.Greater(t, lanes, subBatch)
	s := p.NewState(lanes)
	inputs := func(l int) [4]float64 {
		return [4]float64{kernelLaneValues[l%nv], kernelLaneValues[(l/nv)%nv], kernelLaneValues[(l*7)%nv], kernelLaneValues[(l*3+1)%nv]}
	}
	for l := 0; l < lanes; l++ {
		x := inputs(l)
		for i := range in {
			s.Input(i)[l] = x[i]
		}
	}
	s.Run(lanes)
	for l := 0; l < lanes; l++ {
		x := inputs(l)
		var vals [4]workbook.Value
		for i := range x {
			vals[i] = laneWorkbookValue(x[i])
		}
		ev, err := EvaluateWorkbook(kernelWorkbook(vals[:]))
		require.NoError(t, err)
		want := map[CellRef]Value{}
		for _, c := range ev.Cells {
			want[c.Cell] = c.Value
		}
		for j, r := range out {
			got := s.OutputValue(j, l)
			require.Truef(t, ValuesMatch(got, want[r], 0), "=%s lane %d inputs %v: batch %v (%s), scalar %v (%s)",
				kernelFormulas[j], l, vals, got, got.Kind, want[r], want[r].Kind)
		}
	}
}

// TestKernelsUsed keeps the kernels under test: the formulas above must
// compile to vector kernels, not to the lane-by-lane evaluator.
func TestKernelsUsed(t *testing.T) {
	t.Parallel()
	var blank [4]workbook.Value
	in := refs(t, "S!A1", "S!A2", "S!A3", "S!A4")
	for i, f := range kernelFormulas {
		p, err := Compile(kernelWorkbook(blank[:]), CompileOptions{Inputs: in, Outputs: []CellRef{{Sheet: "S", Row: i + 1, Col: 2}}})
		require.NoError(t, err)
		for _, st := range p.steps {
			var lane bool
			walkVexpr(st.expr, func(e vexpr) {
				if _, ok := e.(*vlane); ok {
					lane = true
				}
			})
			require.Falsef(t, lane, "=%s is evaluated lane by lane", f)
		}
	}
}

// walkVexpr visits a compiled expression's nodes.
func walkVexpr(e vexpr, fn func(vexpr)) {
	fn(e)
	var kids []vexpr
	switch x := e.(type) {
	case *varith:
		kids = x.leaves
	case *vnumbers:
		kids = x.pre
	case *vnpv:
		kids = append([]vexpr{x.rate}, x.pre...)
	case *virr:
		kids = x.pre
	case *vlookup:
		kids = []vexpr{x.x}
	case *vmath1:
		kids = []vexpr{x.x}
	case *vmath2:
		kids = []vexpr{x.x, x.y}
	case *vif:
		kids = []vexpr{x.c, x.t, x.f}
	case *vfunc:
		kids = x.args
	}
	for _, k := range kids {
		walkVexpr(k, fn)
	}
}

// TestProgramDynamicTargets: OFFSET and INDIRECT read varying cells their
// static references do not name (C1 is reachable only through them); the
// targets must be computed, for the lane, before they are read.
func TestProgramDynamicTargets(t *testing.T) {
	t.Parallel()
	wb := workbook.New([]*workbook.Sheet{{Name: "S", Cells: []workbook.Cell{
		{Row: 1, Col: 1, Value: workbook.Value{Kind: workbook.Number, Num: 1}},
		{Row: 1, Col: 2, Formula: "INDIRECT(\"C1\")+OFFSET(A1,0,2)"},
		{Row: 1, Col: 3, Formula: "A1*2"},
		{Row: 2, Col: 2, Formula: "B1+1"},
	}}}, nil)
	p, err := Compile(wb, CompileOptions{Inputs: refs(t, "S!A1"), Outputs: refs(t, "S!B2")})
	require.NoError(t, err)
	s := p.NewState(3)
	copy(s.Input(0), []float64{1, 2, 3})
	s.Run(3)
	require.Equal(t, []float64{5, 9, 13}, s.Output(0))

	// a cycle anywhere is then an error naming the reason
	cyc := workbook.New([]*workbook.Sheet{{Name: "S", Cells: append(append([]workbook.Cell(nil), wb.Sheets[0].Cells...),
		workbook.Cell{Row: 5, Col: 1, Formula: "A6"}, workbook.Cell{Row: 6, Col: 1, Formula: "A5"})}}, nil)
	_, err = Compile(cyc, CompileOptions{Inputs: refs(t, "S!A1"), Outputs: refs(t, "S!B2")})
	var ce *CycleError
	require.ErrorAs(t, err, &ce)
	require.ErrorContains(t, err, "OFFSET or INDIRECT")
}

// TestProgramIfSkipsUntakenBranch: when no lane takes a branch, it is not
// computed and its RAND draws nothing.
func TestProgramIfSkipsUntakenBranch(t *testing.T) {
	t.Parallel()
	wb := workbook.New([]*workbook.Sheet{{Name: "S", Cells: []workbook.Cell{
		{Row: 1, Col: 2, Formula: "IF(A1>0,RAND(),-1)"},
		{Row: 2, Col: 2, Formula: "B1+RAND()"},
	}}}, nil)
	p, err := Compile(wb, CompileOptions{Inputs: refs(t, "S!A1"), Outputs: refs(t, "S!B1", "S!B2")})
	require.NoError(t, err)
	s := p.NewState(8)
	s.SetRand(rand.New(rand.NewPCG(3, 4)))
	s.Run(8)
	ref := rand.New(rand.NewPCG(3, 4))
	for l := 0; l < 8; l++ {
		require.Equal(t, -1.0, s.Output(0)[l])
		require.Equal(t, -1+ref.Float64(), s.Output(1)[l])
	}
}

// TestPowMatchesMathPow: pow's fast path for whole exponents gives
// math.Pow's bits, near overflow and underflow included.
func TestPowMatchesMathPow(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	xs := []float64{1, -1, 2, -2, 0.5, 1e-300, 1e300, -1e-300, 10, 1.1, 0.9, math.MaxFloat64, 0x1p-1022, 0x1p-1074, 3}
	for range 2500 {
		xs = append(xs, r.NormFloat64(), math.Exp(r.NormFloat64()*30), -math.Exp(r.NormFloat64()*100), 1+r.Float64()*0.2)
	}
	for _, x := range xs {
		for n := -70; n <= 70; n++ {
			want, got := math.Pow(x, float64(n)), pow(x, float64(n))
			require.Truef(t, math.Float64bits(want) == math.Float64bits(got), "pow(%v, %d) = %v, math.Pow %v", x, n, got, want)
		}
		for _, n := range []float64{1000, -1000, 1024, -1024, 1025, 0.5, 2.5, -3.25} {
			want, got := math.Pow(x, n), pow(x, n)
			require.Truef(t, math.Float64bits(want) == math.Float64bits(got) || want != want && got != got, "pow(%v, %v) = %v, math.Pow %v", x, n, got, want)
		}
	}
}

// TestMinMax2MatchesMath: the two-operand MIN and MAX kernel computes
// math.Min and math.Max, signed zeros and infinities included.
func TestMinMax2MatchesMath(t *testing.T) {
	t.Parallel()
	wb := workbook.New([]*workbook.Sheet{{Name: "S", Cells: []workbook.Cell{
		{Row: 1, Col: 3, Formula: "MIN(A1,A2)"},
		{Row: 2, Col: 3, Formula: "MAX(A1,A2)"},
		{Row: 3, Col: 3, Formula: "SUM(A1,A2)"},
	}}}, nil)
	p, err := Compile(wb, CompileOptions{Inputs: refs(t, "S!A1", "S!A2"), Outputs: refs(t, "S!C1", "S!C2", "S!C3")})
	require.NoError(t, err)
	vals := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), 2.5}
	s := p.NewState(len(vals) * len(vals))
	for i, x := range vals {
		for j, y := range vals {
			s.Input(0)[i*len(vals)+j], s.Input(1)[i*len(vals)+j] = x, y
		}
	}
	s.Run(len(vals) * len(vals))
	for i, x := range vals {
		for j, y := range vals {
			l := i*len(vals) + j
			for k, want := range []float64{math.Min(x, y), math.Max(x, y), (0 + x) + y} {
				if want-want != 0 {
					want = ErrorValue(ErrNum)
				}
				require.Equalf(t, math.Float64bits(want), math.Float64bits(s.Output(k)[l]), "op %d of %v, %v", k, x, y)
			}
		}
	}
}
