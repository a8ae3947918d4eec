package simulation

import (
	"context"
	"log/slog"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/auditentry"
	"github.com/simgraph/simgraph/ent/outboxevent"
	"github.com/simgraph/simgraph/server/events"
)

// discard undoes the creation of a simulation that could not be queued, in
// one transaction: the row, its simulation.created event if the relay has
// not published it yet, and the audit entry recorded from it if the audit
// consumer was quicker. An event published but not yet recorded finds no
// simulation, and the audit consumer records nothing for it, so that the
// log never shows a simulation that never ran.
func (s *Service) discard(ctx context.Context, client *ent.Client, id uuid.UUID) {
	err := s.inTx(ctx, client, func(tx *ent.Tx) error {
		if err := tx.Simulation.DeleteOneID(id).Exec(ctx); err != nil && !ent.IsNotFound(err) {
			return err
		}
		if _, err := tx.OutboxEvent.Delete().Where(outboxevent.SubjectID(id.String()),
			outboxevent.Type(events.SimulationCreated), outboxevent.PublishedAtIsNil()).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.AuditEntry.Delete().Where(auditentry.ObjectType("simulation"), auditentry.ObjectID(id.String()),
			auditentry.Action("simulation.created")).Exec(ctx)
		return err
	})
	if err != nil {
		slog.WarnContext(ctx, "simulations: undoing a simulation that could not be queued", "simulation", id, "err", err)
	}
}
