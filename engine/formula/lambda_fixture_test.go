package formula

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine/workbook"
)

// TestLambdaFixture writes a workbook with excelize in the spelling Excel
// stores (_xlfn.LET, _xlfn.LAMBDA, _xlpm. and _xlop. parameters, named
// LAMBDAs in definedName, array formulas for array results), imports it,
// evaluates it and compares every formula cell with a value this test
// computes in plain Go. excelize computes nothing, so the expectations are
// independent of the engine.
func TestLambdaFixture(t *testing.T) {
	t.Parallel()
	const rows = 40
	rng := rand.New(rand.NewPCG(11, 12))
	amount := make([]float64, rows)
	rate := make([]float64, rows)
	f := excelize.NewFile()
	defer f.Close()
	require.NoError(t, f.SetSheetName("Sheet1", "Data"))
	_, err := f.NewSheet("Calc")
	require.NoError(t, err)
	for i := range rows {
		amount[i] = math.Round(1000*rng.Float64()*100) / 100
		rate[i] = math.Round(rng.Float64()*2000) / 10000
		require.NoError(t, f.SetCellValue("Data", fmt.Sprintf("A%d", i+2), amount[i]))
		require.NoError(t, f.SetCellValue("Data", fmt.Sprintf("B%d", i+2), rate[i]))
	}
	names := map[string]string{
		"Grow": "_xlfn.LAMBDA(_xlpm.v,_xlpm.r,_xlpm.n,_xlpm.v*(1+_xlpm.r)^_xlpm.n)",
		"GCDR": "_xlfn.LAMBDA(_xlpm.a,_xlpm.b,IF(_xlpm.b=0,_xlpm.a,GCDR(_xlpm.b,MOD(_xlpm.a,_xlpm.b))))",
		"Tax":  "_xlfn.LAMBDA(_xlpm.x,_xlop.rate,_xlpm.x*IF(_xlfn.ISOMITTED(_xlpm.rate),0.2,_xlpm.rate))",
	}
	for n, v := range names {
		require.NoError(t, f.SetDefinedName(&excelize.DefinedName{Name: n, RefersTo: v}))
	}
	want := map[string]Value{}
	formula := func(cell, fx string, v float64) {
		require.NoError(t, f.SetCellFormula("Calc", cell, fx))
		want["Calc!"+cell] = NumberValue(v)
	}
	array := func(cell, ref, fx string, vs []float64) {
		typ := excelize.STCellFormulaTypeArray
		require.NoError(t, f.SetCellFormula("Calc", cell, fx, excelize.FormulaOpts{Type: &typ, Ref: &ref}))
		r1, c1, ok := workbook.ParseCellName(cell)
		require.True(t, ok)
		_, c2, _ := workbook.ParseCellName(ref[len(cell)+1:])
		w := c2 - c1 + 1
		for k, v := range vs {
			want["Calc!"+workbook.CellName(r1+k/w, c1+k%w)] = NumberValue(v)
		}
	}
	gcd := func(a, b float64) float64 {
		for b != 0 {
			a, b = b, math.Mod(a, b)
		}
		return a
	}
	for i := range rows {
		a, r, row := amount[i], rate[i], i+2
		formula(fmt.Sprintf("A%d", row), fmt.Sprintf("_xlfn.LET(_xlpm.a,Data!A%d,_xlpm.r,Data!B%d,_xlpm.g,_xlpm.a*(1+_xlpm.r)^3,_xlpm.g-_xlpm.a)", row, row), a*math.Pow(1+r, 3)-a)
		formula(fmt.Sprintf("B%d", row), fmt.Sprintf("Grow(Data!A%d,Data!B%d,5)", row, row), a*math.Pow(1+r, 5))
		formula(fmt.Sprintf("C%d", row), fmt.Sprintf("GCDR(INT(Data!A%d),360)", row), gcd(math.Trunc(a), 360))
		if i%2 == 0 {
			formula(fmt.Sprintf("D%d", row), fmt.Sprintf("Tax(Data!A%d)", row), a*0.2)
		} else {
			formula(fmt.Sprintf("D%d", row), fmt.Sprintf("Tax(Data!A%d,Data!B%d)", row, row), a*r)
		}
		formula(fmt.Sprintf("E%d", row), fmt.Sprintf("_xlfn.LAMBDA(_xlpm.x,_xlpm.y,IF(_xlpm.x>500,_xlpm.x*_xlpm.y,-_xlpm.x))(Data!A%d,Data!B%d)", row, row),
			map[bool]float64{true: a * r, false: -a}[a > 500])
	}
	var sumSq, dot, maxA float64
	rowMax := make([]float64, rows)
	for i := range rows {
		sumSq += amount[i] * amount[i]
		dot += amount[i] * rate[i]
		maxA = math.Max(maxA, amount[i])
		rowMax[i] = math.Max(amount[i], rate[i])
	}
	formula("H1", "_xlfn.REDUCE(0,Data!A2:A41,_xlfn.LAMBDA(_xlpm.s,_xlpm.v,_xlpm.s+_xlpm.v^2))", sumSq)
	formula("H2", "SUM(_xlfn.MAP(Data!A2:A41,Data!B2:B41,_xlfn.LAMBDA(_xlpm.a,_xlpm.r,_xlpm.a*_xlpm.r)))", dot)
	formula("H3", "MAX(_xlfn.BYROW(Data!A2:B41,_xlfn.LAMBDA(_xlpm.row,MAX(_xlpm.row))))", maxA)
	formula("H4", "_xlfn.LET(_xlpm.balances,_xlfn.SCAN(0,Data!A2:A41,_xlfn.LAMBDA(_xlpm.b,_xlpm.v,_xlpm.b+_xlpm.v)),INDEX(_xlpm.balances,40))", sumOf(amount))
	// array formulas spreading the helpers' arrays
	array("J2", "J2:K41", "_xlfn.SCAN(0,Data!A2:B41,_xlfn.LAMBDA(_xlpm.b,_xlpm.v,IF(_xlpm.v<1,_xlpm.b*(1+_xlpm.v),_xlpm.b+_xlpm.v)))", scanPairs(amount, rate))
	array("L2", "L2:L41", "_xlfn.BYROW(Data!A2:B41,_xlfn.LAMBDA(_xlpm.row,MAX(_xlpm.row)))", rowMax)
	table := make([]float64, 0, 25)
	for r := 1; r <= 5; r++ {
		for c := 1; c <= 5; c++ {
			table = append(table, math.Pow(float64(r), float64(c)))
		}
	}
	array("M2", "M2:Q6", "_xlfn.MAKEARRAY(5,5,_xlfn.LAMBDA(_xlpm.r,_xlpm.c,_xlpm.r^_xlpm.c))", table)
	array("M8", "M8:N8", "_xlfn.BYCOL(Data!A2:B41,_xlfn.LAMBDA(_xlpm.col,SUM(_xlpm.col)))", []float64{sumOf(amount), sumOf(rate)})

	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	wb, err := workbook.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), workbook.Limits{})
	require.NoError(t, err)
	ev, err := EvaluateWorkbook(wb)
	require.NoError(t, err)
	got := map[string]CellResult{}
	for _, c := range ev.Cells {
		got[c.Cell.String()] = c
	}
	matched := 0
	for k, v := range want {
		r, ok := got[k]
		require.True(t, ok, k)
		if r.Status == Evaluated && ValuesMatch(r.Value, v, 1e-12) {
			matched++
		} else {
			t.Errorf("%s =%s: got %v (%s %v), want %v", k, r.Formula, r.Value, r.Status, r.Err, v)
		}
	}
	require.Equal(t, len(want), matched)
	require.Greater(t, matched, 6*rows+60)
}

func sumOf(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// scanPairs is the SCAN over the (amount, rate) pairs row by row: a rate
// (< 1) compounds the balance, an amount is added; every step's balance.
func scanPairs(amount, rate []float64) []float64 {
	out := make([]float64, 0, len(amount))
	b := 0.0
	for i := range amount {
		for _, v := range []float64{amount[i], rate[i]} {
			if v < 1 {
				b *= 1 + v
			} else {
				b += v
			}
			out = append(out, b)
		}
	}
	return out
}
