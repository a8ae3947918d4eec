package incell

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/workbook"
)

// Excel's own sampling idioms. A cell whose whole formula draws one value
// of a distribution from RAND() is an input of that family, so that it is
// named, sampled by the run's method (Latin Hypercube included), ranked in
// the sensitivity and correlatable like any other input:
//
//	=RAND()                      UNIFORM(0, 1)
//	=a+(b-a)*RAND() and any formula affine in one RAND() over fixed cells
//	                             UNIFORM between its values at 0 and 1
//	=RANDBETWEEN(a,b)            INTEGER_UNIFORM(⌈a⌉, ⌊b⌋)
//	=-m*LN(RAND()), =-LN(1-RAND())*m
//	                             EXPONENTIAL with mean m
//	=NORM.INV(RAND(),m,s)        and the other inverses of invIdioms
//
// 1-RAND() stands for RAND() wherever RAND() does. A formula that uses
// RAND() otherwise (=IF(RAND()<0.3,1,0), =RAND()+RAND()) is left as it is:
// the engine draws its RAND() afresh in every iteration, so the results
// are right, but the cell is not an input; a Note says so. The same holds
// for an idiom whose parameters vary in each iteration or are invalid.

// invIdiom is an inverse CDF of Excel whose probability argument, given
// RAND(), samples a family.
type invIdiom struct {
	prob   int      // index of the probability argument
	params []string // the other arguments, in order, for messages
	minArg int      // fewest other arguments
	build  func(a *args) dist.Spec
}

var invIdioms = map[string]invIdiom{
	"NORM.INV":   {0, []string{"mean", "standard_dev"}, 2, normalInv},
	"NORMINV":    {0, []string{"mean", "standard_dev"}, 2, normalInv},
	"NORM.S.INV": {0, nil, 0, standardNormalInv},
	"NORMSINV":   {0, nil, 0, standardNormalInv},
	"LOGNORM.INV": {0, []string{"mean", "standard_dev"}, 2, func(a *args) dist.Spec {
		return dist.Spec{Type: dist.LogNormal, Mu: a.num(0), Sigma: a.num(1)}
	}},
	"LOGINV": {0, []string{"mean", "standard_dev"}, 2, func(a *args) dist.Spec {
		return dist.Spec{Type: dist.LogNormal, Mu: a.num(0), Sigma: a.num(1)}
	}},
	"BETA.INV":  {0, []string{"alpha", "beta", "A", "B"}, 2, betaInv},
	"BETAINV":   {0, []string{"alpha", "beta", "A", "B"}, 2, betaInv},
	"GAMMA.INV": {0, []string{"alpha", "beta"}, 2, gammaInv},
	"GAMMAINV":  {0, []string{"alpha", "beta"}, 2, gammaInv},
	"T.INV": {0, []string{"deg_freedom"}, 1, func(a *args) dist.Spec {
		return dist.Spec{Type: dist.Student, Nu: a.degrees(0)}
	}},
	// T.INV.2T(p, df) is the t whose two tails hold p: given RAND() it
	// draws |T|, which is Student's t truncated to [0, ∞) (the t is
	// symmetric, so |T| and T given T >= 0 have one distribution).
	"T.INV.2T": {0, []string{"deg_freedom"}, 1, absStudent},
	"TINV":     {0, []string{"deg_freedom"}, 1, absStudent},
	// Chi-squared with k degrees of freedom is GAMMA(k/2, scale 2); the
	// right-tailed inverses sample it too, 1-RAND() being uniform.
	"CHISQ.INV":    {0, []string{"deg_freedom"}, 1, chiSquaredInv},
	"CHISQ.INV.RT": {0, []string{"deg_freedom"}, 1, chiSquaredInv},
	"CHIINV":       {0, []string{"deg_freedom"}, 1, chiSquaredInv},
	"BINOM.INV":    {2, []string{"trials", "probability_s"}, 2, binomialInv},
	"CRITBINOM":    {2, []string{"trials", "probability_s"}, 2, binomialInv},
}

