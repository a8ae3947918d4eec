package formula

import (
	"fmt"
	"sort"
	"strings"
)

// CycleError reports a circular reference. Cells lists the cycle in
// dependency order ("Sheet!A1" depends on the next one, the last on the
// first).
type CycleError struct {
	Cells []string
}

func (e *CycleError) Error() string {
	return "circular reference: " + strings.Join(e.Cells, " -> ")
}

// UnsupportedError lists the worksheet functions a compilation needs but the
// engine does not implement, with how many formulas use each.
type UnsupportedError struct {
	Functions map[string]int
}

func (e *UnsupportedError) Error() string {
	names := make([]string, 0, len(e.Functions))
	for n := range e.Functions {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s (%d)", n, e.Functions[n])
	}
	return "unsupported functions: " + strings.Join(parts, ", ")
}

// FormulaError is a formula that does not parse.
type FormulaError struct {
	Cell string
	Err  error
}

func (e *FormulaError) Error() string { return e.Cell + ": " + e.Err.Error() }
func (e *FormulaError) Unwrap() error { return e.Err }

// deps returns the cells whose values formula cell id reads (formula cells
// and, when withInputs, the given extra cells such as inputs).
func (m *model) deps(id int32) []int32 {
	ci := &m.cells[id]
	if ci.array != nil && ci.array.master != id {
		return []int32{ci.array.master}
	}
	if ci.whatIf != nil {
		return m.whatIfDeps(ci.whatIf)
	}
	if ci.ast == nil {
		return nil
	}
	seen := map[int32]bool{}
	var out []int32
	add := func(d int32) {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	m.refsOf(ci.ast, ci.sheet, 0, func(a Area) {
		m.formulaCellsIn(a, add)
	})
	return out
}

// refsOf calls fn with every area an expression references, following
// defined names.
func (m *model) refsOf(n Node, sheet int32, depth int, fn func(Area)) {
	m.refsOfPath(n, sheet, depth, fn, nil)
}

// refsOfPath is refsOf skipping the names already being followed (path):
// a recursive LAMBDA names itself.
func (m *model) refsOfPath(n Node, sheet int32, depth int, fn func(Area), path []Node) {
	if depth > 32 {
		return
	}
	walkFree(n, func(x Node) {
		switch r := x.(type) {
		case *Ref:
			if a, ok := m.resolveRef(r, sheet); ok {
				fn(a)
			}
		case *Name:
			if ast, ok := m.lookupName(r, sheet); ok && !onPath(path, ast) {
				m.refsOfPath(ast, sheet, depth+1, fn, append(path, ast))
			}
		}
	})
}

// order returns the formula cells reachable from roots, dependencies first,
// and the cycles met on the way.
func (m *model) order(roots []int32) (order []int32, cycles [][]int32) {
	const (
		white = iota
		gray
		black
	)
	color := make([]uint8, len(m.cells))
	depCache := make(map[int32][]int32)
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
	var stack []frame
	for _, r := range roots {
		if !m.cells[r].isFormula || color[r] != white {
			continue
		}
		color[r] = gray
		stack = append(stack, frame{id: r, deps: getDeps(r)})
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.i < len(top.deps) {
				d := top.deps[top.i]
				top.i++
				switch color[d] {
				case white:
					color[d] = gray
					stack = append(stack, frame{id: d, deps: getDeps(d)})
				case gray:
					var cyc []int32
					for j := len(stack) - 1; j >= 0; j-- {
						cyc = append(cyc, stack[j].id)
						if stack[j].id == d {
							break
						}
					}
					// reverse into dependency order starting at d
					for i, j := 0, len(cyc)-1; i < j; i, j = i+1, j-1 {
						cyc[i], cyc[j] = cyc[j], cyc[i]
					}
					cycles = append(cycles, cyc)
				}
				continue
			}
			color[top.id] = black
			order = append(order, top.id)
			stack = stack[:len(stack)-1]
		}
	}
	return order, cycles
}

// unsupported lists the unknown functions a formula calls.
func unsupportedIn(n Node) []string {
	var out []string
	Walk(n, func(x Node) {
		if c, ok := x.(*Call); ok {
			if _, ok := functions[c.Name]; !ok {
				out = append(out, c.Name)
			}
		}
	})
	return out
}

func usesVolatile(n Node) bool {
	v := false
	Walk(n, func(x Node) {
		if c, ok := x.(*Call); ok {
			if s, ok := functions[c.Name]; ok && s.volatile {
				v = true
			}
		}
	})
	return v
}
