package simulation

import (
	"math"
	"slices"
	"strings"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/incell"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/workbook"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/simspec"
)

// engineFamilies are the engine's copula families by their stored names;
// NORMAL has none, being imposed as rank correlations.
var engineFamilies = map[string]sample.CopulaFamily{
	simspec.CopulaT: sample.StudentT, simspec.CopulaClayton: sample.Clayton,
	simspec.CopulaGumbel: sample.Gumbel, simspec.CopulaFrank: sample.Frank,
}

// matrixTolerance is how far a copula's matrix may be from symmetric with a
// unit diagonal: the engine's sampler's tolerance (engine/sample), which a
// matrix typed with a few decimals passes.
const matrixTolerance = 1e-9

// CopulaOf is the stored form of a workbook's copula.
func CopulaOf(c incell.Copula) simspec.Copula {
	out := simspec.Copula{Correlation: c.Correlation}
	for name, f := range engineFamilies {
		if f == c.Family {
			out.Family = name
		}
	}
	for _, cell := range c.Cells {
		out.Cells = append(out.Cells, cell.String())
	}
	if c.Family == sample.StudentT {
		nu := c.DegreesOfFreedom
		out.DegreesOfFreedom = &nu
	} else {
		theta := c.Parameter
		out.Theta = &theta
	}
	return out
}

// spearmanOfNormal is the rank correlation of two normal variables of
// Pearson correlation r, as engine/incell converts a workbook's normal
// copula.
func spearmanOfNormal(r float64) float64 { return 6 / math.Pi * math.Asin(r/2) }

// addCopulas checks the request's copulas against the model's inputs
// (index: input cell -> position) and adds them to m: a NORMAL copula as
// the rank correlations of its pairs, the others as engine copulas. taken
// are the inputs already in a correlation.
func addCopulas(m *engine.Model, in []simspec.Copula, index map[string]int, taken map[int]bool) error {
	for _, c := range normalizedCopulas(m.Workbook, in) {
		what := "copula " + c.Family
		members := make([]int, len(c.Cells))
		for k, cell := range c.Cells {
			ref, err := formula.ParseCellRef(cell)
			if err != nil {
				return apperr.Errorf(apperr.BadUserInput, "%s: %q is not a cell reference like Sheet!A1", what, cell)
			}
			i, ok := index[ref.String()]
			if !ok {
				return apperr.Errorf(apperr.BadUserInput, "%s: cell %s is not an input of the model", what, ref)
			}
			for _, prev := range members[:k] {
				if prev == i {
					return apperr.Errorf(apperr.BadUserInput, "%s: input %s is listed twice; a copula's cells must be distinct", what, ref)
				}
			}
			if taken[i] {
				return apperr.Errorf(apperr.BadUserInput, "%s: input %s is already in a correlation or another copula; an input takes one dependence", what, ref)
			}
			members[k] = i
		}
		for _, i := range members {
			taken[i] = true
		}
		if err := checkCopula(&c, what); err != nil {
			return err
		}
		if c.Family == simspec.CopulaNormal {
			for x := range members {
				for y := x + 1; y < len(members); y++ {
					m.Correlations = append(m.Correlations, engine.Correlation{A: members[x], B: members[y], Coefficient: spearmanOfNormal(c.Correlation[x][y])})
				}
			}
			continue
		}
		ec := engine.Copula{Family: engineFamilies[c.Family], Inputs: members, Correlation: c.Correlation}
		if c.DegreesOfFreedom != nil {
			ec.DegreesOfFreedom = *c.DegreesOfFreedom
		}
		if c.Theta != nil {
			ec.Parameter = *c.Theta
		}
		m.Copulas = append(m.Copulas, ec)
	}
	return nil
}

