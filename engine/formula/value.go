package formula

import (
	"math"
	"strconv"
	"strings"
)

// Kind is the type of a Value.
type Kind uint8

// Value kinds. Arrays and references appear only inside evaluation (function
// arguments, array formulas); a cell's final value is one of the scalars.
const (
	KindBlank Kind = iota
	KindNumber
	KindString
	KindBool
	KindError
	KindArray
	KindRef
	KindLambda // a LAMBDA value (Fn); a cell holding one shows #CALC!
)

func (k Kind) String() string {
	return [...]string{"blank", "number", "string", "bool", "error", "array", "ref", "lambda"}[k]
}

// Area is a rectangular block of cells on one sheet (or on a run of sheets
// for 3-D references: Sheet..Sheet2 by index).
type Area struct {
	Sheet, Sheet2          int32
	Row1, Col1, Row2, Col2 int32
}

func (a Area) rows() int { return int(a.Row2-a.Row1) + 1 }
func (a Area) cols() int { return int(a.Col2-a.Col1) + 1 }
func (a Area) single() bool {
	return a.Row1 == a.Row2 && a.Col1 == a.Col2 && a.Sheet == a.Sheet2
}

// ArrayValue is a rows x cols block of scalar values, row-major.
type ArrayValue struct {
	Rows, Cols int
	V          []Value
}

func (a *ArrayValue) at(r, c int) Value {
	// broadcast single rows/columns as Excel does for array arithmetic
	if a.Rows == 1 {
		r = 0
	}
	if a.Cols == 1 {
		c = 0
	}
	if r >= a.Rows || c >= a.Cols {
		return ErrValueOf(ErrNA)
	}
	return a.V[r*a.Cols+c]
}

// Value is a scalar Excel value: number, string, bool, error or blank (and,
// internally, arrays and references). Bools keep 0/1 in Num.
type Value struct {
	Kind  Kind
	Num   float64
	Str   string
	Err   ErrorCode
	Arr   *ArrayValue
	Ref   Area
	Areas []Area  // extra areas of a union reference (A1,B2)
	Fn    *Lambda // KindLambda
}

// Constructors.
func NumberValue(f float64) Value { return Value{Kind: KindNumber, Num: f} }
func StringValue(s string) Value  { return Value{Kind: KindString, Str: s} }
func BoolValue(b bool) Value {
	if b {
		return Value{Kind: KindBool, Num: 1}
	}
	return Value{Kind: KindBool}
}
func ErrValueOf(e ErrorCode) Value { return Value{Kind: KindError, Err: e} }

// Blank is the empty value.
var Blank = Value{}

// num returns a number result, mapping NaN and infinities to #NUM! as
// Excel never produces either.
func num(f float64) Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ErrValueOf(ErrNum)
	}
	return Value{Kind: KindNumber, Num: f}
}

// IsBool etc. are convenience accessors.
func (v Value) Bool() bool { return v.Num != 0 }

func (v Value) String() string {
	switch v.Kind {
	case KindBlank:
		return ""
	case KindNumber:
		return formatNumber(v.Num)
	case KindString:
		return v.Str
	case KindBool:
		if v.Num != 0 {
			return "TRUE"
		}
		return "FALSE"
	case KindError:
		return v.Err.String()
	case KindArray:
		return "{array}"
	case KindLambda:
		return "{lambda}"
	}
	return "{ref}"
}

