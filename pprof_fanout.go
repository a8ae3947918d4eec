//go:build fanoutpprof

package main

import (
	"net/http"
	_ "net/http/pprof" // the profiles the fan-out benchmark reads
	"os"
)

// A binary built with -tags fanoutpprof (scripts/bench-fanout.sh with
// FANOUT_PPROF set) serves the runtime's profiles on FANOUT_PPROF_ADDR, a
// loopback address the benchmark picks: never part of a release build.
func init() {
	if addr := os.Getenv("FANOUT_PPROF_ADDR"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
