package jobs

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Partials holds a split simulation's partial results while it runs: each
// task's (by Task.Key) and the checkpoint each pass starts from. Partials
// are deterministic (the same task gives the same bytes on any worker), so
// losing them costs their recomputation, never exactness.
type Partials interface {
	// Put stores value under key unless the key holds one already: of a
	// task computed twice (reclaimed, or queued again) exactly one copy is
	// stored, and stored is false for the others.
	Put(ctx context.Context, simulationID, key string, value []byte) (stored bool, err error)
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
// A value of more than CompressAbove bytes is stored deflated.
type RedisPartials struct {
	rdb           redis.UniversalClient
	prefix        string
	TTL           time.Duration
	CompressAbove int
}

// NewRedisPartials stores beside q's jobs.
func NewRedisPartials(q *Redis) *RedisPartials {
	return &RedisPartials{rdb: q.rdb, prefix: q.stream + ":partials:", TTL: 24 * time.Hour, CompressAbove: 4096}
}

func (p *RedisPartials) key(simulationID string) string { return p.prefix + simulationID }

// Put implements Partials with HSETNX.
func (p *RedisPartials) Put(ctx context.Context, simulationID, key string, value []byte) (bool, error) {
	framed, err := encodePartial(value, p.CompressAbove)
	if err != nil {
		return false, err
	}
	pipe := p.rdb.TxPipeline()
	set := pipe.HSetNX(ctx, p.key(simulationID), key, framed)
	pipe.Expire(ctx, p.key(simulationID), p.TTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return false, fmt.Errorf("jobs: storing a partial: %w", err)
	}
	return set.Val(), nil
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
	v, err := decodePartial(b)
	if err != nil {
		return nil, false, fmt.Errorf("jobs: partial %s of %s: %w", key, simulationID, err)
	}
	return v, true, nil
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
func (p *MemoryPartials) Put(_ context.Context, simulationID, key string, value []byte) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.values[simulationID] == nil {
		p.values[simulationID] = map[string][]byte{}
	}
	if _, ok := p.values[simulationID][key]; ok {
		return false, nil
	}
	p.values[simulationID][key] = append([]byte(nil), value...)
	return true, nil
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

// A stored partial starts with a byte that says how the rest is encoded.
const (
	partialRaw      byte = 'r'
	partialDeflated byte = 'z'
)

// encodePartial frames value, deflated when it is longer than above bytes
// (a first-pass partial of project-dcf.xlsx is about 1 KB per chunk, a
// task some hundreds of KB) and deflating saves space.
func encodePartial(value []byte, above int) ([]byte, error) {
	if above > 0 && len(value) > above {
		var b bytes.Buffer
		b.WriteByte(partialDeflated)
		zw, err := flate.NewWriter(&b, flate.BestSpeed)
		if err != nil {
			return nil, err
		}
		if _, err := zw.Write(value); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		if b.Len() < len(value)+1 {
			return b.Bytes(), nil
		}
	}
	return append([]byte{partialRaw}, value...), nil
}

func decodePartial(framed []byte) ([]byte, error) {
	if len(framed) == 0 {
		return nil, errors.New("empty value")
	}
	switch framed[0] {
	case partialRaw:
		return framed[1:], nil
	case partialDeflated:
		return io.ReadAll(flate.NewReader(bytes.NewReader(framed[1:])))
	}
	return nil, fmt.Errorf("unknown encoding %q", framed[0])
}
