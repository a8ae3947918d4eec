package graph

import (
	"context"
	"math"
	"strings"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/graph/model"
	"github.com/simgraph/simgraph/server/apperr"
)

// maxComparedSimulations bounds compareSimulations: twenty overlaid curves
// are already more than a chart can show apart.
const maxComparedSimulations = 20

// comparedPercentiles are the levels compareSimulations sets side by side:
// the stored percentiles (simspec) between P5 and P95.
var comparedPercentiles = []float64{5, 10, 25, 50, 75, 90, 95}

// compareSimulations reads the simulations, through the viewer's tenant
// (another tenant's ID is NOT_FOUND), and their stored results.
func (r *Resolver) compareSimulations(ctx context.Context, ids []string, output *string) (*model.SimulationComparison, error) {
	if len(ids) == 0 || len(ids) > maxComparedSimulations {
		return nil, apperr.Errorf(apperr.BadUserInput, "compare 1 to %d simulations, not %d", maxComparedSimulations, len(ids))
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return nil, apperr.Errorf(apperr.BadUserInput, "simulation %s is named twice", id)
		}
		seen[id] = true
	}
	sims := make([]*ent.Simulation, len(ids))
	results := make([][]*ent.Result, len(ids))
	for i, id := range ids {
		sim, err := r.SimulationService.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		rs, err := r.SimulationService.Results(ctx, sim)
		if err != nil {
			return nil, err
		}
		sims[i], results[i] = sim, rs
	}
	key := ""
	if output != nil {
		key = strings.TrimSpace(*output)
	}
	return compareRuns(sims, results, key), nil
}

// compareRuns matches every run's result for the output named by key (the
// baseline's first output when empty) and sets it against the first run's.
func compareRuns(sims []*ent.Simulation, results [][]*ent.Result, key string) *model.SimulationComparison {
	if key == "" {
		key = defaultComparedOutput(sims[0], results[0])
	}
	out := &model.SimulationComparison{Output: key, Runs: make([]*model.ComparedRun, len(sims))}
	var baseline *ent.Result
	for i, sim := range sims {
		stored := matchResult(results[i], key)
		if i == 0 {
			baseline = stored
		}
		run := &model.ComparedRun{Simulation: sim, PercentileDifferences: []*model.PercentileDifference{}}
		if stored != nil {
			run.Result = mapResult(stored)
		}
		if stored != nil && baseline != nil {
			d := stored.Summary.Mean - baseline.Summary.Mean
			run.MeanDifference = &d
			run.PercentileDifferences = percentileDifferences(stored, baseline)
		}
		out.Runs[i] = run
	}
	return out
}

// defaultComparedOutput is the baseline's first output: its stored name,
// which runs of other workbooks are likely to share, else its cell.
func defaultComparedOutput(sim *ent.Simulation, rs []*ent.Result) string {
	if len(rs) > 0 {
		if rs[0].Name != "" {
			return rs[0].Name
		}
		return rs[0].Cell
	}
	if len(sim.Outputs) > 0 {
		return sim.Outputs[0]
	}
	return ""
}

// matchResult is the result named key, else the one of cell key ($ signs
// and the sheet name's case aside), else nil.
func matchResult(rs []*ent.Result, key string) *ent.Result {
	for _, r := range rs {
		if r.Name != "" && r.Name == key {
			return r
		}
	}
	norm := func(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "$", "")) }
	for _, r := range rs {
		if norm(r.Cell) == norm(key) {
			return r
		}
	}
	return nil
}

func percentileDifferences(r, baseline *ent.Result) []*model.PercentileDifference {
	out := []*model.PercentileDifference{}
	for _, p := range comparedPercentiles {
		v, ok := percentileOf(r, p)
		b, okBase := percentileOf(baseline, p)
		if !ok || !okBase {
			continue
		}
		d := &model.PercentileDifference{P: p, Value: v, Baseline: b, Difference: v - b}
		if b != 0 {
			rel := (v - b) / math.Abs(b)
			d.Relative = &rel
		}
		out = append(out, d)
	}
	return out
}

func percentileOf(r *ent.Result, p float64) (float64, bool) {
	for _, q := range r.Percentiles {
		if math.Abs(q.P-p) < 1e-9 {
			return q.Value, true
		}
	}
	return 0, false
}
