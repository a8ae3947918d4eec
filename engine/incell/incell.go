// Package incell reads the uncertainty that @RISK and ModelRisk workbooks
// carry inside their cells: a cell whose formula is a distribution call
// (=RiskNormal(100,10), =VosePERT(1,2,5)) becomes a model input with that
// distribution, and a formula marked with RiskOutput or VoseOutput becomes
// an output. Detect finds them and gives the workbook the engine simulates,
// in which each such input is a constant holding its static value and each
// output marker is 0 (what @RISK's RiskOutput returns).
//
// Arguments are evaluated once, deterministically, over the workbook's
// values: constants, references and expressions over cells that do not
// depend on another distribution cell. An argument that does is refused,
// because the engine draws every input from parameters fixed for the run.
//
// Each function reads its parameters as its vendor documents them
// (Palisade's @RISK function reference, Vose Software's ModelRisk help and
// riskwiki); TestFamilyMoments pins each to its documented mean, standard
// deviation or percentiles. Where the documentation is not available the
// function is refused rather than guessed: RiskCopula, whose copula
// definition range has an undocumented format, ModelRisk's Archimedean
// copulas of more than two variables (the engine samples bivariate ones)
// and a copula's direction argument. ModelRisk's t and bivariate
// Archimedean copulas become Detected.Copulas, which the engine samples
// (engine/sample); the simulation service, whose requests carry rank
// correlations only, refuses them. Two readings rest on
// partial pages and say so where they are defined: VoseExtValueMax(a, b)
// as location and scale, VoseStudent(ν) as the standard t.
package incell

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/workbook"
)

// Input is a cell holding an in-cell distribution.
type Input struct {
	Cell     formula.CellRef
	Name     string // from RiskName, else ""
	Function string // as written in the formula, e.g. "RiskNormal"
	Spec     dist.Spec
	// Static is the cell's value outside a simulation: RiskStatic's, else
	// the value the workbook cached, else the distribution's mean (its
	// median when the mean is not finite).
	Static float64
	notes  []string  // on properties the engine accepts but does not apply
	corr   *corrLink // its place in a correlation matrix, if any
}

// Output is a cell marked as a simulation output.
type Output struct {
	Cell formula.CellRef
	Name string // RiskOutput's or VoseOutput's first argument, else ""
}

// Problem is an in-cell function the engine cannot simulate.
type Problem struct {
	Cell    formula.CellRef
	Message string
	// Correlation marks a problem of the workbook's correlations only (an
	// invalid matrix): correlations that a simulation gives replace the
	// workbook's, and with them the problem.
	Correlation bool
}

func (p Problem) String() string { return p.Cell.String() + ": " + p.Message }

// Detected is what Detect found.
type Detected struct {
	Inputs  []Input
	Outputs []Output
	// Correlations are the rank correlations between Inputs that the
	// workbook's correlation matrices give (RiskCorrmat, ModelRisk's
	// normal copulas).
	Correlations []Correlation
	// Copulas are the workbook's non-Gaussian copulas (ModelRisk's t and
	// bivariate Archimedean ones).
	Copulas []Copula
	// Simtables are the RiskSimtable cells; Scenarios turns them into the
	// simulations of a multi-simulation run.
	Simtables []Simtable
	// Problems are in-cell functions the engine cannot simulate; a model
	// of the workbook is refused while any remains.
	Problems []Problem
	// Notes are cells that simulate correctly but not as the user may
	// expect: RAND() drawn inside a larger formula, which is not an input.
	Notes []Problem
	// Workbook is the workbook to simulate: the input cells are constants
	// holding their static values and output markers are 0. It is the
	// given workbook itself when nothing was found.
	Workbook *workbook.Workbook
}

// Found reports whether the workbook carries any in-cell input, output or
// RiskSimtable.
func (d Detected) Found() bool { return len(d.Inputs)+len(d.Outputs)+len(d.Simtables) > 0 }

// Err is nil without problems, else an error listing them.
func (d Detected) Err() error {
	if len(d.Problems) == 0 {
		return nil
	}
	msgs := make([]string, len(d.Problems))
	for i, p := range d.Problems {
		msgs[i] = p.String()
	}
	return errors.New("in-cell distributions the engine cannot simulate: " + strings.Join(msgs, "; "))
}

// Model is the engine model of the detected inputs and outputs over
// Workbook. It fails when there were problems or no outputs.
func (d Detected) Model() (engine.Model, error) {
	if err := d.Err(); err != nil {
		return engine.Model{}, err
	}
	m := engine.Model{Workbook: d.Workbook}
	index := map[formula.CellRef]int{}
	for _, in := range d.Inputs {
		index[in.Cell] = len(m.Inputs)
		name := in.Name
		if name == "" {
			name = in.Cell.String()
		}
		dd, err := dist.NewAt(name, in.Cell.String(), in.Spec)
		if err != nil {
			return engine.Model{}, err
		}
		m.Inputs = append(m.Inputs, engine.Input{Cell: in.Cell, Name: name, Dist: dd})
	}
	for _, o := range d.Outputs {
		m.Outputs = append(m.Outputs, o.Cell)
	}
	for _, c := range d.Correlations {
		m.Correlations = append(m.Correlations, engine.Correlation{A: index[c.A], B: index[c.B], Coefficient: c.Coefficient})
	}
	for _, c := range d.Copulas {
		ec := engine.Copula{Family: c.Family, Correlation: c.Correlation, DegreesOfFreedom: c.DegreesOfFreedom, Parameter: c.Parameter}
		for _, cell := range c.Cells {
			ec.Inputs = append(ec.Inputs, index[cell])
		}
		m.Copulas = append(m.Copulas, ec)
	}
	if len(m.Outputs) == 0 {
		return m, errors.New("the workbook marks no output (RiskOutput or VoseOutput)")
	}
	return m, nil
}

