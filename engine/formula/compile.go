package formula

import (
	"fmt"
	"math"

	"github.com/simgraph/simgraph/engine/workbook"
)

// CompileOptions selects what a Program computes.
type CompileOptions struct {
	// Inputs are cells overridden lane by lane (constants or blanks in the
	// workbook, not formulas).
	Inputs []CellRef
	// Outputs are the cells whose lane values are wanted.
	Outputs []CellRef
	// MaxDepth bounds formula nesting (0 = DefaultMaxDepth).
	MaxDepth int
}

// Compile builds the batch program computing opts.Outputs from opts.Inputs:
// it parses the formulas reachable from the outputs, orders them, folds
// every cell that does not depend on an input (or on RAND) into a constant
// and turns the rest into vector code.
//
// A panic while compiling (a bug in a function evaluated at compile time)
// is returned as an error rather than taking the caller down.
func Compile(wb *workbook.Workbook, opts CompileOptions) (p *Program, err error) {
	defer func() {
		if v := recover(); v != nil {
			p, err = nil, fmt.Errorf("formula: internal error compiling the workbook: %v", v)
		}
	}()
	return compile(wb, opts)
}

func compile(wb *workbook.Workbook, opts CompileOptions) (*Program, error) {
	m := newModel(wb, opts.MaxDepth)
	p := &Program{m: m, inputs: opts.Inputs, outputs: opts.Outputs}
	cellID := func(r CellRef, create bool) (int32, error) {
		s, ok := m.sheetIndex(r.Sheet)
		if !ok {
			return -1, fmt.Errorf("%s: no sheet %q", r, r.Sheet)
		}
		if r.Row < 1 || r.Row > workbook.MaxRows || r.Col < 1 || r.Col > workbook.MaxCols {
			return -1, fmt.Errorf("%s: outside the sheet", r)
		}
		k := key(s, int32(r.Row), int32(r.Col))
		id, ok := m.index[k]
		if !ok {
			if !create {
				return -1, nil
			}
			id = int32(len(m.cells))
			m.cells = append(m.cells, cellInfo{sheet: s, row: int32(r.Row), col: int32(r.Col), slot: -1})
			m.index[k] = id
			sh := m.sheets[s]
			sh.maxRow, sh.maxCol = max(sh.maxRow, int32(r.Row)), max(sh.maxCol, int32(r.Col))
		}
		return id, nil
	}
	var inputIDs []int32
	for _, r := range opts.Inputs {
		id, err := cellID(r, true)
		if err != nil {
			return nil, fmt.Errorf("input %w", err)
		}
		ci := &m.cells[id]
		if ci.isFormula {
			return nil, fmt.Errorf("input %s is a formula cell; inputs must be constants", r)
		}
		if ci.slot >= 0 {
			return nil, fmt.Errorf("input %s listed twice", r)
		}
		ci.varying = true
		ci.slot = int32(p.nslots)
		ci.state = stDone
		p.nslots++
		p.inSlot = append(p.inSlot, ci.slot)
		inputIDs = append(inputIDs, id)
	}
	var roots []int32
	outIDs := make([]int32, len(opts.Outputs))
	for j, r := range opts.Outputs {
		id, err := cellID(r, false)
		if err != nil {
			return nil, fmt.Errorf("output %w", err)
		}
		outIDs[j] = id
		if id >= 0 && m.cells[id].isFormula {
			roots = append(roots, id)
		}
	}
	order, cycles := m.order(roots)
	var groups []cycleGroup
	if len(cycles) > 0 && wb.Calc.Iterate {
		order, groups = m.iterativeOrder(roots)
		cycles = nil
	}
	// OFFSET and INDIRECT reach cells their static references do not name.
	// When lanes vary, such a formula is compiled as varying, after every
	// other formula of the workbook (compiled too, so that a varying target
	// has been computed when it is read); dynDeps holds the formulas that
	// depend on it, which run last.
	dynCell := int32(-1)
	if len(cycles) == 0 {
		lanesVary := len(inputIDs) > 0
		for _, id := range order {
			if src := m.formulaAST(id); src != nil && m.volatileIn(src, m.cells[id].sheet) {
				lanesVary = true
			}
		}
		for _, id := range order {
			if src := m.formulaAST(id); lanesVary && dynCell < 0 && src != nil && m.callsDynamic(src, m.cells[id].sheet, 0) {
				dynCell = id
			}
		}
		if dynCell >= 0 && len(groups) > 0 {
			return nil, fmt.Errorf("%s uses OFFSET or INDIRECT, whose targets are only known per lane; with circular references solved by iterative calculation this is not supported", m.cellName(dynCell))
		}
		if dynCell >= 0 {
			all := append([]int32(nil), roots...)
			for id := range m.cells {
				if m.cells[id].isFormula {
					all = append(all, int32(id))
				}
			}
			order, cycles = m.order(all)
			if len(cycles) > 0 || m.anyFormulaError(order) != nil {
				err := m.anyFormulaError(order)
				if len(cycles) > 0 {
					err = m.cycleError(cycles[0])
				}
				return nil, fmt.Errorf("%s uses OFFSET or INDIRECT, whose targets are only known per lane, so every formula of the workbook is compiled: %w", m.cellName(dynCell), err)
			}
			order = m.dynamicLast(order)
		}
	}
	if len(cycles) > 0 {
		return nil, m.cycleError(cycles[0])
	}
	p.inputUsed = m.inputsRead(inputIDs, outIDs, order, dynCell >= 0)
	unsup := map[string]int{}
	for _, id := range order {
		ci := &m.cells[id]
		if ci.parseErr != nil {
			return nil, &FormulaError{Cell: m.cellName(id), Err: ci.parseErr}
		}
		if ci.ast != nil {
			seen := map[string]bool{}
			for _, n := range unsupportedIn(ci.ast) {
				if !seen[n] {
					unsup[n]++
					seen[n] = true
				}
			}
		}
	}
	if len(unsup) > 0 {
		return nil, &UnsupportedError{Functions: unsup}
	}
	// which cells vary: inputs, volatile formulas and their dependents
	c := &compiler{p: p, m: m, inputs: inputIDs, constIdx: map[uint64]int{}, strIdx: map[string]int{}, dynamic: dynCell >= 0, info: map[*varith]*arithInfo{}}
	groupOf := map[int32]int{} // cell -> index in groups
	for k, g := range groups {
		for _, id := range g.members {
			groupOf[id] = k
		}
	}
	for _, id := range order {
		c.markVarying(id, dynCell >= 0)
		// a circular component varies as a whole: decided at its last member
		if k, ok := groupOf[id]; ok && groups[k].members[len(groups[k].members)-1] == id {
			g := groups[k]
			any := false
			for _, mid := range g.members {
				any = any || m.cells[mid].varying
			}
			for _, mid := range g.members {
				m.cells[mid].varying = any
			}
		}
	}
	dynamic := false
	solved := make([]bool, len(groups))
	for _, id := range order {
		ci := &m.cells[id]
		if !ci.varying {
			if k, ok := groupOf[id]; ok && !solved[k] {
				m.solveGroup(groups[k], wb.Calc)
				solved[k] = true
			}
			m.evalCell(id, nil)
			continue
		}
		if src := m.formulaAST(id); src != nil && m.callsDynamic(src, ci.sheet, 0) {
			dynamic = true
		}
	}
	// a data table cell reads, through its formula's cone, cells its static
	// dependencies do not list: no slot may be recycled under it
	whatIfVaries := false
	for _, id := range order {
		whatIfVaries = whatIfVaries || m.cells[id].whatIf != nil && m.cells[id].varying
	}
	c.assignSlots(order, outIDs, !dynamic && len(groups) == 0 && !whatIfVaries)
	for _, id := range order {
		ci := &m.cells[id]
		if !ci.varying {
			continue
		}
		if k, ok := groupOf[id]; ok && groups[k].members[0] == id {
			c.beginLoop(groups[k], wb.Calc)
		}
		p.formulas++
		c.regs = 0
		e := c.cellExpr(id)
		if r, ok := e.(retargetable); ok {
			// write the result straight into the cell's slot
			r.setOut(int(ci.slot))
		}
		p.nregs = max(p.nregs, c.regs)
		p.steps = append(p.steps, step{slot: ci.slot, expr: e, id: id})
		if k, ok := groupOf[id]; ok && groups[k].members[len(groups[k].members)-1] == id {
			c.endLoop()
		}
	}
	c.linkChecks(c.reads)
	// OFFSET and INDIRECT reach cells outside the static dependency graph;
	// fold every remaining constant formula now, so that workers sharing
	// the program only ever read the model
	if dynamic {
		for id := range m.cells {
			if ci := &m.cells[id]; ci.isFormula && !ci.varying {
				m.evalCell(int32(id), nil)
			}
		}
	}
	for j, id := range outIDs {
		if id >= 0 && m.cells[id].varying {
			p.outSlot = append(p.outSlot, m.cells[id].slot)
			p.outConst = append(p.outConst, 0)
			continue
		}
		v := Blank
		if id >= 0 {
			v = m.cells[id].value
			if m.cells[id].isFormula {
				v = m.evalCell(id, nil)
			}
		}
		p.outSlot = append(p.outSlot, -1)
		p.outConst = append(p.outConst, c.constLane(v))
		_ = j
	}
	return p, nil
}

