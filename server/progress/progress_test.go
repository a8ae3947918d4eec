package progress

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/simspec"
)

func TestThrottle(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(0, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	steps := []struct {
		ms       int
		stage    string
		terminal bool
		want     bool
	}{
		{0, "sampling", false, true},  // first always
		{10, "running", false, true},  // first of a stage
		{20, "running", false, false}, // too soon
		{99, "running", false, false}, // still too soon
		{111, "running", false, true}, // an interval later
		{112, "summarizing", false, true},
		{113, "summarizing", true, true}, // terminal always
	}
	th := Throttle{Interval: 100 * time.Millisecond}
	for _, s := range steps {
		require.Equal(t, s.want, th.Allow(at(s.ms), s.stage, s.terminal), "at %dms %s", s.ms, s.stage)
	}
	// Ten updates a second at most over a long run.
	th = Throttle{Interval: DefaultInterval}
	sent := 0
	for ms := 0; ms < 10_000; ms++ {
		if th.Allow(at(ms), "running", false) {
			sent++
		}
	}
	require.LessOrEqual(t, sent, 101)
}

func TestMemoryBrokerDeliversLatestAndTerminal(t *testing.T) {
	t.Parallel()
	b := NewMemory(10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, b.Publish(ctx, simspec.Progress{SimulationID: "s", Status: "RUNNING", IterationsDone: 1}))
	ch, err := b.Subscribe(ctx, "s")
	require.NoError(t, err)
	first := <-ch
	require.Equal(t, 1, first.IterationsDone, "a subscriber starts from the latest snapshot")
	// A slow subscriber: many updates, then the terminal one.
	for i := 2; i <= 1000; i++ {
		require.NoError(t, b.Publish(ctx, simspec.Progress{SimulationID: "s", Status: "RUNNING", IterationsDone: i}))
	}
	require.NoError(t, b.Publish(ctx, simspec.Progress{SimulationID: "s", Status: "COMPLETED", IterationsDone: 1000}))
	var last simspec.Progress
	prev := 1
	for p := range ch {
		require.GreaterOrEqual(t, p.IterationsDone, prev, "never backwards")
		prev = p.IterationsDone
		last = p
	}
	require.Equal(t, "COMPLETED", last.Status, "the terminal snapshot is never dropped, and the stream ends with it")
	require.Eventually(t, func() bool { return b.Subscribers() == 0 }, time.Second, 10*time.Millisecond)
}