func normalInv(a *args) dist.Spec {
	return dist.Spec{Type: dist.Normal, Mean: a.num(0), StdDev: a.num(1)}
}
func standardNormalInv(*args) dist.Spec {
	return dist.Spec{Type: dist.Normal, Mean: f(0), StdDev: f(1)}
}
func betaInv(a *args) dist.Spec {
	s := dist.Spec{Type: dist.Beta, Alpha: a.num(0), Beta: a.num(1)}
	if len(a.nodes) > 2 {
		lo, hi := a.optNum(2), a.optNum(3)
		if lo != nil || hi != nil {
			s.Min, s.Max = f(0), f(1)
			if lo != nil {
				s.Min = lo
			}
			if hi != nil {
				s.Max = hi
			}
		}
	}
	return s
}
func gammaInv(a *args) dist.Spec {
	return dist.Spec{Type: dist.Gamma, Shape: a.num(0), Scale: a.num(1)}
}
func absStudent(a *args) dist.Spec {
	return dist.Spec{Type: dist.Student, Nu: a.degrees(0), TruncateMin: f(0)}
}
func chiSquaredInv(a *args) dist.Spec {
	k := a.degrees(0)
	if k == nil {
		return dist.Spec{}
	}
	return dist.Spec{Type: dist.Gamma, Shape: f(*k / 2), Scale: f(2)}
}
func binomialInv(a *args) dist.Spec {
	trials, p := a.num(0), a.num(1)
	if trials == nil {
		return dist.Spec{}
	}
	n := int(math.Min(math.Trunc(*trials), 1<<31))
	return dist.Spec{Type: dist.Binomial, N: &n, P: p}
}

// degrees reads a degrees-of-freedom argument, truncated as Excel does.
func (a *args) degrees(i int) *float64 {
	x := a.num(i)
	if x == nil {
		return nil
	}
	k := math.Trunc(*x)
	if k < 1 {
		a.fail("%s must be at least 1, got %g", a.label(i), *x)
		return nil
	}
	return &k
}

// isRandCall reports whether n is RAND().
func isRandCall(n formula.Node) bool {
	c, ok := n.(*formula.Call)
	return ok && c.Name == "RAND" && len(c.Args) == 0
}

// isUniform reports whether n is RAND() or 1-RAND().
func isUniform(n formula.Node) bool {
	if isRandCall(n) {
		return true
	}
	b, ok := n.(*formula.Binary)
	if !ok || b.Op != "-" || !isRandCall(b.R) {
		return false
	}
	one, ok := b.L.(formula.Number)
	return ok && one.V == 1
}

// usesRand reports whether n calls RAND or RANDBETWEEN anywhere.
func usesRand(n formula.Node) bool {
	if c, ok := n.(*formula.Call); ok && (c.Name == "RAND" || c.Name == "RANDBETWEEN") {
		return true
	}
	for _, ch := range children(n) {
		if usesRand(ch) {
			return true
		}
	}
	return false
}

// core is the random term an affine idiom scales and shifts.
type core int

const (
	noCore  core = iota
	uniCore      // RAND()
	logCore      // LN(RAND()) or LN(1-RAND())
)

// affineCore reports the random term n is affine in: n is c·T + d with T
// RAND() or LN(RAND()) and c, d free of RAND. ok is false for any other
// use of RAND (two of them, a nonlinear function of one).
func affineCore(n formula.Node) (core, bool) {
	if !usesRand(n) {
		return noCore, true
	}
	switch x := n.(type) {
	case *formula.Call:
		switch {
		case isRandCall(x):
			return uniCore, true
		case x.Name == "LN" && len(x.Args) == 1 && isUniform(x.Args[0]):
			return logCore, true
		}
	case *formula.Unary:
		return affineCore(x.X)
	case *formula.Binary:
		l, okL := affineCore(x.L)
		r, okR := affineCore(x.R)
		if !okL || !okR {
			return noCore, false
		}
		switch x.Op {
		case "+", "-", "*":
			if l != noCore && r != noCore {
				return noCore, false
			}
			return max(l, r), true
		case "/":
			if r != noCore {
				return noCore, false
			}
			return l, true
		}
	}
	return noCore, false
}

