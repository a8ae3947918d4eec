package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the server mode's bus: one stream, a consumer group per
// consumer, shared by every process. A process reads its own pending
// entries first, then claims entries another process left pending for
// longer than ClaimAfter (it died), then new ones.
type Redis struct {
	rdb      redis.UniversalClient
	stream   string
	epochKey string
	consumer string
	log      *slog.Logger
	// ClaimAfter is how long an entry may stay pending with a dead
	// consumer before another takes it over.
	ClaimAfter time.Duration
	// Block is how long a read waits for new entries.
	Block time.Duration
	// MaxLen bounds the stream (approximately).
	MaxLen int64
}

// NewRedis returns the bus on rdb under key prefix. On a Redis Cluster the
// prefix should be a hash tag ({...}) the job queue's prefix shares, so that
// the stream, the epoch key and the job stream live on one master and are
// lost together (see Fresh).
func NewRedis(rdb redis.UniversalClient, prefix string, log *slog.Logger) *Redis {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return &Redis{
		rdb: rdb, stream: prefix + "events", epochKey: prefix + "events:epoch",
		consumer: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b)),
		log:      log, ClaimAfter: 30 * time.Second, Block: 2 * time.Second, MaxLen: 1000000,
	}
}

// Publish implements Bus.
func (r *Redis) Publish(ctx context.Context, e Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := r.rdb.XAdd(ctx, &redis.XAddArgs{Stream: r.stream, Values: map[string]any{"event": b}, MaxLen: r.MaxLen, Approx: true}).Err(); err != nil {
		return fmt.Errorf("events: publishing %s: %w", e.Type, err)
	}
	return nil
}

// Fresh implements Bus: the epoch key is set once per Redis lifetime; a
// Redis restarted without its data has lost it, and the first process to
// notice sets it again and replays.
func (r *Redis) Fresh(ctx context.Context) (bool, error) {
	if cluster, ok := r.rdb.(*redis.ClusterClient); ok {
		return r.freshOnCluster(ctx, cluster)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	ok, err := r.rdb.SetNX(ctx, r.epochKey, hex.EncodeToString(b), 0).Result()
	if err != nil {
		return false, fmt.Errorf("events: reading the stream epoch: %w", err)
	}
	return ok, nil
}

func (r *Redis) ensureGroup(ctx context.Context, group string) error {
	err := r.rdb.XGroupCreateMkStream(ctx, r.stream, group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return err
	}
	return nil
}

// Consume implements Bus.
func (r *Redis) Consume(ctx context.Context, group string, h Handler) {
	consumer := r.consumer + ":" + group
	needGroup := true
	for ctx.Err() == nil {
		if needGroup {
			if err := r.ensureGroup(ctx, group); err != nil {
				r.warn(ctx, "creating consumer group", group, err)
				sleep(ctx, time.Second)
				continue
			}
			needGroup = false
		}
		msgs, err := r.read(ctx, group, consumer)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if strings.Contains(err.Error(), "NOGROUP") {
				// Redis lost the stream (restarted without data).
				needGroup = true
				continue
			}
			r.warn(ctx, "reading", group, err)
			sleep(ctx, time.Second)
			continue
		}
		for _, msg := range msgs {
			if ctx.Err() != nil {
				return
			}
			var e Event
			raw, _ := msg.Values["event"].(string)
			if err := json.Unmarshal([]byte(raw), &e); err != nil {
				r.log.ErrorContext(ctx, "events: dropping undecodable entry", "id", msg.ID, "err", err)
				r.rdb.XAck(ctx, r.stream, group, msg.ID)
				continue
			}
			if err := h(ctx, e); err != nil {
				r.log.WarnContext(ctx, "events: handler failed; the event will be delivered again", "group", group, "type", e.Type, "event", e.ID, "err", err)
				sleep(ctx, retryDelay)
				break
			}
			if err := r.rdb.XAck(context.WithoutCancel(ctx), r.stream, group, msg.ID).Err(); err != nil {
				r.warn(ctx, "acknowledging", group, err)
			}
		}
	}
}

// read returns this consumer's pending entries, else entries of dead
// consumers, else new ones.
func (r *Redis) read(ctx context.Context, group, consumer string) ([]redis.XMessage, error) {
	pending, err := r.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: consumer, Streams: []string{r.stream, "0"}, Count: 50}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	if len(pending) > 0 && len(pending[0].Messages) > 0 {
		return pending[0].Messages, nil
	}
	claimed, _, err := r.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: r.stream, Group: group, Consumer: consumer, MinIdle: r.ClaimAfter, Start: "0-0", Count: 50}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	if len(claimed) > 0 {
		return claimed, nil
	}
	fresh, err := r.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: consumer, Streams: []string{r.stream, ">"}, Count: 50, Block: r.Block}).Result()
	if err != nil {
		if errors.Is(err, redis.Nil) {
			return nil, nil
		}
		return nil, err
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	return fresh[0].Messages, nil
}

func (r *Redis) warn(ctx context.Context, what, group string, err error) {
	if ctx.Err() == nil {
		r.log.WarnContext(ctx, "events: "+what, "group", group, "err", err)
	}
}

// claimEpoch sets the epoch key to ARGV[1] unless it holds it already, and
// says whether it did: of relays noticing the change at once, one recovers.
var claimEpoch = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1`)

// freshOnCluster is Fresh on a Redis Cluster. A master's last writes that
// its replica had not received yet are gone once the replica takes over,
// while the epoch key, written long before, survives; so the epoch names
// the master that holds it (its node ID), and a master of another name
// counts as a loss: a failover, or a slot moved to another master, for
// which the recovery is needless but harmless.
func (r *Redis) freshOnCluster(ctx context.Context, cluster *redis.ClusterClient) (bool, error) {
	master, err := cluster.MasterForKey(ctx, r.epochKey)
	if err != nil {
		return false, fmt.Errorf("events: finding the master of the stream epoch: %w", err)
	}
	id, err := master.Do(ctx, "CLUSTER", "MYID").Text()
	if err == nil {
		var claimed int
		claimed, err = claimEpoch.Run(ctx, master, []string{r.epochKey}, id).Int()
		if err == nil {
			return claimed == 1, nil
		}
	}
	// The master went away or no longer holds the slot: learn the
	// cluster's layout again before the next poll.
	cluster.ReloadState(ctx)
	return false, fmt.Errorf("events: reading the stream epoch: %w", err)
}