// outputMarkers return 0 and mark their cell as an output.
var outputMarkers = map[string]bool{"RISKOUTPUT": true, "VOSEOUTPUT": true}

// found is a distribution cell met in the first pass.
type found struct {
	ref  formula.CellRef
	call *formula.Call // the distribution call; nil for a RAND() idiom
	root formula.Node  // the formula's expression, without a leading +
	text string
}

// isRand reports whether the cell is one of Excel's RAND() idioms.
func (d found) isRand() bool { return d.call == nil }

// Detect finds the in-cell distributions and output markers of wb. What
// cannot be simulated is listed in Problems, one per cell; the error is
// for a workbook that cannot be read at all.
func Detect(wb *workbook.Workbook) (Detected, error) {
	if wb == nil {
		return Detected{}, errors.New("incell: no workbook")
	}
	det := Detected{Workbook: wb}
	var dists, simtables []found
	var copulas []*copula
	outputs := map[formula.CellRef]string{} // cell -> rewritten formula
	var outCalls []*formula.Call
	liveRand := map[formula.CellRef]bool{} // formulas that draw RAND() themselves
	objects := findObjects(wb, outputs)
	var meanCells []formula.CellRef // formulas calling VoseMean
	for _, sh := range wb.Sheets {
		for _, c := range sh.Cells {
			if c.Formula == "" || !mentionsInCell(c.Formula) && !mentionsRand(c.Formula) {
				continue
			}
			ast, err := formula.Parse(c.Formula)
			if err != nil {
				continue // reported by the workbook's ordinary checks
			}
			ref := formula.CellRef{Sheet: sh.Name, Row: c.Row, Col: c.Col}
			if u, ok := ast.(*formula.Unary); ok && u.Op == '+' {
				ast = u.X // =+RiskNormal(...), as Lotus habits write it
			}
			root, isCall := ast.(*formula.Call)
			if _, isObject := objects[ref]; isObject {
				continue
			}
			if isCall {
				var bad string
				if root, bad = unwrapObject(root, sh.Name, objects); bad != "" {
					det.Problems = append(det.Problems, Problem{Cell: ref, Message: bad})
					continue
				}
			}
			if isCall && root.Name == "RISKSIMTABLE" {
				if c.ArrayRef != "" {
					det.Problems = append(det.Problems, Problem{Cell: ref, Message: fmt.Sprintf("%s in an array formula is not supported; enter it in a single cell", spelling(c.Formula, root.Name))})
					continue
				}
				simtables = append(simtables, found{ref, root, ast, c.Formula})
				continue
			}
			if isCall && refusedCopulas[root.Name] != "" {
				det.Problems = append(det.Problems, Problem{Cell: ref, Message: fmt.Sprintf("%s is not supported: %s; ModelRisk's normal, t and bivariate Archimedean copulas and @RISK's RiskCorrmat are", spelling(c.Formula, root.Name), refusedCopulas[root.Name])})
				continue
			}
			if isCall && copulaFuncs[root.Name] {
				r1, c1, r2, c2, ok := area(c.ArrayRef)
				if !ok {
					det.Problems = append(det.Problems, Problem{Cell: ref, Message: fmt.Sprintf("%s must be entered as an array formula over the cells that distributions take as their U argument", spelling(c.Formula, root.Name))})
					continue
				}
				copulas = append(copulas, &copula{ref: ref, call: root, fn: spelling(c.Formula, root.Name), row1: r1, col1: c1, row2: r2, col2: c2})
				continue
			}
			if isCall && families[root.Name].build != nil {
				if c.ArrayRef != "" {
					det.Problems = append(det.Problems, Problem{Cell: ref, Message: fmt.Sprintf("%s in an array formula is not supported; enter it in a single cell", spelling(c.Formula, root.Name))})
					continue
				}
				dists = append(dists, found{ref, root, ast, c.Formula})
				continue
			}
			if randShape(ast) {
				if c.ArrayRef != "" {
					det.Notes = append(det.Notes, Problem{Cell: ref, Message: "RAND() in an array formula is drawn in every iteration but is not an input; enter the formula in a single cell to make it one"})
					continue
				}
				dists = append(dists, found{ref, nil, ast, c.Formula})
				continue
			}
			marker, bad := scanFormula(ast, c.Formula)
			if bad != "" {
				det.Problems = append(det.Problems, Problem{Cell: ref, Message: bad})
				continue
			}
			if usesRand(ast) {
				liveRand[ref] = true
				det.Notes = append(det.Notes, Problem{Cell: ref, Message: buriedRand(c.Formula)})
			}
			if strings.Contains(strings.ToUpper(c.Formula), "VOSEMEAN(") {
				meanCells = append(meanCells, ref)
			}
			if marker != nil {
				outputs[ref] = replaceCalls(c.Formula, outputMarkers)
				det.Outputs = append(det.Outputs, Output{Cell: ref})
				outCalls = append(outCalls, marker)
			}
		}
	}
	if len(dists) == 0 && len(outputs) == 0 && len(simtables) == 0 && len(copulas) == 0 && len(meanCells) == 0 {
		return det, nil
	}
	// First the cached values stand in for the inputs: arguments that
	// depend on no input do not read them. A copula's cells hold the
	// median of its uniforms.
	provisional := map[formula.CellRef]float64{}
	for _, d := range dists {
		provisional[d.ref] = cachedNumber(wb, d.ref)
	}
	for _, cp := range copulas {
		for r := cp.row1; r <= cp.row2; r++ {
			for c := cp.col1; c <= cp.col2; c++ {
				provisional[formula.CellRef{Sheet: cp.ref.Sheet, Row: r, Col: c}] = 0.5
			}
		}
	}
	for _, d := range simtables {
		provisional[d.ref] = cachedNumber(wb, d.ref)
	}
	calc := formula.NewCalculator(rewrite(wb, provisional, outputs, nil))
	// Cells whose value varies in each iteration: parameters must not
	// depend on them.
	varying := make([]formula.CellRef, 0, len(dists)+len(liveRand))
	for _, d := range dists {
		varying = append(varying, d.ref)
	}
	for _, sh := range wb.Sheets {
		for _, c := range sh.Cells {
			if ref := (formula.CellRef{Sheet: sh.Name, Row: c.Row, Col: c.Col}); liveRand[ref] {
				varying = append(varying, ref)
			}
		}
	}
	// A copula's cells are drawn in each iteration too.
	copulaCell := map[formula.CellRef]bool{}
	for _, cp := range copulas {
		for r := cp.row1; r <= cp.row2; r++ {
			for c := cp.col1; c <= cp.col2; c++ {
				ref := formula.CellRef{Sheet: cp.ref.Sheet, Row: r, Col: c}
				copulaCell[ref] = true
				varying = append(varying, ref)
			}
		}
	}
	describe := func(dep formula.CellRef) string {
		switch {
		case liveRand[dep]:
			return "RAND() in " + dep.String()
		case copulaCell[dep]:
			return "the copula in " + dep.String()
		}
		return "the distribution in " + dep.String()
	}
	statics := map[formula.CellRef]float64{}
	if len(simtables) > 0 {
		// A run uses each RiskSimtable's first value: the arguments that
		// read one see that value, not the one the workbook cached.
		longest := 0
		for _, d := range simtables {
			st, err := readSimtable(calc, d, varying, describe)
			if err != nil {
				det.Problems = append(det.Problems, Problem{Cell: d.ref, Message: err.Error()})
				statics[d.ref] = provisional[d.ref]
				continue
			}
			det.Simtables = append(det.Simtables, st)
			longest = max(longest, len(st.Values))
			statics[d.ref], provisional[d.ref] = st.Values[0], st.Values[0]
		}
		for i, st := range det.Simtables {
			det.Notes = append(det.Notes, Problem{Cell: st.Cell, Message: simtableNote(spelling(simtables[i].text, "RISKSIMTABLE"), st, longest)})
		}
		calc = formula.NewCalculator(rewrite(wb, provisional, outputs, nil))
	}
	if len(meanCells) > 0 {
		for _, ref := range meanCells {
			src, ok := outputs[ref]
			if !ok {
				sh, _ := wb.Sheet(ref.Sheet)
				c, _ := sh.Cell(ref.Row, ref.Col)
				src = c.Formula
			}
			out, err := replaceMeans(calc, ref.Sheet, src, objects, varying, describe)
			if err != nil {
				det.Problems = append(det.Problems, Problem{Cell: ref, Message: err.Error()})
				continue
			}
			outputs[ref] = out
		}
		calc = formula.NewCalculator(rewrite(wb, provisional, outputs, nil))
	}
	// Copula cells that other formulas read hold each iteration's uniform.
	var copulaRead map[formula.CellRef]bool
	if len(copulas) > 0 {
		isDist := map[formula.CellRef]bool{}
		for _, d := range dists {
			isDist[d.ref] = true
		}
		copulaRead = copulaReaders(calc, formulaCells(wb), copulas, isDist)
	}
	liveCopula := map[formula.CellRef]string{} // copula cell -> its F(X) formula
	for _, cp := range copulas {
		readCopula(calc, cp)
		for r := cp.row1; r <= cp.row2; r++ {
			for c := cp.col1; c <= cp.col2; c++ {
				ref := formula.CellRef{Sheet: cp.ref.Sheet, Row: r, Col: c}
				statics[ref] = provisional[ref]
			}
		}
	}
	formulas := maps.Clone(outputs) // cell -> formula of the simulated workbook
	var links []*corrLink
	for _, d := range dists {
		if d.isRand() {
			in, err := readRandInput(calc, wb, d, varying)
			if err != nil {
				// The formula stays as it is and draws RAND() itself.
				det.Notes = append(det.Notes, Problem{Cell: d.ref, Message: fmt.Sprintf("%s; the formula still draws RAND() in every iteration, but the cell is not an input", err)})
				continue
			}
			det.Inputs = append(det.Inputs, in)
			links = append(links, nil)
			statics[d.ref] = in.Static
			continue
		}
		in, err := readInput(calc, wb, d, varying, describe, copulas)
		if err != nil {
			det.Problems = append(det.Problems, Problem{Cell: d.ref, Message: err.Error()})
			continue
		}
		if l := in.corr; l != nil && l.copulaCell != nil && copulaRead[*l.copulaCell] {
			u := *l.copulaCell
			x := workbook.CellName(d.ref.Row, d.ref.Col)
			if !strings.EqualFold(d.ref.Sheet, u.Sheet) {
				x = d.ref.String()
			}
			cdf, err := cdfFormula(in.Spec, x)
			if err != nil {
				det.Problems = append(det.Problems, Problem{Cell: d.ref, Message: fmt.Sprintf("other formulas read its U cell %s, which must then hold the uniform %s's value is drawn from, and %v", u, in.Function, err)})
				continue
			}
			liveCopula[u] = cdf
		}
		for _, n := range in.notes {
			det.Notes = append(det.Notes, Problem{Cell: d.ref, Message: n})
		}
		in.notes = nil
		links = append(links, in.corr)
		in.corr = nil
		det.Inputs = append(det.Inputs, in)
		statics[d.ref] = in.Static
	}
	// A copula cell read by formulas and by no distribution is an input of
	// its own, the copula's uniform.
	for _, cp := range copulas {
		for r := cp.row1; r <= cp.row2; r++ {
			for c := cp.col1; c <= cp.col2; c++ {
				ref := formula.CellRef{Sheet: cp.ref.Sheet, Row: r, Col: c}
				if _, ok := liveCopula[ref]; ok {
					delete(statics, ref)
					formulas[ref] = liveCopula[ref]
					continue
				}
				if !copulaRead[ref] {
					continue
				}
				cp.used = true
				link := cp.link
				link.position = (r-cp.row1)*(cp.col2-cp.col1+1) + c - cp.col1 + 1
				det.Inputs = append(det.Inputs, Input{Cell: ref, Function: cp.fn, Spec: dist.Spec{Type: dist.Uniform, Min: f(0), Max: f(1)}, Static: 0.5})
				links = append(links, &link)
			}
		}
	}
	var corrProblems []Problem
	det.Correlations, det.Copulas, corrProblems = correlate(det.Inputs, links)
	det.Problems = append(det.Problems, corrProblems...)
	for _, cp := range copulas {
		if !cp.used {
			det.Problems = append(det.Problems, Problem{Cell: cp.ref, Message: fmt.Sprintf("%s is supported only as the U argument of ModelRisk distributions (=VoseNormal(10,1,%s)), and no distribution takes it", cp.fn, workbook.CellName(cp.row1, cp.col1))})
		}
	}
	for i := range det.Outputs {
		o := &det.Outputs[i]
		if args := outCalls[i].Args; len(args) > 0 {
			if _, missing := args[0].(formula.Missing); !missing {
				v, err := calc.Values(o.Cell.Sheet, args[0])
				if err == nil && len(v) == 1 && v[0].Kind != formula.KindError {
					o.Name = strings.TrimSpace(v[0].String())
				}
			}
		}
	}
	// Refused inputs keep their cached value, so that the workbook still
	// evaluates; a model using them is refused through Problems.
	for _, d := range dists {
		if _, ok := statics[d.ref]; !ok && !d.isRand() {
			statics[d.ref] = provisional[d.ref]
		}
	}
	ungrouped := map[formula.CellRef]bool{}
	for _, cp := range copulas {
		ungrouped[cp.ref] = true
	}
	det.Workbook = rewrite(wb, statics, formulas, ungrouped)
	return det, nil
}

