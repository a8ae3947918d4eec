package simulation

import (
	"context"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/server/events"
	"github.com/simgraph/simgraph/viewer"
)

// inTx runs f in a transaction on client and, once it has committed, tells
// the outbox relay (OnCommit).
func (s *Service) inTx(ctx context.Context, client *ent.Client, f func(tx *ent.Tx) error) error {
	tx, err := client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if s.OnCommit != nil {
		s.OnCommit()
	}
	return nil
}

// emit writes a simulation event to the simulation service's outbox in tx,
// the transaction of the status change it reports.
func (s *Service) emit(ctx context.Context, tx *ent.Tx, typ string, sim *ent.Simulation, p events.SimulationPayload) error {
	if s.Outbox == nil {
		return nil
	}
	p.SimulationID, p.Name, p.WorkbookID = sim.ID.String(), sim.Name, sim.WorkbookID.String()
	if p.Iterations == 0 {
		p.Iterations = sim.Iterations
	}
	e := events.New(typ, p)
	e.TenantID, e.UserID, e.SubjectID = sim.TenantID, sim.CreatedBy.String(), sim.ID.String()
	if v := viewer.FromContext(ctx); v != nil {
		e.OrganizationID = v.OrganizationID.String()
		if !ranByWorker(typ) {
			e.Actor = v.Actor()
		}
	}
	return s.Outbox(ctx, tx.Client(), e)
}

// ranByWorker reports whether typ is a change the worker makes on its own
// (its context acts for the simulation's creator, who did not do it).
func ranByWorker(typ string) bool {
	switch typ {
	case events.SimulationStarted, events.SimulationCompleted, events.SimulationFailed:
		return true
	}
	return false
}
