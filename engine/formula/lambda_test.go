package formula

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/workbook"
)

// lambdaBook is miniBook with named lambdas:
//
//	Double = LAMBDA(x, x*2); Fact = LAMBDA(n, IF(n<=1, 1, n*Fact(n-1)))
//	Fib = LAMBDA(n, IF(n<2, n, Fib(n-1)+Fib(n-2))) (two self-calls)
//	Depth = LAMBDA(n, IF(n=0, 0, 1+Depth(n-1))) (unbounded depth)
//	AddOpt = LAMBDA(a, b, IF(ISOMITTED(b), a, a+b)); Adder = LAMBDA(a, LAMBDA(b, a+b))
//	Scaled = LAMBDA(x, x*S!$A$2) (reads a cell); Two = 2 (a plain name)
//	InSum = LAMBDA(n, IF(n=0, 0, SUM(1, InSum(n-1)))) (recursion inside a function's arguments)
func lambdaBook(extra ...workbook.Cell) *workbook.Workbook {
	wb := miniBook()
	wb.Sheets[0].Cells = append(wb.Sheets[0].Cells, extra...)
	names := append(wb.Names,
		workbook.DefinedName{Name: "Double", RefersTo: "_xlfn.LAMBDA(_xlpm.x,_xlpm.x*2)"},
		workbook.DefinedName{Name: "Fact", RefersTo: "_xlfn.LAMBDA(_xlpm.n,IF(_xlpm.n<=1,1,_xlpm.n*Fact(_xlpm.n-1)))"},
		workbook.DefinedName{Name: "Fib", RefersTo: "LAMBDA(n,IF(n<2,n,Fib(n-1)+Fib(n-2)))"},
		workbook.DefinedName{Name: "Depth", RefersTo: "LAMBDA(n,IF(n=0,0,1+Depth(n-1)))"},
		workbook.DefinedName{Name: "AddOpt", RefersTo: "_xlfn.LAMBDA(_xlpm.a,_xlop.b,IF(_xlfn.ISOMITTED(_xlpm.b),_xlpm.a,_xlpm.a+_xlpm.b))"},
		workbook.DefinedName{Name: "Adder", RefersTo: "LAMBDA(a,LAMBDA(b,a+b))"},
		workbook.DefinedName{Name: "Scaled", RefersTo: "LAMBDA(x,x*S!$A$2)"},
		workbook.DefinedName{Name: "Two", RefersTo: "2"},
		workbook.DefinedName{Name: "InSum", RefersTo: "LAMBDA(n,IF(n=0,0,SUM(1,InSum(n-1))))"},
	)
	return workbook.New(wb.Sheets, names)
}

func evalLambda(t *testing.T, formula string) Value {
	t.Helper()
	ev, err := EvaluateWorkbook(lambdaBook(workbook.Cell{Row: 99, Col: 26, Formula: formula}))
	require.NoError(t, err)
	for _, c := range ev.Cells {
		if c.Cell.Row == 99 {
			require.Equalf(t, Evaluated, c.Status, "%s: %v %v", formula, c.Err, c.Unsupported)
			return c.Value
		}
	}
	t.Fatal("formula cell not found")
	return Value{}
}

