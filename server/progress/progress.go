// Package progress carries simulation progress from the worker running a
// job to every subscriber, on any replica: an in-process hub fans out
// locally; in server mode snapshots travel through Redis pub/sub and the
// latest one is kept under a key so late subscribers start from it.
package progress

import (
	"context"
	"time"

	"github.com/simgraph/simgraph/simspec"
)

// Broker publishes snapshots and serves subscriptions.
type Broker interface {
	// Publish records p as the latest snapshot of its simulation and sends
	// it to every subscriber.
	Publish(ctx context.Context, p simspec.Progress) error
	// Latest returns the latest snapshot of a simulation, if any.
	Latest(ctx context.Context, simulationID string) (simspec.Progress, bool, error)
	// Subscribe delivers the simulation's snapshots until ctx ends. A slow
	// subscriber skips intermediate snapshots but always gets the newest,
	// so a terminal state is never lost.
	Subscribe(ctx context.Context, simulationID string) (<-chan simspec.Progress, error)
}

// Throttle limits updates of one simulation to one per Interval, except the
// first of each stage and the terminal one, which always pass: a progress
// bar then always shows the run start moving, however fast it is.
type Throttle struct {
	Interval time.Duration
	last     time.Time
	stage    string
	sent     bool
}

// Allow reports whether an update of stage at now may be sent.
func (t *Throttle) Allow(now time.Time, stage string, terminal bool) bool {
	if terminal || !t.sent || stage != t.stage || now.Sub(t.last) >= t.Interval {
		t.sent = true
		t.last = now
		t.stage = stage
		return true
	}
	return false
}

// DefaultInterval keeps progress at about ten updates a second: smooth for
// a progress bar, cheap for thousands of subscribers.
const DefaultInterval = 100 * time.Millisecond
