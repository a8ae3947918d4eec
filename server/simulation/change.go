package simulation

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/events"
	"github.com/simgraph/simgraph/viewer"
)

// simulationToChange reads a simulation the viewer is about to change
// (cancel, rename): FORBIDDEN for a member who did not create it.
func (s *Service) simulationToChange(ctx context.Context, id string) (*ent.Simulation, error) {
	sim, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !viewer.FromContext(ctx).MayChange(sim.CreatedBy) {
		return nil, apperr.Errorf(apperr.Forbidden, "only the simulation's creator or an organization administrator may change or cancel simulation %s", sim.ID)
	}
	return sim, nil
}

// Rename changes a simulation's name (empty removes it); only its creator
// and organization administrators may.
func (s *Service) Rename(ctx context.Context, id, name string) (*ent.Simulation, error) {
	name = strings.TrimSpace(name)
	if len(name) > 255 {
		return nil, apperr.Errorf(apperr.BadUserInput, "a simulation name has at most 255 characters")
	}
	sim, err := s.simulationToChange(ctx, id)
	if err != nil {
		return nil, err
	}
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, client, func(tx *ent.Tx) error {
		if err := tx.Simulation.UpdateOneID(sim.ID).SetName(name).Exec(ctx); err != nil {
			return err
		}
		sim.Name = name
		return s.emit(ctx, tx, events.SimulationRenamed, sim, events.SimulationPayload{})
	})
	if err != nil {
		return nil, fmt.Errorf("renaming simulation: %w", err)
	}
	return s.Get(ctx, id)
}

// emitModel writes a model event to the simulation service's outbox in tx.
func (s *Service) emitModel(ctx context.Context, tx *ent.Tx, typ string, m *ent.Model) error {
	if s.Outbox == nil {
		return nil
	}
	e := events.New(typ, events.ObjectPayload{Name: m.Name, Version: m.Version})
	e.TenantID, e.SubjectID = m.TenantID, m.ID.String()
	if v := viewer.FromContext(ctx); v != nil {
		e.OrganizationID, e.UserID, e.Actor = v.OrganizationID.String(), v.UserID.String(), v.Actor()
	}
	return s.Outbox(ctx, tx.Client(), e)
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (r *ModelRef) id() *uuid.UUID {
	if r == nil {
		return nil
	}
	return &r.ID
}

func (r *ModelRef) version() *int {
	if r == nil {
		return nil
	}
	return &r.Version
}
