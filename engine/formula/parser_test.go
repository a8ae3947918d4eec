package formula

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/workbook"
)

// sexpr prints an AST in prefix form to compare trees compactly.
func sexpr(n Node) string {
	switch x := n.(type) {
	case Number:
		return formatNumber(x.V)
	case String:
		return `"` + x.V + `"`
	case Bool:
		return BoolValue(x.V).String()
	case ErrorLit:
		return x.K.String()
	case Missing:
		return "_"
	case *Ref:
		s := ""
		if x.Sheet != "" {
			s = x.Sheet
			if x.Sheet2 != "" {
				s += ":" + x.Sheet2
			}
			s += "!"
		}
		switch x.Kind {
		case RefCell:
			return s + CellRef{Row: x.Row1, Col: x.Col1}.String()[3:]
		case RefCols:
			return s + "cols" + formatNumber(float64(x.Col1)) + "-" + formatNumber(float64(x.Col2))
		case RefRows:
			return s + "rows" + formatNumber(float64(x.Row1)) + "-" + formatNumber(float64(x.Row2))
		}
		return s + CellRef{Row: x.Row1, Col: x.Col1}.String()[3:] + ":" + CellRef{Row: x.Row2, Col: x.Col2}.String()[3:]
	case *Name:
		if x.Sheet != "" {
			return x.Sheet + "!" + x.Name
		}
		return x.Name
	case *Unary:
		return "(" + string(x.Op) + " " + sexpr(x.X) + ")"
	case *Percent:
		return "(% " + sexpr(x.X) + ")"
	case *Binary:
		return "(" + x.Op + " " + sexpr(x.L) + " " + sexpr(x.R) + ")"
	case *Call:
		parts := []string{x.Name}
		for _, a := range x.Args {
			parts = append(parts, sexpr(a))
		}
		return "(" + strings.Join(parts, " ") + ")"
	case *Invoke:
		parts := []string{"invoke", sexpr(x.Fn)}
		for _, a := range x.Args {
			parts = append(parts, sexpr(a))
		}
		return "(" + strings.Join(parts, " ") + ")"
	case *Array:
		var rows []string
		for _, r := range x.Rows {
			var el []string
			for _, e := range r {
				el = append(el, sexpr(e))
			}
			rows = append(rows, strings.Join(el, ","))
		}
		return "{" + strings.Join(rows, ";") + "}"
	}
	return "?"
}

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		// precedence as in Excel: unary minus above ^, ^ left-associative
		{"-2^2", "(^ (- 2) 2)"},
		{"2^3^2", "(^ (^ 2 3) 2)"},
		{"1+2*3", "(+ 1 (* 2 3))"},
		{"(1+2)*3", "(* (+ 1 2) 3)"},
		{"1-2-3", "(- (- 1 2) 3)"},
		{"50%^2", "(^ (% 50) 2)"},
		{"-50%", "(% (- 50))"},
		{"1&2=\"12\"", "(= (& 1 2) \"12\")"},
		{"1+2&3", "(& (+ 1 2) 3)"},
		{"A1<>B2", "(<> A1 B2)"},
		{"a1<=$B$2", "(<= A1 B2)"},
		{"+A1", "A1"},
		{"--A1", "(- (- A1))"},
		{"@A1:A3", "(@ A1:A3)"},
		// literals
		{"1.5e3", "1500"},
		{".5", "0.5"},
		{`"say ""hi"""`, `"say "hi""`},
		{"TRUE", "TRUE"},
		{"false", "FALSE"},
		{"#DIV/0!", "#DIV/0!"},
		{"#N/A", "#N/A"},
		{"#NAME?", "#NAME?"},
		{"{1,2;3,4}", "{1,2;3,4}"},
		{`{"a",-1,TRUE;#N/A,2.5,FALSE}`, `{"a",-1,TRUE;#N/A,2.5,FALSE}`},
		// references
		{"Sheet1!A1", "Sheet1!A1"},
		{"'My Sheet'!A1:B2", "My Sheet!A1:B2"},
		{"'It''s'!$C$3", "It's!C3"},
		{"Sheet1:Sheet3!A1", "Sheet1:Sheet3!A1"},
		{"A:C", "cols1-3"},
		{"$B:$B", "cols2-2"},
		{"2:5", "rows2-5"},
		{"Data!3:3", "Data!rows3-3"},
		{"B2:A1", "A1:B2"},
		{"A1:B2 B1:C3", "(  A1:B2 B1:C3)"},
		{"SUM((A1,B2))", "(SUM (, A1 B2))"},
		{"A1:INDEX(B1:B9,2)", "(: A1 (INDEX B1:B9 2))"},
		{"TaxRate*2", "(* TaxRate 2)"},
		{"Sheet1!Rate", "Sheet1!Rate"},
		{"Sheet1!#REF!", "#REF!"},
		// dynamic arrays: A1# is stored as _xlfn.ANCHORARRAY(A1), @x as _xlfn.SINGLE(x)
		{"A1#", "(ANCHORARRAY A1)"},
		{"SUM(Sheet1!$B$2#)*2", "(* (SUM (ANCHORARRAY Sheet1!B2)) 2)"},
		{"_xlfn.ANCHORARRAY(A1)", "(ANCHORARRAY A1)"},
		{"A1#:B9", "(: (ANCHORARRAY A1) B9)"},
		{"@A1:A3", "(@ A1:A3)"},
		{"_xlfn.SINGLE(A1:A3)+1", "(+ (@ A1:A3) 1)"},
		// calls
		{"SUM(1,2)", "(SUM 1 2)"},
		{"sum( 1 , 2 )", "(SUM 1 2)"},
		{"IF(A1,,2)", "(IF A1 _ 2)"},
		{"PI()", "(PI)"},
		{"TRUE()", "(TRUE)"},
		{"_xlfn.XLOOKUP(1,A:A,B:B)", "(XLOOKUP 1 cols1-1 cols2-2)"},
		{"_xlfn._xlws.SORT(A1:A3)", "(SORT A1:A3)"},
		{"NORM.S.INV(0.5)", "(NORM.S.INV 0.5)"},
		{"LOG10(100)", "(LOG10 100)"},
		{"=1+1", "(+ 1 1)"},
		// LET and LAMBDA: xlsx prefixes stripped, calls of lambdas
		{"_xlfn.LET(_xlpm.x,2,_xlpm.x*3)", "(LET x 2 (* x 3))"},
		{"_xlfn.LAMBDA(_xlpm.a,_xlop.b,_xlpm.a)(1)", "(invoke (LAMBDA a _xlop.b a) 1)"},
		{"LAMBDA(x,LAMBDA(y,x+y))(1)(2)", "(invoke (invoke (LAMBDA x (LAMBDA y (+ x y))) 1) 2)"},
		{"_xlpm.f(3,)", "(invoke f 3 _)"},
		{"MyFn(2)", "(MYFN 2)"},
		{"LAMBDA(x,x)()", "(invoke (LAMBDA x x))"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			n, err := Parse(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, sexpr(n))
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "=", "1+", "(1", "1)", "SUM(1,", `"abc`, "#FOO!", "{1,2;3}", "{A1}", "'Sheet1", "'S'A1",
		"1 2", "A1:", "[1]Sheet1!A1", "$", "LAMBDA(x,x)(1", "LAMBDA(x,x) (1)", strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300),
		strings.Repeat("-", 1000) + "1",
	} {
		_, err := Parse(in)
		require.Errorf(t, err, "%q", in)
		var pe *ParseError
		require.ErrorAs(t, err, &pe)
	}
	_, err := ParseDepth("((((1))))", 3)
	require.ErrorContains(t, err, "nesting")
}

