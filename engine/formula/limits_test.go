package formula

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/workbook"
)

// TestEvaluationLimits: formulas whose work or memory has no useful bound
// end with #NUM! instead of hanging or exhausting memory, while formulas of
// the same functions within the limits still compute.
func TestEvaluationLimits(t *testing.T) {
	t.Parallel()
	n, e := NumberValue, ErrValueOf
	tests := []struct {
		name, formula string
		want          Value
	}{
		{"ExponentialRecursion", "Fib(60)", e(ErrNum)},
		{"ExponentialRecursionInLet", "LET(f,LAMBDA(g,k,IF(k<1,1,g(g,k-1)+g(g,k-1))),f(f,80))", e(ErrNum)},
		{"EndlessSelfApplication", "LAMBDA(x,_xlpm.x(_xlpm.x))(LAMBDA(x,_xlpm.x(_xlpm.x)))", e(ErrNum)},
		{"HugeMakeArray", "SUM(MAKEARRAY(100000,100000,LAMBDA(r,c,r)))", e(ErrNum)},
		{"NestedMakeArray", "SUM(MAKEARRAY(1000,1000,LAMBDA(r,c,SUM(MAKEARRAY(1000,1000,LAMBDA(i,j,i))))))", e(ErrNum)},
		{"HugeSequence", "SUM(SEQUENCE(100000,100000))", e(ErrNum)},
		{"ColumnTimesRow", "SUM(SEQUENCE(1000000)*SEQUENCE(1,1000000))", e(ErrNum)},
		{"LiftedColumnTimesRow", "SUM(ABS(SEQUENCE(1000000)+SEQUENCE(1,1000000)))", e(ErrNum)},
		{"ReduceCopyingArrays", "REDUCE(0,SEQUENCE(100000),LAMBDA(a,b,a+ROWS(VSTACK(SEQUENCE(1000),b))))", e(ErrNum)},
		{"MmultTooLarge", "SUM(MMULT(SEQUENCE(1000000,1),SEQUENCE(1,1000000)))", e(ErrNum)},
		{"RecursionWithinDepth", "Fact(10)", n(3628800)},
		{"FibWithinBudget", "Fib(15)", n(610)},
		{"MakeArrayWithinLimits", "SUM(MAKEARRAY(100,100,LAMBDA(r,c,r*c)))", n(25502500)},
		{"ColumnTimesRowWithinLimits", "SUM(SEQUENCE(300)*SEQUENCE(1,300))", n(45150 * 45150)},
		{"MmultWithinLimits", "SUM(MMULT(SEQUENCE(3,1),SEQUENCE(1,3)))", n(36)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, evalLambda(t, tt.formula))
		})
	}
}

// TestEvaluationBudgetPerLane: the budget is per evaluation, so in a
// program a lane does not inherit the work of the lanes before it; a
// varying formula over the budget is #NUM! in every lane.
func TestEvaluationBudgetPerLane(t *testing.T) {
	t.Parallel()
	// Fib(27) spends about 40% of the budget (6.7 million steps): three
	// lanes in a row would exhaust one shared budget
	wb := lambdaBook(
		workbook.Cell{Row: 99, Col: 1, Formula: "Fib(27+0*S!$A$2)"},
		workbook.Cell{Row: 99, Col: 2, Formula: "Fib(40+0*S!$A$2)"},
	)
	in := refs(t, "S!A2")
	p, err := Compile(wb, CompileOptions{Inputs: in, Outputs: refs(t, "S!A99", "S!B99")})
	require.NoError(t, err)
	const lanes = 3
	s := p.NewState(lanes)
	for i := range lanes {
		s.Input(0)[i] = float64(i)
	}
	s.Run(lanes)
	for i := range lanes {
		require.Equalf(t, 196418.0, s.Output(0)[i], "lane %d", i)
		v := s.OutputValue(1, i)
		require.Equalf(t, ErrValueOf(ErrNum), v, "lane %d", i)
	}
}