func TestLetLambda(t *testing.T) {
	t.Parallel()
	n, s, b, e := NumberValue, StringValue, BoolValue, ErrValueOf
	fact := func(k int) float64 {
		f := 1.0
		for i := 2; i <= k; i++ {
			f *= float64(i)
		}
		return f
	}
	for _, tc := range []struct {
		f    string
		want Value
	}{
		// LET: names in order, later values see earlier names, references stay references
		{"LET(x,2,x+1)", n(3)},
		{"_xlfn.LET(_xlpm.x,2,_xlpm.y,_xlpm.x*10,_xlpm.x+_xlpm.y)", n(22)},
		{"LET(r,S!A1:A5,SUM(r)+ROWS(r))", n(20)},
		{"LET(x,1,LET(x,x+10,x)+x)", n(12)},
		{"LET(X,3,x*x)", n(9)},
		{"LET(x,2,Two+x)", n(4)},
		{`LET(t,"ab",t&t)`, s("abab")},
		{"LET(x,1/0,IFERROR(x,7))", n(7)},
		{"LET(x,1,y,2)", e(ErrValue)},
		{"LET(x,1,2,3,x)", e(ErrValue)},
		{"LET(x,1,y,2,x,y)", e(ErrValue)},
		// a name is looked up in the scope before the defined names
		{"LET(Rate,100,Rate)", n(100)},
		{"Rate", n(2)},
		{"LET(x,5,y)", e(ErrName)},
		// LAMBDA called in place, curried, through LET
		{"LAMBDA(x,x+1)(3)", n(4)},
		{"_xlfn.LAMBDA(_xlpm.x,_xlpm.y,_xlpm.x*_xlpm.y)(3,4)", n(12)},
		{"LAMBDA(x,LAMBDA(y,x-y))(10)(3)", n(7)},
		{"LET(f,LAMBDA(n,n*2),f(3))", n(6)},
		{"_xlfn.LET(_xlpm.f,_xlfn.LAMBDA(_xlpm.n,_xlpm.n*2),_xlpm.f(3))", n(6)},
		{"LET(k,10,f,LAMBDA(x,x+k),LET(k,1000,f(1)))", n(11)}, // lexical scope
		{"LAMBDA(x,x)(S!A1:A5)", e(ErrValue)},                 // implicit intersection from row 99
		{"SUM(LAMBDA(r,r)(S!A1:A5))", n(15)},
		{"LAMBDA(x,x+1)", e(ErrCalc)},
		{"LET(f,LAMBDA(x,x),f)", e(ErrCalc)},
		{"LAMBDA(x,x+1)(1,2)", e(ErrValue)},
		{"LAMBDA(x,x,x)(1,2)", e(ErrValue)},
		{"LAMBDA(1,2)(1)", e(ErrValue)},
		{"LET(f,5,f(1))", e(ErrValue)},
		{"IF(TRUE,LAMBDA(x,x*3))(2)", n(6)},
		// named lambdas, recursion, ISOMITTED
		{"Double(21)", n(42)},
		{"DOUBLE(S!A3)", n(6)},
		{"Fact(10)", n(fact(10))},
		{"Fact(170)", n(fact(170))},
		{"Fib(15)", n(610)},
		{"Depth(1000)", n(1000)},
		{"Depth(5000)", e(ErrNum)},
		{"InSum(400)", n(400)},
		{"InSum(600)", e(ErrNum)},
		{"AddOpt(1)", n(1)},
		{"AddOpt(1,2)", n(3)},
		{"AddOpt(1,)", n(1)},
		{"AddOpt()", e(ErrValue)},
		{"LAMBDA(a,b,a)(1)", e(ErrValue)},
		{"LAMBDA(a,b,ISOMITTED(b))(1,)", b(true)},
		{"_xlfn.LAMBDA(_xlpm.a,_xlop.b,_xlop.c,_xlfn.ISOMITTED(_xlpm.c))(1,2)", b(true)},
		{"_xlfn.LAMBDA(_xlop.a,_xlpm.b,_xlpm.b)(,2)", n(2)},
		{"MAP(S!A1:A3,LAMBDA(x,_xlop.y,IF(ISOMITTED(y),x,0)))", n(1)},
		{"LAMBDA(a,b,ISOMITTED(b))(1,S!B4)", b(false)},
		{"ISOMITTED(S!A1)", b(false)},
		{"Adder(2)(5)", n(7)},
		{"Scaled(5)", n(10)},
		{"MAP(S!A1:A3,Double)", n(2)},
		{"SUM(MAP(S!A1:A3,Double))", n(12)},
		// helpers
		{"SUM(MAP(S!A1:A5,LAMBDA(x,x*x)))", n(55)},
		{"SUM(MAP(S!A1:A3,S!C1:C3,LAMBDA(a,c,a*c)))", n(140)},
		{"SUM(MAP({1,2;3,4},LAMBDA(x,x+1)))", n(14)},
		{"COUNTA(MAP(S!B1:B4,LAMBDA(c,ISBLANK(c))))", n(4)},
		{"COUNTIF(MAP(S!B1:B4,LAMBDA(c,ISBLANK(c))),TRUE)", n(1)},
		{"MAP(S!A1:A3,LAMBDA(x,S!A1:A2))", e(ErrCalc)},
		{"MAP(S!A1:A3,LAMBDA(a,b,a))", e(ErrValue)},
		{"MAP(S!A1:A3,5)", e(ErrValue)},
		{"REDUCE(0,S!A1:A5,LAMBDA(a,v,a+v))", n(15)},
		{"REDUCE(1,{1,2;3,4},LAMBDA(a,v,a*v))", n(24)},
		{"REDUCE(,S!A1:A3,LAMBDA(a,v,a+v))", n(6)},
		{`REDUCE("",S!D1:D3,LAMBDA(a,v,a&LEFT(v,1)))`, s("ttt")},
		{"REDUCE(0,S!A1:A5,LAMBDA(a,v,IF(v>3,a+v,a)))", n(9)},
		{"SUM(SCAN(0,S!A1:A5,LAMBDA(a,v,a+v)))", n(35)},
		{"INDEX(SCAN(1,S!A1:A5,LAMBDA(a,v,a*v)),5)", n(120)},
		{"SUM(BYROW({1,2;3,4},LAMBDA(r,MAX(r))))", n(6)},
		{"SUM(BYCOL({1,2;3,4},LAMBDA(c,MIN(c))))", n(3)},
		{"ROWS(BYROW(S!A1:C3,LAMBDA(r,SUM(r))))", n(3)},
		{"INDEX(BYROW(S!A1:C3,LAMBDA(r,SUM(r))),2)", n(22)},
		{"COLUMNS(BYCOL(S!A1:C3,LAMBDA(c,SUM(c))))", n(3)},
		{"INDEX(BYCOL(S!A1:C3,LAMBDA(c,SUM(c))),1,3)", n(60)},
		{"BYROW(S!A1:C3,LAMBDA(r,r))", e(ErrCalc)},
		{"SUM(MAKEARRAY(3,4,LAMBDA(r,c,r*c)))", n(60)},
		{"INDEX(MAKEARRAY(3,4,LAMBDA(r,c,r*10+c)),2,3)", n(23)},
		{"MAKEARRAY(0,2,LAMBDA(r,c,1))", e(ErrValue)},
		{"MAKEARRAY(2,2,LAMBDA(r,1))", e(ErrValue)},
		{"SUMPRODUCT(MAKEARRAY(2,2,LAMBDA(r,c,r)),{1,2;3,4})", n(1*1 + 1*2 + 2*3 + 2*4)},
		{"MMULT(MAKEARRAY(1,2,LAMBDA(r,c,c)),{1;1})", n(3)},
		{"LET(sq,LAMBDA(x,x*x),SUM(MAP(S!A1:A3,sq)))", n(14)},
		{"LET(base,100,REDUCE(base,S!A1:A3,LAMBDA(a,v,a-v)))", n(94)},
	} {
		got := evalLambda(t, tc.f)
		require.Truef(t, ValuesMatch(got, tc.want, 1e-12), "%s: got %v (%s), want %v (%s)", tc.f, got, got.Kind, tc.want, tc.want.Kind)
	}
}