// randShape reports whether a formula's whole expression is a sampling
// idiom, before its parameters are read.
func randShape(ast formula.Node) bool {
	if c, ok := ast.(*formula.Call); ok {
		if c.Name == "RANDBETWEEN" {
			return len(c.Args) == 2 && !usesRand(c.Args[0]) && !usesRand(c.Args[1])
		}
		if inv, ok := invIdioms[c.Name]; ok {
			if inv.prob >= len(c.Args) || !isUniform(c.Args[inv.prob]) {
				return false
			}
			for i, arg := range c.Args {
				if i != inv.prob && usesRand(arg) {
					return false
				}
			}
			return true
		}
	}
	k, ok := affineCore(ast)
	return ok && k != noCore
}

// readRand reads a sampling idiom's distribution; an error says why the
// cell stays an ordinary formula.
func readRand(calc *formula.Calculator, d found, varying []formula.CellRef) (dist.Spec, string, error) {
	if c, ok := d.call0(); ok {
		if c.Name == "RANDBETWEEN" {
			fn := spelling(d.text, c.Name)
			a := &args{calc: calc, sheet: d.ref.Sheet, nodes: c.Args, names: []string{"bottom", "top"}, fn: fn}
			if err := fixedArgs(calc, d, c.Args, a.names, fn, varying); err != nil {
				return dist.Spec{}, fn, err
			}
			lo, hi := a.num(0), a.num(1)
			if a.err != nil {
				return dist.Spec{}, fn, a.err
			}
			l, h := math.Ceil(*lo), math.Floor(*hi)
			if !(l < h) {
				return dist.Spec{}, fn, fmt.Errorf("%s(%g,%g) has fewer than two values to draw", fn, *lo, *hi)
			}
			return dist.Spec{Type: dist.IntegerUniform, Min: &l, Max: &h}, fn, nil
		}
		if inv, ok := invIdioms[c.Name]; ok {
			fn := spelling(d.text, c.Name)
			var params []formula.Node
			for i, arg := range c.Args {
				if i != inv.prob {
					params = append(params, arg)
				}
			}
			for len(params) > inv.minArg {
				if _, missing := params[len(params)-1].(formula.Missing); !missing {
					break
				}
				params = params[:len(params)-1]
			}
			if len(params) < inv.minArg || len(params) > len(inv.params) {
				return dist.Spec{}, fn, fmt.Errorf("%s takes %d arguments, got %d", fn, len(inv.params)+1, len(c.Args))
			}
			if err := fixedArgs(calc, d, params, inv.params, fn, varying); err != nil {
				return dist.Spec{}, fn, err
			}
			a := &args{calc: calc, sheet: d.ref.Sheet, nodes: params, names: inv.params, fn: fn}
			s := inv.build(a)
			return s, fn, a.err
		}
	}
	return readAffine(calc, d, varying)
}

// call0 is the formula's root call, if it is one.
func (d found) call0() (*formula.Call, bool) {
	c, ok := d.root.(*formula.Call)
	return c, ok
}

// fixedArgs refuses parameters that vary in each iteration.
func fixedArgs(calc *formula.Calculator, d found, nodes []formula.Node, names []string, fn string, varying []formula.CellRef) error {
	for i, n := range nodes {
		if dep, ok := calc.Reads(d.ref.Sheet, n, varying); ok {
			name := fmt.Sprintf("argument %d", i+1)
			if i < len(names) {
				name = names[i]
			}
			return fmt.Errorf("%s of %s depends on %s, which varies in each iteration", name, fn, dep)
		}
	}
	return nil
}

