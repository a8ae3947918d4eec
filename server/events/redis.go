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
	rdb      *redis.Client
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

// NewRedis returns the bus on rdb under key prefix.
func NewRedis(rdb *redis.Client, prefix string, log *slog.Logger) *Redis {
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