// TestLambdaArrayFormula spreads the array a helper returns over the cells
// of an array formula.
func TestLambdaArrayFormula(t *testing.T) {
	t.Parallel()
	cells := []workbook.Cell{{Row: 1, Col: 10, Formula: "MAKEARRAY(2,3,LAMBDA(r,c,r*10+c))", ArrayRef: "J1:L2"}}
	wb := miniBook()
	wb.Sheets[0].Cells = append(wb.Sheets[0].Cells, cells...)
	wb.Sheets[0].Arrays = append(wb.Sheets[0].Arrays, workbook.ArrayFormula{Formula: cells[0].Formula, Row1: 1, Col1: 10, Row2: 2, Col2: 12})
	wb = workbook.New(wb.Sheets, wb.Names)
	ev, err := EvaluateWorkbook(wb)
	require.NoError(t, err)
	got := map[string]float64{}
	for _, c := range ev.Cells {
		if c.Cell.Col >= 10 {
			got[c.Cell.String()[2:]] = c.Value.Num
		}
	}
	for r := 1; r <= 2; r++ {
		for c := 10; c <= 12; c++ {
			require.Equal(t, float64(r*10+c-9), got[workbook.CellName(r, c)], workbook.CellName(r, c))
		}
	}
}

// TestLambdaProgramLanes runs LET and LAMBDA formulas reading a varying
// input through the batch program and checks every lane against the same
// model without LET or LAMBDA.
func TestLambdaProgramLanes(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{
		{"LET(g,S!A1*0.1,c,S!A2,c*(1+g)^3)", "S!A2*(1+S!A1*0.1)^3"},
		{"Scaled(S!A1)+Double(S!A1)", "S!A1*S!A2+S!A1*2"},
		{"SUM(MAP(S!A1:A5,LAMBDA(x,x*S!A1)))", "SUM(S!A1:A5)*S!A1"},
		{"REDUCE(0,S!A1:A3,LAMBDA(a,v,a+v*v))", "S!A1^2+S!A2^2+S!A3^2"},
		{"LET(x,S!A1,IF(x>0.5,Fact(4),x))", "IF(S!A1>0.5,24,S!A1)"},
		{"SUM(MAKEARRAY(2,2,LAMBDA(r,c,r*c*S!A1)))", "9*S!A1"},
		{"1+LET(x,S!A1,x*2)", "1+S!A1*2"},
	}
	var extra []workbook.Cell
	var outs []string
	for i, p := range pairs {
		extra = append(extra, workbook.Cell{Row: 20 + i, Col: 10, Formula: p[0]}, workbook.Cell{Row: 20 + i, Col: 11, Formula: p[1]})
		outs = append(outs, fmt.Sprintf("S!J%d", 20+i), fmt.Sprintf("S!K%d", 20+i))
	}
	wb := lambdaBook(extra...)
	p, err := Compile(wb, CompileOptions{Inputs: refs(t, "S!A1"), Outputs: refs(t, outs...)})
	require.NoError(t, err)
	const lanes = 64
	st := p.NewState(lanes)
	rng := rand.New(rand.NewPCG(3, 4))
	for l := range lanes {
		st.Input(0)[l] = rng.Float64()
	}
	st.Run(lanes)
	for i, pr := range pairs {
		for l := range lanes {
			got, want := st.OutputValue(2*i, l), st.OutputValue(2*i+1, l)
			require.Equalf(t, KindNumber, want.Kind, "%s lane %d", pr[1], l)
			require.Truef(t, math.Abs(got.Num-want.Num) <= 1e-12*math.Max(1, math.Abs(want.Num)), "%s lane %d: %v, without LET %v", pr[0], l, got, want)
		}
	}
}