// scanFormula finds the first output marker of a formula that is not a
// distribution call, and what in it cannot be simulated. A marker's own
// arguments (its name and property functions) are not looked into: the
// marker is replaced by 0.
func scanFormula(ast formula.Node, src string) (marker *formula.Call, bad string) {
	var walk func(n formula.Node)
	walk = func(n formula.Node) {
		if bad != "" {
			return
		}
		if call, ok := n.(*formula.Call); ok && inCellName(call.Name) {
			switch {
			case outputMarkers[call.Name]:
				if marker == nil {
					marker = call
				}
				return
			case call.Name == "VOSEMEAN":
				return // replaced by the object's mean
			case families[call.Name].build != nil:
				bad = fmt.Sprintf("%s is part of a larger formula; put the distribution in a cell of its own and refer to that cell", spelling(src, call.Name))
				return
			case !formula.Supported(call.Name):
				bad = fmt.Sprintf("%s is not supported", spelling(src, call.Name))
				return
			}
		}
		for _, c := range children(n) {
			walk(c)
		}
	}
	walk(ast)
	return marker, bad
}

func children(n formula.Node) []formula.Node {
	switch x := n.(type) {
	case *formula.Unary:
		return []formula.Node{x.X}
	case *formula.Percent:
		return []formula.Node{x.X}
	case *formula.Binary:
		return []formula.Node{x.L, x.R}
	case *formula.Call:
		return x.Args
	case *formula.Invoke:
		return append([]formula.Node{x.Fn}, x.Args...)
	case *formula.Array:
		var out []formula.Node
		for _, r := range x.Rows {
			out = append(out, r...)
		}
		return out
	}
	return nil
}

