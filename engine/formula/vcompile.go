package formula

// cellExpr compiles the formula of varying cell id.
func (c *compiler) cellExpr(id int32) vexpr {
	ci := &c.m.cells[id]
	if ci.array != nil || ci.whatIf != nil {
		return &vlane{cell: id, sheet: ci.sheet, row: ci.row, col: ci.col, out: c.newReg()}
	}
	return c.node(ci.ast, ci, 0)
}

// node compiles an expression evaluated in cell ci. Sub-expressions that
// do not vary are folded to constants; operators and scalar functions get
// vector kernels; the rest is evaluated lane by lane.
func (c *compiler) node(n Node, ci *cellInfo, depth int) vexpr {
	if depth > maxEvalDepth {
		return c.lane(n, ci)
	}
	if !c.varies(n, ci.sheet) {
		ev := &evaluator{m: c.m, sheet: ci.sheet, row: ci.row, col: ci.col}
		v := ev.eval(n)
		if v.Kind == KindRef {
			if !v.Ref.single() || len(v.Areas) > 0 {
				v = ev.intersect(v)
			} else {
				v = ev.cellValue(v.Ref.Sheet, v.Ref.Row1, v.Ref.Col1)
			}
		}
		if v.Kind == KindArray {
			v = v.Arr.V[0]
		}
		return c.konst(c.constLane(v))
	}
	switch x := n.(type) {
	case *Ref:
		a, ok := c.m.resolveRef(x, ci.sheet)
		if ok && a.single() {
			if id, ok := c.m.index[key(a.Sheet, a.Row1, a.Col1)]; ok && c.m.cells[id].slot >= 0 {
				return &vcell{slot: c.m.cells[id].slot, id: id}
			}
		}
	case *Name:
		if ast, ok := c.m.lookupName(x, ci.sheet); ok {
			if r, isRef := ast.(*Ref); isRef && r.Kind == RefCell {
				return c.node(ast, ci, depth+1)
			}
		}
	case *Unary, *Percent:
		if isArith(x) {
			return c.arith(x, ci, depth)
		}
	case *Binary:
		if !scalarNode(x.L) || !scalarNode(x.R) {
			break
		}
		if isArith(x) {
			return c.arith(x, ci, depth)
		}
		switch x.Op {
		case "&":
			return &vconcat{l: c.node(x.L, ci, depth+1), r: c.node(x.R, ci, depth+1), out: c.newReg()}
		default:
			for i, op := range cmpOps {
				if op == x.Op {
					return &vcmp{op: i, l: c.node(x.L, ci, depth+1), r: c.node(x.R, ci, depth+1), out: c.newReg()}
				}
			}
		}
	case *Call:
		if e := c.call(x, ci, depth); e != nil {
			return e
		}
	}
	return c.lane(n, ci)
}

func (c *compiler) lane(n Node, ci *cellInfo) vexpr {
	return &vlane{node: n, cell: -1, sheet: ci.sheet, row: ci.row, col: ci.col, out: c.newReg()}
}

func (c *compiler) konst(v float64) *vconst {
	return &vconst{v: v, idx: c.constReg(v)}
}

// scalarNode reports whether an expression certainly yields one value (no
// range or array), so that it can live in a lane vector.
func scalarNode(n Node) bool {
	switch x := n.(type) {
	case *Ref:
		return x.Kind == RefCell && x.Sheet2 == ""
	case *Array, *Name, *Invoke:
		return false
	case *Binary:
		return x.Op != ":" && x.Op != " " && x.Op != "," && scalarNode(x.L) && scalarNode(x.R)
	case *Unary:
		return x.Op != '@' && scalarNode(x.X)
	case *Percent:
		return scalarNode(x.X)
	case *Call:
		if spillFns[x.Name] {
			return false // dynamic-array functions return arrays
		}
		switch x.Name {
		case "INDEX", "OFFSET", "INDIRECT", "CHOOSE", "IF", "IFERROR", "IFNA", "XLOOKUP", "TRANSPOSE", "MMULT", "MINVERSE", "IFS", "SWITCH":
			// may return references or arrays
			return false
		}
		if lambdaArrayFns[x.Name] {
			return false
		}
	}
	return true
}

func (c *compiler) call(x *Call, ci *cellInfo, depth int) vexpr {
	spec := functions[x.Name]
	if spec == nil || len(x.Args) < spec.min || spec.max >= 0 && len(x.Args) > spec.max {
		return nil
	}
	allScalar := true
	for _, a := range x.Args {
		if !scalarNode(a) {
			allScalar = false
		}
	}
	arg := func(i int) vexpr {
		if _, missing := x.Args[i].(Missing); missing {
			return c.konst(0)
		}
		return c.node(x.Args[i], ci, depth+1)
	}
	if e := c.rangeCall(x, ci, depth); e != nil {
		return e
	}
	switch x.Name {
	case "RAND":
		return &vrand{out: c.newReg()}
	case "IF":
		if !allScalar {
			return nil
		}
		e := &vif{c: arg(0), t: c.konst(laneTrue), f: c.konst(laneFalse)}
		if len(x.Args) > 1 {
			e.t = arg(1)
		}
		if len(x.Args) > 2 {
			e.f = arg(2)
		}
		e.out = c.newReg()
		return e
	case "IFERROR", "IFNA":
		if !allScalar {
			return nil
		}
		return &viferror{x: arg(0), alt: arg(1), na: x.Name == "IFNA", out: c.newReg()}
	}
	if f, ok := math1Fns[x.Name]; ok && allScalar && len(x.Args) == 1 {
		return &vmath1{f: f, x: arg(0), out: c.newReg()}
	}
	if f, ok := math2Fns[x.Name]; ok && allScalar && len(x.Args) == 2 {
		return &vmath2{f: f, ff: math2Floats[x.Name], x: arg(0), y: arg(1), out: c.newReg()}
	}
	if spec.lift != 0 && spec.fn != nil && allScalar && !spec.volatile || x.Name == "RANDBETWEEN" {
		e := &vfunc{spec: spec, sheet: ci.sheet, row: ci.row, col: ci.col}
		for i := range x.Args {
			e.args = append(e.args, arg(i))
		}
		e.out = c.newReg()
		return e
	}
	return nil
}