// TestNamedLambdaRandVaries: a named LAMBDA drawing RAND() makes the cells
// calling it vary from lane to lane rather than being folded once.
func TestNamedLambdaRandVaries(t *testing.T) {
	t.Parallel()
	wb := lambdaBook(workbook.Cell{Row: 30, Col: 10, Formula: "Noise(10)"})
	wb = workbook.New(wb.Sheets, append(wb.Names, workbook.DefinedName{Name: "Noise", RefersTo: "LAMBDA(k,k*RAND())"}))
	p, err := Compile(wb, CompileOptions{Outputs: refs(t, "S!J30")})
	require.NoError(t, err)
	require.True(t, p.UsesRand())
	st := p.NewState(32)
	st.SetRand(rand.New(rand.NewPCG(1, 1)))
	st.Run(32)
	seen := map[float64]bool{}
	for _, v := range st.Output(0) {
		require.True(t, v >= 0 && v < 10, v)
		seen[v] = true
	}
	require.Greater(t, len(seen), 16)
}

func TestLambdaUnknownCallStaysUnsupported(t *testing.T) {
	t.Parallel()
	wb := lambdaBook(workbook.Cell{Row: 30, Col: 10, Formula: "LET(f,LAMBDA(x,x),NOSUCHFN(f(1)))"})
	_, err := Compile(wb, CompileOptions{Outputs: refs(t, "S!J30")})
	var ue *UnsupportedError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, map[string]int{"NOSUCHFN": 1}, ue.Functions)
}

// TestLetNameShadowsDefinedName: a LET or LAMBDA name that is also a
// defined name adds no dependency on the defined name's cells (here that
// would be a circular reference), while the defined name used outside
// the LET still counts.
func TestLetNameShadowsDefinedName(t *testing.T) {
	t.Parallel()
	wb := lambdaBook(
		workbook.Cell{Row: 40, Col: 10, Formula: "LET(Here,5,Here*2)+LAMBDA(Here,Here)(1)"},
		workbook.Cell{Row: 41, Col: 10, Formula: "Here+LET(Here,1,Here)"},
	)
	wb = workbook.New(wb.Sheets, append(wb.Names, workbook.DefinedName{Name: "Here", RefersTo: "S!$J$40"}))
	p, err := Compile(wb, CompileOptions{Inputs: refs(t, "S!A1"), Outputs: refs(t, "S!J40", "S!J41")})
	require.NoError(t, err)
	st := p.NewState(1)
	st.Run(1)
	require.Equal(t, []float64{11}, st.Output(0))
	require.Equal(t, []float64{12}, st.Output(1))
	m := newModel(wb, 0)
	id := m.index[key(0, 41, 10)]
	require.Len(t, m.deps(id), 1, "J41 depends on J40 through the defined name")
}

// TestCalculatorCallsNamedLambda: an expression parsed outside the model
// (an in-cell distribution's argument) calls named and LET-bound lambdas.
func TestCalculatorCallsNamedLambda(t *testing.T) {
	t.Parallel()
	calc := NewCalculator(lambdaBook())
	for expr, want := range map[string]float64{
		"Double(S!A3)":              6,
		"LET(f,LAMBDA(x,x+1),f(2))": 3,
		"Fact(5)":                   120,
	} {
		n, err := Parse(expr)
		require.NoError(t, err)
		got, err := calc.Values("S", n)
		require.NoError(t, err)
		require.Equal(t, []Value{NumberValue(want)}, got, expr)
	}
	n, err := Parse("NoSuchFn(1)")
	require.NoError(t, err)
	got, err := calc.Values("S", n)
	require.NoError(t, err)
	require.Equal(t, []Value{ErrValueOf(ErrName)}, got)
}
