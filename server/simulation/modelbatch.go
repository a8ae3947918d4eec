package simulation

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
	entmodel "github.com/simgraph/simgraph/ent/model"
)

// ModelsByID reads the viewer's models with the given IDs in one query,
// for a list of simulations that each show their model. A model that is
// not there (deleted, or another tenant's) is absent from the map.
func (s *Service) ModelsByID(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*ent.Model, error) {
	out := make(map[uuid.UUID]*ent.Model, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return nil, err
	}
	s.modelReads.Add(1)
	ms, err := client.Model.Query().Where(entmodel.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading models: %w", err)
	}
	for _, m := range ms {
		out[m.ID] = m
	}
	return out, nil
}

// ModelReads counts the queries that have read models (one per GetModel,
// one per ModelsByID), for the tests that check a list reads its models
// at once.
func (s *Service) ModelReads() int64 { return s.modelReads.Load() }
