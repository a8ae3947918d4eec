package formula

import "github.com/simgraph/simgraph/engine/workbook"

// Dynamic arrays. A formula spills when the workbook marks it a dynamic
// array formula (workbook.ArrayFormula.Dynamic: Excel's cm attribute) or
// when, in a cell that is no array formula, it calls a function that only
// dynamic-array Excel has (spillFns) or reads a spilled range (A1#) outside
// an implicit intersection (@). Older formulas keep their implicit
// intersection, so workbooks saved by legacy Excel or LibreOffice compute
// as they did.
//
// The spill range is decided once, when the model is built, from the
// formula's static result (the values the file holds, inputs included;
// RAND #N/A): the anchor becomes the master of an array formula over that
// range (arrayInfo.spill), its other cells members reading their element,
// so that the dependency graph, the compiler and the per-lane evaluator treat
// a spill as they treat an array formula. A range that would cover a
// value, another formula or the sheet's edge leaves the anchor #SPILL!.
// A1# is rewritten into the absolute reference of the range (#REF! when
// A1 does not spill), so SUM(A1#) gets the range kernels. A range whose
// array may change size per iteration is made as large as the array can
// be (spillbound.go).

// spillFns are the functions whose result is an array in dynamic-array
// Excel and that older Excel does not have.
var spillFns = map[string]bool{
	"SEQUENCE": true, "FILTER": true, "SORT": true, "SORTBY": true, "UNIQUE": true,
	"RANDARRAY": true, "TAKE": true, "DROP": true, "VSTACK": true, "HSTACK": true,
	"TOCOL": true, "TOROW": true, "CHOOSECOLS": true, "CHOOSEROWS": true,
	"XLOOKUP": true, "ANCHORARRAY": true,
	"MAP": true, "SCAN": true, "BYROW": true, "BYCOL": true, "MAKEARRAY": true,
}

// maxSpillCells bounds a spill range: every cell of it is a formula cell
// evaluated in each iteration, and a larger range is #SPILL!.
const maxSpillCells = 1 << 18

// maxSpilledCells bounds the cells all the spills of a workbook add, so
// that a few formulas cannot make a model of millions of cells (the
// workbook limits count the cells of the file): the spills past it are
// #SPILL!.
const maxSpilledCells = 1 << 20

// spillRounds bounds the passes that settle spill ranges depending on
// other spills read cell by cell (a chain longer than this keeps the
// shapes of its last pass).
const spillRounds = 4

// spillCandidate reports whether a formula of sheet that is no array
// formula spills: it calls a spillFns function outside an @, directly or
// through defined names.
func (m *model) spillCandidate(n Node, sheet int32, depth int) bool {
	return m.spillCandidatePath(n, sheet, depth, nil)
}

// spillCandidatePath is spillCandidate skipping the names already being
// followed (path): a recursive LAMBDA names itself.
func (m *model) spillCandidatePath(n Node, sheet int32, depth int, path []Node) bool {
	if depth > maxEvalDepth {
		return false
	}
	switch x := n.(type) {
	case *Name:
		if ast, ok := m.lookupName(x, sheet); ok && !onPath(path, ast) {
			return m.spillCandidatePath(ast, sheet, depth+1, append(path, ast))
		}
	case *Unary:
		return x.Op != '@' && m.spillCandidatePath(x.X, sheet, depth+1, path)
	case *Percent:
		return m.spillCandidatePath(x.X, sheet, depth+1, path)
	case *Binary:
		return m.spillCandidatePath(x.L, sheet, depth+1, path) || m.spillCandidatePath(x.R, sheet, depth+1, path)
	case *Invoke:
		// a named LAMBDA returning FILTER(...) spills like FILTER
		if m.spillCandidatePath(x.Fn, sheet, depth+1, path) {
			return true
		}
		for _, a := range x.Args {
			if m.spillCandidatePath(a, sheet, depth+1, path) {
				return true
			}
		}
	case *Call:
		if spillFns[x.Name] {
			return true
		}
		for _, a := range x.Args {
			if m.spillCandidatePath(a, sheet, depth+1, path) {
				return true
			}
		}
	}
	return false
}

// spillShape is a candidate's static extent.
type spillShape struct{ rows, cols int }

// pendingSpill is a dynamic formula whose range is not decided yet.
type pendingSpill struct {
	id    int32
	saved *workbook.ArrayFormula // the range it spilled into when saved, if any
}

