package simulation

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/incell"
	"github.com/simgraph/simgraph/engine/workbook"
	"github.com/simgraph/simgraph/ent"
	entscenarioresult "github.com/simgraph/simgraph/ent/scenarioresult"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/simspec"
)

// ScenarioResults are the simulation's stored scenario results, by
// scenario (1, 2, ...) then output position, as Results rows (without
// samples) so that they read as the base's do.
func (s *Service) ScenarioResults(ctx context.Context, sim *ent.Simulation) (map[int][]*ent.Result, error) {
	out := map[int][]*ent.Result{}
	if len(sim.Scenarios) == 0 {
		return out, nil
	}
	client, err := s.Clients(ctx, ResultsService)
	if err != nil {
		return nil, err
	}
	rs, err := client.ScenarioResult.Query().Where(entscenarioresult.SimulationID(sim.ID)).
		Order(ent.Asc(entscenarioresult.FieldScenario), ent.Asc(entscenarioresult.FieldPosition)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading scenario results: %w", err)
	}
	for _, r := range rs {
		out[r.Scenario] = append(out[r.Scenario], &ent.Result{
			ID: r.ID, TenantID: r.TenantID, SimulationID: r.SimulationID, Cell: r.Cell, Position: r.Position, Name: r.Name,
			Summary: r.Summary, Percentiles: r.Percentiles, Histogram: r.Histogram, Sensitivity: r.Sensitivity,
			ErrorCounts: r.ErrorCounts, Tails: r.Tails, Targets: r.Targets,
		})
	}
	return out, nil
}

// Bounds on a simulation's scenarios: each costs a run of the model.
const (
	MaxScenarios         = 20
	MaxScenarioOverrides = 100
)

// scenarioError is BAD_USER_INPUT with extensions.reason, so that a client
// can tell which rule a scenario broke.
func scenarioError(reason, format string, args ...any) error {
	e := apperr.Errorf(apperr.BadUserInput, format, args...)
	e.Extensions = map[string]any{"reason": reason}
	return e
}

// DetectedScenarios are the scenarios of the workbook's RiskSimtable
// cells: scenario k sets each cell to its k-th value. Nil without any.
func DetectedScenarios(wb *workbook.Workbook) ([]simspec.Scenario, error) {
	det, err := incell.Detect(wb)
	if err != nil {
		return nil, err
	}
	var out []simspec.Scenario
	for _, s := range det.Scenarios() {
		sc := simspec.Scenario{Name: s.Name, Overrides: []simspec.ScenarioOverride{}}
		for _, st := range det.Simtables {
			if v, ok := s.Values[st.Cell.String()]; ok {
				sc.Overrides = append(sc.Overrides, simspec.ScenarioOverride{Cell: st.Cell.String(), Value: &v})
			}
		}
		out = append(out, sc)
	}
	return out, nil
}

