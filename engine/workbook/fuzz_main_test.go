package workbook

import (
	"flag"
	"os"
	"testing"
)

// fuzzMinimizeTimeDefault bounds the minimization of each new corpus entry
// when -fuzzminimizetime is not given. Go's default (60s) is meant for
// crashers; applied to every input that adds coverage, its quadratic search
// over a zip's bytes (each candidate a full import) kept FuzzOpen's workers
// minimizing instead of fuzzing: ~30 execs in 45 s. A tenth of a second per
// entry trims the tail of most inputs and leaves the workers to the mutator
// (thousands of execs a second); pass -fuzzminimizetime to minimize a crasher
// further.
const fuzzMinimizeTimeDefault = "100ms"

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		if err := flag.Set("test.fuzzminimizetime", fuzzMinimizeTimeDefault); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
