package tenancy

import (
	"context"
	"sync/atomic"
)

// scope is one request's routing memory: whether it has written, so that
// its later reads go to the primary instead of a replica that may not have
// replayed the write yet (read-your-writes).
type scope struct {
	written atomic.Bool
}

type scopeKey struct{}

// WithRequestScope returns ctx carrying a fresh request scope. HTTP
// middleware calls it once per request (and the websocket init once per
// connection) before anything reads the database. Without a scope every
// read of an enterprise tenant goes to its primary: with no request to
// remember writes in, a replica read could miss the caller's own write.
func WithRequestScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, &scope{})
}

func scopeOf(ctx context.Context) *scope {
	s, _ := ctx.Value(scopeKey{}).(*scope)
	return s
}

// markWritten records that the request of ctx sent a write to a primary.
func markWritten(ctx context.Context) {
	if s := scopeOf(ctx); s != nil {
		s.written.Store(true)
	}
}

// mayReadReplica reports whether a read in ctx may go to a replica: the
// request has a scope and has not written.
func mayReadReplica(ctx context.Context) bool {
	s := scopeOf(ctx)
	return s != nil && !s.written.Load()
}

// HasWritten reports whether the request of ctx has sent a write to a
// primary database.
func HasWritten(ctx context.Context) bool {
	s := scopeOf(ctx)
	return s != nil && s.written.Load()
}