// readInput evaluates a distribution call's arguments and properties.
func readInput(calc *formula.Calculator, wb *workbook.Workbook, d found, inputs []formula.CellRef, describe func(formula.CellRef) string, copulas []*copula) (Input, error) {
	fn := spelling(d.text, d.call.Name)
	fam := families[d.call.Name]
	in := Input{Cell: d.ref, Function: fn}
	var positional []formula.Node
	var props []*formula.Call
	for _, arg := range d.call.Args {
		if call, ok := arg.(*formula.Call); ok && inCellName(call.Name) && !formula.Supported(call.Name) {
			if families[call.Name].build != nil {
				return in, fmt.Errorf("%s takes another distribution (%s) as an argument; put that one in a cell of its own", fn, spelling(d.text, call.Name))
			}
			props = append(props, call)
			continue
		}
		positional = append(positional, arg)
	}
	for len(positional) > len(fam.params) {
		if _, missing := positional[len(positional)-1].(formula.Missing); !missing {
			break
		}
		positional = positional[:len(positional)-1]
	}
	if strings.HasPrefix(d.call.Name, "VOSE") && len(positional) == len(fam.params)+1 {
		// U: the cell of a copula that correlates this input, or a fixed
		// cumulative percentile.
		link, ok := copulaLink(copulas, d.ref.Sheet, positional[len(positional)-1])
		if !ok {
			return in, fmt.Errorf("%s's argument U is supported only as a cell of a ModelRisk copula array (VoseCopulaMultiNormal, VoseCopulaMultiT, VoseCopulaBiClayton, …) (a fixed cumulative percentile is not); leave it empty", fn)
		}
		in.corr = link
		positional = positional[:len(positional)-1]
	}
	if len(positional) != len(fam.params) {
		return in, fmt.Errorf("%s takes %d arguments (%s), got %d", fn, len(fam.params), strings.Join(fam.params, ", "), len(positional))
	}
	for i, arg := range positional {
		if dep, ok := calc.Reads(d.ref.Sheet, arg, inputs); ok {
			return in, fmt.Errorf("argument %s of %s depends on %s; parameters that vary in each iteration are not supported", fam.params[i], fn, describe(dep))
		}
		if usesRand(arg) {
			return in, fmt.Errorf("argument %s of %s calls RAND(); parameters that vary in each iteration are not supported", fam.params[i], fn)
		}
	}
	a := &args{calc: calc, sheet: d.ref.Sheet, nodes: positional, names: fam.params, fn: fn}
	in.Spec = fam.build(a)
	if a.err != nil {
		return in, a.err
	}
	var shiftBy float64
	var shifted bool
	var truncBefore, truncAfter [2]*float64
	var static *float64
	var truncP [2]*float64
	var notes []string
	for _, p := range props {
		pn := spelling(d.text, p.Name)
		pa := &args{calc: calc, sheet: d.ref.Sheet, nodes: p.Args, fn: pn}
		for i, arg := range p.Args {
			if dep, ok := calc.Reads(d.ref.Sheet, arg, inputs); ok {
				return in, fmt.Errorf("argument %d of %s in %s depends on %s; it must be fixed for the run", i+1, pn, fn, describe(dep))
			}
		}
		switch p.Name {
		case "RISKNAME":
			in.Name = pa.text(0)
		case "RISKTRUNCATE", "RISKTRUNCATE2", "VOSEXBOUNDS":
			lo, hi := pa.optNum(0), pa.optNum(1)
			if p.Name == "RISKTRUNCATE" {
				truncBefore = [2]*float64{lo, hi}
			} else {
				truncAfter = [2]*float64{lo, hi}
			}
		case "RISKSHIFT", "VOSESHIFT":
			if s := pa.num(0); s != nil {
				shiftBy, shifted = *s, true
			}
		case "RISKSTATIC":
			static = pa.num(0)
		case "RISKTRUNCATEP":
			truncP = [2]*float64{pa.optNum(0), pa.optNum(1)}
			for _, q := range truncP {
				if q != nil && !(*q >= 0 && *q <= 1) {
					pa.fail("percentiles must be between 0 and 1, got %g", *q)
				}
			}
			if truncP[0] != nil && truncP[1] != nil && !(*truncP[0] < *truncP[1]) {
				pa.fail("the low percentile must be below the high one, got %g and %g", *truncP[0], *truncP[1])
			}
		case "RISKCORRMAT":
			if in.corr != nil {
				pa.fail("the input is already correlated; give it one RiskCorrmat")
				break
			}
			in.corr = readCorrmat(calc, wb, d.ref.Sheet, p, pa)
		case "RISKSEED":
			// @RISK gives the input a random stream of its own; the
			// engine derives every input's stream from the run's seed.
			notes = append(notes, fmt.Sprintf("%s is ignored: in @RISK it gives this input a random stream of its own; here every input's stream comes from the simulation's seed, which makes a run reproducible", pn))
		case "VOSEINPUT":
			// ModelRisk's documentation of VoseInput was not available:
			// its arguments cannot be read with confidence.
			return in, fmt.Errorf("%s in %s is not supported: its ModelRisk documentation was not available, so its arguments are not read; name the input in the simulation instead", pn, fn)
		case "RISKCOPULA":
			return in, fmt.Errorf("%s in %s is not supported: %s", pn, fn, riskCopulaRefused)
		default:
			if !descriptiveProperties[p.Name] {
				return in, fmt.Errorf("%s in %s is not supported", pn, fn)
			}
		}
		if pa.err != nil {
			return in, pa.err
		}
	}
	if shifted && shiftBy != 0 {
		shift(&in.Spec, shiftBy)
	}
	// RiskTruncate bounds the distribution before its shift, RiskTruncate2
	// (and VoseXBounds) after it.
	for i, b := range truncBefore {
		if b != nil {
			v := *b + shiftBy
			truncBefore[i] = &v
		}
	}
	// RiskTruncateP bounds by percentiles of the untruncated distribution.
	if truncP[0] != nil || truncP[1] != nil {
		base, err := dist.NewAt(in.Name, d.ref.String(), in.Spec)
		if err != nil {
			var pe *dist.ParamError
			if errors.As(err, &pe) {
				return in, fmt.Errorf("%s: %s", fn, pe.Reason)
			}
			return in, fmt.Errorf("%s: %w", fn, err)
		}
		for i, q := range truncP {
			if q != nil && *q > 0 && *q < 1 {
				v := base.Quantile(*q)
				truncAfter[i] = tighter(truncAfter[i], &v, []func(x, y float64) float64{math.Max, math.Min}[i])
			}
		}
	}
	in.Spec.TruncateMin, in.Spec.TruncateMax = tighter(truncBefore[0], truncAfter[0], math.Max), tighter(truncBefore[1], truncAfter[1], math.Min)
	in.notes = notes
	dd, err := dist.NewAt(in.Name, d.ref.String(), in.Spec)
	if err != nil {
		var pe *dist.ParamError
		if errors.As(err, &pe) {
			return in, fmt.Errorf("%s: %s", fn, pe.Reason)
		}
		return in, fmt.Errorf("%s: %w", fn, err)
	}
	in.Static = staticValue(wb, d.ref, static, dd)
	return in, nil
}

