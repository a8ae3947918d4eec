package events

import (
	"context"
	"sync"
	"time"
)

// Handler processes one event; nil acknowledges it, an error leaves it to
// be delivered again.
type Handler func(ctx context.Context, e Event) error

// Bus carries published events to consumer groups.
type Bus interface {
	// Publish appends e to the stream.
	Publish(ctx context.Context, e Event) error
	// Consume delivers the group's events to h until ctx ends. Each group
	// sees every event; within a group an event is acknowledged once h
	// returns nil, and delivered again otherwise.
	Consume(ctx context.Context, group string, h Handler)
	// Fresh reports whether the bus has lost what it held since the last
	// call (a new process's in-memory bus, a Redis restarted without its
	// data): the relay then publishes recent events again, which consumers
	// recognise by ID.
	Fresh(ctx context.Context) (bool, error)
}

// retryDelay is how long a group waits before redelivering an event its
// handler refused: long enough not to spin on a database that is down,
// short enough that a transient error costs little.
const retryDelay = 250 * time.Millisecond

// Memory is the embedded mode's bus: one log in this process, an offset
// per group. Events before every group's offset are dropped.
type Memory struct {
	mu      sync.Mutex
	wake    chan struct{}
	base    int // offset of log[0]
	log     []Event
	offsets map[string]int
	asked   bool
	// MaxLen bounds the log when a group lags far behind (its oldest
	// events are dropped; the relay's replay and de-duplication cover a
	// restart, not a consumer that is never run).
	MaxLen int
}

// NewMemory returns an empty in-process bus.
func NewMemory() *Memory {
	return &Memory{wake: make(chan struct{}), offsets: map[string]int{}, MaxLen: 100000}
}

// Publish implements Bus.
func (m *Memory) Publish(_ context.Context, e Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.log = append(m.log, e)
	if over := len(m.log) - m.MaxLen; m.MaxLen > 0 && over > 0 {
		m.log = append([]Event(nil), m.log[over:]...)
		m.base += over
	}
	close(m.wake)
	m.wake = make(chan struct{})
	return nil
}

// Fresh implements Bus: true on the first call of the process.
func (m *Memory) Fresh(context.Context) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fresh := !m.asked
	m.asked = true
	return fresh, nil
}

// Consume implements Bus.
func (m *Memory) Consume(ctx context.Context, group string, h Handler) {
	m.mu.Lock()
	if _, ok := m.offsets[group]; !ok {
		m.offsets[group] = m.base
	}
	m.mu.Unlock()
	for ctx.Err() == nil {
		m.mu.Lock()
		off := max(m.offsets[group], m.base)
		if off < m.base+len(m.log) {
			e := m.log[off-m.base]
			m.mu.Unlock()
			if err := h(ctx, e); err != nil {
				sleep(ctx, retryDelay)
				continue
			}
			m.mu.Lock()
			if m.offsets[group] <= off {
				m.offsets[group] = off + 1
			}
			m.trim()
			m.mu.Unlock()
			continue
		}
		wake := m.wake
		m.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-wake:
		}
	}
}

// trim drops events every group has acknowledged; m.mu is held.
func (m *Memory) trim() {
	low := -1
	for _, off := range m.offsets {
		if low < 0 || off < low {
			low = off
		}
	}
	if n := low - m.base; n > 1024 {
		m.log = append([]Event(nil), m.log[n:]...)
		m.base = low
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
