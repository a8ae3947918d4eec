package apikey

import (
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/server/apperr"
)

// ErrRevoked is the cause of a context Bind returned when its key is
// revoked: the websocket transport closes with 4401 over an
// UNAUTHENTICATED cause, an SSE stream ends with its context.
var ErrRevoked = apperr.Errorf(apperr.Unauthenticated, "the API key was revoked")

// streams tracks the open requests and sockets of each key, so that a
// revocation ends them at once instead of at their next authentication.
// Sharded by key so that many keys' sockets do not contend on one lock.
//
// The zero value is ready to use.
type streams struct {
	shards [16]streamShard
}

type streamShard struct {
	mu    sync.Mutex
	byKey map[uuid.UUID]*keyStreams
}

type keyStreams struct{ open map[*boundCtx]struct{} }

type boundCtx struct{ cancel context.CancelCauseFunc }

func (s *streams) shard(id uuid.UUID) *streamShard { return &s.shards[id[15]%uint8(len(s.shards))] }

// bind returns ctx ending when its key is revoked (cause ErrRevoked) or
// when cancel is called; it is forgotten as soon as it ends.
func (s *streams) bind(ctx context.Context, id uuid.UUID) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	b := &boundCtx{cancel: cancel}
	sh := s.shard(id)
	sh.mu.Lock()
	if sh.byKey == nil {
		sh.byKey = map[uuid.UUID]*keyStreams{}
	}
	k := sh.byKey[id]
	if k == nil {
		k = &keyStreams{open: map[*boundCtx]struct{}{}}
		sh.byKey[id] = k
	}
	k.open[b] = struct{}{}
	sh.mu.Unlock()
	context.AfterFunc(ctx, func() {
		sh.mu.Lock()
		delete(k.open, b)
		if len(k.open) == 0 && sh.byKey[id] == k {
			delete(sh.byKey, id)
		}
		sh.mu.Unlock()
	})
	return ctx, func() { cancel(context.Canceled) }
}

// end ends every context bound to key id with ErrRevoked and says how
// many there were.
func (s *streams) end(id uuid.UUID) int {
	sh := s.shard(id)
	sh.mu.Lock()
	var open []*boundCtx
	if k := sh.byKey[id]; k != nil {
		for b := range k.open {
			open = append(open, b)
		}
	}
	sh.mu.Unlock()
	for _, b := range open {
		b.cancel(ErrRevoked)
	}
	return len(open)
}

// count is how many contexts key id has open.
func (s *streams) count(id uuid.UUID) int {
	sh := s.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if k := sh.byKey[id]; k != nil {
		return len(k.open)
	}
	return 0
}