// staticValue is the value of an input cell outside a simulation: the
// given one, else the value the workbook cached, else the mean (the
// median when the mean is not finite).
func staticValue(wb *workbook.Workbook, ref formula.CellRef, given *float64, dd dist.Distribution) float64 {
	switch cached := cachedValue(wb, ref); {
	case given != nil:
		return *given
	case cached != nil:
		return *cached
	case !math.IsNaN(dd.Mean()) && !math.IsInf(dd.Mean(), 0):
		return dd.Mean()
	}
	return dd.Quantile(0.5)
}

func tighter(a, b *float64, pick func(x, y float64) float64) *float64 {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	v := pick(*a, *b)
	return &v
}

// args reads a call's arguments; the first failure is kept in err and
// later reads return nil.
type args struct {
	calc  *formula.Calculator
	sheet string
	nodes []formula.Node
	names []string
	fn    string
	err   error
}

func (a *args) fail(format string, v ...any) {
	if a.err == nil {
		a.err = fmt.Errorf("%s: %s", a.fn, fmt.Sprintf(format, v...))
	}
}

func (a *args) label(i int) string {
	if i < len(a.names) {
		return a.names[i]
	}
	return fmt.Sprintf("argument %d", i+1)
}

func (a *args) values(i int) []formula.Value {
	if a.err != nil {
		return nil
	}
	if i >= len(a.nodes) {
		a.fail("%s is missing", a.label(i))
		return nil
	}
	if _, missing := a.nodes[i].(formula.Missing); missing {
		a.fail("%s is missing", a.label(i))
		return nil
	}
	v, err := a.calc.Values(a.sheet, a.nodes[i])
	if err != nil {
		a.fail("%s: %v", a.label(i), err)
		return nil
	}
	return v
}

