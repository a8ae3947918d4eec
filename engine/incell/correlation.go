package incell

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/workbook"
)

// Correlations between in-cell inputs come from a correlation matrix that
// the workbook holds in its cells:
//
//	=RiskNormal(10,1,RiskCorrmat(Matrix,1))   @RISK: a property naming the
//	                                          matrix (a range or a defined
//	                                          name), the input's position in
//	                                          it and optionally an instance
//	{=VoseCopulaMultiNormal(F1:H3)} in A5:C5  ModelRisk: a normal copula
//	=VoseNormal(10,1,A5)                      entered over cells that the
//	                                          distributions take as their U
//	                                          argument (VoseCopulaBiNormal(r)
//	                                          for two)
//
// Inputs that share a matrix (and instance) become correlated inputs of the
// model, every pair of them with its coefficient, zeros included: that is
// the matrix @RISK imposes. @RISK's coefficients are Spearman rank
// correlations, which is what the engine takes. A normal copula's are the
// Pearson correlations r of its normal variables, whose rank correlation
// is (6/π)·asin(r/2); the engine's Iman-Conover step turns that back into
// r between normal scores, so it imposes the same copula up to the
// sampling of the scores.

// Copula is a non-Gaussian ModelRisk copula joining detected inputs:
// VoseCopulaMultiT and VoseCopulaBiT (sample.StudentT, Correlation the
// Pearson correlations of its normals, row r being Cells[r]),
// VoseCopulaBiClayton, VoseCopulaBiGumbel and VoseCopulaBiFrank (two
// Cells, Parameter their α or θ).
type Copula struct {
	Family           sample.CopulaFamily
	Cells            []formula.CellRef
	Correlation      [][]float64
	DegreesOfFreedom float64
	Parameter        float64
	Matrix           string // the copula's cells, for users
}

// Correlation is a target rank correlation between two detected inputs.
type Correlation struct {
	A, B        formula.CellRef
	Coefficient float64 // Spearman's
	// Matrix says where the coefficient comes from: the range or defined
	// name RiskCorrmat names (with its instance, if any), or the cells of a
	// ModelRisk copula.
	Matrix string
}

// Tolerances of the matrix checks, those the engine's sampler applies
// (engine/sample): a matrix typed with a few decimals passes them, an
// inconsistent one fails far outside them.
const (
	unitDiagonalTolerance = 1e-9
	symmetryTolerance     = 1e-9
	psdTolerance          = 1e-10
)

// corrLink is an input's place in a correlation matrix.
type corrLink struct {
	fn       string // the function that links it, as written
	key      string // the matrix's identity, instance included
	matrix   string // the matrix for users
	position int    // 1-based
	m        [][]float64
	bad      string // why the matrix is not a correlation matrix
	gaussian bool   // m holds Pearson correlations of a normal copula
	// family is a non-Gaussian copula's (then m, for the t copula, holds
	// the Pearson correlations of its normals), with nu its degrees of
	// freedom and theta an Archimedean copula's parameter.
	family    sample.CopulaFamily
	nu, theta float64
	// copulaCell is the copula's cell a ModelRisk distribution takes as
	// its U.
	copulaCell *formula.CellRef
}

// copula is a ModelRisk copula array formula.
type copula struct {
	ref                    formula.CellRef // its master cell
	call                   *formula.Call
	fn                     string
	row1, col1, row2, col2 int
	used                   bool
	link                   corrLink // without position
}

var copulaFuncs = map[string]bool{"VOSECOPULAMULTINORMAL": true, "VOSECOPULABINORMAL": true,
	"VOSECOPULAMULTIT": true, "VOSECOPULABIT": true, "VOSECOPULABICLAYTON": true, "VOSECOPULABIGUMBEL": true, "VOSECOPULABIFRANK": true}

// archimedeanFamilies are the bivariate Archimedean copulas the engine
// samples (engine/sample).
var archimedeanFamilies = map[string]sample.CopulaFamily{"VOSECOPULABICLAYTON": sample.Clayton, "VOSECOPULABIGUMBEL": sample.Gumbel, "VOSECOPULABIFRANK": sample.Frank}

// refusedCopulas are the copulas the engine cannot impose, with why.
// ModelRisk's help documents VoseCopulaMultiClayton(α), …, but the engine
// samples Archimedean copulas of two variables only.
var refusedCopulas = func() map[string]string {
	const archimedean = "the engine samples Archimedean copulas of two variables only (VoseCopulaBiClayton, VoseCopulaBiGumbel, VoseCopulaBiFrank)"
	m := map[string]string{}
	for _, kind := range []string{"CLAYTON", "GUMBEL", "FRANK"} {
		m["VOSECOPULAMULTI"+kind] = archimedean
	}
	return m
}()

