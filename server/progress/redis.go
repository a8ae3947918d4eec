package progress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simgraph/simgraph/simspec"
)

// Redis is the server mode's broker. Every process holds one pattern
// subscription to all progress channels and fans out locally, so ten
// thousand subscribers cost ten thousand channels in memory, not ten
// thousand Redis connections.
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
	log    *slog.Logger
	hub    *hub
	ttl    time.Duration
}

// NewRedis starts the broker's subscription; it runs until ctx ends.
func NewRedis(ctx context.Context, rdb redis.UniversalClient, prefix string, log *slog.Logger) (*Redis, error) {
	r := &Redis{rdb: rdb, prefix: prefix + "progress:", log: log, hub: newHub(), ttl: 24 * time.Hour}
	ps := rdb.PSubscribe(ctx, r.prefix+"ch:*")
	// Receive the subscription confirmation: from here on nothing is missed.
	if _, err := ps.Receive(ctx); err != nil {
		ps.Close()
		return nil, fmt.Errorf("progress: subscribing: %w", err)
	}
	go r.route(ctx, ps)
	return r, nil
}

func (r *Redis) route(ctx context.Context, ps *redis.PubSub) {
	defer ps.Close()
	ch := ps.Channel(redis.WithChannelSize(1024))
	for {
		select {
		case <-ctx.Done():
			return
		case msg, ok := <-ch:
			if !ok {
				return
			}
			var p simspec.Progress
			if err := json.Unmarshal([]byte(msg.Payload), &p); err != nil {
				r.log.Warn("progress: undecodable message", "channel", msg.Channel, "err", err)
				continue
			}
			// A process of the previous key layout publishes on the
			// channel without braces; it is the same simulation.
			if !strings.HasSuffix(strings.TrimSuffix(msg.Channel, "}"), p.SimulationID) {
				continue
			}
			r.hub.deliver(p)
		}
	}
}

// A simulation's key and channel share its ID as hash tag: on a Redis
// Cluster the transaction that stores and publishes a snapshot stays in one
// slot, and simulations spread over the masters.
func (r *Redis) key(id string) string     { return r.prefix + "latest:{" + id + "}" }
func (r *Redis) channel(id string) string { return r.prefix + "ch:{" + id + "}" }

// Publish implements Broker: the latest snapshot is stored, then published.
func (r *Redis) Publish(ctx context.Context, p simspec.Progress) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	pipe := r.rdb.TxPipeline()
	pipe.Set(ctx, r.key(p.SimulationID), b, r.ttl)
	pipe.Publish(ctx, r.channel(p.SimulationID), b)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("progress: publishing: %w", err)
	}
	return nil
}

// Latest implements Broker.
func (r *Redis) Latest(ctx context.Context, id string) (simspec.Progress, bool, error) {
	b, err := r.rdb.Get(ctx, r.key(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return simspec.Progress{}, false, nil
	}
	if err != nil {
		return simspec.Progress{}, false, fmt.Errorf("progress: reading latest: %w", err)
	}
	var p simspec.Progress
	if err := json.Unmarshal(b, &p); err != nil {
		return simspec.Progress{}, false, fmt.Errorf("progress: decoding latest: %w", err)
	}
	return p, true, nil
}

// Subscribe implements Broker: registered locally first, then the stored
// latest snapshot is read, so nothing published in between is missed.
func (r *Redis) Subscribe(ctx context.Context, id string) (<-chan simspec.Progress, error) {
	s := r.hub.add(ctx, id)
	p, ok, err := r.Latest(ctx, id)
	if err != nil {
		return nil, err
	}
	var first *simspec.Progress
	if ok {
		first = &p
	}
	return stream(ctx, s, first), nil
}

// Subscribers returns the number of this process's open subscriptions.
func (r *Redis) Subscribers() int { return r.hub.count() }