// inputsRead tells, per input, whether an output is the input or one of
// the formulas in order (those the outputs depend on) reads it. With
// dynamic references every input may be read.
func (m *model) inputsRead(inputIDs, outIDs, order []int32, dynamic bool) []bool {
	used := make([]bool, len(inputIDs))
	unread := len(inputIDs)
	mark := func(k int) {
		if !used[k] {
			used[k] = true
			unread--
		}
	}
	if dynamic {
		for k := range used {
			mark(k)
		}
		return used
	}
	for k, in := range inputIDs {
		for _, out := range outIDs {
			if out == in {
				mark(k)
			}
		}
	}
	for _, id := range order {
		if unread == 0 {
			break
		}
		ci := &m.cells[id]
		if ci.ast == nil {
			continue // an array formula's other cells read its master, in order too
		}
		m.refsOf(ci.ast, ci.sheet, 0, func(a Area) {
			for k, in := range inputIDs {
				if c := &m.cells[in]; !used[k] && c.sheet >= a.Sheet && c.sheet <= a.Sheet2 && c.row >= a.Row1 && c.row <= a.Row2 && c.col >= a.Col1 && c.col <= a.Col2 {
					mark(k)
				}
			}
		})
	}
	return used
}

type compiler struct {
	dynamic  bool // OFFSET/INDIRECT results vary (see Compile)
	p        *Program
	m        *model
	inputs   []int32
	regs     int
	constIdx map[uint64]int
	strIdx   map[string]int
	// deferred checks (vcheck.go)
	unchecked map[int32]bool
	info      map[*varith]*arithInfo
	reads     [][]int32 // varying cells each step reads
}

