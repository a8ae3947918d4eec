package graph

import (
	"sort"

	"github.com/simgraph/simgraph/ent"
	entsimulation "github.com/simgraph/simgraph/ent/simulation"
	"github.com/simgraph/simgraph/graph/model"
	simsvc "github.com/simgraph/simgraph/server/simulation"
	"github.com/simgraph/simgraph/simspec"
)

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func distributionOf(d *model.DistributionInput) simspec.Distribution {
	return simspec.Distribution{
		Type: string(d.Type), Min: d.Min, Mode: d.Mode, Max: d.Max, Mean: d.Mean, StdDev: d.StdDev,
		Mu: d.Mu, Sigma: d.Sigma, Alpha: d.Alpha, Beta: d.Beta, Shape: d.Shape, Scale: d.Scale, Rate: d.Rate,
		Lambda: d.Lambda, N: d.N, P: d.P, Values: d.Values, Probabilities: d.Probabilities,
		Nu: d.Nu, Bottom: d.Bottom, Top: d.Top, BottomPercentile: d.BottomPercentile, TopPercentile: d.TopPercentile,
		TruncateMin: d.TruncateMin, TruncateMax: d.TruncateMax, Shift: d.Shift,
	}
}

func mapDistribution(d simspec.Distribution) *model.Distribution {
	return &model.Distribution{
		Type: model.DistributionType(d.Type), Min: d.Min, Mode: d.Mode, Max: d.Max, Mean: d.Mean, StdDev: d.StdDev,
		Mu: d.Mu, Sigma: d.Sigma, Alpha: d.Alpha, Beta: d.Beta, Shape: d.Shape, Scale: d.Scale, Rate: d.Rate,
		Lambda: d.Lambda, N: d.N, P: d.P, Values: d.Values, Probabilities: d.Probabilities,
		Nu: d.Nu, Bottom: d.Bottom, Top: d.Top, BottomPercentile: d.BottomPercentile, TopPercentile: d.TopPercentile,
		TruncateMin: d.TruncateMin, TruncateMax: d.TruncateMax, Shift: d.Shift,
	}
}

// requestOf decodes createSimulation's input; the simulation service
// validates it. Its model is decoded as a saved model's definition is.
func requestOf(in model.SimulationInput) (simspec.Request, error) {
	req := definitionRequest(in.WorkbookID, &model.ModelDefinitionInput{
		Inputs: in.Inputs, Outputs: in.Outputs, OutputNames: in.OutputNames, Targets: in.Targets,
		OutputTargets: in.OutputTargets, TailLevels: in.TailLevels, Iterations: in.Iterations, Seed: in.Seed,
		Sampling: in.Sampling, Correlations: in.Correlations, Copulas: in.Copulas, KeepSamples: in.KeepSamples,
		Scenarios: in.Scenarios, AutoStop: in.AutoStop,
	})
	req.Name = deref(in.Name, "")
	return req, nil
}

// definitionRequest decodes a model definition of the workbook workbookID.
func definitionRequest(workbookID string, in *model.ModelDefinitionInput) simspec.Request {
	req := simspec.Request{
		WorkbookID: workbookID, Outputs: in.Outputs,
		Iterations: in.Iterations, KeepSamples: deref(in.KeepSamples, false),
		TailLevels: in.TailLevels, Scenarios: scenariosOf(in.Scenarios),
		AutoStop: autoStopOf(in.AutoStop),
	}
	for _, name := range in.OutputNames {
		req.OutputNames = append(req.OutputNames, deref(name, ""))
	}
	for _, x := range in.Targets {
		req.Targets = append(req.Targets, simspec.Target{Value: x})
	}
	for _, t := range in.OutputTargets {
		req.Targets = append(req.Targets, simspec.Target{Output: t.Output, Value: t.Value})
	}
	if in.Seed != nil {
		seed := int64(*in.Seed)
		req.Seed = &seed
	}
	if in.Sampling != nil {
		req.Sampling = string(*in.Sampling)
	}
	for _, v := range in.Inputs {
		req.Inputs = append(req.Inputs, simspec.Input{Cell: v.Cell, Name: deref(v.Name, ""), Distribution: distributionOf(v.Distribution)})
	}
	for _, c := range in.Correlations {
		req.Correlations = append(req.Correlations, simspec.Correlation{CellA: c.CellA, CellB: c.CellB, Coefficient: c.Coefficient})
	}
	for _, c := range in.Copulas {
		req.Copulas = append(req.Copulas, simspec.Copula{Family: string(c.Family), Cells: c.Cells, Correlation: c.Correlation,
			DegreesOfFreedom: c.DegreesOfFreedom, Theta: c.Theta})
	}
	return req
}

