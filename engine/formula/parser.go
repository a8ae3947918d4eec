package formula

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/simgraph/simgraph/engine/workbook"
)

// DefaultMaxDepth bounds expression nesting when ParseOptions.MaxDepth is 0.
// Excel allows 64 nested functions; parentheses and unary chains add a few.
const DefaultMaxDepth = 128

// ParseError is a formula syntax error.
type ParseError struct {
	Formula string
	Pos     int
	Msg     string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("formula %q: %s at position %d", e.Formula, e.Msg, e.Pos+1)
}

// Parse parses a formula (with or without the leading '=') with the default
// depth limit.
func Parse(src string) (Node, error) { return ParseDepth(src, 0) }

// ParseDepth parses with a nesting limit (0 = DefaultMaxDepth).
func ParseDepth(src string, maxDepth int) (Node, error) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	p := &parser{src: src, max: maxDepth}
	if strings.HasPrefix(p.src, "=") {
		p.pos = 1
	}
	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, p.fail("empty formula")
	}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return nil, p.fail("unexpected %q", p.src[p.pos:min(len(p.src), p.pos+10)])
	}
	return n, nil
}

type parser struct {
	src   string
	pos   int
	depth int
	max   int
	// inArgs: a ',' ends the expression (function argument lists, arrays)
	noUnion int
}

func (p *parser) fail(format string, args ...any) error {
	return &ParseError{Formula: p.src, Pos: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() bool {
	start := p.pos
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r' || p.src[p.pos] == '\t') {
		p.pos++
	}
	return p.pos > start
}

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > p.max {
		return &ParseError{Formula: p.src, Pos: p.pos, Msg: fmt.Sprintf("nesting deeper than %d", p.max)}
	}
	return nil
}

// expr parses a comparison, the loosest binding level.
func (p *parser) expr() (Node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	l, err := p.concat()
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		op := ""
		for _, c := range []string{"<>", "<=", ">=", "=", "<", ">"} {
			if strings.HasPrefix(p.src[p.pos:], c) {
				op = c
				break
			}
		}
		if op == "" {
			return l, nil
		}
		p.pos += len(op)
		r, err := p.concat()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: op, L: l, R: r}
	}
}

func (p *parser) binaryLevel(ops string, next func() (Node, error)) (Node, error) {
	l, err := next()
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		c := p.peek()
		if c == 0 || !strings.ContainsRune(ops, rune(c)) {
			return l, nil
		}
		p.pos++
		r, err := next()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: string(c), L: l, R: r}
	}
}

func (p *parser) concat() (Node, error) { return p.binaryLevel("&", p.additive) }
func (p *parser) additive() (Node, error) {
	return p.binaryLevel("+-", p.multiplicative)
}
func (p *parser) multiplicative() (Node, error) { return p.binaryLevel("*/", p.power) }

// power is left-associative in Excel: 2^3^2 = 64.
func (p *parser) power() (Node, error) { return p.binaryLevel("^", p.postfix) }

func (p *parser) postfix() (Node, error) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		if p.peek() != '%' {
			return x, nil
		}
		p.pos++
		x = &Percent{X: x}
	}
}

// unary binds tighter than ^ in Excel: -2^2 = 4.
func (p *parser) unary() (Node, error) {
	p.skipSpace()
	switch c := p.peek(); c {
	case '-', '+', '@':
		p.pos++
		if err := p.enter(); err != nil {
			return nil, err
		}
		x, err := p.unary()
		p.depth--
		if err != nil {
			return nil, err
		}
		if c == '+' {
			return x, nil // unary plus is the identity (it does not coerce)
		}
		return &Unary{Op: c, X: x}, nil
	}
	return p.rangeExpr()
}

// rangeExpr parses the reference operators: ':' and intersection (space).
func (p *parser) rangeExpr() (Node, error) {
	l, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		save := p.pos
		sp := p.skipSpace()
		c := p.peek()
		if c == ':' {
			p.pos++
			p.skipSpace()
			r, err := p.primary()
			if err != nil {
				return nil, err
			}
			l = &Binary{Op: ":", L: l, R: r}
			continue
		}
		if sp && isRefNode(l) && (isIdentStart(c) || c == '$' || c == '\'' || c == '(') {
			r, err := p.primary()
			if err != nil {
				return nil, err
			}
			l = &Binary{Op: " ", L: l, R: r}
			continue
		}
		p.pos = save
		return l, nil
	}
}

func isRefNode(n Node) bool {
	switch x := n.(type) {
	case *Ref, *Name, *TableRef:
		return true
	case *Binary:
		return x.Op == ":" || x.Op == " " || x.Op == ","
	case *Call:
		return x.Name == "OFFSET" || x.Name == "INDEX" || x.Name == "INDIRECT" || x.Name == "CHOOSE" || x.Name == "IF" || x.Name == "ANCHORARRAY"
	}
	return false
}