// shapeOf is the extent of a value: an array's, or one cell.
func shapeOf(v Value) spillShape {
	if v.Kind == KindArray {
		return spillShape{v.Arr.Rows, v.Arr.Cols}
	}
	return spillShape{1, 1}
}

// staticArray evaluates candidate id in array mode over the workbook's
// values, memoised for the current round.
func (m *model) staticArray(id int32) Value {
	if v, ok := m.shaping[id]; ok {
		if v == nil {
			return ErrValueOf(ErrRef) // a spill reading itself
		}
		return *v
	}
	m.shaping[id] = nil
	ci := &m.cells[id]
	ev := &evaluator{m: m, sheet: ci.sheet, row: ci.row, col: ci.col, arrayMode: true}
	v := ev.eval(ci.ast)
	if v.Kind == KindRef {
		v = ev.operand(v)
	}
	m.shaping[id] = &v
	return v
}

// virtualCell is a cell of a spill range that has no member yet.
type virtualCell struct {
	anchor int32
	r, c   int
}

// virtualValue reads a cell of a spill range while the ranges settle.
func (m *model) virtualValue(k uint64) Value {
	vc, ok := m.virt[k]
	if !ok {
		return Blank
	}
	v := m.staticArray(vc.anchor)
	if v.Kind != KindArray {
		return Blank
	}
	if vc.r >= v.Arr.Rows || vc.c >= v.Arr.Cols {
		return Blank
	}
	return finalValue(v.Arr.V[vc.r*v.Arr.Cols+vc.c])
}

// resetEvaluation forgets every value computed while the ranges settled.
func (m *model) resetEvaluation() {
	for id := range m.cells {
		ci := &m.cells[id]
		if ci.isFormula {
			ci.state = stPending
			ci.value = Blank
		}
		if ci.array != nil {
			ci.array.result = nil
		}
	}
}

// addSpills decides the spill range of every dynamic formula, makes the
// cells of each range members of its anchor and rewrites A1# references.
// It reports whether it added formula cells.
func (m *model) addSpills(pending []pendingSpill) bool {
	marked := map[int32]bool{}
	for _, p := range pending {
		marked[p.id] = true
	}
	for id := range m.cells {
		ci := &m.cells[id]
		if ci.isFormula && !marked[int32(id)] && ci.array == nil && ci.whatIf == nil && ci.ast != nil && m.spillCandidate(ci.ast, ci.sheet, 0) {
			pending = append(pending, pendingSpill{id: int32(id)})
		}
	}
	if len(pending) == 0 {
		return false
	}
	// a first round that finds every result a single cell is the last
	shapes := make([]spillShape, len(pending))
	for i := range shapes {
		shapes[i] = spillShape{1, 1}
	}
	m.spillCands = map[int32]bool{}
	for _, p := range pending {
		m.spillCands[p.id] = true
	}
	for round := 0; round < spillRounds; round++ {
		m.shaping = map[int32]*Value{}
		changed := false
		for i, p := range pending {
			s := spillShape{1, 1}
			c := &m.cells[p.id]
			switch {
			case c.ast == nil || c.parseErr != nil || len(unsupportedIn(c.ast)) > 0:
				// not computable: a saved range stays, its cells
				// reported with the formula
				if a := p.saved; a != nil {
					s = spillShape{a.Row2 - a.Row1 + 1, a.Col2 - a.Col1 + 1}
				}
			default:
				s = shapeOf(m.staticArray(p.id))
			}
			if s != shapes[i] {
				shapes[i], changed = s, true
			}
		}
		m.resetEvaluation()
		if !changed {
			break
		}
		// the next round reads the cells of the ranges found so far
		m.virt = map[uint64]virtualCell{}
		for i, p := range pending {
			ci := &m.cells[p.id]
			for r := 0; r < shapes[i].rows && r*shapes[i].cols < maxSpillCells; r++ {
				for c := 0; c < shapes[i].cols; c++ {
					k := key(ci.sheet, ci.row+int32(r), ci.col+int32(c))
					if _, ok := m.index[k]; !ok {
						m.virt[k] = virtualCell{p.id, r, c}
					}
				}
			}
		}
	}
	m.shaping, m.virt, m.spillCands = nil, nil, nil
	added, spilled := false, 0
	for i, p := range pending {
		s, follows := m.spillCapacity(p, shapes[i], maxSpilledCells-spilled)
		if m.placeSpill(p, s, &spilled) {
			added = true
		}
		if a := m.cells[p.id].array; a != nil && !a.blocked {
			a.follows = follows
		}
	}
	m.rewriteAnchors()
	return added
}