// autoStopOf decodes an auto-stop; the simulation service defaults and
// validates it.
func autoStopOf(in *model.AutoStopInput) *simspec.AutoStop {
	if in == nil {
		return nil
	}
	return &simspec.AutoStop{
		RelativeError: in.RelativeError, Confidence: deref(in.Confidence, 0),
		MinIterations: deref(in.MinIterations, 0), Percentiles: in.Percentiles,
	}
}

// outputVariables pairs stored outputs with their names by position.
func outputVariables(outputs, names []string) []*model.OutputVariable {
	out := make([]*model.OutputVariable, len(outputs))
	for j, cell := range outputs {
		out[j] = &model.OutputVariable{Cell: cell}
		if j < len(names) && names[j] != "" {
			out[j].Name = &names[j]
		}
	}
	return out
}

// outputTargets maps stored targets; one of every output has no cell.
func outputTargets(targets []simspec.Target) []*model.OutputTarget {
	out := make([]*model.OutputTarget, len(targets))
	for i, t := range targets {
		out[i] = &model.OutputTarget{Value: t.Value}
		if t.Output != "" {
			out[i].Output = &targets[i].Output
		}
	}
	return out
}

func mapResult(r *ent.Result) *model.Result {
	s := r.Summary
	out := &model.Result{
		Cell: r.Cell, Iterations: s.Iterations, Mean: s.Mean, StdDev: s.StdDev, Variance: s.Variance,
		Skewness: s.Skewness, Kurtosis: s.Kurtosis, Min: s.Min, Max: s.Max, StdError: s.StdError,
		CiLower: s.CILower, CiUpper: s.CIUpper, Percentiles: r.Percentiles, Histogram: r.Histogram.WithProbabilities(),
		Convergence: s.Convergence,
		Sensitivity: r.Sensitivity, Stored: r,
		RSquared: s.RSquared, UnexplainedVariance: s.Unexplained,
		Targets: r.Targets, Tail: r.Tails,
	}
	if r.Name != "" {
		out.Name = &r.Name
	}
	if out.Targets == nil {
		out.Targets = []simspec.TargetProbability{}
	}
	if out.Tail == nil {
		out.Tail = []simspec.Tail{}
	}
	if out.Convergence == nil {
		out.Convergence = []simspec.ConvergencePoint{}
	}
	for kind, n := range r.ErrorCounts {
		out.Errors = append(out.Errors, model.ErrorCount{Kind: kind, Count: n})
	}
	sort.Slice(out.Errors, func(i, j int) bool { return out.Errors[i].Kind < out.Errors[j].Kind })
	return out
}

// decileMean is a sensitivity's output mean in decile d (0 when the
// stored row has none).
func decileMean(s *simspec.Sensitivity, d int) float64 {
	if d < 0 || d >= len(s.DecileMeans) {
		return 0
	}
	return s.DecileMeans[d]
}

// completedPath is a download's path once the simulation has completed
// (and when has, for the samples, says it kept them); null before.
func completedPath(sim *ent.Simulation, has bool, path func(id string) string) *string {
	if sim.Status != entsimulation.StatusCOMPLETED || !has {
		return nil
	}
	p := path(sim.ID.String())
	return &p
}

func updateModelParams(in model.UpdateModelInput) simsvc.UpdateModelParams {
	p := simsvc.UpdateModelParams{Name: in.Name, Description: in.Description}
	if in.Definition != nil {
		req := definitionRequest("", in.Definition)
		p.Definition = &req
	}
	return p
}

func runModelParams(in *model.RunModelInput) simsvc.RunModelParams {
	if in == nil {
		return simsvc.RunModelParams{}
	}
	p := simsvc.RunModelParams{Version: in.Version, Name: deref(in.Name, ""), Iterations: in.Iterations, KeepSamples: in.KeepSamples}
	if in.Seed != nil {
		seed := int64(*in.Seed)
		p.Seed = &seed
	}
	return p
}
