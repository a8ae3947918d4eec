package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/simgraph/simgraph/viewer"
)

// fakeExecution stands in for gqlgen's execution of one subscription: it
// counts executions and emits whatever is sent on events until closed or
// cancelled.
type fakeExecution struct {
	executions atomic.Int32
	events     chan string
	cancelled  atomic.Int32
}

func (e *fakeExecution) next(ctx context.Context) graphql.ResponseHandler {
	e.executions.Add(1)
	return func(ctx context.Context) *graphql.Response {
		select {
		case ev, ok := <-e.events:
			if !ok {
				return nil
			}
			return &graphql.Response{Data: json.RawMessage(ev)}
		case <-ctx.Done():
			e.cancelled.Add(1)
			return nil
		}
	}
}

func subscriptionContext(t *testing.T, tenant, query string, vars map[string]any) (context.Context, context.CancelFunc) {
	t.Helper()
	doc := &ast.OperationDefinition{Operation: ast.Subscription, SelectionSet: ast.SelectionSet{
		&ast.Field{Name: "simulationProgress", Alias: "simulationProgress", Arguments: ast.ArgumentList{
			{Name: "id", Value: &ast.Value{Kind: ast.Variable, Raw: "id"}},
		}},
	}}
	oc := &graphql.OperationContext{RawQuery: query, Variables: vars, Operation: doc}
	ctx := graphql.WithOperationContext(context.Background(), oc)
	ctx = viewer.NewContext(ctx, &viewer.Viewer{TenantID: tenant})
	return context.WithCancel(ctx)
}

func allow(context.Context, string, map[string]any) error { return nil }

// receive reads a handler's responses until it ends or want are read.
func receive(ctx context.Context, h graphql.ResponseHandler, want int) []string {
	var got []string
	for len(got) < want {
		r := h(ctx)
		if r == nil {
			break
		}
		got = append(got, string(r.Data))
	}
	return got
}

func TestSharedSubscriptionsExecuteOncePerOperation(t *testing.T) {
	const q = "subscription($id: ID!) { simulationProgress(id: $id) { status } }"
	vars := map[string]any{"id": "s1"}
	tests := []struct {
		name       string
		second     func(t *testing.T) (context.Context, context.CancelFunc)
		executions int32
	}{
		{"SameOperation", func(t *testing.T) (context.Context, context.CancelFunc) { return subscriptionContext(t, "t1", q, vars) }, 1},
		{"OtherSelection", func(t *testing.T) (context.Context, context.CancelFunc) {
			return subscriptionContext(t, "t1", q+" ", vars)
		}, 2},
		{"OtherVariables", func(t *testing.T) (context.Context, context.CancelFunc) {
			return subscriptionContext(t, "t1", q, map[string]any{"id": "s2"})
		}, 2},
		{"OtherTenant", func(t *testing.T) (context.Context, context.CancelFunc) { return subscriptionContext(t, "t2", q, vars) }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSharedSubscriptions()
			s.Authorize = allow
			exec := &fakeExecution{events: make(chan string)}
			ctx1, cancel1 := subscriptionContext(t, "t1", q, vars)
			defer cancel1()
			ctx2, cancel2 := tt.second(t)
			defer cancel2()
			h1 := s.InterceptOperation(ctx1, exec.next)
			h2 := s.InterceptOperation(ctx2, exec.next)
			require.Equal(t, tt.executions, exec.executions.Load())
			groups, subs := s.Groups()
			require.Equal(t, int(tt.executions), groups)
			require.Equal(t, 2, subs)
			if tt.executions == 1 {
				go func() { exec.events <- `{"n":1}`; close(exec.events) }()
				require.Equal(t, []string{`{"n":1}`}, receive(ctx1, h1, 2))
				require.Equal(t, []string{`{"n":1}`}, receive(ctx2, h2, 2))
				require.Eventually(t, func() bool { g, _ := s.Groups(); return g == 0 }, time.Second, time.Millisecond)
			}
		})
	}
}

func TestSharedSubscriptionsLifecycle(t *testing.T) {
	const q = "subscription($id: ID!) { simulationProgress(id: $id) { status } }"
	vars := map[string]any{"id": "s1"}
	s := NewSharedSubscriptions()
	s.Authorize = allow
	exec := &fakeExecution{events: make(chan string)}

	first, cancelFirst := subscriptionContext(t, "t1", q, vars)
	h1 := s.InterceptOperation(first, exec.next)
	second, cancelSecond := subscriptionContext(t, "t1", q, vars)
	defer cancelSecond()
	h2 := s.InterceptOperation(second, exec.next)

	exec.events <- `{"n":1}`
	require.Equal(t, []string{`{"n":1}`}, receive(first, h1, 1))
	require.Equal(t, []string{`{"n":1}`}, receive(second, h2, 1))

	// The subscriber whose request started the execution leaves: the others
	// keep receiving.
	cancelFirst()
	require.Nil(t, h1(first))
	exec.events <- `{"n":2}`
	require.Equal(t, []string{`{"n":2}`}, receive(second, h2, 1))

	// A late subscriber starts from the latest response, without a new
	// execution.
	late, cancelLate := subscriptionContext(t, "t1", q, vars)
	hl := s.InterceptOperation(late, exec.next)
	require.Equal(t, []string{`{"n":2}`}, receive(late, hl, 1))
	require.EqualValues(t, 1, exec.executions.Load())

	// The last one out stops the execution.
	cancelLate()
	cancelSecond()
	require.Eventually(t, func() bool { return exec.cancelled.Load() == 1 }, time.Second, time.Millisecond)
	groups, subs := s.Groups()
	require.Zero(t, groups)
	require.Zero(t, subs)

	// A new subscriber after that gets a new execution.
	again, cancelAgain := subscriptionContext(t, "t1", q, vars)
	defer cancelAgain()
	s.InterceptOperation(again, exec.next)
	require.EqualValues(t, 2, exec.executions.Load())
}