func (a *args) num(i int) *float64 {
	v := a.values(i)
	if v == nil {
		return nil
	}
	if len(v) != 1 {
		a.fail("%s must be a single number, got %d values", a.label(i), len(v))
		return nil
	}
	if v[0].Kind != formula.KindNumber {
		a.fail("%s must be a number, got %s", a.label(i), describeValue(v[0]))
		return nil
	}
	x := v[0].Num
	return &x
}

// optNum is num for an argument that may be left out (RiskTruncate(,10)).
func (a *args) optNum(i int) *float64 {
	if i >= len(a.nodes) {
		return nil
	}
	if _, missing := a.nodes[i].(formula.Missing); missing {
		return nil
	}
	return a.num(i)
}

func (a *args) whole(i int) *int {
	x := a.num(i)
	if x == nil {
		return nil
	}
	if *x != math.Trunc(*x) || math.Abs(*x) > 1<<31 {
		a.fail("%s must be a whole number, got %g", a.label(i), *x)
		return nil
	}
	n := int(*x)
	return &n
}

func (a *args) nums(i int) []float64 {
	v := a.values(i)
	if v == nil {
		return nil
	}
	out := make([]float64, len(v))
	for j, x := range v {
		if x.Kind != formula.KindNumber {
			a.fail("%s must hold numbers only, value %d is %s", a.label(i), j+1, describeValue(x))
			return nil
		}
		out[j] = x.Num
	}
	return out
}

func (a *args) text(i int) string {
	v := a.values(i)
	if len(v) != 1 {
		if v != nil {
			a.fail("%s must be a single value", a.label(i))
		}
		return ""
	}
	return strings.TrimSpace(v[0].String())
}

func describeValue(v formula.Value) string {
	switch v.Kind {
	case formula.KindBlank:
		return "an empty cell"
	case formula.KindString:
		return fmt.Sprintf("the text %q", v.Str)
	}
	return v.String()
}

