package graph

import (
	"context"
	"math"
	"sort"
	"strings"

	"github.com/simgraph/simgraph/engine/stats"
	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/graph/model"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/simspec"
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
	matched := make([]*ent.Result, len(sims))
	for i := range sims {
		matched[i] = matchResult(results[i], key)
	}
	grid := commonBins(matched)
	out.Bins = make([]*model.ComparedBin, len(grid))
	for k, b := range grid {
		out.Bins[k] = &model.ComparedBin{Lower: b.Lower, Upper: b.Upper}
	}
	out.Tornado = sideBySide(matched)
	for i, sim := range sims {
		stored := matched[i]
		if i == 0 {
			baseline = stored
		}
		run := &model.ComparedRun{Simulation: sim, PercentileDifferences: []*model.PercentileDifference{}, Histogram: []float64{}, Cdf: []float64{}}
		if stored != nil && len(grid) > 0 {
			run.Histogram, run.Cdf = rebin(stored.Histogram.Bins, grid)
		}
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

// maxComparedBins caps the common bins of compareSimulations: a hundred
// bars across a chart are as fine as overlaid histograms stay readable.
const maxComparedBins = 100

// commonBins are equal-width bins spanning every result's stored range,
// as many as the result with the most bins has (at most maxComparedBins);
// nil without results.
func commonBins(rs []*ent.Result) []stats.Bin {
	lo, hi, k := math.Inf(1), math.Inf(-1), 0
	for _, r := range rs {
		if r == nil || len(r.Histogram.Bins) == 0 {
			continue
		}
		bins := r.Histogram.Bins
		lo, hi = math.Min(lo, bins[0].Lower), math.Max(hi, bins[len(bins)-1].Upper)
		k = max(k, len(bins))
	}
	if k == 0 {
		return nil
	}
	return stats.EmptyBins(lo, hi, min(k, maxComparedBins))
}

// rebin spreads a stored histogram's counts over the grid, each stored
// bin's evenly over its width (a bin of zero width, a constant output,
// into the grid bin holding it), and returns the probability of each grid
// bin and the cumulative probability at each grid bin's upper bound.
func rebin(stored []simspec.Bin, grid []stats.Bin) (prob, cdf []float64) {
	prob = make([]float64, len(grid))
	total := 0
	for _, b := range stored {
		total += b.Count
	}
	if total == 0 {
		return prob, make([]float64, len(grid))
	}
	for _, b := range stored {
		if b.Count == 0 {
			continue
		}
		share := float64(b.Count) / float64(total)
		width := b.Upper - b.Lower
		if width <= 0 {
			prob[stats.BinIndex(grid, b.Lower)] += share
			continue
		}
		for k := stats.BinIndex(grid, b.Lower); k < len(grid); k++ {
			overlap := math.Min(b.Upper, grid[k].Upper) - math.Max(b.Lower, grid[k].Lower)
			if overlap > 0 {
				prob[k] += share * overlap / width
			}
			if grid[k].Upper >= b.Upper {
				break
			}
		}
	}
	cdf = make([]float64, len(grid))
	sum := 0.0
	for k, p := range prob {
		sum += p
		cdf[k] = math.Min(1, sum)
	}
	cdf[len(cdf)-1] = 1
	return prob, cdf
}

// sideBySide sets the results' sensitivities next to each other, one row
// per input (matched by name, else by cell), in decreasing order of the
// baseline's |changeInMean|, then of the largest bar of any run.
func sideBySide(rs []*ent.Result) []*model.ComparedSensitivity {
	var rows []*model.ComparedSensitivity
	index := map[string]int{}
	for i, r := range rs {
		if r == nil {
			continue
		}
		for j := range r.Sensitivity {
			s := &r.Sensitivity[j]
			key := s.Input
			if s.Name != "" {
				key = s.Name
			}
			at, ok := index[key]
			if !ok {
				at = len(rows)
				index[key] = at
				rows = append(rows, &model.ComparedSensitivity{Input: key, Cell: s.Input,
					ChangeInMean: make([]*float64, len(rs)), RankCorrelation: make([]*float64, len(rs))})
			}
			change, rho := decileMean(s, len(s.DecileMeans)-1)-decileMean(s, 0), s.RankCorrelation
			rows[at].ChangeInMean[i], rows[at].RankCorrelation[i] = &change, &rho
		}
	}
	size := func(row *model.ComparedSensitivity) (base, largest float64) {
		base = -1
		if row.ChangeInMean[0] != nil {
			base = math.Abs(*row.ChangeInMean[0])
		}
		for _, c := range row.ChangeInMean {
			if c != nil {
				largest = math.Max(largest, math.Abs(*c))
			}
		}
		return base, largest
	}
	sort.SliceStable(rows, func(a, b int) bool {
		ba, la := size(rows[a])
		bb, lb := size(rows[b])
		if ba != bb {
			return ba > bb
		}
		return la > lb
	})
	if rows == nil {
		rows = []*model.ComparedSensitivity{}
	}
	return rows
}
