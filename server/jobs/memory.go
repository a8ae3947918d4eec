package jobs

import (
	"context"
	"sync"
)

// Memory is the embedded mode's queue: unbounded, in order, in process.
type Memory struct {
	mu      sync.Mutex
	pending []Job
	wake    chan struct{}
	running *running
	hooks   []func(simulationID string) // more to reach on a cancel (MemoryTasks)
}

// NewMemory returns an empty in-process queue.
func NewMemory() *Memory {
	return &Memory{wake: make(chan struct{}, 1), running: newRunning()}
}

// Enqueue implements Queue.
func (m *Memory) Enqueue(_ context.Context, job Job) error {
	m.mu.Lock()
	m.pending = append(m.pending, job)
	m.mu.Unlock()
	m.signal()
	return nil
}

func (m *Memory) signal() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *Memory) take() (Job, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pending) == 0 {
		return Job{}, false
	}
	j := m.pending[0]
	m.pending = m.pending[1:]
	if len(m.pending) > 0 {
		m.signal() // let another worker take the next one
	}
	return j, true
}

// Work implements Queue. A job whose handler fails is put back at the end.
func (m *Memory) Work(ctx context.Context, workers int, h Handler) {
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for {
				if job, ok := m.take(); ok {
					if err := m.running.run(ctx, job, h); err != nil && ctx.Err() == nil {
						_ = m.Enqueue(ctx, job)
					}
					continue
				}
				select {
				case <-ctx.Done():
					return
				case <-m.wake:
				}
			}
		})
	}
	wg.Wait()
}

// Cancel implements Queue.
func (m *Memory) Cancel(_ context.Context, simulationID string) error {
	m.running.cancel(simulationID)
	m.mu.Lock()
	hooks := m.hooks
	m.mu.Unlock()
	for _, h := range hooks {
		h(simulationID)
	}
	return nil
}

func (m *Memory) onCancel(h func(simulationID string)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hooks = append(m.hooks, h)
}
