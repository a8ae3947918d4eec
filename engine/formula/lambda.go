package formula

import "strings"

// LET and LAMBDA names live in a chain of bindings, innermost first: a LET
// adds one per name, an invocation one per parameter. A LAMBDA value keeps
// the chain in force where it was made (lexical scope); a defined name is
// evaluated with none (see evaluator.eval).
type binding struct {
	name    string
	v       Value
	omitted bool // a parameter the caller left out (ISOMITTED)
	up      *binding
}

// find returns the innermost binding of name (case-insensitive, as Excel).
func (b *binding) find(name string) *binding {
	for ; b != nil; b = b.up {
		if strings.EqualFold(b.name, name) {
			return b
		}
	}
	return nil
}

// Lambda is a LAMBDA value: the LAMBDA call that made it (parameters are
// its arguments but the last, which is the body) and the names in force
// there.
type Lambda struct {
	def *Call
	env *binding
}

func (l *Lambda) params() []Node { return l.def.Args[:len(l.def.Args)-1] }

// maxLambdaDepth bounds nested LAMBDA invocations (recursion through a
// defined name): Excel stops at about 1024 levels.
const maxLambdaDepth = 1024

// lambdaArrayFns are the functions of this file that may return an array,
// so that the vector compiler never treats their result as one value.
var lambdaArrayFns = map[string]bool{
	"LET": true, "LAMBDA": true, "MAP": true, "REDUCE": true, "SCAN": true,
	"BYROW": true, "BYCOL": true, "MAKEARRAY": true,
}

// invoke evaluates a call of a lambda: its arguments in the caller's
// scope, then its body with the parameters bound.
func (ev *evaluator) invoke(x *Invoke) Value {
	if ev.depth >= maxEvalDepth {
		return ErrValueOf(ErrNum) // recursion inside nested functions' arguments
	}
	f := ev.eval(x.Fn)
	switch f.Kind {
	case KindLambda:
	case KindError:
		return f
	default:
		return ErrValueOf(ErrValue)
	}
	// a parameter may be left empty (f(1,)); only optional ones may be
	// left out
	if len(x.Args) > len(f.Fn.params()) || len(x.Args) < f.Fn.required() {
		return ErrValueOf(ErrValue)
	}
	args := make([]Value, len(x.Args))
	var missing []bool
	for i, a := range x.Args {
		if _, ok := a.(Missing); ok {
			if missing == nil {
				missing = make([]bool, len(x.Args))
			}
			missing[i] = true
			continue
		}
		args[i] = ev.eval(a)
	}
	return ev.apply(f.Fn, args, missing)
}

// callName evaluates a call of a name that is no worksheet function in an
// expression the model did not bind (Calculator.Values): a LET or LAMBDA
// name in force or a defined name is invoked, anything else is #NAME?.
func (ev *evaluator) callName(x *Call) Value {
	if ev.scope.find(x.Name) == nil && !ev.m.definedAnywhere(x.Name) {
		return ErrValueOf(ErrName)
	}
	return ev.invoke(&Invoke{Fn: &Name{Name: x.Name}, Args: x.Args})
}

// apply evaluates lambda l's body with its parameters bound to args;
// parameters past len(args), or marked in missing, are omitted.
func (ev *evaluator) apply(l *Lambda, args []Value, missing []bool) Value {
	if ev.lambdaDepth >= maxLambdaDepth {
		return ErrValueOf(ErrNum)
	}
	params := l.params()
	bs := make([]binding, len(params))
	scope := l.env
	for i, p := range params {
		b := &bs[i]
		b.name, _ = localName(p)
		b.up = scope
		if i < len(args) && (missing == nil || !missing[i]) {
			b.v = args[i]
		} else {
			b.omitted = true
		}
		scope = b
	}
	saved := ev.scope
	ev.scope = scope
	ev.lambdaDepth++
	v := ev.eval(l.def.Args[len(l.def.Args)-1])
	ev.lambdaDepth--
	ev.scope = saved
	return v
}

// walkFree calls fn for n and every node below it, as Walk does, except
// LET and LAMBDA names: their declarations, and the names they bind where
// those are in force (so that a LET name that is also a defined name adds
// no dependency on what the defined name refers to).
func walkFree(n Node, fn func(Node)) { walkScoped(n, nil, fn) }

func walkScoped(n Node, local []string, fn func(Node)) {
	switch x := n.(type) {
	case *Name:
		if x.Sheet == "" && isLocal(local, x.Name) {
			return
		}
	case *Call:
		if x.Name == "LET" || x.Name == "LAMBDA" {
			fn(n)
			k := len(local)
			for i, a := range x.Args {
				decl := i < len(x.Args)-1 && (x.Name == "LAMBDA" || i%2 == 0)
				if decl {
					if name, ok := localName(a); ok {
						local = append(local[:k:k], name)
						k++
						continue
					}
				}
				walkScoped(a, local[:k:k], fn)
			}
			return
		}
	}
	fn(n)
	if x, ok := n.(*Call); ok && functions[x.Name] == nil && !isLocal(local, x.Name) {
		// a call of a defined name in an expression the model did not
		// bind (Calculator's): the name is read as in an Invoke
		fn(&Name{Name: x.Name})
	}
	switch x := n.(type) {
	case *Unary:
		walkScoped(x.X, local, fn)
	case *Percent:
		walkScoped(x.X, local, fn)
	case *Binary:
		walkScoped(x.L, local, fn)
		walkScoped(x.R, local, fn)
	case *Call:
		for _, a := range x.Args {
			walkScoped(a, local, fn)
		}
	case *Invoke:
		walkScoped(x.Fn, local, fn)
		for _, a := range x.Args {
			walkScoped(a, local, fn)
		}
	case *Array:
		for _, r := range x.Rows {
			for _, e := range r {
				walkScoped(e, local, fn)
			}
		}
	}
}

