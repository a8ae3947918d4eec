package graph

import (
	"context"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/graph/model"
	"github.com/simgraph/simgraph/simspec"
)

func scenarioList(in []simspec.Scenario) []*simspec.Scenario {
	out := make([]*simspec.Scenario, len(in))
	for i := range in {
		out[i] = &in[i]
	}
	return out
}

// scenariosOf decodes the scenarios of a simulation or model definition;
// the simulation service validates them.
func scenariosOf(in []*model.ScenarioInput) []simspec.Scenario {
	var out []simspec.Scenario
	for _, s := range in {
		sc := simspec.Scenario{Name: s.Name, Overrides: []simspec.ScenarioOverride{}}
		for _, o := range s.Overrides {
			ov := simspec.ScenarioOverride{Cell: o.Cell, Value: o.Value}
			if o.Distribution != nil {
				d := distributionOf(o.Distribution)
				ov.Distribution = &d
			}
			if o.PercentileRange != nil {
				ov.PercentileRange = &simspec.PercentileRange{Low: o.PercentileRange.Low, High: o.PercentileRange.High}
			}
			sc.Overrides = append(sc.Overrides, ov)
		}
		out = append(out, sc)
	}
	return out
}

// scenarioResults lists the base (index 0) and each scenario with their
// results and their impacts against the base.
func (r *Resolver) scenarioResults(ctx context.Context, sim *ent.Simulation) ([]*model.ScenarioResult, error) {
	if len(sim.Scenarios) == 0 {
		return []*model.ScenarioResult{}, nil
	}
	base, err := r.SimulationService.Results(ctx, sim)
	if err != nil {
		return nil, err
	}
	byScenario, err := r.SimulationService.ScenarioResults(ctx, sim)
	if err != nil {
		return nil, err
	}
	out := []*model.ScenarioResult{scenarioResult(0, "Base", nil, base, base)}
	for k := range sim.Scenarios {
		out = append(out, scenarioResult(k+1, sim.Scenarios[k].Name, &sim.Scenarios[k], byScenario[k+1], base))
	}
	if selects(ctx, "results") {
		formats, err := r.outputFormats(ctx, sim.WorkbookID, sim.Outputs)
		if err != nil {
			return nil, err
		}
		for _, sr := range out {
			withFormats(sr.Results, formats)
		}
	}
	return out, nil
}

func scenarioResult(index int, name string, sc *simspec.Scenario, rs, base []*ent.Result) *model.ScenarioResult {
	out := &model.ScenarioResult{Index: index, Name: name, Scenario: sc, Results: []*model.Result{}, Impacts: []*model.ScenarioImpact{}}
	baseByCell := map[string]*ent.Result{}
	for _, b := range base {
		baseByCell[b.Cell] = b
	}
	for _, res := range rs {
		out.Results = append(out.Results, mapResult(res))
		b, ok := baseByCell[res.Cell]
		if !ok {
			continue
		}
		imp := &model.ScenarioImpact{Output: res.Cell, MeanDifference: res.Summary.Mean - b.Summary.Mean,
			PercentileDifferences: percentileDifferences(res, b)}
		if res.Name != "" {
			imp.Name = &res.Name
		}
		out.Impacts = append(out.Impacts, imp)
	}
	return out
}
