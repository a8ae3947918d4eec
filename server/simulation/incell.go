package simulation

import (
	"fmt"
	"slices"
	"strings"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/incell"
	"github.com/simgraph/simgraph/engine/workbook"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/simspec"
)

// WithDetected completes a request with the model the workbook carries in
// its cells (@RISK and ModelRisk functions) and returns the workbook to
// simulate, in which those cells are constants. Inputs the request gives
// override the detected ones of the same cell; detected outputs are used
// when the request names none. A workbook without in-cell functions is
// returned as it is, with the request unchanged. Applying it twice changes
// nothing more, so that a stored request can go through it again. The
// workbook's correlations (RiskCorrmat, ModelRisk copulas) are used when
// the request gives none; given correlations replace them all, and with
// them a problem of the workbook's matrices; so do given copulas. An
// input the request overrides leaves the workbook's copula (its new
// distribution no longer takes the copula's uniform), with a note, and the
// copula's other members keep their dependence. The notes are the detection's
// notes on cells the request does not override (RAND() drawn inside a
// larger formula, RiskSimtable's first value), as warnings for the
// simulation.
func WithDetected(wb *workbook.Workbook, in simspec.Request) (*workbook.Workbook, simspec.Request, []string, error) {
	det, err := incell.Detect(wb)
	if err != nil {
		return nil, in, nil, err
	}
	if !det.Found() && len(det.Problems) == 0 && len(det.Notes) == 0 {
		return wb, in, nil, nil
	}
	given := map[string]bool{}
	for _, input := range in.Inputs {
		if ref, _, err := resolve(det.Workbook, input.Cell); err == nil {
			given[ref.String()] = true
		}
	}
	// Given correlations or copulas replace the workbook's.
	ownDependence := len(in.Correlations)+len(in.Copulas) > 0
	var problems []string
	for _, p := range det.Problems {
		if p.Correlation && ownDependence {
			continue
		}
		if !given[p.Cell.String()] || p.Correlation {
			problems = append(problems, p.String())
		}
	}
	if len(problems) > 0 {
		return nil, in, nil, apperr.Errorf(apperr.BadUserInput, "the workbook's in-cell distributions cannot be simulated: %s", strings.Join(problems, "; "))
	}
	var notes []string
	for _, n := range det.Notes {
		if !given[n.Cell.String()] {
			notes = append(notes, n.String())
		}
	}
	inputs := append([]simspec.Input(nil), in.Inputs...)
	for _, d := range det.Inputs {
		if !given[d.Cell.String()] {
			inputs = append(inputs, simspec.Input{Cell: d.Cell.String(), Name: d.Name, Distribution: DistributionOf(d.Spec)})
		}
	}
	in.Inputs = inputs
	if !ownDependence {
		for _, c := range det.Correlations {
			in.Correlations = append(in.Correlations, simspec.Correlation{CellA: c.A.String(), CellB: c.B.String(), Coefficient: c.Coefficient})
		}
		for _, c := range det.Copulas {
			// An input the request overrides no longer takes the copula's
			// uniform: it leaves the copula, and the others keep theirs.
			kept, left, ok := c.Without(func(r formula.CellRef) bool { return given[r.String()] })
			for _, cell := range left {
				notes = append(notes, fmt.Sprintf("%s: the given input leaves the %s copula %s, which %s", cell, CopulaOf(c).Family, c.Matrix, copulaRest(kept, ok)))
			}
			if ok {
				in.Copulas = append(in.Copulas, CopulaOf(kept))
			}
		}
	}
	if len(in.Outputs) == 0 {
		for _, o := range det.Outputs {
			in.Outputs = append(in.Outputs, o.Cell.String())
			in.OutputNames = append(in.OutputNames, o.Name)
		}
	}
	return det.Workbook, in, notes, nil
}

// copulaRest says which members a copula keeps once overridden ones leave.
func copulaRest(c incell.Copula, ok bool) string {
	if !ok {
		return "no longer applies"
	}
	cells := make([]string, len(c.Cells))
	for i, cell := range c.Cells {
		cells[i] = cell.String()
	}
	return "still joins " + strings.Join(cells, ", ")
}

// MergeWarnings is first followed by the warnings of more it lacks.
func MergeWarnings(first, more []string) []string {
	out := append([]string(nil), first...)
	for _, w := range more {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// DistributionOf is DistSpec's inverse: the stored form of an engine spec.
func DistributionOf(s dist.Spec) simspec.Distribution {
	return simspec.Distribution{
		Type: string(s.Type), Min: s.Min, Mode: s.Mode, Max: s.Max, Mean: s.Mean, StdDev: s.StdDev,
		Mu: s.Mu, Sigma: s.Sigma, Alpha: s.Alpha, Beta: s.Beta, Shape: s.Shape, Scale: s.Scale, Rate: s.Rate,
		Lambda: s.Lambda, P: s.P, N: s.N, Values: s.Values, Probabilities: s.Probabilities,
		Nu: s.Nu, Bottom: s.Bottom, Top: s.Top, BottomPercentile: s.BottomPercentile, TopPercentile: s.TopPercentile,
		TruncateMin: s.TruncateMin, TruncateMax: s.TruncateMax, Shift: s.Shift,
	}
}