// inCellName reports whether a function belongs to @RISK or ModelRisk.
func inCellName(name string) bool {
	return strings.HasPrefix(name, "RISK") || strings.HasPrefix(name, "VOSE")
}

// mentionsRand is mentionsInCell for RAND and RANDBETWEEN.
func mentionsRand(src string) bool { return strings.Contains(strings.ToUpper(src), "RAND") }

// mentionsInCell is a cheap test that skips the parse of most formulas.
func mentionsInCell(src string) bool {
	u := strings.ToUpper(src)
	return strings.Contains(u, "RISK") || strings.Contains(u, "VOSE")
}

// spelling returns the function name as the formula writes it.
func spelling(src, upper string) string {
	if i := strings.Index(strings.ToUpper(src), upper+"("); i >= 0 {
		return src[i : i+len(upper)]
	}
	return upper
}

func cachedValue(wb *workbook.Workbook, ref formula.CellRef) *float64 {
	sh, ok := wb.Sheet(ref.Sheet)
	if !ok {
		return nil
	}
	c, ok := sh.Cell(ref.Row, ref.Col)
	if !ok || c.Value.Kind != workbook.Number || math.IsNaN(c.Value.Num) || math.IsInf(c.Value.Num, 0) {
		return nil
	}
	v := c.Value.Num
	return &v
}

func cachedNumber(wb *workbook.Workbook, ref formula.CellRef) float64 {
	if v := cachedValue(wb, ref); v != nil {
		return *v
	}
	return 0
}

// rewrite copies wb with the given cells made numeric constants and the
// given formulas replaced; the array formulas whose masters are ungrouped
// become single-cell formulas.
func rewrite(wb *workbook.Workbook, constants map[formula.CellRef]float64, formulas map[formula.CellRef]string, ungrouped map[formula.CellRef]bool) *workbook.Workbook {
	sheets := make([]*workbook.Sheet, len(wb.Sheets))
	for i, sh := range wb.Sheets {
		cp := &workbook.Sheet{Name: sh.Name, Cells: slices.Clone(sh.Cells), Arrays: sh.Arrays, DataTables: sh.DataTables}
		// An array formula whose master becomes a constant or a cell of
		// its own (a copula's) is gone.
		gone := func(a workbook.ArrayFormula) bool {
			ref := formula.CellRef{Sheet: sh.Name, Row: a.Row1, Col: a.Col1}
			_, ok := constants[ref]
			return ok || ungrouped[ref]
		}
		if slices.ContainsFunc(sh.Arrays, gone) {
			cp.Arrays = slices.DeleteFunc(slices.Clone(sh.Arrays), gone)
		}
		done := map[formula.CellRef]bool{}
		for j := range cp.Cells {
			c := &cp.Cells[j]
			ref := formula.CellRef{Sheet: sh.Name, Row: c.Row, Col: c.Col}
			if v, ok := constants[ref]; ok {
				c.Formula, c.ArrayRef = "", ""
				c.Value = workbook.Value{Kind: workbook.Number, Num: v}
				done[ref] = true
			} else if src, ok := formulas[ref]; ok {
				c.Formula = src
				if ungrouped[ref] {
					c.ArrayRef = ""
				}
				done[ref] = true
			}
		}
		// The cells of an array formula other than its master may be
		// absent from the file (a copula's).
		for ref, v := range constants {
			if ref.Sheet == sh.Name && !done[ref] {
				cp.Cells = append(cp.Cells, workbook.Cell{Row: ref.Row, Col: ref.Col, Value: workbook.Value{Kind: workbook.Number, Num: v}})
			}
		}
		for ref, src := range formulas {
			if ref.Sheet == sh.Name && !done[ref] {
				cp.Cells = append(cp.Cells, workbook.Cell{Row: ref.Row, Col: ref.Col, Formula: src})
			}
		}
		sheets[i] = cp
	}
	out := workbook.New(sheets, wb.Names)
	out.Date1904, out.Tables, out.Calc = wb.Date1904, wb.Tables, wb.Calc
	return out
}

// replaceCalls replaces every call of the named functions (upper case) in
// formula text by 0, leaving string literals and quoted sheet names alone.
func replaceCalls(src string, names map[string]bool) string {
	return replaceCallsWith(src, func(name, _ string) (string, bool) { return "0", names[name] })
}

// replaceCallsWith replaces the calls for which with returns true, given
// the upper-case name and the text between the parentheses, by what it
// returns, leaving string literals and quoted sheet names alone.
func replaceCallsWith(src string, with func(name, inner string) (string, bool)) string {
	var b strings.Builder
	for i := 0; i < len(src); {
		ch := src[i]
		switch {
		case ch == '"' || ch == '\'':
			j := skipQuoted(src, i)
			b.WriteString(src[i:j])
			i = j
		case isIdentStart(ch):
			j := i
			for j < len(src) && isIdent(src[j]) {
				j++
			}
			name := strings.ToUpper(src[i:j])
			for _, pre := range []string{"_XLL.", "_XLFN."} {
				name = strings.TrimPrefix(name, pre)
			}
			if j < len(src) && src[j] == '(' {
				if end := closing(src, j); end > 0 {
					if repl, ok := with(name, src[j+1:end]); ok {
						b.WriteString(repl)
						i = end + 1
						continue
					}
				}
			}
			b.WriteString(src[i:j])
			i = j
		default:
			b.WriteByte(ch)
			i++
		}
	}
	return b.String()
}

