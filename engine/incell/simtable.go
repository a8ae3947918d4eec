package incell

import (
	"fmt"
	"strings"

	"github.com/simgraph/simgraph/engine/formula"
)

// Simtable is a cell holding @RISK's RiskSimtable: a value per simulation
// of a multi-simulation run (=RiskSimtable({10,20,30}) or a range). A run
// of the workbook's own model uses the first value; Scenarios lists them
// all.
type Simtable struct {
	Cell   formula.CellRef
	Values []float64
}

// Scenario is one simulation of a multi-simulation run: the value each
// RiskSimtable cell takes in it, by cell ("Sheet!A1").
type Scenario struct {
	Name   string
	Values map[string]float64
}

// Scenarios are the simulations the workbook's RiskSimtable cells make:
// scenario k sets each cell to its k-th value, as @RISK's k-th simulation
// does. There are as many as the longest table has values; a shorter table
// is left out of the scenarios beyond its length, where its cell keeps its
// first value (Detect notes it). Nil without RiskSimtable.
func (d Detected) Scenarios() []Scenario {
	n := 0
	for _, s := range d.Simtables {
		n = max(n, len(s.Values))
	}
	if n == 0 {
		return nil
	}
	out := make([]Scenario, n)
	for k := range out {
		out[k] = Scenario{Name: scenarioName(k), Values: map[string]float64{}}
		for _, s := range d.Simtables {
			if k < len(s.Values) {
				out[k].Values[s.Cell.String()] = s.Values[k]
			}
		}
	}
	return out
}

func scenarioName(k int) string { return fmt.Sprintf("Simulation %d", k+1) }

// readSimtable evaluates RiskSimtable's values.
func readSimtable(calc *formula.Calculator, d found, varying []formula.CellRef, describe func(formula.CellRef) string) (Simtable, error) {
	fn := spelling(d.text, d.call.Name)
	st := Simtable{Cell: d.ref}
	if len(d.call.Args) != 1 {
		return st, fmt.Errorf("%s takes one argument, its values (an array such as {10,20,30} or a range), got %d", fn, len(d.call.Args))
	}
	if dep, ok := calc.Reads(d.ref.Sheet, d.call.Args[0], varying); ok {
		return st, fmt.Errorf("the values of %s depend on %s; they must be fixed for the run", fn, describe(dep))
	}
	a := &args{calc: calc, sheet: d.ref.Sheet, nodes: d.call.Args, names: []string{"values"}, fn: fn}
	st.Values = a.nums(0)
	if a.err != nil {
		return st, a.err
	}
	if len(st.Values) == 0 {
		return st, fmt.Errorf("%s has no values", fn)
	}
	return st, nil
}

// simtableNote says what a run of the workbook's own model does with a
// RiskSimtable cell, and how its values make scenarios.
func simtableNote(fn string, st Simtable, scenarios int) string {
	vals := make([]string, len(st.Values))
	for i, v := range st.Values {
		vals[i] = fmt.Sprintf("%s %g", scenarioName(i), v)
	}
	note := fmt.Sprintf("%s: the simulation uses its first value, %g; its values make %d scenarios (%s)", fn, st.Values[0], len(st.Values), strings.Join(vals, ", "))
	if len(st.Values) < scenarios {
		note += fmt.Sprintf("; it has fewer values than the workbook's %d scenarios and keeps its first value beyond them", scenarios)
	}
	return note
}