// markVarying decides whether formula cell id varies from lane to lane:
// it draws random numbers, reads an input or a varying cell, or (dynamic)
// calls OFFSET or INDIRECT while lanes vary.
func (c *compiler) markVarying(id int32, dynamic bool) {
	m := c.m
	ci := &m.cells[id]
	src := ci
	if ci.array != nil {
		src = &m.cells[ci.array.master]
	}
	if src.ast != nil && m.volatileIn(src.ast, src.sheet) {
		ci.varying = true
		c.p.usesRand = true
		return
	}
	if dynamic && src.ast != nil && m.callsDynamic(src.ast, src.sheet, 0) {
		ci.varying = true
		return
	}
	for _, d := range m.deps(id) {
		if m.cells[d].varying {
			ci.varying = true
			return
		}
	}
	if ci.ast != nil {
		m.refsOf(ci.ast, ci.sheet, 0, func(a Area) {
			if !ci.varying && c.inputIn(a) {
				ci.varying = true
			}
		})
	}
}

func (c *compiler) inputIn(a Area) bool {
	for _, id := range c.inputs {
		ci := &c.m.cells[id]
		if ci.sheet >= a.Sheet && ci.sheet <= a.Sheet2 && ci.row >= a.Row1 && ci.row <= a.Row2 && ci.col >= a.Col1 && ci.col <= a.Col2 {
			return true
		}
	}
	return false
}

// areaVarying reports whether any cell of the area varies.
func (c *compiler) areaVarying(a Area) bool {
	if c.inputIn(a) {
		return true
	}
	v := false
	c.m.formulaCellsIn(a, func(id int32) {
		if c.m.cells[id].varying {
			v = true
		}
	})
	return v
}

// varies reports whether an expression depends on a varying cell or draws
// random numbers.
func (c *compiler) varies(n Node, sheet int32) bool {
	if c.m.volatileIn(n, sheet) || c.dynamic && c.m.callsDynamic(n, sheet, 0) {
		return true
	}
	v := false
	c.m.refsOf(n, sheet, 0, func(a Area) {
		if !v && c.areaVarying(a) {
			v = true
		}
	})
	return v
}

// constLane encodes a constant scalar as a lane value; strings go to the
// program's string table.
func (c *compiler) constLane(v Value) float64 {
	switch v.Kind {
	case KindString:
		i, ok := c.strIdx[v.Str]
		if !ok {
			i = len(c.p.strs)
			c.p.strs = append(c.p.strs, v.Str)
			c.strIdx[v.Str] = i
		}
		return box(tagStr, uint64(i)|constStrBit)
	case KindBlank:
		return 0
	}
	var s State
	return s.encode(v)
}

// constReg returns the index (within the constant region of a State's
// buffers) of a register holding value x in every lane.
func (c *compiler) constReg(x float64) int {
	k := math.Float64bits(x) // NaN-boxed values are keyed by their bits
	if i, ok := c.constIdx[k]; ok {
		return i
	}
	i := len(c.p.consts)
	c.p.consts = append(c.p.consts, x)
	c.constIdx[k] = i
	return i
}

func (c *compiler) newReg() int {
	r := c.p.nslots + c.regs
	c.regs++
	return r
}

