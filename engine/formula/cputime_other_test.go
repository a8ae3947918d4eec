//go:build !unix

package formula

// cpuSeconds is unavailable here: the per-CPU-second metrics are skipped.
func cpuSeconds() float64 { return 0 }
