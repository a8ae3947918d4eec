package formula

// Node is a parsed formula expression.
type Node interface{ node() }

// Number is a numeric literal.
type Number struct{ V float64 }

// String is a string literal (quotes removed, "" unescaped).
type String struct{ V string }

// Bool is TRUE or FALSE.
type Bool struct{ V bool }

// ErrorLit is an error literal such as #N/A.
type ErrorLit struct{ K ErrorCode }

// Missing is an omitted function argument: the gap in IF(A1,,2).
type Missing struct{}

// RefKind tells a cell reference from an area, whole columns or whole rows.
type RefKind uint8

// Reference kinds.
const (
	RefCell RefKind = iota
	RefArea
	RefCols // A:C
	RefRows // 1:3
)

// Ref is a cell, area, column or row reference, possibly qualified by a
// sheet ("Sheet1!A1") or a sheet range ("Sheet1:Sheet3!A1", 3-D).
type Ref struct {
	Sheet, Sheet2          string // "" = the formula's own sheet; Sheet2 != "" for 3-D
	Kind                   RefKind
	Row1, Col1, Row2, Col2 int // 1-based; whole columns use rows 1..MaxRows
	Abs                    uint8
}

// Abs bits.
const (
	AbsCol1 uint8 = 1 << iota
	AbsRow1
	AbsCol2
	AbsRow2
)

// Name is a defined-name reference (optionally sheet-qualified).
type Name struct {
	Sheet string
	Name  string
}

// Unary is a prefix operator: '-', '+' or '@' (implicit intersection).
type Unary struct {
	Op byte
	X  Node
}

// Percent is the postfix % operator.
type Percent struct{ X Node }

// Binary is an infix operator. Op is one of
// ":" " " "," "^" "*" "/" "+" "-" "&" "=" "<>" "<" ">" "<=" ">=".
type Binary struct {
	Op   string
	L, R Node
}

// Call is a function call. Name is upper-cased, without _xlfn. prefixes.
type Call struct {
	Name string
	Args []Node
}

// Invoke calls a LAMBDA value: LAMBDA(x, x+1)(3), a LET-bound lambda
// f(3), or a defined name holding a LAMBDA (MyFn(3)). Fn yields the
// lambda; Args are its arguments.
type Invoke struct {
	Fn   Node
	Args []Node
}

// Array is an array constant {1,2;3,4}: Rows of equal length.
type Array struct{ Rows [][]Node }

func (Number) node()   {}
func (String) node()   {}
func (Bool) node()     {}
func (ErrorLit) node() {}
func (Missing) node()  {}
func (*Ref) node()     {}
func (*Name) node()    {}
func (*Unary) node()   {}
func (*Percent) node() {}
func (*Binary) node()  {}
func (*Call) node()    {}
func (*Array) node()   {}
func (*Invoke) node()  {}

// Walk calls fn for n and every node below it, depth first.
func Walk(n Node, fn func(Node)) {
	fn(n)
	switch x := n.(type) {
	case *Unary:
		Walk(x.X, fn)
	case *Percent:
		Walk(x.X, fn)
	case *Binary:
		Walk(x.L, fn)
		Walk(x.R, fn)
	case *Call:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *Invoke:
		Walk(x.Fn, fn)
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *Array:
		for _, r := range x.Rows {
			for _, e := range r {
				Walk(e, fn)
			}
		}
	}
}

// TableRef is a structured reference to an Excel table: Table1[Price],
// Table1[[#Headers],[#Data],[Qty]:[Price]], [@Price]. The model resolves it
// to an ordinary Ref before anything evaluates it.
type TableRef struct {
	Table      string // "" = the table holding the formula's cell
	Items      TableItems
	Col1, Col2 string // "" = every column; Col2 == Col1 for one column
}

// TableItems are the special items of a structured reference (#All, ...).
type TableItems uint8

// Special items; none set means #Data.
const (
	ItemHeaders TableItems = 1 << iota
	ItemData
	ItemTotals
	ItemThisRow
	ItemAll = ItemHeaders | ItemData | ItemTotals
)

func (*TableRef) node() {}