func isIdentStart(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '\\' || c >= 0x80
}

func isIdentByte(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '.' || c == '$' || c == '?'
}

func (p *parser) primary() (Node, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, p.fail("unexpected end of formula")
	}
	c := p.src[p.pos]
	switch {
	case c == '(':
		p.pos++
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		for {
			p.skipSpace()
			if p.peek() != ',' {
				break
			}
			p.pos++
			y, err := p.expr()
			if err != nil {
				return nil, err
			}
			x = &Binary{Op: ",", L: x, R: y}
		}
		if p.peek() != ')' {
			return nil, p.fail("missing )")
		}
		p.pos++
		return x, nil
	case c == '"':
		s, err := p.stringLit()
		if err != nil {
			return nil, err
		}
		return String{V: s}, nil
	case c == '#':
		return p.errorLit()
	case c == '{':
		return p.arrayLit()
	case c >= '0' && c <= '9' || c == '.':
		if n, ok := p.rowRange(""); ok {
			return n, nil
		}
		return p.number()
	case c == '[':
		return p.tableRef("")
	case c == '$' || c == '\'' || isIdentStart(c):
		return p.reference()
	}
	return nil, p.fail("unexpected %q", string(c))
}

func (p *parser) stringLit() (string, error) {
	var b strings.Builder
	p.pos++ // opening quote
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '"' {
			if p.pos+1 < len(p.src) && p.src[p.pos+1] == '"' {
				b.WriteByte('"')
				p.pos += 2
				continue
			}
			p.pos++
			return b.String(), nil
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", p.fail("unterminated string")
}

func (p *parser) errorLit() (Node, error) {
	rest := p.src[p.pos:]
	for k, name := range errorNames {
		if len(rest) >= len(name) && strings.EqualFold(rest[:len(name)], name) {
			p.pos += len(name)
			return ErrorLit{K: k}, nil
		}
	}
	return nil, p.fail("unknown error literal")
}

func (p *parser) number() (Node, error) {
	start := p.pos
	for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.') {
		p.pos++
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		q := p.pos + 1
		if q < len(p.src) && (p.src[q] == '+' || p.src[q] == '-') {
			q++
		}
		if q < len(p.src) && p.src[q] >= '0' && p.src[q] <= '9' {
			for q < len(p.src) && p.src[q] >= '0' && p.src[q] <= '9' {
				q++
			}
			p.pos = q
		}
	}
	v, err := strconv.ParseFloat(p.src[start:p.pos], 64)
	if err != nil {
		p.pos = start
		return nil, p.fail("bad number")
	}
	return Number{V: v}, nil
}

func (p *parser) arrayLit() (Node, error) {
	p.pos++ // {
	arr := &Array{}
	row := []Node{}
	for {
		p.skipSpace()
		var el Node
		neg := false
		if p.peek() == '-' {
			neg = true
			p.pos++
		} else if p.peek() == '+' {
			p.pos++
		}
		switch c := p.peek(); {
		case c == '"':
			s, err := p.stringLit()
			if err != nil {
				return nil, err
			}
			el = String{V: s}
		case c == '#':
			e, err := p.errorLit()
			if err != nil {
				return nil, err
			}
			el = e
		case c >= '0' && c <= '9' || c == '.':
			n, err := p.number()
			if err != nil {
				return nil, err
			}
			el = n
		case isIdentStart(c):
			start := p.pos
			for p.pos < len(p.src) && isIdentByte(p.src[p.pos]) {
				p.pos++
			}
			switch strings.ToUpper(p.src[start:p.pos]) {
			case "TRUE":
				el = Bool{V: true}
			case "FALSE":
				el = Bool{V: false}
			default:
				p.pos = start
				return nil, p.fail("array constants hold only constants")
			}
		default:
			return nil, p.fail("bad array constant")
		}
		if neg {
			n, ok := el.(Number)
			if !ok {
				return nil, p.fail("bad array constant")
			}
			el = Number{V: -n.V}
		}
		row = append(row, el)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case ';':
			p.pos++
			arr.Rows = append(arr.Rows, row)
			row = []Node{}
		case '}':
			p.pos++
			arr.Rows = append(arr.Rows, row)
			for _, r := range arr.Rows {
				if len(r) != len(arr.Rows[0]) {
					return nil, p.fail("array rows differ in length")
				}
			}
			return arr, nil
		default:
			return nil, p.fail("bad array constant")
		}
	}
}