// placeSpill makes p's range an array formula, or p's anchor #SPILL! when
// the range is blocked. It reports whether it added formula cells. A
// single cell becomes a one-cell array formula too: a dynamic formula
// evaluates its ranges as arrays (SUM(SEQUENCE(3)*A1:A3) multiplies
// element by element) where a legacy one would intersect them.
func (m *model) placeSpill(p pendingSpill, s spillShape, spilled *int) bool {
	ci := &m.cells[p.id]
	si, row, col := ci.sheet, ci.row, ci.col
	row2, col2 := row+int32(s.rows)-1, col+int32(s.cols)-1
	inSaved := func(r, c int32) bool {
		a := p.saved
		return a != nil && int(r) >= a.Row1 && int(r) <= a.Row2 && int(c) >= a.Col1 && int(c) <= a.Col2
	}
	// what Excel left in the saved range past the new one is stale
	if a := p.saved; a != nil {
		for r := a.Row1; r <= a.Row2; r++ {
			for c := a.Col1; c <= a.Col2; c++ {
				if int32(r) <= row2 && int32(c) <= col2 {
					continue
				}
				if id, ok := m.index[key(si, int32(r), int32(c))]; ok && !m.cells[id].isFormula {
					m.cells[id].value = Blank
				}
			}
		}
	}
	ai := &arrayInfo{master: p.id, row1: row, col1: col, row2: row2, col2: col2, spill: true}
	blocked := int(row2) > workbook.MaxRows || int(col2) > workbook.MaxCols || s.rows*s.cols > maxSpillCells ||
		*spilled+s.rows*s.cols > maxSpilledCells
	for r := row; r <= row2 && !blocked; r++ {
		for c := col; c <= col2; c++ {
			if r == row && c == col {
				continue
			}
			id, ok := m.index[key(si, r, c)]
			if !ok {
				continue
			}
			o := &m.cells[id]
			if o.isFormula || o.value.Kind != KindBlank && !inSaved(r, c) {
				blocked = true
				break
			}
		}
	}
	ci.array = ai
	if blocked {
		ai.blocked = true
		ai.row2, ai.col2 = row, col
		return false
	}
	*spilled += s.rows * s.cols
	sh := m.sheets[si]
	for r := row; r <= row2; r++ {
		for c := col; c <= col2; c++ {
			if r == row && c == col {
				continue
			}
			k := key(si, r, c)
			id, ok := m.index[k]
			if !ok {
				id = int32(len(m.cells))
				m.cells = append(m.cells, cellInfo{sheet: si, row: r, col: c, slot: -1})
				m.index[k] = id
				sh.maxRow = max(sh.maxRow, r)
				sh.maxCol = max(sh.maxCol, c)
			}
			o := &m.cells[id]
			o.isFormula = true
			o.array = ai
			o.value = Blank
			sh.formulaCols[c] = append(sh.formulaCols[c], id)
		}
	}
	return true
}

// spillArea is the range anchor id spilled into, if it spills.
func (m *model) spillArea(id int32) (Area, bool) {
	ci := &m.cells[id]
	a := ci.array
	if a == nil || !a.spill || a.blocked || a.master != id {
		return Area{}, false
	}
	return Area{Sheet: ci.sheet, Sheet2: ci.sheet, Row1: a.row1, Col1: a.col1, Row2: a.row2, Col2: a.col2}, true
}

// rewriteAnchors replaces every A1# (ANCHORARRAY of a cell) of the
// formulas and names by the reference of the range A1 spilled into, or by
// #REF! when A1 does not spill. Names are rewritten only where the anchor
// is sheet-qualified.
func (m *model) rewriteAnchors() {
	for id := range m.cells {
		ci := &m.cells[id]
		if ci.ast != nil && hasAnchor(ci.ast) {
			ci.ast = m.resolveAnchors(ci.ast, ci.sheet)
		}
	}
	for k, ast := range m.names {
		if hasAnchor(ast) {
			m.names[k] = m.resolveAnchors(ast, -1)
		}
	}
}

func hasAnchor(n Node) bool {
	found := false
	Walk(n, func(x Node) {
		if c, ok := x.(*Call); ok && c.Name == "ANCHORARRAY" {
			found = true
		}
	})
	return found
}