func TestCellRef(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want CellRef
		out  string
	}{
		{"Sheet1!A1", CellRef{"Sheet1", 1, 1}, "Sheet1!A1"},
		{"'My Sheet'!$B$7", CellRef{"My Sheet", 7, 2}, "'My Sheet'!B7"},
		{"'It''s'!XFD1048576", CellRef{"It's", 1048576, 16384}, "'It''s'!XFD1048576"},
		{"A1!C3", CellRef{"A1", 3, 3}, "'A1'!C3"},
	} {
		r, err := ParseCellRef(tc.in)
		require.NoError(t, err)
		require.Equal(t, tc.want, r)
		require.Equal(t, tc.out, r.String())
	}
	for _, bad := range []string{"A1", "!A1", "S!", "S!A0", "S!XFE1", "'S!A1"} {
		_, err := ParseCellRef(bad)
		require.Errorf(t, err, "%q", bad)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"1+2*3", "-2^2", "SUM(A1:B2,Sheet1!C3)", "'My Sheet'!A1", "{1,2;3,4}", `"a""b"&C1`,
		"IF(A1>0,1,#N/A)", "A:A", "1:3", "Sheet1:Sheet3!A1", "_xlfn.XLOOKUP(1,A1:A3,B1:B3)", "50%",
		"A1 B1", "(A1,B1)", "@A1:A2", "((((", "}{", "'", "#", "1e", "$A$", "INDEX(A1:B2,1,1):B3",
		"_xlfn.LET(_xlpm.x,A1,_xlpm.x+1)", "LAMBDA(x,y,x*y)(2,3)", "_xlpm.f(1)(2)", "Double(3)",
		"LET(f,LAMBDA(n,IF(n<1,0,f(n-1))),f(3))", "_xlpm.x(_xlpm.x)", "LAMBDA(x,_xlpm.x(_xlpm.x))(LAMBDA(x,_xlpm.x(_xlpm.x)))",
		"MAP(A1:A3,LAMBDA(v,v*2))", "REDUCE(,A1:A3,LAMBDA(a,b,a+b))", "MAKEARRAY(2,2,LAMBDA(r,c,r+c))",
		"BYROW(A1:B3,LAMBDA(r,SUM(r)))", "SCAN(0,{1,2},LAMBDA(a,b,a*b))", "LAMBDA(a,_xlop.b,ISOMITTED(b))(1)",
		"A1#", "SUM(A1#)", "Sheet1!$A$1#*2", "_xlfn.ANCHORARRAY(A1)", "_xlfn.SINGLE(A1:A3)", "@SEQUENCE(3)",
		"SEQUENCE(3,2)", "SORT(A1:A5,1,-1)", "FILTER(A1:A5,A1:A5>2,\"none\")", "UNIQUE(A1:A5,,TRUE)", "A1##", "#A1",
		"TAKE(A1:A5,-2)", "VSTACK(A1:A2,{1,2})", "RANDARRAY(2,2)", "INDIRECT(\"Keys\")",
		"Sales[Amount]", "[@Price]", "Sales[@Amount]*2", "Sales[[#This Row],[Amount]]", "SUM(Sales[[Amount]:[Price]])",
		"Sales[#All]", "Sales[#Data]", "Sales[#Headers]", "Sales[#Totals]", "ROWS(Sales)", "Sales[[#All],[Flag]]",
		"VLOOKUP(2,Sales,3,FALSE)", "SUMIFS(Sales[Price],Sales[Amount],\">1\")", "Sales[", "[@", "Sales[[Amount]:]",
		"FILTER(Sales[Amount],Sales[Amount]>A1)", "ROWS(G2#)", "@Sales[Amount]", "LET(t,Sales[Amount],SUM(t#))",
		// the limits themselves are TestEvaluationLimits': seeds that run
		// to the budget are too slow under the fuzzer's instrumentation
		"MAKEARRAY(100000,100000,LAMBDA(r,c,r))", "Fib(12)", "REDUCE(0,SEQUENCE(50),LAMBDA(a,b,VSTACK(a,b)))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseDepth(s, 64)
		if err == nil && n == nil {
			t.Fatal("nil node without error")
		}
		if err == nil {
			// evaluating whatever parsed must not panic either
			wb := lambdaBook()
			m := newModel(wb, 64)
			ev := &evaluator{m: m, sheet: 0, row: 1, col: 1}
			// calls of LET, LAMBDA and defined names become invocations
			// as in a workbook's formulas
			n = m.bindInvokes(n)
			if len(unsupportedIn(n)) == 0 {
				_ = ev.eval(n)
			}
			// and neither must the formula in a cell, where it may spill
			// over miniBook's values (spillrange.go)
			wb = miniBook()
			wb.Sheets[0].Cells = append(wb.Sheets[0].Cells, workbook.Cell{Row: 2, Col: 7, Formula: s}, workbook.Cell{Row: 1, Col: 7, Formula: "SUM(G2#)"})
			wb = workbook.New(wb.Sheets, append(wb.Names, lambdaBook().Names...))
			// structured references resolve against a table over A1:C5
			wb.Tables = []workbook.Table{{Name: "Sales", Sheet: "S", Row1: 1, Col1: 1, Row2: 5, Col2: 3, Columns: []string{"Amount", "Flag", "Price"}}}
			if _, err := EvaluateWorkbook(wb); err != nil {
				t.Fatal(err)
			}
			// and in a simulation, where A1 varies and the spill follows
			// each lane's array
			p, err := Compile(wb, CompileOptions{Inputs: refs(t, "S!A1"), Outputs: refs(t, "S!G2", "S!G1", "S!G3")})
			if err != nil {
				if strings.Contains(err.Error(), "internal error") {
					t.Fatal(err)
				}
				return
			}
			st := p.NewState(2)
			st.Input(0)[0], st.Input(0)[1] = 0, 7
			st.SetRand(rand.New(rand.NewPCG(1, 2)))
			st.Run(2)
		}
	})
}
