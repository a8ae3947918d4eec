package graph

import (
	"context"
	"sync/atomic"

	"github.com/simgraph/simgraph/server/apperr"
)

// connSubscriptions counts one websocket connection's open subscriptions.
type connSubscriptions struct {
	open atomic.Int32
	max  int32
}

type connSubscriptionsKey struct{}

// withSubscriptionCap marks ctx as a websocket connection that may hold at
// most max subscriptions at once.
func withSubscriptionCap(ctx context.Context, max int) context.Context {
	if max <= 0 {
		return ctx
	}
	return context.WithValue(ctx, connSubscriptionsKey{}, &connSubscriptions{max: int32(max)})
}

// acquireSubscription takes one of the connection's subscription slots
// until ctx (the subscription's) ends. Without a cap (SSE: one stream per
// request) it always succeeds.
func acquireSubscription(ctx context.Context) error {
	c, ok := ctx.Value(connSubscriptionsKey{}).(*connSubscriptions)
	if !ok {
		return nil
	}
	if c.open.Add(1) > c.max {
		c.open.Add(-1)
		return &apperr.Error{Code: apperr.RateLimited, Message: "too many subscriptions on this connection", Extensions: map[string]any{"limit": c.max}}
	}
	context.AfterFunc(ctx, func() { c.open.Add(-1) })
	return nil
}
