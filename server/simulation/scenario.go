package simulation

import (
	"context"
	"fmt"

	"github.com/simgraph/simgraph/ent"
	entscenarioresult "github.com/simgraph/simgraph/ent/scenarioresult"
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