// riskCopulaRefused says why @RISK's RiskCopula is refused: its function
// reference (help.palisade.com, RiskCopula) says the copula definition
// range "is an array of cells whose format is different for each type of
// copula" and documents no format, and the copulas it defines (Clayton,
// Gumbel, Frank, t) are not Gaussian anyway.
const riskCopulaRefused = "@RISK documents no format for the copula definition range RiskCopula names, and the engine imposes rank correlations through normal scores only (a Gaussian copula); use RiskCorrmat with a correlation matrix"

// readCorrmat reads RiskCorrmat(matrix, position[, instance]).
func readCorrmat(calc *formula.Calculator, wb *workbook.Workbook, sheet string, p *formula.Call, pa *args) *corrLink {
	pn := pa.fn
	if len(p.Args) < 2 || len(p.Args) > 3 {
		pa.fail("takes a matrix, a position and optionally an instance, got %d arguments", len(p.Args))
		return nil
	}
	key, label, ok := matrixName(wb, sheet, p.Args[0])
	if !ok {
		pa.fail("the matrix must be a range or a defined name that refers to one")
		return nil
	}
	pa.names = []string{"matrix", "position", "instance"}
	pos := pa.whole(1)
	var instance string
	if len(p.Args) == 3 {
		if _, missing := p.Args[2].(formula.Missing); !missing {
			instance = pa.text(2)
		}
	}
	if pa.err != nil {
		return nil
	}
	if instance != "" {
		key += "\x00" + strings.ToUpper(instance)
		label += " (instance " + instance + ")"
	}
	link := &corrLink{fn: pn, key: key, matrix: label, position: *pos}
	rows, cols, vals, err := calc.Grid(sheet, p.Args[0])
	if err != nil {
		link.bad = err.Error()
		return link
	}
	link.m, link.bad = correlationMatrix(rows, cols, vals)
	return link
}

// matrixName identifies a matrix argument: the area it covers (key) and
// how to show it (the defined name when one is used).
func matrixName(wb *workbook.Workbook, sheet string, n formula.Node) (key, label string, ok bool) {
	switch x := n.(type) {
	case *formula.Ref:
		if x.Sheet2 != "" || x.Kind != formula.RefArea && x.Kind != formula.RefCell {
			return "", "", false
		}
		s := x.Sheet
		if s == "" {
			s = sheet
		}
		if sh, found := wb.Sheet(s); found {
			s = sh.Name
		}
		a := formula.CellRef{Sheet: s, Row: x.Row1, Col: x.Col1}.String() + ":" + workbook.CellName(x.Row2, x.Col2)
		return a, a, true
	case *formula.Name:
		scope := x.Sheet
		if scope == "" {
			scope = sheet
		}
		dn, found := wb.Name(x.Name, scope)
		if !found {
			return "", "", false
		}
		target, err := formula.Parse(dn.RefersTo)
		if err != nil {
			return "", "", false
		}
		if key, _, ok = matrixName(wb, dn.Scope, target); !ok {
			return "", "", false
		}
		return key, dn.Name, true
	}
	return "", "", false
}

// correlationMatrix checks that vals (rows × cols, row by row) are a
// correlation matrix: square, numbers with 1 on the diagonal, symmetric,
// within [-1, 1] and positive semi-definite. A blank cell takes the value
// of its mirror, so that one triangle may be left empty.
func correlationMatrix(rows, cols int, vals []formula.Value) ([][]float64, string) {
	if rows != cols {
		return nil, fmt.Sprintf("is %d×%d; a correlation matrix is square", rows, cols)
	}
	if rows < 2 {
		return nil, "has a single cell; a correlation matrix has a row and a column per input"
	}
	at := func(i, j int) formula.Value { return vals[i*cols+j] }
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
		for j := range m[i] {
			v := at(i, j)
			if v.Kind == formula.KindBlank && i != j {
				v = at(j, i)
			}
			if v.Kind != formula.KindNumber {
				return nil, fmt.Sprintf("holds %s at row %d, column %d; it must hold numbers", describeValue(v), i+1, j+1)
			}
			m[i][j] = v.Num
		}
	}
	for i := range m {
		if math.Abs(m[i][i]-1) > unitDiagonalTolerance {
			return nil, fmt.Sprintf("has %g on its diagonal at row %d; a correlation matrix has 1 there", m[i][i], i+1)
		}
		for j := range i {
			if math.Abs(m[i][j]-m[j][i]) > symmetryTolerance {
				return nil, fmt.Sprintf("is not symmetric: %g at row %d, column %d but %g at row %d, column %d", m[i][j], i+1, j+1, m[j][i], j+1, i+1)
			}
			if !(m[i][j] >= -1 && m[i][j] <= 1) {
				return nil, fmt.Sprintf("holds %g at row %d, column %d; correlations are between -1 and 1", m[i][j], i+1, j+1)
			}
		}
	}
	sym := mat.NewSymDense(rows, nil)
	for i := range m {
		for j := range i + 1 {
			sym.SetSym(i, j, m[i][j])
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, false) {
		return nil, "could not be factorised"
	}
	if low := slices.Min(eig.Values(nil)); low < -psdTolerance {
		return nil, fmt.Sprintf("is not positive semi-definite (smallest eigenvalue %.3g): no set of variables has these correlations together", low)
	}
	return m, ""
}