// sheetPrefix consumes "Sheet!", "'My Sheet'!" or "S1:S3!" if present.
func (p *parser) sheetPrefix() (s1, s2 string, ok bool, err error) {
	start := p.pos
	if p.peek() == '[' {
		return "", "", false, p.fail("external workbook references are not supported")
	}
	if p.peek() == '\'' {
		var b strings.Builder
		p.pos++
		for {
			if p.pos >= len(p.src) {
				return "", "", false, p.fail("unterminated sheet name")
			}
			c := p.src[p.pos]
			if c == '\'' {
				if p.pos+1 < len(p.src) && p.src[p.pos+1] == '\'' {
					b.WriteByte('\'')
					p.pos += 2
					continue
				}
				p.pos++
				break
			}
			b.WriteByte(c)
			p.pos++
		}
		if p.peek() != '!' {
			return "", "", false, p.fail("expected ! after sheet name")
		}
		p.pos++
		name := b.String()
		if strings.HasPrefix(name, "[") {
			return "", "", false, p.fail("external workbook references are not supported")
		}
		a, bb, found := strings.Cut(name, ":")
		if found {
			return a, bb, true, nil
		}
		return name, "", true, nil
	}
	id := p.ident()
	if id != "" && p.peek() == '!' {
		p.pos++
		return id, "", true, nil
	}
	if id != "" && p.peek() == ':' {
		save := p.pos
		p.pos++
		id2 := p.ident()
		if id2 != "" && p.peek() == '!' {
			p.pos++
			return id, id2, true, nil
		}
		p.pos = save
	}
	p.pos = start
	return "", "", false, nil
}

