package incell

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
)

// replaceMeans replaces each VoseMean(object) call in the formula src of
// sheet by the mean of the object's distribution: "=VoseMean(
// VoseGammaObject(2,3)) returns a value of 6, the mean of the Gamma(2,3)
// distribution" (Vose Software, on ModelRisk's object functions). The
// object is written inline or is a cell of the same sheet holding one.
// Its parameters are fixed for the run, so the mean is a constant. Other
// statistics of objects are not read: their function names could not be
// checked against ModelRisk's documentation.
func replaceMeans(calc *formula.Calculator, sheet, src string, objects map[formula.CellRef]*formula.Call, varying []formula.CellRef, describe func(formula.CellRef) string) (string, error) {
	var failure error
	out := replaceCallsWith(src, func(name, inner string) (string, bool) {
		if name != "VOSEMEAN" || failure != nil {
			return "", false
		}
		m, err := objectMean(calc, sheet, inner, objects, varying, describe)
		if err != nil {
			failure = err
			return "", false
		}
		t := strconv.FormatFloat(m, 'g', -1, 64)
		if m < 0 {
			t = "(" + t + ")"
		}
		return t, true
	})
	return out, failure
}

func objectMean(calc *formula.Calculator, sheet, inner string, objects map[formula.CellRef]*formula.Call, varying []formula.CellRef, describe func(formula.CellRef) string) (float64, error) {
	n, err := formula.Parse(inner)
	if err != nil {
		return 0, fmt.Errorf("VoseMean(%s): %v", inner, err)
	}
	obj, ok := n.(*formula.Call)
	if r, isRef := n.(*formula.Ref); isRef && r.Kind == formula.RefCell && r.Sheet2 == "" && (r.Sheet == "" || strings.EqualFold(r.Sheet, sheet)) {
		obj, ok = objects[formula.CellRef{Sheet: sheet, Row: r.Row1, Col: r.Col1}]
	}
	if !ok || !strings.HasSuffix(obj.Name, "OBJECT") || families[strings.TrimSuffix(obj.Name, "OBJECT")].build == nil {
		return 0, fmt.Errorf("VoseMean(%s) is supported for a distribution object of this sheet (=VoseMean(VoseNormalObject(100,10)) or a cell holding one)", inner)
	}
	fam := families[strings.TrimSuffix(obj.Name, "OBJECT")]
	fn := strings.TrimSuffix(obj.Name, "OBJECT") + "Object"
	if len(obj.Args) != len(fam.params) {
		return 0, fmt.Errorf("VoseMean of %s: the object takes %d arguments (%s), got %d", fn, len(fam.params), strings.Join(fam.params, ", "), len(obj.Args))
	}
	for i, arg := range obj.Args {
		if dep, ok := calc.Reads(sheet, arg, varying); ok {
			return 0, fmt.Errorf("VoseMean of %s: argument %s depends on %s; it must be fixed for the run", fn, fam.params[i], describe(dep))
		}
	}
	a := &args{calc: calc, sheet: sheet, nodes: obj.Args, names: fam.params, fn: fn}
	spec := fam.build(a)
	if a.err != nil {
		return 0, a.err
	}
	d, err := dist.New("x", spec)
	if err != nil {
		var pe *dist.ParamError
		if errors.As(err, &pe) {
			return 0, fmt.Errorf("VoseMean of %s: %s", fn, pe.Reason)
		}
		return 0, err
	}
	if m := d.Mean(); !math.IsNaN(m) && !math.IsInf(m, 0) {
		return m, nil
	}
	return 0, fmt.Errorf("VoseMean of %s: the distribution has no finite mean", fn)
}