// formatNumber converts a number to text as Excel's General format does in
// string contexts: at most 15 significant digits, scientific notation for
// very large or small magnitudes.
func formatNumber(f float64) string {
	if f == 0 {
		return "0"
	}
	a := math.Abs(f)
	if a >= 1e-9 && a < 1e15 {
		s := strconv.FormatFloat(f, 'g', 15, 64)
		if strings.ContainsAny(s, "eE") {
			// 'g' chose an exponent (|f| < 1e-4): print positionally
			p, _ := strconv.ParseFloat(s, 64)
			s = strconv.FormatFloat(p, 'f', -1, 64)
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', 14, 64)
	mant, exp, _ := strings.Cut(s, "E")
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	sign := exp[0]
	digits := strings.TrimLeft(exp[1:], "0")
	if len(digits) < 2 {
		digits = strings.Repeat("0", 2-len(digits)) + digits
	}
	return mant + "E" + string(sign) + digits
}

// parseNumber converts text to a number as Excel's implicit coercion does
// ("1.5", " 2 ", "50%", "1e3", "1,000"); ok=false means #VALUE!.
func parseNumber(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, false
	}
	pct := false
	if strings.HasSuffix(t, "%") {
		pct = true
		t = strings.TrimSpace(t[:len(t)-1])
	}
	neg := false
	if strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") {
		neg = true
		t = t[1 : len(t)-1]
	}
	t = strings.TrimPrefix(t, "$")
	if strings.Contains(t, ",") {
		t = strings.ReplaceAll(t, ",", "")
	}
	if t == "" || strings.ContainsAny(t, "xXpP_") || strings.EqualFold(t, "inf") || strings.EqualFold(t, "nan") ||
		strings.HasPrefix(strings.ToLower(strings.TrimLeft(t, "+-")), "inf") {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if d, ok := parseDateText(s); ok {
			return d, true
		}
		return 0, false
	}
	if neg {
		f = -f
	}
	if pct {
		f /= 100
	}
	return f, true
}

// toNumber coerces a scalar as arithmetic operators do.
func toNumber(v Value) (float64, ErrorCode) {
	switch v.Kind {
	case KindNumber, KindBool:
		return v.Num, 0
	case KindBlank:
		return 0, 0
	case KindString:
		f, ok := parseNumber(v.Str)
		if !ok {
			return 0, ErrValue
		}
		return f, 0
	case KindError:
		return 0, v.Err
	}
	return 0, ErrValue
}

// toBool coerces a scalar as logical functions do.
func toBool(v Value) (bool, ErrorCode) {
	switch v.Kind {
	case KindNumber, KindBool:
		return v.Num != 0, 0
	case KindBlank:
		return false, 0
	case KindString:
		switch strings.ToUpper(strings.TrimSpace(v.Str)) {
		case "TRUE":
			return true, 0
		case "FALSE":
			return false, 0
		}
		return false, ErrValue
	case KindError:
		return false, v.Err
	}
	return false, ErrValue
}

// toText coerces a scalar as & and text functions do.
func toText(v Value) (string, ErrorCode) {
	if v.Kind == KindError {
		return "", v.Err
	}
	return v.String(), 0
}

// compareValues orders two scalars as Excel's comparison operators do:
// numbers < text < logicals, text case-insensitively, blank as the zero of
// the other side's type. Returns -1, 0, 1.
func compareValues(a, b Value) int {
	if a.Kind == KindBlank {
		a = zeroOf(b.Kind)
	}
	if b.Kind == KindBlank {
		b = zeroOf(a.Kind)
	}
	ra, rb := typeRank(a.Kind), typeRank(b.Kind)
	if ra != rb {
		if ra < rb {
			return -1
		}
		return 1
	}
	switch a.Kind {
	case KindString:
		return strings.Compare(strings.ToLower(a.Str), strings.ToLower(b.Str))
	case KindBlank:
		return 0
	}
	switch {
	case a.Num < b.Num:
		return -1
	case a.Num > b.Num:
		return 1
	}
	return 0
}

func zeroOf(k Kind) Value {
	switch k {
	case KindString:
		return StringValue("")
	case KindBool:
		return BoolValue(false)
	case KindNumber:
		return NumberValue(0)
	}
	return Blank
}

func typeRank(k Kind) int {
	switch k {
	case KindNumber:
		return 1
	case KindString:
		return 2
	case KindBool:
		return 3
	}
	return 0
}
