package formula

// Deferred checks of arithmetic results.
//
// A varith's kernels compute IEEE arithmetic with no per-lane test; a lane
// whose result is not a finite number is then recomputed with Excel's
// rules. That check (a sum over the result) is a pass of its own, a tenth
// of the time of a model made of short formulas. It can be skipped for a
// cell U whose every reader V uses it only as an operand of varith
// arithmetic through which a non-finite value cannot turn finite (+, -, *,
// the dividend of /, ^ in powLane, negation, percent; not a divisor:
// x/Inf is 0): a non-finite lane of U then makes the same lane of V
// non-finite, and so on down to a checked cell C, whose check finds it. C
// repairs such a lane by first recomputing, with the scalar rules, the
// lane of each unchecked cell it reads whose value is not finite (their
// own unchecked operands first), then its own. A finite lane of an
// unchecked cell is already right: it can only come from finite operands.
//
// The repair reads the operands of unchecked cells after later steps have
// run, so those operands keep their slots until the last step that may
// repair them (the cell's horizon); maxUncheckedSpan bounds how far that
// is, so that the vectors in use still fit in cache.

// maxUncheckedSpan is the most steps between an unchecked cell and the
// checked step that repairs it (measured with BenchmarkRun on the
// 1,000-formula arithmetic model: longer spans keep more slots alive and
// gain nothing more).
const maxUncheckedSpan = 8

// upLeaf is an unchecked cell an arithmetic step reads as a leaf.
type upLeaf struct {
	slot int32
	step int32 // index in Program.steps
	e    *varith
}

// arithInfo is what the compiler records about a varith for planning its
// checks: the varying cells it reads as leaves, those among them that are
// divisors, and the areas its other operands read.
type arithInfo struct {
	leaves map[int32]bool
	div    map[int32]bool
	other  []Area
}

// arithShaped reports whether cell id compiles to a varith (see
// compiler.node): its readers may then leave it unchecked.
func (c *compiler) arithShaped(id int32) bool {
	ci := &c.m.cells[id]
	return ci.array == nil && ci.ast != nil && isArith(ci.ast)
}

// planChecks chooses, before slots are assigned, the steps whose check is
// deferred, and returns each step's horizon: the last step that may
// repair (and so read the operands of) it. reads are the varying cells
// each step reads. The choice is provisional: linkChecks confirms it on the
// compiled expressions and checks the cells for which it does not hold.
func (c *compiler) planChecks(steps []int32, reads [][]int32, pinned map[int32]bool) []int {
	pos := make(map[int32]int, len(steps))
	for k, id := range steps {
		pos[id] = k
	}
	readers := make([][]int, len(steps))
	for k := range steps {
		for _, d := range reads[k] {
			if j, ok := pos[d]; ok {
				readers[j] = append(readers[j], k)
			}
		}
	}
	horizon := make([]int, len(steps))
	c.unchecked = map[int32]bool{}
	for k := len(steps) - 1; k >= 0; k-- {
		id := steps[k]
		horizon[k] = k
		if pinned[id] || len(readers[k]) == 0 || !c.arithShaped(id) {
			continue
		}
		h := k
		for _, r := range readers[k] {
			if !c.arithShaped(steps[r]) {
				h = -1
				break
			}
			h = max(h, horizon[r])
		}
		if h < 0 || h-k > maxUncheckedSpan {
			continue
		}
		horizon[k] = h
		c.unchecked[id] = true
	}
	return horizon
}

// linkChecks confirms the deferred checks on the compiled steps: a cell
// stays unchecked only if it is a varith without computed operands and
// every reader is a varith reading it only as a non-divisor leaf. Each
// checked-or-not varith then learns the unchecked cells it must repair.
func (c *compiler) linkChecks(reads [][]int32) {
	p := c.p
	if len(c.unchecked) == 0 {
		return
	}
	pos := make(map[int32]int, len(p.steps))
	for k, st := range p.steps {
		pos[st.id] = k
	}
	ok := func(u int32) bool {
		e, isArith := p.steps[pos[u]].expr.(*varith)
		return isArith && len(e.leaves) == 0
	}
	for k, st := range p.steps {
		ve, isArith := st.expr.(*varith)
		var info *arithInfo
		if isArith {
			info = c.info[ve]
		}
		for _, d := range reads[k] {
			if !c.unchecked[d] {
				continue
			}
			if info == nil || !info.leaves[d] || info.div[d] || !ok(d) || c.readsCell(info.other, d) {
				delete(c.unchecked, d)
			}
		}
	}
	for id := range c.unchecked {
		if _, ok := pos[id]; !ok {
			delete(c.unchecked, id)
		}
	}
	for k := range p.steps {
		e, isArith := p.steps[k].expr.(*varith)
		if !isArith {
			continue
		}
		e.check = !c.unchecked[p.steps[k].id]
		for _, d := range reads[k] {
			if c.unchecked[d] {
				j := pos[d]
				e.up = append(e.up, upLeaf{slot: p.steps[j].slot, step: int32(j), e: p.steps[j].expr.(*varith)})
			}
		}
	}
	p.unchecked = len(c.unchecked)
}

// readsCell reports whether cell id lies in one of the areas.
func (c *compiler) readsCell(areas []Area, id int32) bool {
	ci := &c.m.cells[id]
	for _, a := range areas {
		if ci.sheet >= a.Sheet && ci.sheet <= a.Sheet2 && ci.row >= a.Row1 && ci.row <= a.Row2 && ci.col >= a.Col1 && ci.col <= a.Col2 {
			return true
		}
	}
	return false
}

// repairLane recomputes lane i of e with Excel's rules, after the lanes of
// the unchecked cells it reads (see vcheck.go).
func (s *State) repairLane(e *varith, i int) float64 {
	if len(e.up) > 0 {
		s.gen++
		s.repairUp(e, i)
	}
	return s.arithLane(e.root, i)
}

// repairUp repairs lane i of the unchecked cells e reads, each at most once
// per repairLane (stamps): a finite lane is already right.
func (s *State) repairUp(e *varith, i int) {
	for _, u := range e.up {
		b := s.bufs[u.slot]
		if x := b[i]; x-x != 0 && s.stamps[u.step] != s.gen {
			s.stamps[u.step] = s.gen
			s.repairUp(u.e, i)
			b[i] = s.arithLane(u.e.root, i)
		}
	}
}
