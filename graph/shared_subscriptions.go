package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"hash/maphash"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/simgraph/simgraph/viewer"
)

// SharedSubscriptions executes a shareable subscription once per distinct
// operation (document, operation name, variables) and tenant, and hands
// the same response to every subscriber of it: ten thousand browsers
// watching one simulation's progress cost one GraphQL execution and one
// JSON serialisation per snapshot, not ten thousand. Each subscriber is
// still authorised on its own before it joins; one that is refused, or
// that is over its connection's subscription cap, takes the ordinary path
// so that it gets the ordinary error.
type SharedSubscriptions struct {
	// Fields are the root subscription fields whose events depend only on
	// their arguments and the tenant, never on the subscriber.
	Fields map[string]bool
	// Authorize decides whether ctx's viewer may subscribe to field with
	// args, with the error the resolver would give.
	Authorize func(ctx context.Context, field string, args map[string]any) error

	groups *subscriptionGroups
}

var (
	_ graphql.HandlerExtension     = (*SharedSubscriptions)(nil)
	_ graphql.OperationInterceptor = (*SharedSubscriptions)(nil)
)

// NewSharedSubscriptions shares simulationProgress, whose snapshots are
// the simulation's whoever watches; NewHandler sets Authorize from the
// resolver.
func NewSharedSubscriptions() *SharedSubscriptions {
	return &SharedSubscriptions{Fields: map[string]bool{"simulationProgress": true}, groups: newSubscriptionGroups()}
}

func (*SharedSubscriptions) ExtensionName() string                   { return "SharedSubscriptions" }
func (*SharedSubscriptions) Validate(graphql.ExecutableSchema) error { return nil }

// Groups returns the number of subscriptions being executed on behalf of
// others, and the subscribers they serve (for tests and metrics).
func (s *SharedSubscriptions) Groups() (groups, subscribers int) { return s.groups.count() }

func (s *SharedSubscriptions) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	field, args, ok := s.shareable(oc)
	if !ok || s.Authorize == nil {
		return next(ctx)
	}
	key, ok := groupKey(ctx, oc)
	if !ok || s.Authorize(ctx, field, args) != nil || acquireSubscription(ctx) != nil {
		return next(ctx)
	}
	sink, _ := ctx.Value(responseSinkKey{}).(responseSink)
	g, f, leader := s.groups.join(key, ctx, sink)
	context.AfterFunc(ctx, f.leave)
	if leader {
		g.start(ctx, next)
	}
	if sink != nil {
		sink.attach()
		return func(context.Context) *graphql.Response { return nil }
	}
	return f.next
}

// responseSinkKey marks a subscriber whose transport takes responses by
// push, already serialised (the websocket transport): it needs no
// goroutine waiting on a response handler, and the group serialises each
// response once for all such subscribers.
type responseSinkKey struct{}

type responseSink interface {
	// attach tells the transport the group delivers from now on.
	attach()
	// deliver hands over a serialised response without blocking.
	deliver(payload []byte)
	// end follows the last response.
	end()
}

// shareable returns the operation's only root field and its arguments when
// the operation is a subscription to a shared field.
func (s *SharedSubscriptions) shareable(oc *graphql.OperationContext) (string, map[string]any, bool) {
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription || oc.RawQuery == "" {
		return "", nil, false
	}
	fields := graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Subscription"})
	if len(fields) != 1 || !s.Fields[fields[0].Name] {
		return "", nil, false
	}
	return fields[0].Name, fields[0].ArgumentMap(oc.Variables), true
}

// groupKey identifies what a subscriber receives: the same document,
// operation and variables in the same tenant give the same responses.
func groupKey(ctx context.Context, oc *graphql.OperationContext) (string, bool) {
	vars, err := json.Marshal(oc.Variables) // map keys are sorted
	if err != nil {
		return "", false
	}
	tenant := ""
	if v := viewer.FromContext(ctx); v != nil {
		tenant = v.TenantID
	}
	return tenant + "\x00" + oc.OperationName + "\x00" + string(vars) + "\x00" + oc.RawQuery, true
}

// noSubscriptionCap stands in the shared execution's context for the first
// subscriber's connection cap: the execution serves everyone, and each
// subscriber holds its own slot.
type noSubscriptionCap struct{}

// subscriptionGroups is a sharded registry: joining and leaving one
// operation's group does not contend with another's.
type subscriptionGroups struct {
	seed   maphash.Seed
	shards [64]groupShard
}

type groupShard struct {
	mu     sync.Mutex
	groups map[string]*subscriptionGroup
}

func newSubscriptionGroups() *subscriptionGroups {
	r := &subscriptionGroups{seed: maphash.MakeSeed()}
	for i := range r.shards {
		r.shards[i].groups = map[string]*subscriptionGroup{}
	}
	return r
}

func (r *subscriptionGroups) shard(key string) *groupShard {
	return &r.shards[maphash.String(r.seed, key)%uint64(len(r.shards))]
}

// join adds a follower to key's group, creating the group (and making the
// caller its leader, who must start it) when there is none.
func (r *subscriptionGroups) join(key string, subscriber context.Context, sink responseSink) (g *subscriptionGroup, f *follower, leader bool) {
	sh := r.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	g = sh.groups[key]
	if g == nil {
		g = &subscriptionGroup{key: key, shard: sh, followers: map[*follower]struct{}{}}
		sh.groups[key] = g
		leader = true
	}
	f = g.add(subscriber, sink)
	return g, f, leader
}

