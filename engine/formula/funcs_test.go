package formula

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/workbook"
)

// miniBook is a small sheet for function tables:
//
//	A1..A5 = 1, 2, 3, 4, 5; B1 = "x"; B2 = TRUE; B3 = "3" (text); B4 blank
//	C1..C3 = 10, 20, 30 (lookup keys), D1..D3 = "ten", "twenty", "thirty"
//	E1 = #DIV/0!
func miniBook() *workbook.Workbook {
	num := func(r, c int, v float64) workbook.Cell {
		return workbook.Cell{Row: r, Col: c, Value: workbook.Value{Kind: workbook.Number, Num: v}}
	}
	str := func(r, c int, s string) workbook.Cell {
		return workbook.Cell{Row: r, Col: c, Value: workbook.Value{Kind: workbook.String, Str: s}}
	}
	cells := []workbook.Cell{
		num(1, 1, 1), num(2, 1, 2), num(3, 1, 3), num(4, 1, 4), num(5, 1, 5),
		str(1, 2, "x"), {Row: 2, Col: 2, Value: workbook.Value{Kind: workbook.Bool, Bool: true}}, str(3, 2, "3"),
		num(1, 3, 10), num(2, 3, 20), num(3, 3, 30),
		str(1, 4, "ten"), str(2, 4, "twenty"), str(3, 4, "thirty"),
		{Row: 1, Col: 5, Formula: "1/0"},
	}
	return workbook.New([]*workbook.Sheet{{Name: "S", Cells: cells}, {Name: "T", Cells: []workbook.Cell{num(1, 1, 100)}}},
		[]workbook.DefinedName{{Name: "Rate", RefersTo: "S!$A$2"}, {Name: "Keys", RefersTo: "S!$C$1:$C$3"}})
}

