package dist_test

import (
	"testing"

	"github.com/simgraph/simgraph/engine/dist"
)

// sink keeps the compiler from discarding benchmarked results.
var sink float64

// BenchmarkQuantile measures one draw by inversion, the per-iteration cost
// of each input in the engine's inner loop (uniforms come from
// sample.Plan.Fill, the quantile turns them into input values). It must not
// allocate.
func BenchmarkQuantile(b *testing.B) {
	for _, tc := range fitCases {
		d, err := dist.New(tc.name, tc.spec)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			u := 0.0
			for b.Loop() {
				u += 0.6180339887498949 // golden-ratio sequence over (0, 1)
				if u >= 1 {
					u--
				}
				sink = d.Quantile(u)
			}
		})
	}
}
