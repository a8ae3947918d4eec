package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/incell"
)

// ScenarioReport is one scenario's results in `simgraph simulate --json`,
// run over the base's random numbers.
type ScenarioReport struct {
	Name    string         `json:"name"`
	Outputs []OutputReport `json:"outputs"`
	Impacts []ImpactReport `json:"impacts"`
}

// ImpactReport is how a scenario moves an output against the base.
type ImpactReport struct {
	Cell           string `json:"cell"`
	Name           string `json:"name"`
	MeanDifference Number `json:"meanDifference"`
	// PercentileDifferences are the scenario's percentiles minus the
	// base's, keyed as OutputReport.Percentiles.
	PercentileDifferences map[string]Number `json:"percentileDifferences"`
}

// scenarioText is one --scenario before the model is known.
type scenarioText struct {
	name      string
	overrides []overrideText
}

type overrideText struct {
	cell formula.CellRef
	text string // the value part, for errors
	dist dist.Distribution
	band *[2]float64
}

// parseScenario reads NAME:CELL=VALUE,CELL=pLOW-HIGH,CELL=DIST,...: a
// number fixes the cell, pLOW-HIGH restricts an input to its quantiles
// between LOW and HIGH (fractions: p0-0.1 is its lowest 10%), anything else
// is a distribution as --input takes it.
func parseScenario(text string) (scenarioText, error) {
	name, rest, ok := cutOutsideQuotes(text, ':')
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return scenarioText{}, fmt.Errorf("want NAME:CELL=VALUE[,CELL=...], for example 'Low volume:Inputs!B3=p0-0.1'")
	}
	sc := scenarioText{name: name}
	for _, part := range splitTopLevel(rest) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		cellText, value, ok := cutOutsideQuotes(part, '=')
		if !ok {
			return sc, fmt.Errorf("%q: want CELL=VALUE, CELL=pLOW-HIGH or CELL=DISTRIBUTION", part)
		}
		r, err := formula.ParseCellRef(strings.TrimSpace(cellText))
		if err != nil {
			return sc, fmt.Errorf("%q: %w", part, err)
		}
		value = strings.TrimSpace(value)
		o := overrideText{cell: r, text: value}
		if x, err := parseNumber(value); err == nil {
			o.dist = dist.Constant(x)
		} else if lo, hi, ok := parseBand(value); ok {
			if !(lo >= 0 && hi <= 1 && lo < hi) {
				return sc, fmt.Errorf("%q: a percentile range needs 0 <= low < high <= 1 (p0-0.1 is the lowest 10%%)", part)
			}
			o.band = &[2]float64{lo, hi}
		} else {
			spec, err := ParseDistribution(value)
			if err != nil {
				return sc, fmt.Errorf("%q: not a number, a range pLOW-HIGH or a distribution: %w", part, err)
			}
			if o.dist, err = dist.New(r.String(), spec); err != nil {
				return sc, fmt.Errorf("%q: %w", part, err)
			}
		}
		sc.overrides = append(sc.overrides, o)
	}
	return sc, nil
}

func parseBand(s string) (float64, float64, bool) {
	if len(s) < 2 || (s[0] != 'p' && s[0] != 'P') {
		return 0, 0, false
	}
	lo, hi, ok := strings.Cut(s[1:], "-")
	if !ok {
		return 0, 0, false
	}
	a, err1 := parseNumber(lo)
	b, err2 := parseNumber(hi)
	return a, b, err1 == nil && err2 == nil
}

// splitTopLevel splits at commas outside parentheses and quotes, so that
// normal(9000,1500) stays whole.
func splitTopLevel(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// engineScenario resolves a parsed scenario against the model: cells of
// inputs by equal sheet names (case-insensitive).
func (sc scenarioText) engineScenario(m engine.Model) engine.Scenario {
	out := engine.Scenario{Name: sc.name}
	for _, o := range sc.overrides {
		cell := o.cell
		for _, in := range m.Inputs {
			if sameCell(in.Cell, cell) {
				cell = in.Cell
			}
		}
		out.Overrides = append(out.Overrides, engine.Override{Cell: cell, Dist: o.dist, Band: o.band})
	}
	return out
}

// simtableScenarios are the scenarios of the workbook's RiskSimtable cells.
func simtableScenarios(det incell.Detected) []engine.Scenario {
	var out []engine.Scenario
	for _, s := range det.Scenarios() {
		sc := engine.Scenario{Name: s.Name}
		for _, st := range det.Simtables {
			if v, ok := s.Values[st.Cell.String()]; ok {
				sc.Overrides = append(sc.Overrides, engine.Override{Cell: st.Cell, Dist: dist.Constant(v)})
			}
		}
		out = append(out, sc)
	}
	return out
}

// scenarioReports adds the scenarios' outputs and impacts to rep.
func scenarioReports(fl *simulateFlags, m engine.Model, rep *SimulateReport, rs []engine.ScenarioResult) {
	for _, r := range rs[1:] {
		sr := report(fl, m, r.Result)
		s := ScenarioReport{Name: r.Scenario.Name, Outputs: sr.Outputs}
		for j, o := range sr.Outputs {
			b := rep.Outputs[j]
			imp := ImpactReport{Cell: o.Cell, Name: o.Name, MeanDifference: o.Mean - b.Mean, PercentileDifferences: map[string]Number{}}
			for p, v := range o.Percentiles {
				imp.PercentileDifferences[p] = v - b.Percentiles[p]
			}
			s.Impacts = append(s.Impacts, imp)
		}
		rep.Scenarios = append(rep.Scenarios, s)
	}
}

// printScenarios prints each scenario's mean, P5, P50 and P95 per output
// and its mean's difference from the base's.
func printScenarios(w io.Writer, rep *SimulateReport) {
	if len(rep.Scenarios) == 0 {
		return
	}
	fmt.Fprintf(w, "\nScenarios (the base's random numbers; difference of the mean from the base's):\n")
	for _, s := range rep.Scenarios {
		fmt.Fprintf(w, "  %s\n", s.Name)
		for j, o := range s.Outputs {
			label := o.Cell
			if o.Name != "" {
				label = o.Name + " (" + o.Cell + ")"
			}
			fmt.Fprintf(w, "    %-28s mean %s (%+.6g)  P5 %s  P50 %s  P95 %s\n", label, g(o.Mean), float64(s.Impacts[j].MeanDifference),
				g(o.Percentiles["5"]), g(o.Percentiles["50"]), g(o.Percentiles["95"]))
		}
	}
}
