package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Partials holds a split simulation's partial results while it runs: each
// task's (by Task.Key) and the checkpoint each pass starts from. Partials
// are deterministic (the same task gives the same bytes on any worker), so
// losing them costs their recomputation, never exactness, and a task run
// twice stores the same value twice.
type Partials interface {
	Put(ctx context.Context, simulationID, key string, value []byte) error
	// Get returns the value, or ok false when there is none.
	Get(ctx context.Context, simulationID, key string) (value []byte, ok bool, err error)
	// Keys lists the keys stored for the simulation.
	Keys(ctx context.Context, simulationID string) ([]string, error)
	// Drop deletes every value of the simulation.
	Drop(ctx context.Context, simulationID string) error
}

// CheckpointKey names pass's checkpoint among a simulation's partials.
func CheckpointKey(pass int) string { return fmt.Sprintf("checkpoint:%d", pass) }

// RedisPartials keeps each simulation's partials in one hash, expiring a
// day after its last write so that an abandoned run leaves nothing behind.
type RedisPartials struct {
	rdb    redis.UniversalClient
	prefix string
	TTL    time.Duration
}

// NewRedisPartials stores beside q's jobs.
func NewRedisPartials(q *Redis) *RedisPartials {
	return &RedisPartials{rdb: q.rdb, prefix: q.stream + ":partials:", TTL: 24 * time.Hour}
}

func (p *RedisPartials) key(simulationID string) string { return p.prefix + simulationID }

// Put implements Partials.
func (p *RedisPartials) Put(ctx context.Context, simulationID, key string, value []byte) error {
	pipe := p.rdb.TxPipeline()
	pipe.HSet(ctx, p.key(simulationID), key, value)
	pipe.Expire(ctx, p.key(simulationID), p.TTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("jobs: storing a partial: %w", err)
	}
	return nil
}

// Get implements Partials.
func (p *RedisPartials) Get(ctx context.Context, simulationID, key string) ([]byte, bool, error) {
	b, err := p.rdb.HGet(ctx, p.key(simulationID), key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("jobs: reading a partial: %w", err)
	}
	return b, true, nil
}

// Keys implements Partials.
func (p *RedisPartials) Keys(ctx context.Context, simulationID string) ([]string, error) {
	keys, err := p.rdb.HKeys(ctx, p.key(simulationID)).Result()
	if err != nil {
		return nil, fmt.Errorf("jobs: listing partials: %w", err)
	}
	return keys, nil
}

// Drop implements Partials.
func (p *RedisPartials) Drop(ctx context.Context, simulationID string) error {
	return p.rdb.Del(ctx, p.key(simulationID)).Err()
}

// MemoryPartials is the embedded mode's store, in process.
type MemoryPartials struct {
	mu     sync.Mutex
	values map[string]map[string][]byte
}

// NewMemoryPartials returns an empty store.
func NewMemoryPartials() *MemoryPartials {
	return &MemoryPartials{values: map[string]map[string][]byte{}}
}

// Put implements Partials.
func (p *MemoryPartials) Put(_ context.Context, simulationID, key string, value []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.values[simulationID] == nil {
		p.values[simulationID] = map[string][]byte{}
	}
	p.values[simulationID][key] = append([]byte(nil), value...)
	return nil
}

// Get implements Partials.
func (p *MemoryPartials) Get(_ context.Context, simulationID, key string) ([]byte, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.values[simulationID][key]
	return v, ok, nil
}

// Keys implements Partials.
func (p *MemoryPartials) Keys(_ context.Context, simulationID string) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := make([]string, 0, len(p.values[simulationID]))
	for k := range p.values[simulationID] {
		keys = append(keys, k)
	}
	return keys, nil
}

// Drop implements Partials.
func (p *MemoryPartials) Drop(_ context.Context, simulationID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.values, simulationID)
	return nil
}