func (p *parser) ident() string {
	start := p.pos
	for p.pos < len(p.src) && isIdentByte(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

func (p *parser) reference() (Node, error) {
	s1, s2, hasSheet, err := p.sheetPrefix()
	if err != nil {
		return nil, err
	}
	if hasSheet && p.peek() == '#' {
		return p.errorLit() // Sheet1!#REF!
	}
	if c := p.peek(); c >= '0' && c <= '9' || c == '$' && p.pos+1 < len(p.src) && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9' {
		if n, ok := p.rowRange(s1); ok {
			n.(*Ref).Sheet2 = s2
			return n, nil
		}
		return nil, p.fail("bad reference")
	}
	start := p.pos
	id := p.ident()
	if id == "" {
		return nil, p.fail("expected a reference")
	}
	// function call
	if p.peek() == '(' && !hasSheet {
		var n Node
		if v, ok := lambdaParam(id); ok {
			// _xlpm.f(3): a call of a LET or LAMBDA name (xlsx spelling)
			args, err := p.argList(v)
			if err != nil {
				return nil, err
			}
			n = &Invoke{Fn: &Name{Name: v}, Args: args}
		} else if n, err = p.call(id); err != nil {
			return nil, err
		}
		return p.invocations(n)
	}
	if p.peek() == '[' && !hasSheet {
		return p.tableRef(id)
	}
	// cell or area
	if r, c, ok := workbook.ParseCellName(id); ok {
		ref := &Ref{Sheet: s1, Sheet2: s2, Kind: RefCell, Row1: r, Col1: c, Row2: r, Col2: c, Abs: absBits(id, 0)}
		save := p.pos
		if p.peek() == ':' {
			p.pos++
			id2 := p.ident()
			if r2, c2, ok := workbook.ParseCellName(id2); ok && p.peek() != '(' && p.peek() != '!' {
				ref.Kind = RefArea
				ref.Row2, ref.Col2 = r2, c2
				ref.Abs |= absBits(id2, 2)
				normalize(ref)
				return ref, nil
			}
			p.pos = save
		}
		if p.peek() == '#' {
			// A1#: the range A1's formula spilled into, which Excel stores
			// as _xlfn.ANCHORARRAY(A1)
			p.pos++
			return &Call{Name: "ANCHORARRAY", Args: []Node{ref}}, nil
		}
		return ref, nil
	}
	// column range A:C
	if c1, ok := colName(id); ok && p.peek() == ':' {
		save := p.pos
		p.pos++
		id2 := p.ident()
		if c2, ok := colName(id2); ok {
			ref := &Ref{Sheet: s1, Sheet2: s2, Kind: RefCols, Row1: 1, Col1: c1, Row2: workbook.MaxRows, Col2: c2}
			if strings.HasPrefix(id, "$") {
				ref.Abs |= AbsCol1
			}
			if strings.HasPrefix(id2, "$") {
				ref.Abs |= AbsCol2
			}
			normalize(ref)
			return ref, nil
		}
		p.pos = save
	}
	up := strings.ToUpper(id)
	if !hasSheet && (up == "TRUE" || up == "FALSE") {
		return Bool{V: up == "TRUE"}, nil
	}
	if strings.ContainsAny(id, "$") || id[0] >= '0' && id[0] <= '9' {
		p.pos = start
		return nil, p.fail("bad reference %q", id)
	}
	if s2 != "" {
		return nil, p.fail("3-D reference to a name")
	}
	if v, ok := lambdaParam(id); ok {
		id = v
	}
	return &Name{Sheet: s1, Name: id}, nil
}

// lambdaParam strips the prefix xlsx files give LET and LAMBDA names
// (_xlpm.x). An optional LAMBDA parameter keeps its _xlop. prefix, which
// LAMBDA reads (localName).
func lambdaParam(id string) (string, bool) {
	const pre = "_xlpm."
	if len(id) > len(pre) && strings.EqualFold(id[:len(pre)], pre) {
		return id[len(pre):], true
	}
	return id, false
}

// invocations parses the argument lists that call the lambda a call
// returns: LAMBDA(x, x+1)(3), MakeAdder(1)(2).
func (p *parser) invocations(n Node) (Node, error) {
	for p.peek() == '(' {
		args, err := p.argList("a lambda")
		if err != nil {
			return nil, err
		}
		n = &Invoke{Fn: n, Args: args}
	}
	return n, nil
}

// rowRange parses "1:3" or "$1:$3" (whole rows).
func (p *parser) rowRange(sheet string) (Node, bool) {
	start := p.pos
	r1, a1, ok := p.rowNum()
	if !ok || p.peek() != ':' {
		p.pos = start
		return nil, false
	}
	p.pos++
	r2, a2, ok := p.rowNum()
	if !ok || p.pos < len(p.src) && isIdentByte(p.src[p.pos]) {
		p.pos = start
		return nil, false
	}
	ref := &Ref{Sheet: sheet, Kind: RefRows, Row1: r1, Col1: 1, Row2: r2, Col2: workbook.MaxCols}
	if a1 {
		ref.Abs |= AbsRow1
	}
	if a2 {
		ref.Abs |= AbsRow2
	}
	normalize(ref)
	return ref, true
}

func (p *parser) rowNum() (int, bool, bool) {
	abs := false
	if p.peek() == '$' {
		abs = true
		p.pos++
	}
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	if p.pos == start || p.pos-start > 7 {
		return 0, false, false
	}
	n, _ := strconv.Atoi(p.src[start:p.pos])
	if n < 1 || n > workbook.MaxRows {
		return 0, false, false
	}
	return n, abs, true
}

func colName(id string) (int, bool) {
	t := strings.TrimPrefix(id, "$")
	if len(t) == 0 || len(t) > 3 {
		return 0, false
	}
	c := 0
	for i := 0; i < len(t); i++ {
		ch := t[i]
		if ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		if ch < 'A' || ch > 'Z' {
			return 0, false
		}
		c = c*26 + int(ch-'A'+1)
	}
	return c, c <= workbook.MaxCols
}

func absBits(id string, shift uint) uint8 {
	var b uint8
	if strings.HasPrefix(id, "$") {
		b |= AbsCol1
	}
	if strings.LastIndexByte(id, '$') > 0 {
		b |= AbsRow1
	}
	return b << shift
}

func normalize(r *Ref) {
	if r.Row2 < r.Row1 {
		r.Row1, r.Row2 = r.Row2, r.Row1
	}
	if r.Col2 < r.Col1 {
		r.Col1, r.Col2 = r.Col2, r.Col1
	}
}

func (p *parser) call(id string) (Node, error) {
	name := strings.ToUpper(id)
	for _, pre := range []string{"_XLFN.", "_XLWS.", "_XLL."} {
		for strings.HasPrefix(name, pre) {
			name = name[len(pre):]
		}
	}
	args, err := p.argList(name)
	if err != nil {
		return nil, err
	}
	if name == "SINGLE" && len(args) == 1 {
		return &Unary{Op: '@', X: args[0]}, nil // how files store @x
	}
	return &Call{Name: name, Args: args}, nil
}

// argList parses a parenthesised argument list (the '(' is next).
func (p *parser) argList(name string) ([]Node, error) {
	p.pos++ // (
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	var args []Node
	p.skipSpace()
	if p.peek() == ')' {
		p.pos++
		return args, nil
	}
	for {
		p.skipSpace()
		var arg Node = Missing{}
		if ch := p.peek(); ch != ',' && ch != ')' {
			a, err := p.expr()
			if err != nil {
				return nil, err
			}
			arg = a
		}
		args = append(args, arg)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case ')':
			p.pos++
			if len(args) > 255 {
				return nil, p.fail("more than 255 arguments")
			}
			return args, nil
		default:
			return nil, p.fail("expected , or ) in call to %s", name)
		}
	}
}