// normalizedCopulas are cs with their families in capitals and their cells
// spelled as the engine reads them ("Inputs!B2", the sheet's name as wb
// spells it), in new slices. A cell that is not a reference to a sheet
// of wb is left as it is.
func normalizedCopulas(wb *workbook.Workbook, cs []simspec.Copula) []simspec.Copula {
	var out []simspec.Copula
	for _, c := range cs {
		c.Family = strings.ToUpper(strings.TrimSpace(c.Family))
		c.Cells = slices.Clone(c.Cells)
		for k, cell := range c.Cells {
			if ref, _, err := resolve(wb, cell); err == nil {
				c.Cells[k] = ref.String()
			}
		}
		out = append(out, c)
	}
	return out
}

// checkCopula checks a copula's parameters for its family.
func checkCopula(c *simspec.Copula, what string) error {
	bad := func(format string, v ...any) error {
		return apperr.Errorf(apperr.BadUserInput, what+": "+format, v...)
	}
	n := len(c.Cells)
	switch c.Family {
	case simspec.CopulaNormal, simspec.CopulaT:
		if n < 2 {
			return bad("joins at least two inputs, got %d", n)
		}
		if c.Theta != nil {
			return bad("takes no theta (that is for CLAYTON, GUMBEL and FRANK)")
		}
		if c.Family == simspec.CopulaNormal && c.DegreesOfFreedom != nil {
			return bad("takes no degreesOfFreedom (that is for T)")
		}
		if c.Family == simspec.CopulaT {
			if c.DegreesOfFreedom == nil {
				return bad("needs degreesOfFreedom")
			}
			if nu := *c.DegreesOfFreedom; !(nu > 0) || math.IsInf(nu, 0) {
				return bad("degreesOfFreedom must be a finite number > 0, got %g", nu)
			}
		}
		if len(c.Correlation) != n {
			return bad("needs a %d×%d correlation matrix, one row per cell, got %d rows", n, n, len(c.Correlation))
		}
		for i, row := range c.Correlation {
			if len(row) != n {
				return bad("row %d of the correlation matrix has %d values, want %d", i+1, len(row), n)
			}
			for j, r := range row {
				switch {
				case math.IsNaN(r) || r < -1 || r > 1:
					return bad("correlation[%d][%d] = %g is outside [-1, 1]", i+1, j+1, r)
				case i == j && math.Abs(r-1) > matrixTolerance:
					return bad("correlation[%d][%d] = %g: the diagonal must be 1", i+1, j+1, r)
				case math.Abs(r-c.Correlation[j][i]) > matrixTolerance:
					return bad("the correlation matrix is not symmetric: [%d][%d] = %g, [%d][%d] = %g", i+1, j+1, r, j+1, i+1, c.Correlation[j][i])
				}
			}
		}
	case simspec.CopulaClayton, simspec.CopulaGumbel, simspec.CopulaFrank:
		if n != 2 {
			return bad("joins exactly two inputs, got %d", n)
		}
		if c.Correlation != nil {
			return bad("takes no correlation matrix (that is for NORMAL and T)")
		}
		if c.DegreesOfFreedom != nil {
			return bad("takes no degreesOfFreedom (that is for T)")
		}
		if c.Theta == nil {
			return bad("needs theta")
		}
		theta := *c.Theta
		switch {
		case math.IsNaN(theta) || math.IsInf(theta, 0):
			return bad("theta must be finite, got %g", theta)
		case c.Family == simspec.CopulaClayton && !(theta > 0):
			return bad("theta (α) must be > 0, got %g", theta)
		case c.Family == simspec.CopulaGumbel && !(theta >= 1):
			return bad("theta must be ≥ 1, got %g", theta)
		case c.Family == simspec.CopulaFrank && theta == 0:
			return bad("theta must not be 0 (that is independence: leave the inputs out of any copula)")
		}
	default:
		return apperr.Errorf(apperr.BadUserInput, "unknown copula family %q: want NORMAL, T, CLAYTON, GUMBEL or FRANK", c.Family)
	}
	return nil
}
