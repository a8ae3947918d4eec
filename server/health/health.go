// Package health checks simgraph's dependencies for /readyz and the health
// query.
package health

import (
	"context"
	"sync"
	"time"
)

// Status of a check or of the whole.
type Status string

// Statuses.
const (
	OK       Status = "OK"
	Degraded Status = "DEGRADED"
	Down     Status = "DOWN"
)

// CheckFunc pings one dependency.
type CheckFunc func(ctx context.Context) error

// Check is one dependency's result.
type Check struct {
	Name    string
	Status  Status
	Latency time.Duration
	Err     error
}

// Report is the result of every check.
type Report struct {
	Status  Status
	Version string
	Uptime  time.Duration
	Mode    string
	Checks  []Check
}

// Checker runs named checks concurrently with a timeout.
type Checker struct {
	Version string
	Mode    string
	Started time.Time
	Timeout time.Duration

	mu     sync.Mutex
	names  []string
	checks map[string]CheckFunc
}

// Add registers a check.
func (c *Checker) Add(name string, f CheckFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.checks == nil {
		c.checks = map[string]CheckFunc{}
	}
	c.names = append(c.names, name)
	c.checks[name] = f
}

// Run runs every check. The whole is DOWN when a database is down, which
// /readyz reports as not ready.
func (c *Checker) Run(ctx context.Context) Report {
	c.mu.Lock()
	names := append([]string(nil), c.names...)
	c.mu.Unlock()
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	results := make([]Check, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			start := time.Now()
			err := c.checks[name](ctx)
			results[i] = Check{Name: name, Status: OK, Latency: time.Since(start), Err: err}
			if err != nil {
				results[i].Status = Down
			}
		})
	}
	wg.Wait()
	r := Report{Status: OK, Version: c.Version, Uptime: time.Since(c.Started), Mode: c.Mode, Checks: results}
	for _, ch := range results {
		if ch.Status != OK {
			r.Status = Down
		}
	}
	return r
}
