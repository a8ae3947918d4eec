package graph

import (
	"context"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
	simsvc "github.com/simgraph/simgraph/server/simulation"
)

// loaders are one request's batch loaders: a list of simulations
// registers the models its simulations ran, and the first Simulation.model
// resolver reads them all in one query, instead of one query per
// simulation.
type loaders struct {
	models *modelLoader
}

type loadersKey struct{}

func withLoaders(ctx context.Context, svc *simsvc.Service) context.Context {
	return context.WithValue(ctx, loadersKey{}, &loaders{models: &modelLoader{svc: svc}})
}

func loadersOf(ctx context.Context) *loaders {
	l, _ := ctx.Value(loadersKey{}).(*loaders)
	return l
}

// modelLoader reads models by ID, the pending ones in one query; what it
// read (absent models as nil) is kept for the rest of the request.
type modelLoader struct {
	svc     *simsvc.Service
	mu      sync.Mutex
	pending []uuid.UUID
	loaded  map[uuid.UUID]*ent.Model
}

// prime registers the models of simulations about to be resolved.
func (l *modelLoader) prime(sims []*ent.Simulation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, sim := range sims {
		if sim.ModelID == nil {
			continue
		}
		if _, ok := l.loaded[*sim.ModelID]; !ok && !slices.Contains(l.pending, *sim.ModelID) {
			l.pending = append(l.pending, *sim.ModelID)
		}
	}
}

// load returns the model of id, nil if it is not there. Concurrent
// resolvers wait for the one query that reads every pending model.
func (l *modelLoader) load(ctx context.Context, id uuid.UUID) (*ent.Model, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m, ok := l.loaded[id]; ok {
		return m, nil
	}
	ids := l.pending
	if !slices.Contains(ids, id) {
		ids = append(ids, id)
	}
	got, err := l.svc.ModelsByID(ctx, ids)
	if err != nil {
		return nil, err // nothing kept: another field may try again
	}
	if l.loaded == nil {
		l.loaded = map[uuid.UUID]*ent.Model{}
	}
	for _, want := range ids {
		l.loaded[want] = got[want]
	}
	l.pending = nil
	return got[id], nil
}

// primeModels registers the models of a page of simulations.
func primeModels(ctx context.Context, conn *ent.SimulationConnection) {
	l := loadersOf(ctx)
	if l == nil || conn == nil {
		return
	}
	sims := make([]*ent.Simulation, 0, len(conn.Edges))
	for _, e := range conn.Edges {
		if e != nil && e.Node != nil {
			sims = append(sims, e.Node)
		}
	}
	l.models.prime(sims)
}

// simulationModel is Simulation.model: through the request's loader, else
// (a resolver called outside a request) one query.
func (r *Resolver) simulationModel(ctx context.Context, sim *ent.Simulation) (*ent.Model, error) {
	l := loadersOf(ctx)
	if l == nil || sim.ModelID == nil {
		return r.SimulationService.ModelOf(ctx, sim)
	}
	return l.models.load(ctx, *sim.ModelID)
}

// listedSimulations returns what primes the loaders with a page of
// simulations as a list resolver returns it.
func listedSimulations(ctx context.Context) func(*ent.SimulationConnection, error) (*ent.SimulationConnection, error) {
	return func(conn *ent.SimulationConnection, err error) (*ent.SimulationConnection, error) {
		if err != nil {
			return nil, err
		}
		primeModels(ctx, conn)
		return conn, nil
	}
}
