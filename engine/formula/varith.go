package formula

import (
	"math"
	"strconv"
)

// anode is a node of an arithmetic expression (+ - * / ^, negation,
// percent) whose leaves are lane vectors or constants.
type anode struct {
	op     byte // 0 leaf; '+' '-' '*' '/' '^'; 'n' negation; '%' percent
	l, r   *anode
	ref    int32 // leaf: the buffer of its lanes (see State.vec)
	cell   int32 // leaf: the varying cell read, when isCell
	isCell bool
	c      float64 // leaf: the constant, when isC
	isC    bool
	key    string // structural key, for common subexpressions
}

// aop is one step of a flattened arithmetic expression.
type aop struct {
	kind      uint8
	dst, a, b int32
	c, d      float64
	checkB    bool // b is an intermediate divisor, possibly infinite
}

// varith evaluates an arithmetic expression as a sequence of whole-vector
// kernels writing into registers (the last one into the result, normally
// the cell's own slot), then repairs the lanes whose result is not a finite
// number by evaluating the expression for that lane with Excel's rules
// (errors, coercion of text and logicals, #DIV/0!, #NUM!). A finite result
// means every operand was a number and every intermediate finite, so the
// fast path and the per-lane rules agree bit for bit.
type varith struct {
	leaves []vexpr // operands computed before the kernels (not cells, not constants)
	ops    []aop
	root   *anode
	out    int
	// check: repair the non-finite lanes after the kernels; false when a
	// later step does (see vcheck.go)
	check bool
	up    []upLeaf // unchecked cells read as leaves, repaired first
}

func (e *varith) reg() int32     { return int32(e.out) }
func (e *varith) setOut(out int) { e.out = out; e.ops[len(e.ops)-1].dst = int32(out) }

func (e *varith) eval(s *State, n int) []float64 {
	for _, l := range e.leaves {
		l.eval(s, n)
	}
	for k := range e.ops {
		op := &e.ops[k]
		dst := s.bufs[op.dst][:n]
		var a, b []float64
		if op.a != noRef {
			a = s.vec(op.a)
		}
		if op.b != noRef {
			b = s.vec(op.b)
		}
		runKernel(op.kind, dst, a, b, op.c, op.d)
		if op.checkB && !allFinite(b[:n]) {
			nanWhereInfinite(dst, b)
		}
	}
	out := s.bufs[e.out][:n]
	if e.check && !allFinite(out) {
		for i, x := range out {
			if x-x != 0 {
				out[i] = s.repairLane(e, i)
			}
		}
	}
	return out
}

const noRef = math.MinInt32

// nanWhereInfinite marks the lanes whose divisor overflowed.
func nanWhereInfinite(dst, b []float64) {
	b = b[:len(dst)]
	for i, y := range b {
		if y-y != 0 {
			dst[i] = math.NaN()
		}
	}
}

// arithLane evaluates the expression for one lane with the scalar rules.
func (s *State) arithLane(t *anode, i int) float64 {
	switch t.op {
	case 0:
		if t.isC {
			return t.c
		}
		return s.vec(t.ref)[i]
	case 'n', '%':
		x := s.arithLane(t.l, i)
		if x != x {
			f, er := toNumber(s.decode(x))
			if er != 0 {
				return ErrorValue(er)
			}
			x = f
		}
		if t.op == 'n' {
			return -x
		}
		return x / 100
	}
	return arithLane(s, t.op, s.arithLane(t.l, i), s.arithLane(t.r, i))
}

// isArith reports whether n is an arithmetic operator that varith handles.
func isArith(n Node) bool {
	switch x := n.(type) {
	case *Binary:
		switch x.Op {
		case "+", "-", "*", "/", "^":
			return scalarNode(x.L) && scalarNode(x.R)
		}
	case *Unary:
		return x.Op == '-'
	case *Percent:
		return true
	}
	return false
}

// arith compiles an arithmetic expression (isArith(n), varying).
func (c *compiler) arith(n Node, ci *cellInfo, depth int) vexpr {
	e := &varith{check: true}
	info := &arithInfo{leaves: map[int32]bool{}, div: map[int32]bool{}}
	c.info[e] = info
	e.root = c.arithTree(n, ci, depth, e, info)
	memo := map[string]int32{}
	c.flatten(e.root, e, memo, true)
	return e
}

func (c *compiler) arithTree(n Node, ci *cellInfo, depth int, e *varith, info *arithInfo) *anode {
	operand := func(x Node) *anode {
		if depth < maxEvalDepth && isArith(x) && c.varies(x, ci.sheet) {
			return c.arithTree(x, ci, depth+1, e, info)
		}
		v := c.node(x, ci, depth+1)
		t := &anode{}
		switch l := v.(type) {
		case *vconst:
			return &anode{isC: true, c: l.v, ref: l.reg(), key: "c" + strconv.FormatUint(math.Float64bits(l.v), 16)}
		case *vcell:
			t.cell, t.isCell = l.id, true
			info.leaves[l.id] = true
		default:
			e.leaves = append(e.leaves, v)
			c.m.refsOf(x, ci.sheet, 0, func(a Area) { info.other = append(info.other, a) })
		}
		t.ref = v.reg()
		t.key = "r" + strconv.Itoa(int(t.ref))
		return t
	}
	var t *anode
	switch x := n.(type) {
	case *Binary:
		t = &anode{op: x.Op[0], l: operand(x.L), r: operand(x.R)}
		t.key = string(t.op) + "(" + t.l.key + "," + t.r.key + ")"
		if t.op == '/' && t.r.isCell {
			info.div[t.r.cell] = true
		}
	case *Unary:
		t = &anode{op: 'n', l: operand(x.X)}
		t.key = "n(" + t.l.key + ")"
	case *Percent:
		t = &anode{op: '%', l: operand(x.X)}
		t.key = "%(" + t.l.key + ")"
	}
	return t
}

