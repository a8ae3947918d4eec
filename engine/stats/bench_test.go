package stats

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkSpearman measures one tornado bar at a million iterations: the
// rank correlation of an input with an output (both ranked from scratch).
func BenchmarkSpearman(b *testing.B) {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(1, 2))
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
		y[i] = x[i] + r.NormFloat64()
	}
	b.ReportAllocs()
	for b.Loop() {
		sinkF = Spearman(x, y)
	}
}

// BenchmarkAccumulatorAdd measures the streaming moments per value, run by
// every worker on every output value.
func BenchmarkAccumulatorAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = r.NormFloat64()
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(xs)) * 8)
	var a Accumulator
	for b.Loop() {
		a.AddAll(xs)
	}
	sinkF = a.Mean()
}

var sinkF float64
