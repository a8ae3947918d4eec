package incell

import (
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/sample"
)

// Without is c without the members for which drop is true (inputs a
// simulation overrides, whose new distributions no longer take the
// copula's uniforms), and those members. A t copula keeps the rows and
// columns of the others: a t copula's margins are t copulas of the same
// degrees of freedom, so the others keep their dependence. ok is false
// when nothing is left to join: fewer than two members, or an Archimedean
// copula that lost one.
func (c Copula) Without(drop func(formula.CellRef) bool) (out Copula, left []formula.CellRef, ok bool) {
	var keep []int
	for i, cell := range c.Cells {
		if drop(cell) {
			left = append(left, cell)
		} else {
			keep = append(keep, i)
		}
	}
	if len(left) == 0 {
		return c, nil, true
	}
	if len(keep) < 2 || c.Family != sample.StudentT {
		return c, left, false
	}
	out = c
	out.Cells = nil
	out.Correlation = nil
	for _, i := range keep {
		out.Cells = append(out.Cells, c.Cells[i])
		row := make([]float64, 0, len(keep))
		for _, j := range keep {
			row = append(row, c.Correlation[i][j])
		}
		out.Correlation = append(out.Correlation, row)
	}
	return out, left, true
}