// readCopula evaluates a copula's matrix.
func readCopula(calc *formula.Calculator, cp *copula) {
	cp.link = corrLink{fn: cp.fn, key: "copula\x00" + cp.ref.String(), matrix: fmt.Sprintf("%s in %s:%s", cp.fn, cp.ref, workbook.CellName(cp.row2, cp.col2)), gaussian: true}
	a := &args{calc: calc, sheet: cp.ref.Sheet, nodes: cp.call.Args, fn: cp.fn}
	name := strings.ToUpper(cp.fn)
	// ModelRisk's help documents VoseCopulaBiT(ν, correlation),
	// VoseCopulaMultiT(ν, matrix) and VoseCopulaBi{Clayton,Gumbel,Frank}(
	// parameter, direction): the direction (a rotation) is supported only
	// left empty, the unrotated copula.
	if fam, ok := archimedeanFamilies[name]; ok {
		cp.link.gaussian, cp.link.family = false, fam
		a.names = []string{"parameter", "direction"}
		if n := len(cp.call.Args); n < 1 || n > 2 || n == 2 && !isMissing(cp.call.Args[1]) {
			cp.link.bad = fmt.Sprintf("takes its parameter only here (a direction, which rotates the copula, is not supported), got %d arguments", n)
			return
		}
		th := a.num(0)
		if a.err != nil {
			cp.link.bad = a.err.Error()
			return
		}
		cp.link.theta = *th
		switch {
		case fam == sample.Clayton && !(*th > 0):
			cp.link.bad = fmt.Sprintf("has α = %g; Clayton's must be positive", *th)
		case fam == sample.Gumbel && !(*th >= 1):
			cp.link.bad = fmt.Sprintf("has θ = %g; Gumbel's must be at least 1", *th)
		case fam == sample.Frank && (*th == 0 || math.IsInf(*th, 0)):
			cp.link.bad = fmt.Sprintf("has θ = %g; Frank's must be finite and not 0", *th)
		}
		cp.link.m = [][]float64{{1, 0}, {0, 1}}
		return
	}
	if name == "VOSECOPULAMULTIT" || name == "VOSECOPULABIT" {
		cp.link.gaussian, cp.link.family = false, sample.StudentT
		a.names = []string{"degrees of freedom", "correlation"}
		if len(cp.call.Args) != 2 {
			cp.link.bad = fmt.Sprintf("takes the degrees of freedom and the correlation only here, got %d arguments", len(cp.call.Args))
			return
		}
		nu := a.num(0)
		if a.err != nil {
			cp.link.bad = a.err.Error()
			return
		}
		if !(*nu > 0) || math.IsInf(*nu, 0) {
			cp.link.bad = fmt.Sprintf("has %g degrees of freedom; they must be positive", *nu)
			return
		}
		cp.link.nu = *nu
		if name == "VOSECOPULABIT" {
			r := a.num(1)
			if a.err != nil {
				cp.link.bad = a.err.Error()
				return
			}
			v := func(x float64) formula.Value { return formula.Value{Kind: formula.KindNumber, Num: x} }
			cp.link.m, cp.link.bad = correlationMatrix(2, 2, []formula.Value{v(1), v(*r), v(*r), v(1)})
			return
		}
		rows, cols, vals, err := calc.Grid(cp.ref.Sheet, cp.call.Args[1])
		if err != nil {
			cp.link.bad = err.Error()
			return
		}
		cp.link.m, cp.link.bad = correlationMatrix(rows, cols, vals)
		return
	}
	switch {
	case strings.EqualFold(cp.fn, "VoseCopulaBiNormal"):
		a.names = []string{"correlation"}
		if len(cp.call.Args) != 1 {
			cp.link.bad = fmt.Sprintf("takes one correlation, got %d arguments", len(cp.call.Args))
			return
		}
		r := a.num(0)
		if a.err != nil {
			cp.link.bad = a.err.Error()
			return
		}
		v := func(x float64) formula.Value { return formula.Value{Kind: formula.KindNumber, Num: x} }
		cp.link.m, cp.link.bad = correlationMatrix(2, 2, []formula.Value{v(1), v(*r), v(*r), v(1)})
	default:
		if len(cp.call.Args) != 1 {
			// ModelRisk's optional arguments (U values of its own) fix
			// the copula's draws, which a simulation cannot do.
			cp.link.bad = fmt.Sprintf("takes the correlation matrix only here, got %d arguments", len(cp.call.Args))
			return
		}
		rows, cols, vals, err := calc.Grid(cp.ref.Sheet, cp.call.Args[0])
		if err != nil {
			cp.link.bad = err.Error()
			return
		}
		cp.link.m, cp.link.bad = correlationMatrix(rows, cols, vals)
	}
}