// readAffine evaluates c·T + d.
func readAffine(calc *formula.Calculator, d found, varying []formula.CellRef) (dist.Spec, string, error) {
	k, _ := affineCore(d.root)
	fn := "RAND"
	if k == logCore {
		fn = "LN(RAND())"
	}
	var walk func(n formula.Node) (scale, offset float64, err error)
	walk = func(n formula.Node) (float64, float64, error) {
		if !usesRand(n) {
			if dep, ok := calc.Reads(d.ref.Sheet, n, varying); ok {
				return 0, 0, fmt.Errorf("the formula around RAND() depends on %s, which varies in each iteration", dep)
			}
			a := &args{calc: calc, sheet: d.ref.Sheet, nodes: []formula.Node{n}, names: []string{"a term of the formula"}, fn: fn}
			v := a.num(0)
			if a.err != nil {
				return 0, 0, a.err
			}
			return 0, *v, nil
		}
		switch x := n.(type) {
		case *formula.Call: // RAND() or LN(RAND()); LN(1-RAND()) is as good, 1-RAND() being uniform too
			return 1, 0, nil
		case *formula.Unary:
			s, o, err := walk(x.X)
			if x.Op == '-' {
				s, o = -s, -o
			}
			return s, o, err
		case *formula.Binary:
			sl, ol, err := walk(x.L)
			if err != nil {
				return 0, 0, err
			}
			sr, or, err := walk(x.R)
			if err != nil {
				return 0, 0, err
			}
			switch x.Op {
			case "+":
				return sl + sr, ol + or, nil
			case "-":
				return sl - sr, ol - or, nil
			case "*":
				return sl*or + sr*ol, ol * or, nil
			case "/":
				if or == 0 {
					return 0, 0, fmt.Errorf("the formula divides by 0")
				}
				return sl / or, ol / or, nil
			}
		}
		return 0, 0, fmt.Errorf("unexpected formula shape")
	}
	s, o, err := walk(d.root)
	if err != nil {
		return dist.Spec{}, fn, err
	}
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) || math.IsNaN(o) || math.IsInf(o, 0) {
		return dist.Spec{}, fn, fmt.Errorf("the formula does not vary with RAND() (its factor is %g)", s)
	}
	if k == uniCore {
		lo, hi := o, o+s
		if s < 0 {
			lo, hi = hi, lo
		}
		return dist.Spec{Type: dist.Uniform, Min: &lo, Max: &hi}, fn, nil
	}
	// c·LN(U) with c < 0 is exponential with mean -c.
	if s > 0 {
		return dist.Spec{}, fn, fmt.Errorf("a positive multiple of LN(RAND()) is a negated exponential, which is not a family of the engine; write -m*LN(RAND())")
	}
	if o != 0 {
		return dist.Spec{}, fn, fmt.Errorf("an exponential moved by %g is not a family of the engine (it has no location parameter); add the %g in another cell", o, o)
	}
	return dist.Spec{Type: dist.Exponential, Rate: f(-1 / s)}, fn, nil
}

// readRandInput is readRand's input, checked and given its static value.
func readRandInput(calc *formula.Calculator, wb *workbook.Workbook, d found, varying []formula.CellRef) (Input, error) {
	spec, fn, err := readRand(calc, d, varying)
	in := Input{Cell: d.ref, Function: fn, Spec: spec}
	if err != nil {
		return in, err
	}
	dd, err := dist.NewAt("", d.ref.String(), spec)
	if err != nil {
		var pe *dist.ParamError
		if errors.As(err, &pe) {
			return in, fmt.Errorf("%s: %s", fn, pe.Reason)
		}
		return in, fmt.Errorf("%s: %w", fn, err)
	}
	in.Static = staticValue(wb, d.ref, nil, dd)
	return in, nil
}

// buriedRand is the note for a formula that uses RAND() other than as a
// whole idiom.
func buriedRand(src string) string {
	name := "RAND()"
	if strings.Contains(strings.ToUpper(src), "RANDBETWEEN(") {
		name = spelling(src, "RANDBETWEEN") + "()"
	}
	return name + " is part of a larger formula: it is drawn afresh in every iteration, but the cell is not an input " +
		"(not named, not in the sensitivity, not sampled by Latin Hypercube, not correlatable); to make it one, " +
		"write the sampling idiom alone in a cell (=NORM.INV(RAND(),m,s), =a+(b-a)*RAND(), =RANDBETWEEN(a,b), ...) and refer to that cell"
}
