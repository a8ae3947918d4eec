package simulation

import (
	"context"

	"github.com/simgraph/simgraph/ent"
	entsimulationtask "github.com/simgraph/simgraph/ent/simulationtask"
	"github.com/simgraph/simgraph/server/apperr"
)

// Tasks lists the task records of sim (a split run's attempts, by pass,
// chunk and start), read as the viewer: its tenant's only.
func (s *Service) Tasks(ctx context.Context, sim *ent.Simulation) ([]*ent.SimulationTask, error) {
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return nil, err
	}
	tasks, err := client.SimulationTask.Query().Where(entsimulationtask.SimulationID(sim.ID)).
		Order(ent.Asc(entsimulationtask.FieldPass), ent.Asc(entsimulationtask.FieldFirstChunk), ent.Asc(entsimulationtask.FieldStartedAt)).
		Limit(100000).All(ctx)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, err, "listing the simulation's tasks")
	}
	return tasks, nil
}