// copulaLink finds the copula cell that a distribution's U argument
// refers to.
func copulaLink(copulas []*copula, sheet string, n formula.Node) (*corrLink, bool) {
	r, ok := n.(*formula.Ref)
	if !ok || r.Kind != formula.RefCell || r.Sheet2 != "" {
		return nil, false
	}
	s := r.Sheet
	if s == "" {
		s = sheet
	}
	for _, cp := range copulas {
		if strings.EqualFold(cp.ref.Sheet, s) && r.Row1 >= cp.row1 && r.Row1 <= cp.row2 && r.Col1 >= cp.col1 && r.Col1 <= cp.col2 {
			cp.used = true
			link := cp.link
			link.position = (r.Row1-cp.row1)*(cp.col2-cp.col1+1) + r.Col1 - cp.col1 + 1
			link.copulaCell = &formula.CellRef{Sheet: cp.ref.Sheet, Row: r.Row1, Col: r.Col1}
			return &link, true
		}
	}
	return nil, false
}

// spearmanOfNormal is the rank correlation of two normal variables of
// Pearson correlation r.
func spearmanOfNormal(r float64) float64 { return 6 / math.Pi * math.Asin(r/2) }

// correlate turns the inputs' links into correlations, one problem per
// matrix that cannot be used.
func correlate(inputs []Input, links []*corrLink) ([]Correlation, []Copula, []Problem) {
	var order []string
	groups := map[string][]int{}
	for i, l := range links {
		if l == nil {
			continue
		}
		if _, ok := groups[l.key]; !ok {
			order = append(order, l.key)
		}
		groups[l.key] = append(groups[l.key], i)
	}
	var out []Correlation
	var copulas []Copula
	var problems []Problem
	for _, key := range order {
		members := groups[key]
		first := links[members[0]]
		problem := func(format string, v ...any) {
			problems = append(problems, Problem{Cell: inputs[members[0]].Cell, Correlation: true,
				Message: fmt.Sprintf("%s(%s): %s; the workbook's model is refused unless the simulation gives its own correlations", first.fn, first.matrix, fmt.Sprintf(format, v...))})
		}
		if first.bad != "" {
			problem("the matrix %s", first.bad)
			continue
		}
		n := len(first.m)
		taken := map[int]formula.CellRef{}
		ok := true
		for _, i := range members {
			p := links[i].position
			if p < 1 || p > n {
				problem("%s takes position %d of a %d×%d matrix", inputs[i].Cell, p, n, n)
				ok = false
				break
			}
			if other, dup := taken[p]; dup {
				problem("%s and %s both take position %d", other, inputs[i].Cell, p)
				ok = false
				break
			}
			taken[p] = inputs[i].Cell
		}
		if !ok {
			continue
		}
		if first.family != "" {
			if len(members) < 2 {
				continue // one variable of a copula is just its uniform
			}
			cp := Copula{Family: first.family, DegreesOfFreedom: first.nu, Parameter: first.theta, Matrix: first.matrix}
			for _, i := range members {
				cp.Cells = append(cp.Cells, inputs[i].Cell)
			}
			if first.family == sample.StudentT {
				for _, i := range members {
					row := make([]float64, len(members))
					for y, j := range members {
						row[y] = first.m[links[i].position-1][links[j].position-1]
					}
					cp.Correlation = append(cp.Correlation, row)
				}
			} else if links[members[0]].position == 2 {
				// The copulas are exchangeable, but keep the array's order.
				cp.Cells[0], cp.Cells[1] = cp.Cells[1], cp.Cells[0]
			}
			copulas = append(copulas, cp)
			continue
		}
		for x, i := range members {
			for _, j := range members[x+1:] {
				r := first.m[links[i].position-1][links[j].position-1]
				if first.gaussian {
					r = spearmanOfNormal(r)
				}
				out = append(out, Correlation{A: inputs[i].Cell, B: inputs[j].Cell, Coefficient: r, Matrix: first.matrix})
			}
		}
	}
	return out, copulas, problems
}

func isMissing(n formula.Node) bool {
	_, ok := n.(formula.Missing)
	return ok
}