// EngineScenarios checks scenarios against the model they vary (m.Workbook
// is the workbook to simulate, in-cell functions made constants) and
// returns them for the engine, with their cells normalised in place.
func EngineScenarios(m engine.Model, scenarios []simspec.Scenario) ([]engine.Scenario, error) {
	if len(scenarios) > MaxScenarios {
		return nil, scenarioError("TOO_MANY_SCENARIOS", "at most %d scenarios, got %d", MaxScenarios, len(scenarios))
	}
	inputs := map[string]int{}
	for i, in := range m.Inputs {
		inputs[in.Cell.String()] = i
	}
	names := map[string]bool{}
	out := make([]engine.Scenario, len(scenarios))
	for k := range scenarios {
		sc := &scenarios[k]
		sc.Name = strings.TrimSpace(sc.Name)
		switch {
		case sc.Name == "":
			return nil, scenarioError("SCENARIO_NAME", "scenario %d has no name", k+1)
		case len(sc.Name) > MaxName:
			return nil, scenarioError("SCENARIO_NAME", "the name of scenario %d is longer than %d characters", k+1, MaxName)
		case names[strings.ToLower(sc.Name)]:
			return nil, scenarioError("SCENARIO_NAME", "two scenarios are named %q", sc.Name)
		case len(sc.Overrides) > MaxScenarioOverrides:
			return nil, scenarioError("TOO_MANY_OVERRIDES", "scenario %q: at most %d overrides, got %d", sc.Name, MaxScenarioOverrides, len(sc.Overrides))
		}
		names[strings.ToLower(sc.Name)] = true
		out[k].Name = sc.Name
		for j := range sc.Overrides {
			o := &sc.Overrides[j]
			ref, cell, err := resolve(m.Workbook, o.Cell)
			if err != nil {
				return nil, scenarioError("UNKNOWN_CELL", "scenario %q: %s", sc.Name, apperr.MessageOf(err))
			}
			o.Cell = ref.String()
			set := 0
			for _, b := range []bool{o.Value != nil, o.Distribution != nil, o.PercentileRange != nil} {
				if b {
					set++
				}
			}
			if set != 1 {
				return nil, scenarioError("ONE_OVERRIDE", "scenario %q, %s: give exactly one of value, distribution and percentileRange", sc.Name, ref)
			}
			i, isInput := inputs[ref.String()]
			if !isInput && o.Value == nil {
				return nil, scenarioError("UNKNOWN_CELL", "scenario %q: %s is not one of the simulation's inputs (a cell that is not may only be given a value)", sc.Name, ref)
			}
			if !isInput && cell != nil && cell.Formula != "" {
				return nil, scenarioError("UNKNOWN_CELL", "scenario %q: %s is a formula cell; a scenario sets inputs and constant cells", sc.Name, ref)
			}
			ov := engine.Override{Cell: ref}
			switch {
			case o.Value != nil:
				if math.IsNaN(*o.Value) || math.IsInf(*o.Value, 0) {
					return nil, scenarioError("BAD_VALUE", "scenario %q, %s: the value must be a finite number", sc.Name, ref)
				}
				ov.Dist = dist.Constant(*o.Value)
			case o.Distribution != nil:
				d, err := dist.NewAt(m.Inputs[i].Name, ref.String(), DistSpec(*o.Distribution))
				if err != nil {
					return nil, scenarioError("BAD_DISTRIBUTION", "scenario %q: %v", sc.Name, err)
				}
				ov.Dist = d
			default:
				r := o.PercentileRange
				if !(r.Low >= 0 && r.High <= 1 && r.Low < r.High) {
					return nil, scenarioError("PERCENTILE_RANGE", "scenario %q, %s: a percentile range needs 0 <= low < high <= 1 (low 0, high 0.1 is the lowest 10%%), got low %g, high %g", sc.Name, ref, r.Low, r.High)
				}
				ov.Band = &[2]float64{r.Low, r.High}
			}
			out[k].Overrides = append(out[k].Overrides, ov)
		}
		if _, err := m.WithScenario(out[k]); err != nil {
			return nil, scenarioError("SCENARIO", "%s", strings.TrimPrefix(err.Error(), "engine: "))
		}
	}
	return out, nil
}

// cloneScenarios copies scenarios deeply enough for validation to
// normalise them without touching the caller's.
func cloneScenarios(in []simspec.Scenario) []simspec.Scenario {
	if in == nil {
		return nil
	}
	out := make([]simspec.Scenario, len(in))
	for k, s := range in {
		out[k] = simspec.Scenario{Name: s.Name, Overrides: append([]simspec.ScenarioOverride{}, s.Overrides...)}
	}
	return out
}

// storeScenarioResults replaces the scenario results of sim with those of
// the run (scenario k+1 is scenarios[k]).
func storeScenarioResults(ctx context.Context, tx *ent.Tx, sim *ent.Simulation, scenarios []*engine.Result) error {
	if _, err := tx.ScenarioResult.Delete().Where(entscenarioresult.SimulationID(sim.ID)).Exec(ctx); err != nil {
		return fmt.Errorf("replacing scenario results: %w", err)
	}
	var builders []*ent.ScenarioResultCreate
	for k, res := range scenarios {
		for j, o := range res.Outputs {
			b := tx.ScenarioResult.Create().
				SetSimulationID(sim.ID).SetScenario(k + 1).SetCell(sim.Outputs[j]).SetPosition(j).
				SetSummary(summaryOf(o, res.Iterations)).SetTails(tailsOf(o)).SetTargets(targetsOf(o)).
				SetPercentiles(percentilesOf(o)).SetHistogram(histogramOf(o)).
				SetSensitivity(sensitivityOf(o, sim.Inputs)).SetErrorCounts(o.Errors)
			if j < len(sim.OutputNames) && sim.OutputNames[j] != "" {
				b.SetName(sim.OutputNames[j])
			}
			builders = append(builders, b)
		}
	}
	if len(builders) == 0 {
		return nil
	}
	if err := tx.ScenarioResult.CreateBulk(builders...).Exec(ctx); err != nil {
		return fmt.Errorf("storing scenario results: %w", err)
	}
	return nil
}
