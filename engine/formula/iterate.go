package formula

import (
	"math"
	"sort"

	"github.com/simgraph/simgraph/engine/workbook"
)

// Iterative calculation (calcPr iterate="1"): a circular reference is
// solved the way Excel's iteration does, as repeated recalculation rather
// than refused.
//
// The cells of each strongly connected component of the dependency graph
// (a cycle and every cell on a path from it back to it) are recalculated
// together, in sheet order (sheet tab, then row, then column), each reading
// the newest value of the others (Gauss-Seidel: a cell recalculated earlier
// in the same pass is read with its new value). Before the first pass each
// cell holds the value the file cached for it (Excel's "current value";
// blank, 0 to arithmetic, when never computed). Passes stop after
// Calc.MaxIterations or after the first pass in which no cell changed by
// MaxChange or more; the values of that pass are kept. A change is the
// absolute difference of two numbers; any other change of value (to or
// from text, an error) counts as not converged. Excel's own documentation
// example (A1 = 1+A2, A2 = 1+A1, ten iterations from blank) gives A1 = 19,
// A2 = 20 here too.
//
// A batched Program runs the same passes lane by lane: every lane starts
// from the cached values, and a lane whose pass converged keeps that
// pass's values while the other lanes go on, until every lane has
// converged or the count is reached. So a lane's result does not depend on
// the lanes beside it, nor on the batch size.

// cycleGroup is one strongly connected component solved by iteration:
// members in sheet order.
type cycleGroup struct {
	members []int32
}

// iterativeOrder orders the formula cells reachable from roots with their
// dependencies first, as order does, but with each circular component kept
// together (members in sheet order) and returned as a group instead of
// being reported as a cycle. It is Tarjan's algorithm, iterative so that
// long dependency chains do not grow the stack.
func (m *model) iterativeOrder(roots []int32) (order []int32, groups []cycleGroup) {
	n := len(m.cells)
	index := make([]int32, n) // 0 = unvisited, else visit number + 1
	low := make([]int32, n)
	onStack := make([]bool, n)
	var stack []int32
	next := int32(1)
	depCache := map[int32][]int32{}
	getDeps := func(id int32) []int32 {
		d, ok := depCache[id]
		if !ok {
			d = m.deps(id)
			depCache[id] = d
		}
		return d
	}
	type frame struct {
		id   int32
		deps []int32
		i    int
	}
	var frames []frame
	visit := func(id int32) {
		index[id], low[id] = next, next
		next++
		stack = append(stack, id)
		onStack[id] = true
		frames = append(frames, frame{id: id, deps: getDeps(id)})
	}
	for _, r := range roots {
		if !m.cells[r].isFormula || index[r] != 0 {
			continue
		}
		visit(r)
		for len(frames) > 0 {
			top := &frames[len(frames)-1]
			if top.i < len(top.deps) {
				d := top.deps[top.i]
				top.i++
				switch {
				case index[d] == 0:
					visit(d)
				case onStack[d]:
					low[top.id] = min(low[top.id], index[d])
				}
				continue
			}
			id := top.id
			frames = frames[:len(frames)-1]
			if len(frames) > 0 {
				parent := frames[len(frames)-1].id
				low[parent] = min(low[parent], low[id])
			}
			if low[id] != index[id] {
				continue
			}
			k := len(stack) - 1
			for stack[k] != id {
				k--
			}
			comp := append([]int32(nil), stack[k:]...)
			stack = stack[:k]
			for _, c := range comp {
				onStack[c] = false
			}
			if len(comp) == 1 && !m.readsItself(comp[0], getDeps(comp[0])) {
				order = append(order, comp[0])
				continue
			}
			sort.Slice(comp, func(i, j int) bool {
				a, b := &m.cells[comp[i]], &m.cells[comp[j]]
				if a.sheet != b.sheet {
					return a.sheet < b.sheet
				}
				if a.row != b.row {
					return a.row < b.row
				}
				return a.col < b.col
			})
			order = append(order, comp...)
			groups = append(groups, cycleGroup{members: comp})
		}
	}
	return order, groups
}