// resolveAnchors rewrites the ANCHORARRAY calls of n copy-on-write.
func (m *model) resolveAnchors(n Node, sheet int32) Node {
	switch x := n.(type) {
	case *Unary:
		if y := m.resolveAnchors(x.X, sheet); y != x.X {
			return &Unary{Op: x.Op, X: y}
		}
	case *Percent:
		if y := m.resolveAnchors(x.X, sheet); y != x.X {
			return &Percent{X: y}
		}
	case *Binary:
		l, r := m.resolveAnchors(x.L, sheet), m.resolveAnchors(x.R, sheet)
		if l != x.L || r != x.R {
			return &Binary{Op: x.Op, L: l, R: r}
		}
	case *Call:
		if x.Name == "ANCHORARRAY" && len(x.Args) == 1 {
			if r, ok := x.Args[0].(*Ref); ok && r.Kind == RefCell && r.Sheet2 == "" && (r.Sheet != "" || sheet >= 0) {
				a, ok := m.resolveRef(r, max(sheet, 0))
				if !ok {
					return ErrorLit{K: ErrRef}
				}
				id, ok := m.index[key(a.Sheet, a.Row1, a.Col1)]
				if !ok {
					return ErrorLit{K: ErrRef}
				}
				sa, ok := m.spillArea(id)
				if !ok {
					return ErrorLit{K: ErrRef}
				}
				if m.cells[id].array.follows {
					// the range for the dependencies, the part the
					// array covers when evaluated (anchorArray)
					return &Call{Name: "ANCHORARRAY", Args: []Node{&Ref{Sheet: r.Sheet, Kind: RefArea, Row1: int(sa.Row1), Col1: int(sa.Col1), Row2: int(sa.Row2), Col2: int(sa.Col2),
						Abs: AbsCol1 | AbsRow1 | AbsCol2 | AbsRow2}}}
				}
				out := &Ref{Sheet: r.Sheet, Kind: RefArea, Row1: int(sa.Row1), Col1: int(sa.Col1), Row2: int(sa.Row2), Col2: int(sa.Col2),
					Abs: AbsCol1 | AbsRow1 | AbsCol2 | AbsRow2}
				if sa.single() {
					out.Kind = RefCell
				}
				return out
			}
		}
		var args []Node
		for i, a := range x.Args {
			b := m.resolveAnchors(a, sheet)
			if b != a && args == nil {
				args = append(make([]Node, 0, len(x.Args)), x.Args[:i]...)
			}
			if args != nil {
				args = append(args, b)
			}
		}
		if args != nil {
			return &Call{Name: x.Name, Args: args}
		}
	}
	return n
}

// anchorArray evaluates an ANCHORARRAY the model did not rewrite (one in
// INDIRECT's text or in a name without a sheet): the spill range of the
// cell, or, while the ranges settle, the anchor's static array.
func anchorArray(ev *evaluator, args []Node) Value {
	v := ev.eval(args[0])
	if v.Kind == KindError {
		return v
	}
	if v.Kind != KindRef || len(v.Areas) > 0 {
		return ErrValueOf(ErrRef)
	}
	id, ok := ev.m.index[key(v.Ref.Sheet, v.Ref.Row1, v.Ref.Col1)]
	if !ok {
		return ErrValueOf(ErrRef)
	}
	if ev.m.spillCands[id] && v.Ref.single() {
		return ev.m.staticArray(id)
	}
	a, ok := ev.m.spillArea(id)
	if !ok || !v.Ref.single() && v.Ref != a {
		return ErrValueOf(ErrRef)
	}
	info := ev.m.cells[id].array
	if !info.follows {
		return Value{Kind: KindRef, Ref: a}
	}
	res, ok := ev.spillResult(info)
	if !ok {
		return Value{Kind: KindRef, Ref: a}
	}
	if info.exceeds(res) {
		return ErrValueOf(ErrRef) // the anchor shows #SPILL!: nothing spills
	}
	s := shapeOf(res)
	a.Row2, a.Col2 = a.Row1+int32(s.rows)-1, a.Col1+int32(s.cols)-1
	return Value{Kind: KindRef, Ref: a}
}

// spillLanes is the per-lane cache of a spilling master's array in the
// per-lane path, so that the members of one iteration read the array the
// master computed (one draw of RANDARRAY) rather than computing their own.
func (s *State) spillLanes(master int32) []Value {
	if s.spill == nil {
		s.spill = map[int32][]Value{}
	}
	l, ok := s.spill[master]
	if !ok {
		l = make([]Value, s.batch)
		s.spill[master] = l
	}
	return l
}
