package incell

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/workbook"
)

// A ModelRisk copula's cells hold, in each iteration, the uniforms that
// the distributions taking them as U turn into values (X = F⁻¹(U)). When
// only those distributions read the cells, the cells play no part in the
// simulation: the distributions are inputs correlated by the copula. When
// another formula reads a cell too (=NORM.INV(A7,0,1), =IF(A7<0.1,…)), it
// must see that iteration's uniform, so the cell becomes live:
//
//   - a cell that a distribution takes as U becomes the formula F(X) over
//     that distribution's cell, its CDF written with Excel's functions,
//     which gives back the very uniform the engine drew X from;
//   - a cell no distribution takes becomes an input of its own,
//     Uniform(0, 1), correlated with the copula's other members.
//
// A discrete distribution loses its uniform (many uniforms give one
// value), so its cell cannot be read by other formulas: that is refused.

// cdfFormula is the formula of s's CDF at the cell x (a reference), or
// why there is none.
func cdfFormula(s dist.Spec, x string) (string, error) {
	num := func(v float64) string {
		t := strconv.FormatFloat(v, 'g', -1, 64)
		if v < 0 {
			return "(" + t + ")"
		}
		return t
	}
	get := func(p *float64, def float64) float64 {
		if p == nil {
			return def
		}
		return *p
	}
	base := s
	base.TruncateMin, base.TruncateMax = nil, nil
	bd, err := dist.New("x", base)
	if err != nil {
		return "", err
	}
	if s.Shift != nil && *s.Shift != 0 {
		x = "(" + x + "-" + num(*s.Shift) + ")"
	}
	var f string
	switch s.Type {
	case dist.Normal:
		f = fmt.Sprintf("NORM.DIST(%s,%s,%s,TRUE)", x, num(*s.Mean), num(*s.StdDev))
	case dist.LogNormal:
		mu, sigma := get(s.Mu, math.NaN()), get(s.Sigma, math.NaN())
		if s.Mean != nil {
			v := math.Log1p(*s.StdDev * *s.StdDev / (*s.Mean * *s.Mean))
			mu, sigma = math.Log(*s.Mean)-v/2, math.Sqrt(v)
		}
		f = fmt.Sprintf("LOGNORM.DIST(%s,%s,%s,TRUE)", x, num(mu), num(sigma))
	case dist.Uniform:
		f = fmt.Sprintf("(%s-%s)/%s", x, num(*s.Min), num(*s.Max-*s.Min))
	case dist.Triangular, dist.Trigen:
		a, b := bd.Min(), bd.Max()
		if s.Shift != nil {
			a, b = a-*s.Shift, b-*s.Shift
		}
		c := *s.Mode
		rise := fmt.Sprintf("(%s-%s)^2/%s", x, num(a), num((b-a)*(c-a)))
		fall := fmt.Sprintf("1-(%s-%s)^2/%s", num(b), x, num((b-a)*(b-c)))
		switch {
		case c <= a:
			f = fall
		case c >= b:
			f = rise
		default:
			f = fmt.Sprintf("IF(%s<=%s,%s,%s)", x, num(c), rise, fall)
		}
	case dist.PERT:
		a, c, b, l := *s.Min, *s.Mode, *s.Max, get(s.Lambda, dist.DefaultPERTLambda)
		f = fmt.Sprintf("BETA.DIST(%s,%s,%s,TRUE,%s,%s)", x, num(1+l*(c-a)/(b-a)), num(1+l*(b-c)/(b-a)), num(a), num(b))
	case dist.Beta:
		f = fmt.Sprintf("BETA.DIST(%s,%s,%s,TRUE,%s,%s)", x, num(*s.Alpha), num(*s.Beta), num(get(s.Min, 0)), num(get(s.Max, 1)))
	case dist.Gamma:
		scale := get(s.Scale, math.NaN())
		if s.Rate != nil {
			scale = 1 / *s.Rate
		}
		f = fmt.Sprintf("GAMMA.DIST(%s,%s,%s,TRUE)", x, num(*s.Shape), num(scale))
	case dist.Exponential:
		f = fmt.Sprintf("1-EXP(-(%s*%s))", num(*s.Rate), x)
	case dist.Weibull:
		f = fmt.Sprintf("1-EXP(-((%s/%s)^%s))", x, num(*s.Scale), num(*s.Shape))
	case dist.Logistic:
		f = fmt.Sprintf("1/(1+EXP(-((%s-%s)/%s)))", x, num(*s.Alpha), num(*s.Beta))
	case dist.ExtremeValue:
		f = fmt.Sprintf("EXP(-EXP(-((%s-%s)/%s)))", x, num(*s.Alpha), num(*s.Beta))
	case dist.Pareto:
		f = fmt.Sprintf("1-(%s/%s)^%s", num(*s.Min), x, num(*s.Shape))
	case dist.LogLogistic:
		z := fmt.Sprintf("((%s-%s)/%s)^%s", x, num(get(s.Min, 0)), num(*s.Beta), num(*s.Alpha))
		f = fmt.Sprintf("%s/(1+%s)", z, z)
	case dist.Student:
		if *s.Nu != math.Trunc(*s.Nu) {
			// Excel's T.DIST truncates the degrees of freedom.
			return "", fmt.Errorf("the Student t with %g degrees of freedom (not a whole number) has no CDF among Excel's functions", *s.Nu)
		}
		f = fmt.Sprintf("T.DIST(%s,%s,TRUE)", x, num(*s.Nu))
	default:
		return "", fmt.Errorf("the %s distribution is discrete or tabulated: many uniforms give one value, so the copula's uniform cannot be given back", s.Type)
	}
	if s.TruncateMin == nil && s.TruncateMax == nil {
		return f, nil
	}
	lo, hi := 0.0, 1.0
	if s.TruncateMin != nil {
		lo = bd.CDF(*s.TruncateMin)
	}
	if s.TruncateMax != nil {
		hi = bd.CDF(*s.TruncateMax)
	}
	return fmt.Sprintf("MIN(1,MAX(0,(%s-%s)/%s))", f, num(lo), num(hi-lo)), nil
}