func isIdentStart(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '\\'
}

func isIdent(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' || c == '.' }

// skipQuoted returns the index after the quoted text starting at i (a
// doubled quote stands for itself).
func skipQuoted(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

// closing returns the index of the parenthesis closing the one at open, or
// -1.
func closing(s string, open int) int {
	depth := 0
	for i := open; i < len(s); {
		switch s[i] {
		case '"', '\'':
			i = skipQuoted(s, i)
			continue
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return -1
}

// properties are the property functions readInput applies.
var properties = map[string]bool{
	"RISKNAME": true, "RISKTRUNCATE": true, "RISKTRUNCATE2": true, "VOSEXBOUNDS": true,
	"RISKSHIFT": true, "RISKSTATIC": true, "RISKTRUNCATEP": true, "RISKSEED": true,
	"RISKCORRMAT": true, "VOSESHIFT": true,
}

// Recognised reports whether Detect knows the function (upper case, as
// the formula parser gives it): a distribution, an output marker or a
// property function. Other @RISK and ModelRisk functions are problems.
func Recognised(name string) bool {
	return families[name].build != nil || outputMarkers[name] || properties[name] || descriptiveProperties[name] ||
		copulaFuncs[name] || name == "RISKSIMTABLE" || name == "VOSESIMULATE" || name == "VOSEMEAN" ||
		strings.HasSuffix(name, "OBJECT") && families[strings.TrimSuffix(name, "OBJECT")].build != nil
}

// area parses an array formula's range ("A5:C5").
func area(ref string) (r1, c1, r2, c2 int, ok bool) {
	if ref == "" {
		return 0, 0, 0, 0, false
	}
	a, b, isRange := strings.Cut(ref, ":")
	if r1, c1, ok = workbook.ParseCellName(a); !ok {
		return
	}
	if !isRange {
		return r1, c1, r1, c1, true
	}
	r2, c2, ok = workbook.ParseCellName(b)
	return
}

// unwrapObject turns ModelRisk's =VoseSimulate(VoseNormalObject(100,10)),
// or =VoseSimulate(A1) with =VoseNormalObject(100,10) in A1 (on the same
// sheet), into the distribution call it samples, =VoseNormal(100,10),
// VoseSimulate's own U argument included. Other calls are returned as they
// are; bad says why a VoseSimulate cannot be read.
func unwrapObject(c *formula.Call, sheet string, objects map[formula.CellRef]*formula.Call) (_ *formula.Call, bad string) {
	if c.Name != "VOSESIMULATE" || len(c.Args) == 0 {
		return c, ""
	}
	obj, ok := c.Args[0].(*formula.Call)
	if r, isRef := c.Args[0].(*formula.Ref); isRef && r.Kind == formula.RefCell && r.Sheet2 == "" {
		at := formula.CellRef{Sheet: sheet, Row: r.Row1, Col: r.Col1}
		if r.Sheet != "" && !strings.EqualFold(r.Sheet, sheet) {
			for o := range objects {
				if strings.EqualFold(o.Sheet, r.Sheet) && o.Row == r.Row1 && o.Col == r.Col1 {
					return c, fmt.Sprintf("VoseSimulate of the object in %s, on another sheet, is not supported; put the object on this sheet or write the distribution here", o)
				}
			}
			return c, ""
		}
		obj, ok = objects[at]
	}
	if !ok || !strings.HasSuffix(obj.Name, "OBJECT") {
		return c, ""
	}
	name := strings.TrimSuffix(obj.Name, "OBJECT")
	if families[name].build == nil {
		return c, ""
	}
	return &formula.Call{Name: name, Args: append(slices.Clone(obj.Args), c.Args[1:]...)}, ""
}

// findObjects returns the cells whose whole formula is a ModelRisk
// distribution object (=VoseNormalObject(100,10)). In the simulated
// workbook such a cell holds the text ModelRisk shows for it
// ("VoseNormal(100,10)"); formulas records that.
func findObjects(wb *workbook.Workbook, formulas map[formula.CellRef]string) map[formula.CellRef]*formula.Call {
	objects := map[formula.CellRef]*formula.Call{}
	for _, sh := range wb.Sheets {
		for _, c := range sh.Cells {
			if c.Formula == "" || c.ArrayRef != "" || !strings.Contains(strings.ToUpper(c.Formula), "OBJECT") {
				continue
			}
			ast, err := formula.Parse(c.Formula)
			if err != nil {
				continue
			}
			call, ok := ast.(*formula.Call)
			if !ok || !strings.HasSuffix(call.Name, "OBJECT") || families[strings.TrimSuffix(call.Name, "OBJECT")].build == nil {
				continue
			}
			ref := formula.CellRef{Sheet: sh.Name, Row: c.Row, Col: c.Col}
			objects[ref] = call
			text := c.Value.Str
			if c.Value.Kind != workbook.String || text == "" {
				text = strings.TrimPrefix(c.Formula, "=")
				if i := strings.Index(strings.ToUpper(text), "OBJECT("); i >= 0 {
					text = text[:i] + text[i+len("OBJECT"):]
				}
			}
			formulas[ref] = `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
		}
	}
	return objects
}