func (m *model) readsItself(id int32, deps []int32) bool {
	for _, d := range deps {
		if d == id {
			return true
		}
	}
	return false
}

// startValue is the value a cell of a cycle holds before the first pass:
// the one the file cached.
func (m *model) startValue(id int32) Value {
	ci := &m.cells[id]
	if s, ok := m.wb.Sheet(m.sheets[ci.sheet].name); ok {
		if c, ok := s.Cell(int(ci.row), int(ci.col)); ok {
			return fromWorkbookValue(c.Value)
		}
	}
	return Blank
}

// solveGroup computes a circular component by iteration (deterministic
// evaluation, no lanes).
func (m *model) solveGroup(g cycleGroup, calc workbook.Calc) {
	for _, id := range g.members {
		ci := &m.cells[id]
		ci.value = m.startValue(id)
		ci.state = stDone // read as it stands by the others
	}
	for pass := 0; pass < calc.MaxIterations; pass++ {
		worst := 0.0
		for _, id := range g.members {
			ci := &m.cells[id]
			if ci.array != nil {
				ci.array.result = nil
			}
			ev := &evaluator{m: m, sheet: ci.sheet, row: ci.row, col: ci.col}
			v := ev.formulaValue(id)
			worst = max(worst, valueChange(ci.value, v))
			ci.value = v
		}
		if worst < calc.MaxChange {
			return
		}
	}
}

// valueChange is how much a cell changed in a pass (see the package
// comment above): +Inf when it changed other than as a number.
func valueChange(old, v Value) float64 {
	if old.Kind == KindBlank {
		old = NumberValue(0)
	}
	if old.Kind == KindNumber && v.Kind == KindNumber {
		return math.Abs(v.Num - old.Num)
	}
	if ValuesMatch(old, v, 0) {
		return 0
	}
	return math.Inf(1)
}

// laneChange is valueChange on lane values.
func laneChange(old, v float64) float64 {
	if old == old && v == v {
		return math.Abs(v - old)
	}
	if math.Float64bits(old) == math.Float64bits(v) {
		return 0
	}
	return math.Inf(1)
}

// loop is a run of Program steps that are one circular component, run
// pass after pass (see the comment at the top of this file).
type loop struct {
	first, last int       // step indexes, inclusive
	slots       []int32   // the members' slots
	start       []float64 // the members' lane values before the first pass
	maxPasses   int
	maxChange   float64
}

func (c *compiler) beginLoop(g cycleGroup, calc workbook.Calc) {
	l := loop{first: len(c.p.steps), maxPasses: calc.MaxIterations, maxChange: calc.MaxChange}
	for _, id := range g.members {
		l.slots = append(l.slots, c.m.cells[id].slot)
		l.start = append(l.start, c.constLane(c.m.startValue(id)))
	}
	c.p.loops = append(c.p.loops, l)
}

func (c *compiler) endLoop() {
	c.p.loops[len(c.p.loops)-1].last = len(c.p.steps) - 1
}

// runLoop runs a loop's passes over n lanes. A lane that converged keeps
// the values of the pass that converged: later passes, run for the other
// lanes, are undone for it.
func (s *State) runLoop(l *loop, n int) {
	for k, slot := range l.slots {
		b := s.bufs[slot][:n]
		for i := range b {
			b[i] = l.start[k]
		}
	}
	done := s.loopDone[:n]
	clear(done)
	left := n
	for pass := 0; pass < l.maxPasses && left > 0; pass++ {
		for k, slot := range l.slots {
			copy(s.loopOld[k][:n], s.bufs[slot][:n])
		}
		for i := l.first; i <= l.last; i++ {
			s.runStep(i, n)
		}
		for i := range n {
			if done[i] {
				for k, slot := range l.slots {
					s.bufs[slot][i] = s.loopOld[k][i]
				}
				continue
			}
			worst := 0.0
			for k, slot := range l.slots {
				worst = max(worst, laneChange(s.loopOld[k][i], s.bufs[slot][i]))
			}
			if worst < l.maxChange {
				done[i] = true
				left--
			}
		}
	}
}
