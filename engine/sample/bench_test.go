package sample

import (
	"testing"
)

// BenchmarkFill measures generating the uniforms of one chunk of one input,
// what each engine worker does per input before evaluating a batch; the
// chunk size is the engine's default order of magnitude. Fill must not
// allocate (the Iman-Conover ranks are made once by Prepare, outside the
// timed loop; the LHS permutation is computed on the fly).
func BenchmarkFill(b *testing.B) {
	const iterations, chunk = 1 << 20, 4096
	for _, tc := range []struct {
		name   string
		method Method
		corr   bool
	}{
		{"MonteCarlo", MonteCarlo, false},
		{"LatinHypercube", LatinHypercube, false},
		{"ImanConover", LatinHypercube, true},
	} {
		p := &Plan{Iterations: iterations, ChunkSize: chunk, Seed: 1, Method: tc.method}
		if tc.corr {
			p.Correlation = correlation3()
		}
		if _, err := p.Prepare(); err != nil {
			b.Fatal(err)
		}
		dst := make([]float64, chunk)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(chunk * 8)
			c := 0
			for b.Loop() {
				p.Fill(0, c, dst)
				c = (c + 1) % p.Chunks()
			}
		})
	}
}

// BenchmarkPrepareImanConover measures the once-per-simulation Iman-Conover
// setup for three correlated inputs at 100,000 iterations.
func BenchmarkPrepareImanConover(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p := &Plan{Iterations: 100_000, ChunkSize: 4096, Seed: 1, Correlation: correlation3()}
		if _, err := p.Prepare(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFillRangeLHS measures Latin Hypercube uniforms over ranges that
// are not aligned with chunks (so each call also skips the draws of its
// first chunk before the range), at iteration counts that shape the Feistel
// rectangle differently: a power of four, just above a power of two, a
// prime, and a larger power of two. It reports the cost per value
// (ns/value).
func BenchmarkFillRangeLHS(b *testing.B) {
	const chunk, batch = 4096, 1000
	for _, tc := range []struct {
		name       string
		iterations int
	}{
		{"N=2^20", 1 << 20},
		{"N=2^20+1", 1<<20 + 1},
		{"N=1000003", 1_000_003},
		{"N=2^24", 1 << 24},
	} {
		p := &Plan{Iterations: tc.iterations, ChunkSize: chunk, Seed: 1, Method: LatinHypercube}
		if _, err := p.Prepare(); err != nil {
			b.Fatal(err)
		}
		dst := make([]float64, batch)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(batch * 8)
			start := 0
			for b.Loop() {
				p.FillRange(0, start, dst)
				start += batch
				if start+batch > p.Iterations {
					start = 0
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/value")
		})
	}
}