// assignSlots gives every varying formula cell of order a vector slot, in
// evaluation order. With reuse, a slot is recycled once the last formula
// reading its cell has run, so that the vectors a batch touches stay in
// cache however large the model (inputs and outputs keep theirs). Reuse
// needs every read to be known statically: not with OFFSET or INDIRECT.
func (c *compiler) assignSlots(order, outIDs []int32, reuse bool) {
	m, p := c.m, c.p
	var steps []int32
	for _, id := range order {
		if m.cells[id].varying {
			steps = append(steps, id)
		}
	}
	pinned := map[int32]bool{}
	for _, id := range outIDs {
		if id >= 0 {
			pinned[id] = true
		}
	}
	lastUse := map[int32]int{}
	if reuse {
		c.reads = make([][]int32, len(steps))
		for k, id := range steps {
			reads := m.deps(id)
			if a := m.cells[id].array; a != nil && a.master != id {
				reads = append(reads, m.deps(a.master)...)
			}
			for _, d := range reads {
				if m.cells[d].varying {
					c.reads[k] = append(c.reads[k], d)
				}
			}
		}
		// a step's operands live until the last step that may repair it
		horizon := c.planChecks(steps, c.reads, pinned)
		for k := range steps {
			for _, d := range c.reads[k] {
				lastUse[d] = max(lastUse[d], horizon[k])
			}
		}
	}
	release := make([][]int32, len(steps))
	for k, id := range steps {
		if !reuse || pinned[id] {
			continue
		}
		last, read := lastUse[id]
		if !read {
			last = k
		}
		release[last] = append(release[last], id)
	}
	var free []int32
	for k, id := range steps {
		ci := &m.cells[id]
		if n := len(free); n > 0 {
			ci.slot = free[n-1]
			free = free[:n-1]
		} else {
			ci.slot = int32(p.nslots)
			p.nslots++
		}
		for _, d := range release[k] {
			free = append(free, m.cells[d].slot)
		}
	}
}

// formulaAST is the formula evaluated for cell id (an array formula's
// master's for its members).
func (m *model) formulaAST(id int32) Node {
	ci := &m.cells[id]
	if ci.array != nil {
		return m.cells[ci.array.master].ast
	}
	return ci.ast
}

// callsDynamic reports whether an expression calls OFFSET or INDIRECT,
// directly or through defined names: their targets are only known at run
// time.
func (m *model) callsDynamic(n Node, sheet int32, depth int) bool {
	return m.callsDynamicPath(n, sheet, depth, nil)
}

// callsDynamicPath is callsDynamic skipping the names already being
// followed (a recursive LAMBDA names itself).
func (m *model) callsDynamicPath(n Node, sheet int32, depth int, path []Node) bool {
	if depth > 32 {
		return true
	}
	found := false
	walkFree(n, func(x Node) {
		switch y := x.(type) {
		case *Call:
			if y.Name == "OFFSET" || y.Name == "INDIRECT" {
				found = true
			}
		case *Name:
			if ast, ok := m.lookupName(y, sheet); ok && !found && !onPath(path, ast) {
				found = m.callsDynamicPath(ast, sheet, depth+1, append(path, ast))
			}
		}
	})
	return found
}

func (m *model) cycleError(cyc []int32) *CycleError {
	ce := &CycleError{}
	for _, id := range cyc {
		ce.Cells = append(ce.Cells, m.cellName(id))
	}
	return ce
}

// anyFormulaError returns the first parse error or unsupported function
// among the formulas of order.
func (m *model) anyFormulaError(order []int32) error {
	unsup := map[string]int{}
	for _, id := range order {
		ci := &m.cells[id]
		if ci.parseErr != nil {
			return &FormulaError{Cell: m.cellName(id), Err: ci.parseErr}
		}
		if ci.ast != nil {
			for _, n := range unsupportedIn(ci.ast) {
				unsup[n]++
			}
		}
	}
	if len(unsup) > 0 {
		return &UnsupportedError{Functions: unsup}
	}
	return nil
}

// dynamicLast reorders a dependency order so that the formulas calling
// OFFSET or INDIRECT, and those depending on them, come after all others
// (the relative order within each part is kept, so dependencies still come
// first).
func (m *model) dynamicLast(order []int32) []int32 {
	late := map[int32]bool{}
	var early, rest []int32
	for _, id := range order {
		l := false
		if src := m.formulaAST(id); src != nil && m.callsDynamic(src, m.cells[id].sheet, 0) {
			l = true
		}
		for _, d := range m.deps(id) {
			l = l || late[d]
		}
		if l {
			late[id] = true
			rest = append(rest, id)
		} else {
			early = append(early, id)
		}
	}
	return append(early, rest...)
}
