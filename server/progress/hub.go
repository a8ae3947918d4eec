package progress

import (
	"context"
	"sync"

	"github.com/simgraph/simgraph/simspec"
)

// hub fans snapshots out to this process's subscribers.
type hub struct {
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

func newHub() *hub { return &hub{subs: map[string]map[*subscriber]struct{}{}} }

// deliver sends p to every subscriber of its simulation without blocking.
func (h *hub) deliver(p simspec.Progress) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[p.SimulationID] {
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
	h.mu.Lock()
	if h.subs[id] == nil {
		h.subs[id] = map[*subscriber]struct{}{}
	}
	h.subs[id][s] = struct{}{}
	h.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { h.remove(id, s) })
	s.remove = func() {
		stop()
		h.remove(id, s)
	}
	return s
}

func (h *hub) remove(id string, s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs[id], s)
	if len(h.subs[id]) == 0 {
		delete(h.subs, id)
	}
}

// count returns the number of local subscribers (for tests and metrics).
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, s := range h.subs {
		n += len(s)
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
