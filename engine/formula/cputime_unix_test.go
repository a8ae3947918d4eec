//go:build unix

package formula

import "syscall"

// cpuSeconds is the CPU time the process has used: benchmarks report rates
// per CPU-second as well as per wall-second, because on a shared machine
// the wall clock also counts the time other processes hold the core.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)*1e-6
}
