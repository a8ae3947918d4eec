package progress

import (
	"context"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/simgraph/simgraph/simspec"
)

// Memory is the embedded mode's broker: one process, no Redis.
type Memory struct {
	hub    *hub
	latest *lru.Cache[string, simspec.Progress]
}

// NewMemory returns an in-process broker remembering the latest snapshot of
// up to keep simulations.
func NewMemory(keep int) *Memory {
	c, _ := lru.New[string, simspec.Progress](max(keep, 1))
	return &Memory{hub: newHub(), latest: c}
}

// Publish implements Broker.
func (m *Memory) Publish(_ context.Context, p simspec.Progress) error {
	m.latest.Add(p.SimulationID, p)
	m.hub.deliver(p)
	return nil
}

// Latest implements Broker.
func (m *Memory) Latest(_ context.Context, id string) (simspec.Progress, bool, error) {
	p, ok := m.latest.Get(id)
	return p, ok, nil
}

// Subscribe implements Broker. The subscriber is registered before the
// latest snapshot is read, so nothing published in between is missed.
func (m *Memory) Subscribe(ctx context.Context, id string) (<-chan simspec.Progress, error) {
	s := m.hub.add(ctx, id)
	var first *simspec.Progress
	if p, ok := m.latest.Get(id); ok {
		first = &p
	}
	return stream(ctx, s, first), nil
}

// Subscribers returns the number of open subscriptions.
func (m *Memory) Subscribers() int { return m.hub.count() }