// eval computes one formula in cell S!Z99 of miniBook.
func evalIn(t *testing.T, formula string) Value {
	t.Helper()
	wb := miniBook()
	wb.Sheets[0].Cells = append(wb.Sheets[0].Cells, workbook.Cell{Row: 99, Col: 26, Formula: formula})
	wb = workbook.New(wb.Sheets, wb.Names)
	ev, err := EvaluateWorkbook(wb)
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

func TestFunctions(t *testing.T) {
	t.Parallel()
	n := NumberValue
	s := StringValue
	b := BoolValue
	e := ErrValueOf
	// expected values are Excel's (checked against Microsoft's function
	// documentation examples and Excel 365 where noted)
	cases := []struct {
		f    string
		want Value
	}{
		// operators and coercion
		{"-2^2", n(4)},           // Excel: negation first
		{"2^3^2", n(64)},         // left-associative
		{"=\"1\"+1", n(2)},       // numeric text coerces in arithmetic
		{"\"x\"+1", e(ErrValue)}, // non-numeric text does not
		{"TRUE+TRUE", n(2)},
		{"B4+1", n(1)}, // blank is 0
		{"1/0", e(ErrDiv0)},
		{"E1+1", e(ErrDiv0)},
		{"#N/A+E1", e(ErrNA)}, // left error wins
		{"0^0", e(ErrNum)},
		{"10%", n(0.1)},
		{"1&TRUE", s("1TRUE")},
		{"1/3&\"\"", s("0.333333333333333")},
		{"\"a\"=\"A\"", b(true)},
		{"\"a\"<1", b(false)}, // text sorts after numbers
		{"TRUE>\"z\"", b(true)},
		{"B4=0", b(true)},
		{"B4=\"\"", b(true)},
		// aggregates: text and logicals in ranges are skipped, direct ones count
		{"SUM(A1:B5)", n(15)},
		{"SUM(A1,\"3\",TRUE)", n(5)},
		{"SUM(B1)", n(0)},
		{"SUM(A1:E1)", e(ErrDiv0)},
		{"AVERAGE(A1:A5)", n(3)},
		{"AVERAGE(B1:B4)", e(ErrDiv0)},
		{"COUNT(A1:B5,1,\"2\",\"x\")", n(7)},
		{"COUNTA(A1:B5)", n(8)},
		{"COUNTBLANK(A1:B5)", n(2)},
		{"MIN(A1:A5)", n(1)},
		{"MAX(A1:A5,-1)", n(5)},
		{"MAX(B1:B4)", n(0)},
		{"PRODUCT(A1:A5)", n(120)},
		{"SUMSQ(A1:A3)", n(14)},
		{"SUMPRODUCT(A1:A3,C1:C3)", n(140)},
		{"SUMPRODUCT((A1:A5>2)*A1:A5)", n(12)},
		{"MEDIAN(A1:A4)", n(2.5)},
		{"PERCENTILE(A1:A5,0.3)", n(2.2)},
		{"PERCENTILE.EXC(A1:A5,0.3)", n(1.8)},
		{"QUARTILE(A1:A5,1)", n(2)},
		{"STDEV(A1:A5)", n(math.Sqrt(2.5))},
		{"STDEV.P(A1:A5)", n(math.Sqrt(2))},
		{"VAR.S(A1:A5)", n(2.5)},
		{"VARP(A1:A5)", n(2)},
		{"LARGE(A1:A5,2)", n(4)},
		{"SMALL(A1:A5,6)", e(ErrNum)},
		{"RANK(4,A1:A5)", n(2)},
		{"RANK(4,A1:A5,1)", n(4)},
		{"COUNTIF(A1:A5,\">2\")", n(3)},
		{"COUNTIF(D1:D3,\"t*\")", n(3)},
		{"COUNTIF(D1:D3,\"?en\")", n(1)},
		{"COUNTIF(A1:B5,\"<>3\")", n(9)},
		{"COUNTIFS(A1:A3,\">1\",C1:C3,\"<30\")", n(1)},
		{"SUMIF(A1:A5,\">=3\")", n(12)},
		{"SUMIF(C1:C3,\">10\",A1:A3)", n(5)},
		{"SUMIFS(C1:C3,A1:A3,\">1\")", n(50)},
		{"AVERAGEIF(A1:A5,\">3\")", n(4.5)},
		{"AVERAGEIFS(C1:C3,A1:A3,\">=2\")", n(25)},
		// logic
		{"IF(A1>0,\"y\",\"n\")", s("y")},
		{"IF(FALSE,1)", b(false)},
		{"IF(TRUE,,1)", n(0)},
		{"IF(TRUE,1,1/0)", n(1)}, // the unused branch is not evaluated
		{"IFS(A1>5,1,A1>0,2)", n(2)},
		{"IFS(FALSE,1)", e(ErrNA)},
		{"IFERROR(1/0,7)", n(7)},
		{"IFNA(NA(),8)", n(8)},
		{"IFNA(1/0,8)", e(ErrDiv0)},
		{"AND(TRUE,1,A1:A5)", b(true)},
		{"OR(FALSE,0)", b(false)},
		{"XOR(TRUE,TRUE,TRUE)", b(true)},
		{"NOT(0)", b(true)},
		{"AND(B1)", e(ErrValue)}, // only text: no logical values
		{"CHOOSE(2,\"a\",\"b\",\"c\")", s("b")},
		{"CHOOSE(4,1,2)", e(ErrValue)},
		{"SWITCH(2,1,\"one\",2,\"two\",\"other\")", s("two")},
		{"SWITCH(9,1,\"one\",\"other\")", s("other")},
		{"ISBLANK(B4)", b(true)},
		{"ISNUMBER(B3)", b(false)},
		{"ISTEXT(B3)", b(true)},
		{"ISERROR(E1)", b(true)},
		{"ISNA(E1)", b(false)},
		{"ISREF(A1)", b(true)},
		{"ISLOGICAL(B2)", b(true)},
		// math
		{"ABS(-2.5)", n(2.5)},
		{"SIGN(-3)", n(-1)},
		{"ROUND(2.675,2)", n(2.68)}, // decimal rounding, not binary
		{"ROUND(-2.5,0)", n(-3)},    // halves away from zero
		{"ROUND(1234.5,-2)", n(1200)},
		{"ROUNDUP(3.14159,3)", n(3.142)},
		{"ROUNDUP(-3.14159,1)", n(-3.2)},
		{"ROUNDDOWN(-3.14159,1)", n(-3.1)},
		{"MROUND(10,3)", n(9)},
		{"MROUND(-10,3)", e(ErrNum)},
		{"INT(-8.9)", n(-9)},
		{"TRUNC(-8.9)", n(-8)},
		{"TRUNC(8.965,2)", n(8.96)},
		{"CEILING(2.5,1)", n(3)},
		{"CEILING(-2.5,-2)", n(-4)},
		{"CEILING(0.3,0.1)", n(0.3)},
		{"FLOOR(-2.5,-2)", n(-2)},
		{"FLOOR(2.5,-2)", e(ErrNum)},
		{"CEILING.MATH(-5.5,2,-1)", n(-6)},
		{"FLOOR.MATH(-5.5,2)", n(-6)},
		{"MOD(3,-2)", n(-1)}, // sign of the divisor
		{"MOD(-3,2)", n(1)},
		{"MOD(1,0)", e(ErrDiv0)},
		{"POWER(2,0.5)", n(math.Sqrt2)},
		{"SQRT(-1)", e(ErrNum)},
		{"EXP(1)", n(math.E)},
		{"LN(0)", e(ErrNum)},
		{"LOG(8,2)", n(3)},
		{"LOG(100)", n(2)},
		{"LOG10(1000)", n(3)},
		{"PI()", n(math.Pi)},
		{"ATAN2(1,1)", n(math.Pi / 4)},
		{"ATAN2(0,0)", e(ErrDiv0)},
		{"DEGREES(PI())", n(180)},
		{"RADIANS(180)", n(math.Pi)},
		{"FACT(5)", n(120)},
		{"COMBIN(8,2)", n(28)},
		{"EVEN(1.5)", n(2)},
		{"ODD(-2)", n(-3)},
		{"SUMX2MY2(A1:A2,C1:C2)", n(1 + 4 - 100 - 400)},
		// lookups
		{"VLOOKUP(20,C1:D3,2,FALSE)", s("twenty")},
		{"VLOOKUP(25,C1:D3,2)", s("twenty")},
		{"VLOOKUP(5,C1:D3,2)", e(ErrNA)},
		{"VLOOKUP(20,C1:D3,3,FALSE)", e(ErrRef)},
		{"HLOOKUP(3,A1:A5,1,FALSE)", e(ErrNA)},
		{"MATCH(30,C1:C3,0)", n(3)},
		{"MATCH(\"TW*\",D1:D3,0)", n(2)},
		{"MATCH(29,C1:C3)", n(2)},
		{"INDEX(C1:D3,2,2)", s("twenty")},
		{"INDEX(C1:C3,3)", n(30)},
		{"SUM(INDEX(A1:C5,0,1))", n(15)},
		{"XLOOKUP(20,C1:C3,D1:D3)", s("twenty")},
		{"XLOOKUP(25,C1:C3,D1:D3,\"none\")", s("none")},
		{"XLOOKUP(25,C1:C3,D1:D3,,1)", s("thirty")},
		{"XLOOKUP(25,C1:C3,D1:D3,,-1)", s("twenty")},
		{"XMATCH(30,C1:C3)", n(3)},
		{"SUM(OFFSET(A1,1,0,3,1))", n(9)},
		{"ROW(C7)", n(7)},
		{"ROW()", n(99)},
		{"COLUMN()", n(26)},
		{"ROWS(A1:C5)", n(5)},
		{"COLUMNS(A:C)", n(3)},
		{"SUM(A1:A5 A3:C3)", n(3)}, // intersection
		{"SUM(A1:A2 C1:C2)", e(ErrNull)},
		{"Rate*2", n(4)},
		{"SUM(Keys)", n(60)},
		{"T!A1+1", n(101)},
		{"INDIRECT(\"C2\")", n(20)},
		// finance (Excel documentation examples)
		{"PMT(0.08/12,10,10000)", n(-1037.0320893591606)},
		{"FV(0.06/12,10,-200,-500,1)", n(2581.4033740601185)},
		{"PV(0.08/12,12*20,500)", n(-59777.14585118777)},
		{"NPER(0.12/12,-100,-1000,10000,1)", n(59.67386567429457)},
		{"IPMT(0.1/12,1,3*12,8000)", n(-66.66666666666667)},
		{"PPMT(0.1/12,1,2*12,2000)", n(-75.62318600836673)},
		{"RATE(48,-200,8000)*12", n(0.09241766985842045)}, // 9.24%; root checked by bisection
		{"NPV(0.1,-10000,3000,4200,6800)", n(1188.4434123352207)},
		{"IRR({-70000,12000,15000,18000,21000,26000})", n(0.08663094803653162)},
		{"XNPV(0.09,{-10000,2750,4250,3250,2750},{39448,39508,39751,39859,39904})", n(2086.647602031535)},
		{"XIRR({-10000,2750,4250,3250,2750},{39448,39508,39751,39859,39904})", n(0.37336253351883136)},
		// dates
		{"DATE(2008,1,14)", n(39461)},
		{"DATE(2008,14,2)", n(39846)},
		{"YEAR(39461)", n(2008)},
		{"MONTH(39461)", n(1)},
		{"DAY(60)", n(29)}, // Excel's phantom 1900-02-29
		{"EDATE(DATE(2011,1,31),1)", n(40602)},
		{"EOMONTH(DATE(2011,1,1),-3)", n(40482)},
		{"WEEKDAY(DATE(2008,2,14))", n(5)},
		{"DAYS(DATE(2021,3,15),DATE(2021,2,1))", n(42)},
		{"DAYS360(DATE(2011,1,1),DATE(2011,12,31))", n(360)},
		// text
		{"CONCAT(\"a\",A1:A3,TRUE)", s("a123TRUE")},
		{"CONCATENATE(\"a\",1.5)", s("a1.5")},
		{"LEFT(\"Sale Price\",4)", s("Sale")},
		{"RIGHT(\"Stock Number\")", s("r")},
		{"MID(\"Fluid Flow\",7,20)", s("Flow")},
		{"LEN(\"Phoenix, AZ\")", n(11)},
		{"UPPER(\"total\")", s("TOTAL")},
		{"TRIM(\"  a   b  \")", s("a b")},
		{"SUBSTITUTE(\"Quarter 1, 2011\",\"1\",\"2\",3)", s("Quarter 1, 2012")},
		{"FIND(\"M\",\"Miriam McGovern\",3)", n(8)},
		{"SEARCH(\"m?G\",\"Miriam McGovern\")", n(8)},
		{"VALUE(\"$1,000\")", n(1000)},
		{"TEXT(1234.567,\"#,##0.00\")", s("1,234.57")},
		{"TEXT(0.285,\"0.0%\")", s("28.5%")},
		{"REPT(\"ab\",3)", s("ababab")},
		{"EXACT(\"a\",\"A\")", b(false)},
		// distributions (Excel documentation)
		{"NORM.DIST(42,40,1.5,TRUE)", n(0.9087887802741321)},
		{"NORM.DIST(42,40,1.5,FALSE)", n(0.10934004978399577)},
		{"NORM.INV(0.908789,40,1.5)", n(42.00000200956616)},
		{"NORM.S.INV(0.908789)", n(1.3333346730441)},
		{"NORMSINV(0.5)", n(0)},
		{"NORMDIST(42,40,1.5,TRUE)", n(0.9087887802741321)},
	}
	for _, tc := range cases {
		t.Run(tc.f, func(t *testing.T) {
			t.Parallel()
			got := evalIn(t, tc.f)
			require.Truef(t, ValuesMatch(got, tc.want, 1e-9), "%s = %v (%s), want %v (%s)", tc.f, got, got.Kind, tc.want, tc.want.Kind)
		})
	}
}

// TestFloorLog10 holds floorLog10 to math.Floor(math.Log10(a)), which it
// replaces, around every power of ten and on random magnitudes.
func TestFloorLog10(t *testing.T) {
	t.Parallel()
	check := func(a float64) {
		if a > 0 && !math.IsInf(a, 0) {
			require.Equalf(t, math.Floor(math.Log10(a)), floorLog10(a), "a = %v (%b)", a, a)
		}
	}
	for k := -330; k <= 310; k++ {
		p := math.Pow(10, float64(k))
		x := p
		for range 40 {
			check(x)
			x = math.Nextafter(x, math.Inf(1))
		}
		x = p
		for range 40 {
			check(x)
			x = math.Nextafter(x, 0)
		}
		for _, f := range []float64{1 + 1e-12, 1 - 1e-12, 1 + 1e-10, 1 - 1e-10, 2, 5, 9.999} {
			check(p * f)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		check(math.Float64frombits(r.Uint64() &^ (1 << 63)))
		check(math.Pow(10, r.Float64()*40-20))
	}
	check(math.SmallestNonzeroFloat64)
	check(math.MaxFloat64)
}

// TestRoundShortcut holds ROUND, ROUNDUP and ROUNDDOWN to the result of
// always applying the 15-digit correction, which their shortcut skips far
// from a rounding boundary: near halves and integers, on random values,
// at every number of digits.
func TestRoundShortcut(t *testing.T) {
	t.Parallel()
	ref := func(x, d float64, mode int) float64 {
		d = math.Trunc(d)
		if d > 15 || mode == 0 && x == 0 {
			return x
		}
		p := pow10(d)
		y := roundSig(x*p, 15)
		switch {
		case mode == 0:
			return math.Round(y) / p
		case mode == 2:
			return math.Trunc(y) / p
		case y > 0:
			return math.Ceil(y) / p
		}
		return math.Floor(y) / p
	}
	r := rand.New(rand.NewPCG(3, 4))
	var xs []float64
	for _, b := range []float64{2.675, 1.005, 0.5, 1.5, 2.5, 1, 1e15, 123456.785, 0.285, 1.45, 8.345, 4503599627370495.5} {
		x := b
		for range 30 {
			xs = append(xs, x, -x)
			x = math.Nextafter(x, math.Inf(1))
		}
		x = b
		for range 30 {
			xs = append(xs, x, -x)
			x = math.Nextafter(x, 0)
		}
	}
	for range 8000 {
		xs = append(xs, r.NormFloat64()*math.Pow(10, float64(r.IntN(30)-15)), float64(r.IntN(2000000))/1000+0.0005, float64(r.IntN(100000))/100)
	}
	xs = append(xs, 0, math.Copysign(0, -1), 1e300, -1e300, math.MaxFloat64, 5e-324, math.Inf(1))
	for _, x := range xs {
		for d := -3.0; d <= 16; d++ {
			for mode, got := range []float64{roundHalfAway(x, d), roundDir(x, d, true), roundDir(x, d, false)} {
				want := ref(x, d, mode)
				require.Truef(t, math.Float64bits(got) == math.Float64bits(want) || got != got && want != want, "mode %d x %v d %v: %v, want %v", mode, x, d, got, want)
			}
		}
	}
}