func TestSharedSubscriptionsSlowSubscriberGetsTheNewest(t *testing.T) {
	const q = "subscription($id: ID!) { simulationProgress(id: $id) { status } }"
	s := NewSharedSubscriptions()
	s.Authorize = allow
	exec := &fakeExecution{events: make(chan string)}
	ctx, cancel := subscriptionContext(t, "t1", q, map[string]any{"id": "s1"})
	defer cancel()
	h := s.InterceptOperation(ctx, exec.next)
	const n = 3 * followerMailbox
	for i := 1; i <= n; i++ {
		exec.events <- fmt.Sprintf(`{"n":%d}`, i)
	}
	close(exec.events)
	got := receive(ctx, h, n)
	// The execution may still be broadcasting while the reader starts: one
	// more than the mailbox holds can arrive.
	require.LessOrEqual(t, len(got), followerMailbox+1, "a subscriber that does not read keeps only the newest responses")
	require.Equal(t, fmt.Sprintf(`{"n":%d}`, n), got[len(got)-1])
}

func TestSharedSubscriptionsRefusedSubscriberTakesTheOrdinaryPath(t *testing.T) {
	const q = "subscription($id: ID!) { simulationProgress(id: $id) { status } }"
	s := NewSharedSubscriptions()
	s.Authorize = func(context.Context, string, map[string]any) error { return errors.New("not found") }
	var ordinary atomic.Int32
	next := func(ctx context.Context) graphql.ResponseHandler {
		ordinary.Add(1)
		return graphql.OneShot(&graphql.Response{Data: json.RawMessage(`null`)})
	}
	ctx, cancel := subscriptionContext(t, "t1", q, map[string]any{"id": "s1"})
	defer cancel()
	s.InterceptOperation(ctx, next)
	require.EqualValues(t, 1, ordinary.Load())
	groups, _ := s.Groups()
	require.Zero(t, groups)
}

func TestSharedSubscriptionsConcurrentJoinAndLeave(t *testing.T) {
	const q = "subscription($id: ID!) { simulationProgress(id: $id) { status } }"
	s := NewSharedSubscriptions()
	s.Authorize = allow
	exec := &fakeExecution{events: make(chan string)}
	stop := make(chan struct{})
	go func() {
		for i := 0; ; i++ {
			select {
			case exec.events <- fmt.Sprintf(`{"n":%d}`, i):
			case <-stop:
				return
			}
		}
	}()
	defer close(stop)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := subscriptionContext(t, "t1", q, map[string]any{"id": fmt.Sprint(i % 4)})
			h := s.InterceptOperation(ctx, exec.next)
			receive(ctx, h, 3)
			cancel()
			require.Nil(t, h(ctx))
		}()
	}
	wg.Wait()
	require.Eventually(t, func() bool { g, n := s.Groups(); return g == 0 && n == 0 }, 2*time.Second, time.Millisecond)
}

// gqlgen hands the transport the context the operation handler last ran
// with; for a group's leader that is the shared execution's, cancelled as
// soon as the execution ends. A stream that ends right after its last
// event (a finished simulation's single snapshot) must still deliver it.
func TestSharedSubscriptionsDeliverPendingWhenTheExecutionEnds(t *testing.T) {
	const q = "subscription($id: ID!) { simulationProgress(id: $id) { status } }"
	s := NewSharedSubscriptions()
	s.Authorize = allow
	exec := &fakeExecution{events: make(chan string, 1)}
	exec.events <- `{"status":"COMPLETED"}`
	close(exec.events)
	ctx, cancel := subscriptionContext(t, "t1", q, map[string]any{"id": "s1"})
	defer cancel()
	h := s.InterceptOperation(ctx, exec.next)
	require.Eventually(t, func() bool { g, _ := s.Groups(); return g == 0 }, time.Second, time.Millisecond, "the execution ends")
	ended, endedCancel := context.WithCancel(context.Background())
	endedCancel()
	require.Equal(t, []string{`{"status":"COMPLETED"}`}, receive(ended, h, 2))
}
