package rule

import (
	"context"

	"github.com/simgraph/simgraph/ent/privacy"
)

// SystemContext returns ctx with every privacy rule bypassed. It is the only
// bypass in simgraph, for system code that must see across tenants:
// migrations, event consumers, tier moves and the job reaper. Request
// handling never calls it; every caller names why in reason, which keeps
// the call sites greppable and reviewable.
func SystemContext(ctx context.Context, reason string) context.Context {
	_ = reason
	return privacy.DecisionContext(ctx, privacy.Allow)
}