// scaled recognises c*x or x*c (x a vector) and x/c with an exact 1/c,
// for fusing into y + c*x.
func scaled(t *anode, memo map[string]int32) (x *anode, c float64, ok bool) {
	if _, done := memo[t.key]; done {
		return nil, 0, false
	}
	switch t.op {
	case '*':
		if t.r.isC && !t.l.isC {
			return t.l, t.r.c, true
		}
		if t.l.isC && !t.r.isC {
			return t.r, t.l.c, true
		}
	case '/':
		if t.r.isC && !t.l.isC {
			if inv, ok := exactReciprocal(t.r.c); ok {
				return t.l, inv, true
			}
		}
	}
	return nil, 0, false
}

// flatten emits the kernels computing t and returns the buffer holding it.
func (c *compiler) flatten(t *anode, e *varith, memo map[string]int32, root bool) int32 {
	if t.op == 0 {
		return t.ref
	}
	if r, ok := memo[t.key]; ok && !root {
		return r
	}
	operand := func(x *anode) int32 { return c.flatten(x, e, memo, false) }
	op := aop{a: noRef, b: noRef}
	switch t.op {
	case 'n':
		op.kind, op.a, op.c = kMulVC, operand(t.l), -1
	case '%':
		op.kind, op.a, op.c = kDivVC, operand(t.l), 100
	case '+', '-':
		l, r := t.l, t.r
		switch {
		case r.isC:
			if x, k, ok := scaled(l, memo); ok {
				d := r.c
				if t.op == '-' {
					d = -d
				}
				op.kind, op.a, op.c, op.d = kMulAddC, operand(x), k, d
			} else if t.op == '+' {
				op.kind, op.a, op.c = kAddVC, operand(l), r.c
			} else {
				op.kind, op.a, op.c = kAddVC, operand(l), -r.c
			}
		case l.isC:
			if t.op == '+' {
				if x, k, ok := scaled(r, memo); ok {
					op.kind, op.a, op.c, op.d = kMulAddC, operand(x), k, l.c
				} else {
					op.kind, op.a, op.c = kAddVC, operand(r), l.c
				}
			} else {
				op.kind, op.a, op.c = kRSubVC, operand(r), l.c
			}
		default:
			if x, k, ok := scaled(r, memo); ok {
				if t.op == '-' {
					k = -k
				}
				op.kind, op.b = kAxpy, operand(l)
				op.a, op.c = operand(x), k
			} else if x, k, ok := scaled(l, memo); ok && t.op == '+' {
				op.kind, op.b = kAxpy, operand(r)
				op.a, op.c = operand(x), k
			} else if t.op == '+' {
				op.kind, op.a, op.b = kAddVV, operand(l), operand(r)
			} else {
				op.kind, op.a, op.b = kSubVV, operand(l), operand(r)
			}
		}
	case '*':
		switch {
		case t.r.isC:
			op.kind, op.a, op.c = kMulVC, operand(t.l), t.r.c
		case t.l.isC:
			op.kind, op.a, op.c = kMulVC, operand(t.r), t.l.c
		default:
			op.kind, op.a, op.b = kMulVV, operand(t.l), operand(t.r)
		}
	case '/':
		switch {
		case t.r.isC:
			if inv, ok := exactReciprocal(t.r.c); ok {
				op.kind, op.a, op.c = kMulVC, operand(t.l), inv
			} else {
				op.kind, op.a, op.c = kDivVC, operand(t.l), t.r.c
			}
		case t.l.isC:
			op.kind, op.a, op.c = kRDivVC, operand(t.r), t.l.c
			// the divisor is op.a here: check it as b
			op.b, op.checkB = op.a, t.r.op != 0
		default:
			op.kind, op.a, op.b = kDivVV, operand(t.l), operand(t.r)
			op.checkB = t.r.op != 0
		}
	case '^':
		switch {
		case t.r.isC:
			op.kind, op.a, op.c = kPowVC, operand(t.l), t.r.c
		case t.l.isC:
			op.kind, op.a, op.c = kRPowVC, operand(t.r), t.l.c
		default:
			op.kind, op.a, op.b = kPowVV, operand(t.l), operand(t.r)
		}
	}
	if root {
		e.out = c.newReg()
		op.dst = int32(e.out)
	} else {
		op.dst = int32(c.newReg())
	}
	e.ops = append(e.ops, op)
	memo[t.key] = op.dst
	return op.dst
}
