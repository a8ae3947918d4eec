package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestFaultHarness runs every fault scenario with short outages: each
// must end with every simulation COMPLETED or FAILED with a reason, one
// result set and one usage record per completion, and every event
// delivered once.
func TestFaultHarness(t *testing.T) {
	if _, err := postgresBin(); err != nil {
		t.Fatalf("%v: the fault harness starts a PostgreSQL cluster of its own (.ci/run installs it)", err)
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server not found: the fault harness starts a Redis of its own; install it with `apt-get install redis-server`")
	}
	// Not t.TempDir: the PostgreSQL server runs as its own user, which
	// must reach the directory, and t.TempDir's parent is private.
	dir, err := os.MkdirTemp("", "simgraph-faults-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin, err := build(dir)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	opt := defaultOptions()
	opt.bin, opt.dir, opt.out = bin, dir, &progress
	opt.simulations = 3
	opt.iterations = 1_000_000
	opt.redisOutage = 4 * time.Second
	opt.relayOutage = 2 * time.Second
	opt.reclaimAfter = 3 * time.Second
	opt.scenarioTimout = 3 * time.Minute

	outcomes, err := run(context.Background(), opt)
	var table bytes.Buffer
	printTable(&table, outcomes)
	t.Logf("progress:\n%s\n%s", progress.String(), table.String())
	failed := err != nil
	if err != nil {
		t.Errorf("harness: %v", err)
	}
	if len(outcomes) != len(scenarios)+1 && err == nil {
		t.Errorf("%d outcomes for %d scenarios and the control", len(outcomes), len(scenarios))
	}
	for _, o := range outcomes {
		if !o.ok() {
			failed = true
			t.Errorf("%s: %v", o.scenario, o.problems)
		}
	}
	if failed {
		logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*.log"))
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("--- %s (tail)\n%s", filepath.Base(l), b)
		}
	}
}