// copulaReaders returns the cells of the copulas that formulas other than
// the distributions' U arguments read. skip are the distribution cells.
func copulaReaders(calc *formula.Calculator, cells []formulaCell, copulas []*copula, skip map[formula.CellRef]bool) map[formula.CellRef]bool {
	var members []formula.CellRef
	inCopula := map[formula.CellRef]bool{}
	for _, cp := range copulas {
		for r := cp.row1; r <= cp.row2; r++ {
			for c := cp.col1; c <= cp.col2; c++ {
				ref := formula.CellRef{Sheet: cp.ref.Sheet, Row: r, Col: c}
				members = append(members, ref)
				inCopula[ref] = true
			}
		}
	}
	read := map[formula.CellRef]bool{}
	for _, sf := range cells {
		if skip[sf.ref] || inCopula[sf.ref] || !mayRead(sf, copulas) {
			continue
		}
		if _, ok := calc.Reads(sf.ref.Sheet, sf.ast, members); !ok {
			continue
		}
		for _, c := range members {
			if !read[c] {
				if _, ok := calc.Reads(sf.ref.Sheet, sf.ast, []formula.CellRef{c}); ok {
					read[c] = true
				}
			}
		}
	}
	return read
}

// formulaCell is a parsed formula cell.
type formulaCell struct {
	ref formula.CellRef
	ast formula.Node
}

// formulaCells parses every formula of wb.
func formulaCells(wb *workbook.Workbook) []formulaCell {
	var out []formulaCell
	for _, sh := range wb.Sheets {
		for _, c := range sh.Cells {
			if c.Formula == "" {
				continue
			}
			if ast, err := formula.Parse(c.Formula); err == nil {
				out = append(out, formulaCell{formula.CellRef{Sheet: sh.Name, Row: c.Row, Col: c.Col}, ast})
			}
		}
	}
	return out
}

// mayRead is a cheap test before the Calculator's: whether f refers to a
// copula's cells directly or through what only the Calculator resolves
// (defined names, tables, whole columns, 3-D references, computed
// references). A formula reading a copula cell only through another
// formula needs no test of its own: that other formula is found.
func mayRead(f formulaCell, copulas []*copula) bool {
	maybe := false
	formula.Walk(f.ast, func(n formula.Node) {
		if maybe {
			return
		}
		switch x := n.(type) {
		case *formula.Name, *formula.TableRef:
			maybe = true
		case *formula.Call:
			maybe = x.Name == "INDIRECT" || x.Name == "OFFSET"
		case *formula.Ref:
			if x.Sheet2 != "" || x.Kind != formula.RefCell && x.Kind != formula.RefArea {
				maybe = true
				return
			}
			sheet := x.Sheet
			if sheet == "" {
				sheet = f.ref.Sheet
			}
			r2, c2 := x.Row1, x.Col1
			if x.Kind == formula.RefArea {
				r2, c2 = x.Row2, x.Col2
			}
			for _, cp := range copulas {
				if strings.EqualFold(cp.ref.Sheet, sheet) && x.Row1 <= cp.row2 && r2 >= cp.row1 && x.Col1 <= cp.col2 && c2 >= cp.col1 {
					maybe = true
					return
				}
			}
		}
	})
	return maybe
}
