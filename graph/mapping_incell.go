package graph

import (
	"context"

	"github.com/simgraph/simgraph/engine/incell"
	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/graph/model"
	"github.com/simgraph/simgraph/server/simulation"
)

// detected reads a workbook's in-cell distributions and outputs.
func (r *Resolver) detected(ctx context.Context, obj *ent.Workbook) (incell.Detected, error) {
	return r.FileService.Detected(ctx, obj)
}

func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func mapDetectedInputs(d incell.Detected) []*model.DetectedInput {
	out := make([]*model.DetectedInput, len(d.Inputs))
	for i, in := range d.Inputs {
		out[i] = &model.DetectedInput{
			Cell: in.Cell.String(), Name: optionalString(in.Name), Function: in.Function,
			Distribution: mapDistribution(simulation.DistributionOf(in.Spec)), StaticValue: in.Static,
		}
	}
	return out
}

func mapDetectedOutputs(d incell.Detected) []*model.DetectedOutput {
	out := make([]*model.DetectedOutput, len(d.Outputs))
	for i, o := range d.Outputs {
		out[i] = &model.DetectedOutput{Cell: o.Cell.String(), Name: optionalString(o.Name)}
	}
	return out
}

func mapDetectionProblems(d incell.Detected) []*model.DetectionProblem {
	out := make([]*model.DetectionProblem, 0, len(d.Problems)+len(d.Notes))
	for _, p := range d.Problems {
		out = append(out, &model.DetectionProblem{Cell: p.Cell.String(), Message: p.Message, RefusesModel: true})
	}
	for _, n := range d.Notes {
		out = append(out, &model.DetectionProblem{Cell: n.Cell.String(), Message: n.Message})
	}
	return out
}

func mapDetectedCorrelations(d incell.Detected) []*model.DetectedCorrelation {
	out := make([]*model.DetectedCorrelation, len(d.Correlations))
	for i, c := range d.Correlations {
		out[i] = &model.DetectedCorrelation{CellA: c.A.String(), CellB: c.B.String(), Coefficient: c.Coefficient, Matrix: c.Matrix}
	}
	return out
}

func mapDetectedCopulas(d incell.Detected) []*model.DetectedCopula {
	out := make([]*model.DetectedCopula, len(d.Copulas))
	for i, c := range d.Copulas {
		sc := simulation.CopulaOf(c)
		out[i] = &model.DetectedCopula{Family: model.CopulaFamily(sc.Family), Cells: sc.Cells, Correlation: sc.Correlation,
			DegreesOfFreedom: sc.DegreesOfFreedom, Theta: sc.Theta, Matrix: c.Matrix}
	}
	return out
}

func mapDetectedScenarios(d incell.Detected) *model.DetectedScenarios {
	if len(d.Simtables) == 0 {
		return nil
	}
	out := &model.DetectedScenarios{Count: len(d.Scenarios())}
	for _, s := range d.Simtables {
		out.Cells = append(out.Cells, &model.DetectedSimtable{Cell: s.Cell.String(), Values: s.Values})
	}
	return out
}