// isLocal reports whether name is one of the LET and LAMBDA names in force.
func isLocal(local []string, name string) bool {
	for _, l := range local {
		if strings.EqualFold(l, name) {
			return true
		}
	}
	return false
}

// onPath reports whether the name expression ast is already being followed.
func onPath(path []Node, ast Node) bool {
	for _, p := range path {
		if p == ast {
			return true
		}
	}
	return false
}

// volatileIn reports whether an expression draws random numbers, directly
// or through the defined names it uses (a named LAMBDA sampling RAND()).
func (m *model) volatileIn(n Node, sheet int32) bool {
	return m.volatilePath(n, sheet, nil)
}

func (m *model) volatilePath(n Node, sheet int32, path []Node) bool {
	if usesVolatile(n) {
		return true
	}
	if len(m.names) == 0 || len(path) > 32 {
		return false
	}
	found := false
	walkFree(n, func(x Node) {
		if y, ok := x.(*Name); ok && !found {
			if ast, ok := m.lookupName(y, sheet); ok && !onPath(path, ast) {
				found = m.volatilePath(ast, sheet, append(path, ast))
			}
		}
	})
	return found
}

// bindInvokes turns the calls of a formula that name no worksheet function
// but a LET or LAMBDA name of the formula, or a defined name (MyFn(2)
// where MyFn holds a LAMBDA), into invocations. A call of an unknown name
// stays a call, reported as unsupported.
func (m *model) bindInvokes(n Node) Node {
	if n == nil {
		return nil
	}
	unknown := false
	Walk(n, func(x Node) {
		if c, ok := x.(*Call); ok && functions[c.Name] == nil {
			unknown = true
		}
	})
	if !unknown {
		return n
	}
	return m.rebind(n, boundNames(n))
}

// boundNames is the set of names (upper case) that the LET and LAMBDA
// calls of n bind.
func boundNames(n Node) map[string]bool {
	bound := map[string]bool{}
	Walk(n, func(x Node) {
		c, ok := x.(*Call)
		if !ok {
			return
		}
		var names []Node
		switch c.Name {
		case "LET":
			for i := 0; i+1 < len(c.Args); i += 2 {
				names = append(names, c.Args[i])
			}
		case "LAMBDA":
			if len(c.Args) > 0 {
				names = c.Args[:len(c.Args)-1]
			}
		}
		for _, a := range names {
			if name, ok := localName(a); ok {
				bound[strings.ToUpper(name)] = true
			}
		}
	})
	return bound
}

// UnsupportedCalls lists the calls of n (parsed formula text) that name
// neither a worksheet function nor a lambda: a LET or LAMBDA name of n, or
// a name for which defined (given the upper-case name) is true, such as
// the workbook's defined names holding LAMBDAs.
func UnsupportedCalls(n Node, defined func(name string) bool) []string {
	var out []string
	var bound map[string]bool
	Walk(n, func(x Node) {
		c, ok := x.(*Call)
		if !ok || functions[c.Name] != nil {
			return
		}
		if bound == nil {
			bound = boundNames(n)
		}
		if !bound[c.Name] && (defined == nil || !defined(c.Name)) {
			out = append(out, c.Name)
		}
	})
	return out
}

func (m *model) rebind(n Node, bound map[string]bool) Node {
	switch x := n.(type) {
	case *Unary:
		x.X = m.rebind(x.X, bound)
	case *Percent:
		x.X = m.rebind(x.X, bound)
	case *Binary:
		x.L, x.R = m.rebind(x.L, bound), m.rebind(x.R, bound)
	case *Invoke:
		x.Fn = m.rebind(x.Fn, bound)
		for i, a := range x.Args {
			x.Args[i] = m.rebind(a, bound)
		}
	case *Call:
		for i, a := range x.Args {
			x.Args[i] = m.rebind(a, bound)
		}
		if functions[x.Name] == nil && (bound[x.Name] || m.definedAnywhere(x.Name)) {
			return &Invoke{Fn: &Name{Name: x.Name}, Args: x.Args}
		}
	}
	return n
}

// definedAnywhere reports whether some scope defines the (upper-case) name.
func (m *model) definedAnywhere(name string) bool {
	for k := range m.names {
		if i := strings.IndexByte(k, '!'); i >= 0 && k[i+1:] == name {
			return true
		}
	}
	return false
}
