package main

import (
	"context"
	"fmt"
	"time"
)

// killReplica kills the first replica while it runs a job; the second
// serves the API alone and reclaims the dead one's job once it has been
// silent for the reclaim interval. The killed replica comes back for the
// next scenario.
func killReplica(ctx context.Context, h *harness, o *outcome) error {
	victim := h.replicas[0]
	victim.kill()
	h.logf("  killed %s", victim.name)
	h.createDuring(o)
	defer func() {
		if err := victim.start(); err != nil {
			h.logf("  restarting %s: %v", victim.name, err)
		}
	}()
	return h.waitEnded(ctx, h.pending())
}

// stopRedis shuts Redis down for the outage and starts it again: jobs,
// the event bus and progress are unreachable meanwhile, and a simulation
// asked for then is refused with a retryable error, not half-created.
func stopRedis(ctx context.Context, h *harness, o *outcome) error {
	h.redis.stop()
	h.logf("  Redis stopped for %s", h.opt.redisOutage)
	time.Sleep(h.opt.redisOutage / 2)
	h.createDuring(o)
	time.Sleep(h.opt.redisOutage - h.opt.redisOutage/2)
	if err := h.redis.start(); err != nil {
		return fmt.Errorf("starting Redis again: %w", err)
	}
	h.logf("  Redis started")
	return nil
}

// restartRedisEmpty stops Redis and starts it without its data: the job
// stream, its consumer group and the event bus are gone. Simulations
// still queued or running must be queued again from the database, and
// events replayed from the outboxes, each applied once.
func restartRedisEmpty(ctx context.Context, h *harness, o *outcome) error {
	h.redis.stop()
	if err := h.redis.wipe(); err != nil {
		return err
	}
	if err := h.redis.start(); err != nil {
		return fmt.Errorf("starting Redis again: %w", err)
	}
	h.logf("  Redis restarted empty")
	return nil
}

// restartPostgres restarts the cluster (fast shutdown: every connection is
// cut) while simulations run and store results.
func restartPostgres(ctx context.Context, h *harness, o *outcome) error {
	if err := h.pg.restart(); err != nil {
		return err
	}
	h.logf("  PostgreSQL restarted")
	h.createDuring(o)
	return nil
}

// killRelay kills the event relay and keeps it dead until the runs have
// ended, so their events wait in the outbox; once it is back they must all
// reach the consumers, each once.
func killRelay(ctx context.Context, h *harness, o *outcome) error {
	h.relay.kill()
	h.logf("  killed the relay")
	h.createDuring(o)
	if err := h.waitEnded(ctx, h.pending()); err != nil {
		return err
	}
	waiting, err := h.db.unpublished(ctx)
	if err != nil {
		return err
	}
	o.note = fmt.Sprintf("%d events waited in the outbox", waiting)
	time.Sleep(h.opt.relayOutage)
	if err := h.relay.start(); err != nil {
		return fmt.Errorf("starting the relay again: %w", err)
	}
	h.logf("  relay started")
	return nil
}