func (r *subscriptionGroups) count() (groups, subscribers int) {
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		for _, g := range sh.groups {
			groups++
			g.mu.Lock()
			subscribers += len(g.followers)
			g.mu.Unlock()
		}
		sh.mu.Unlock()
	}
	return groups, subscribers
}

// subscriptionGroup is one shared execution and the subscribers it serves.
// Lock order: shard, then group.
type subscriptionGroup struct {
	key   string
	shard *groupShard

	mu        sync.Mutex
	followers map[*follower]struct{}
	latest    *graphql.Response // what a subscriber joining now starts from
	encoded   []byte            // latest, serialised
	ended     bool
	cancel    context.CancelFunc
}

// followerMailbox is how many responses a follower may have pending. One
// that keeps up sees every response; one that falls further behind loses
// the oldest pending ones, never the newest, so the final state arrives.
const followerMailbox = 16

type follower struct {
	// subscriber is the subscriber's own operation context. The transport
	// may hand the response handler another one: gqlgen returns the context
	// its operation handler last ran with, which for a group's leader is
	// the shared execution's, cancelled as soon as the execution ends.
	subscriber context.Context
	group      *subscriptionGroup
	ch         chan *graphql.Response // nil when sink takes the responses
	sink       responseSink
	once       sync.Once
}

// add registers a follower, starting it from the latest response.
func (g *subscriptionGroup) add(subscriber context.Context, sink responseSink) *follower {
	f := &follower{subscriber: subscriber, group: g, sink: sink}
	if sink == nil {
		f.ch = make(chan *graphql.Response, followerMailbox)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.followers[f] = struct{}{}
	switch {
	case g.latest == nil:
	case sink != nil:
		sink.deliver(g.encoded)
	default:
		f.ch <- g.latest
	}
	return f
}

// start runs the operation once, detached from the leader's own lifetime
// (it serves every follower), and broadcasts its responses.
func (g *subscriptionGroup) start(ctx context.Context, next graphql.OperationHandler) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ctx = context.WithValue(ctx, connSubscriptionsKey{}, noSubscriptionCap{})
	ctx = context.WithValue(ctx, responseSinkKey{}, nil)
	g.mu.Lock()
	if len(g.followers) == 0 { // everyone left before it started
		g.mu.Unlock()
		cancel()
		return
	}
	g.cancel = cancel
	g.mu.Unlock()
	responses := next(ctx)
	go func() {
		defer cancel()
		for {
			resp := responses(ctx)
			if resp == nil {
				g.end()
				return
			}
			g.broadcast(resp)
		}
	}()
}

func (g *subscriptionGroup) broadcast(resp *graphql.Response) {
	// gqlgen writes each event's data into a buffer it reuses for the next
	// one; followers still sending this one need their own copy.
	shared := *resp
	shared.Data = bytes.Clone(resp.Data)
	resp = &shared
	encoded, err := json.Marshal(resp)
	if err != nil {
		encoded, _ = json.Marshal(&graphql.Response{Errors: gqlerror.List{{Message: "internal system error", Extensions: map[string]any{"code": "INTERNAL"}}}})
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.latest = resp
	g.encoded = encoded
	for f := range g.followers {
		f.offer(resp, encoded)
	}
}

// end closes every follower's stream once the shared one has ended. The
// group leaves the registry first, so a subscriber arriving now starts a
// new execution instead of joining a finished one.
func (g *subscriptionGroup) end() {
	g.shard.mu.Lock()
	if g.shard.groups[g.key] == g {
		delete(g.shard.groups, g.key)
	}
	g.shard.mu.Unlock()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ended = true
	for f := range g.followers {
		if f.sink != nil {
			f.sink.end()
		} else {
			close(f.ch)
		}
	}
	g.followers = map[*follower]struct{}{}
}

func (f *follower) offer(resp *graphql.Response, encoded []byte) {
	if f.sink != nil {
		f.sink.deliver(encoded)
		return
	}
	for {
		select {
		case f.ch <- resp:
			return
		default:
		}
		select {
		case <-f.ch: // full: drop the oldest pending response
		default:
		}
	}
}

// next is the follower's response handler: nil ends its stream. It
// watches the subscriber's context, not the one it is given (see
// follower.subscriber), so that responses pending when the shared
// execution ends are still delivered.
func (f *follower) next(context.Context) *graphql.Response {
	ctx := f.subscriber
	if ctx.Err() != nil { // gone: pending responses are nobody's
		f.leave()
		return nil
	}
	select {
	case resp, ok := <-f.ch:
		if !ok {
			f.leave()
			return nil
		}
		return resp
	case <-ctx.Done():
		f.leave()
		return nil
	}
}

// leave removes the follower; the last one out stops the execution.
func (f *follower) leave() {
	f.once.Do(func() {
		g := f.group
		g.shard.mu.Lock()
		defer g.shard.mu.Unlock()
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.ended {
			return
		}
		delete(g.followers, f)
		if len(g.followers) > 0 {
			return
		}
		if g.shard.groups[g.key] == g {
			delete(g.shard.groups, g.key)
		}
		g.ended = true
		if g.cancel != nil {
			g.cancel()
		}
	})
}

var errNotShareable = errors.New("not a shareable subscription")

// authorizeSharedSubscription lets a subscriber join a shared
// simulationProgress execution only if it may read the simulation.
func (r *Resolver) authorizeSharedSubscription(ctx context.Context, field string, args map[string]any) error {
	id, _ := args["id"].(string)
	if field != "simulationProgress" || id == "" || r.SimulationService == nil {
		return errNotShareable
	}
	_, err := r.SimulationService.Get(ctx, id)
	return err
}
