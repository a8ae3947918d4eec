package progress

import (
	"context"
	"hash/maphash"
	"sync"

	"github.com/simgraph/simgraph/simspec"
)

// hub fans snapshots out to this process's subscribers, sharded by
// simulation so that publishing one run's progress does not wait on
// subscribers of another joining or leaving.
type hub struct {
	seed   maphash.Seed
	shards [32]hubShard
}

type hubShard struct {
	mu   sync.Mutex
	subs map[string]map[*subscriber]struct{}
}

// mailboxSize is how many snapshots a subscriber may have pending. A client
// that keeps up sees every snapshot (a fast run's few stages included); one
// that falls behind by more loses the oldest pending ones, never the newest.
const mailboxSize = 16

// subscriber holds a bounded mailbox of pending snapshots.
type subscriber struct {
	ch     chan simspec.Progress
	remove func()
}

func newHub() *hub {
	h := &hub{seed: maphash.MakeSeed()}
	for i := range h.shards {
		h.shards[i].subs = map[string]map[*subscriber]struct{}{}
	}
	return h
}

func (h *hub) shard(id string) *hubShard {
	return &h.shards[maphash.String(h.seed, id)%uint64(len(h.shards))]
}

// deliver sends p to every subscriber of its simulation without blocking.
func (h *hub) deliver(p simspec.Progress) {
	sh := h.shard(p.SimulationID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for s := range sh.subs[p.SimulationID] {
		s.offer(p)
	}
}

func (s *subscriber) offer(p simspec.Progress) {
	for {
		select {
		case s.ch <- p:
			return
		default:
		}
		select {
		case <-s.ch: // full: drop the oldest pending snapshot
		default:
		}
	}
}

// add registers a subscriber; it is removed when ctx ends or when its
// stream finishes, whichever is first.
func (h *hub) add(ctx context.Context, id string) *subscriber {
	s := &subscriber{ch: make(chan simspec.Progress, mailboxSize)}
	sh := h.shard(id)
	sh.mu.Lock()
	if sh.subs[id] == nil {
		sh.subs[id] = map[*subscriber]struct{}{}
	}
	sh.subs[id][s] = struct{}{}
	sh.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { h.remove(id, s) })
	s.remove = func() {
		stop()
		h.remove(id, s)
	}
	return s
}

func (h *hub) remove(id string, s *subscriber) {
	sh := h.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	delete(sh.subs[id], s)
	if len(sh.subs[id]) == 0 {
		delete(sh.subs, id)
	}
}

// count returns the number of local subscribers (for tests and metrics).
func (h *hub) count() int {
	n := 0
	for i := range h.shards {
		sh := &h.shards[i]
		sh.mu.Lock()
		for _, s := range sh.subs {
			n += len(s)
		}
		sh.mu.Unlock()
	}
	return n
}

// stream forwards a subscriber's snapshots to out, starting with first (if
// any), dropping snapshots older than one already sent, and closing out
// after a terminal snapshot or when ctx ends.
func stream(ctx context.Context, s *subscriber, first *simspec.Progress) <-chan simspec.Progress {
	out := make(chan simspec.Progress, 1)
	go func() {
		defer close(out)
		defer s.remove()
		var sent *simspec.Progress
		send := func(p simspec.Progress) bool {
			if sent != nil && !newer(p, *sent) {
				return true
			}
			select {
			case out <- p:
			case <-ctx.Done():
				return false
			}
			sent = &p
			return !p.Terminal()
		}
		if first != nil && !send(*first) {
			return
		}
		for {
			select {
			case <-ctx.Done():
				return
			case p := <-s.ch:
				if !send(p) {
					return
				}
			}
		}
	}()
	return out
}

// newer reports whether p comes after q: a terminal state after anything,
// otherwise more iterations, or the same count at a later stage of time.
func newer(p, q simspec.Progress) bool {
	if q.Terminal() {
		return false
	}
	if p.Terminal() {
		return true
	}
	if p.IterationsDone != q.IterationsDone {
		return p.IterationsDone > q.IterationsDone
	}
	return p.ElapsedMs > q.ElapsedMs || p.Status != q.Status
}
