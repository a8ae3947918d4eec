// Command faults runs simgraph in server mode (two API replicas with one
// worker each, a separate event relay, and a PostgreSQL cluster and a
// redis-server of its own on free ports) and, while simulations run,
// kills a replica with SIGKILL, stops Redis, restarts PostgreSQL and kills
// the relay. After each fault it checks in the databases that every
// simulation ended COMPLETED or FAILED with a reason, with exactly one
// result set and one usage record per completion, and that no outbox
// event was lost or applied twice; it prints a table of the outcomes and
// exits 1 when any check failed. `bash scripts/faults.sh` runs it with
// the full durations; a test in this package runs it short in `make test`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

func main() {
	opt := defaultOptions()
	flag.StringVar(&opt.bin, "bin", "", "simgraph binary (default: go build into the working directory)")
	flag.IntVar(&opt.simulations, "simulations", opt.simulations, "simulations queued at the start of each scenario")
	flag.IntVar(&opt.iterations, "iterations", opt.iterations, "iterations per simulation")
	flag.DurationVar(&opt.redisOutage, "redis-outage", opt.redisOutage, "how long Redis stays stopped")
	flag.DurationVar(&opt.relayOutage, "relay-outage", opt.relayOutage, "how long the relay stays dead after the runs end")
	flag.DurationVar(&opt.reclaimAfter, "reclaim-after", opt.reclaimAfter, "SIMGRAPH_JOB_RECLAIM_AFTER of the replicas")
	keep := flag.Bool("keep", false, "keep the working directory (logs, data) instead of removing it")
	flag.Parse()

	dir, err := os.MkdirTemp("", "simgraph-faults-")
	if err != nil {
		fatal(err)
	}
	opt.dir = dir
	if *keep {
		fmt.Fprintf(os.Stderr, "faults: working directory %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if opt.bin == "" {
		if opt.bin, err = build(dir); err != nil {
			fatal(err)
		}
	}
	outcomes, err := run(context.Background(), opt)
	printTable(os.Stdout, outcomes)
	if err != nil {
		fmt.Fprintf(os.Stderr, "faults: %v (logs in %s)\n", err, filepath.Join(dir, "logs"))
		*keep = true
		os.Exit(2)
	}
	for _, o := range outcomes {
		if !o.ok() {
			fmt.Fprintf(os.Stderr, "faults: checks failed; logs in %s\n", filepath.Join(dir, "logs"))
			os.Exit(1)
		}
	}
}

// defaultOptions are the full-length run's.
func defaultOptions() options {
	return options{
		simulations:    4,
		iterations:     2_000_000,
		chain:          40,
		redisOutage:    20 * time.Second,
		relayOutage:    5 * time.Second,
		reclaimAfter:   5 * time.Second,
		scenarioTimout: 5 * time.Minute,
		out:            os.Stderr,
	}
}

// build compiles simgraph into dir.
func build(dir string) (string, error) {
	bin := filepath.Join(dir, "simgraph")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/simgraph/simgraph").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "faults:", err)
	os.Exit(2)
}
