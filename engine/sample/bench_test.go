package sample

import (
	"testing"
)

// BenchmarkFill measures generating the uniforms of one chunk of one input,
// what each engine worker does per input before evaluating a batch; the
// chunk size is the engine's default order of magnitude. Fill must not
// allocate (the LHS permutation and Iman-Conover ranks are made once,
// outside the timed loop).
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
		p.Fill(0, 0, dst) // materialise the LHS permutation
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
