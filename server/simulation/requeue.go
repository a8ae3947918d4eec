package simulation

import (
	"context"
	"fmt"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/organization"
	"github.com/simgraph/simgraph/ent/rule"
	entsimulation "github.com/simgraph/simgraph/ent/simulation"
	"github.com/simgraph/simgraph/server/jobs"
)

// Requeue queues again every simulation that has not ended, in each of the
// simulation databases given (owner clients, which see every tenant's
// rows). It is for a queue that lost its jobs: a Redis that came back
// without its data, an embedded process that restarted. A job queued twice
// is harmless: the worker skips an ended simulation, and a second run of
// one replaces its results and completes it once. users is the user
// service's database, where each tenant's organization and tier are.
func (s *Service) Requeue(ctx context.Context, databases []*ent.Client, users *ent.Client) (int, error) {
	sys := rule.SystemContext(ctx, "requeue: lists unfinished simulations across tenants")
	type org struct{ id, tier string }
	orgs := map[string]org{}
	queued := 0
	for _, db := range databases {
		sims, err := db.Simulation.Query().
			Where(entsimulation.StatusIn(entsimulation.StatusQUEUED, entsimulation.StatusRUNNING)).
			Order(ent.Asc(entsimulation.FieldCreatedAt)).
			All(sys)
		if err != nil {
			return queued, fmt.Errorf("listing unfinished simulations: %w", err)
		}
		for _, sim := range sims {
			o, ok := orgs[sim.TenantID]
			if !ok {
				row, err := users.Organization.Query().Where(organization.TenantID(sim.TenantID)).Only(sys)
				if ent.IsNotFound(err) {
					continue // the organization is gone; nobody can read the run
				}
				if err != nil {
					return queued, fmt.Errorf("reading the organization of tenant %s: %w", sim.TenantID, err)
				}
				o = org{id: row.ID.String(), tier: string(row.Tier)}
				orgs[sim.TenantID] = o
			}
			job := jobs.Job{SimulationID: sim.ID.String(), TenantID: sim.TenantID, Tier: o.tier,
				UserID: sim.CreatedBy.String(), OrganizationID: o.id}
			if err := s.Queue.Enqueue(ctx, job); err != nil {
				return queued, err
			}
			queued++
		}
	}
	return queued, nil
}
