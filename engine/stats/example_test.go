package stats_test

import (
	"fmt"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/stats"
)

// Example runs a two-input model, Revenue = Price × Units, the way the
// engine does: a prepared plan hands out uniforms per (input, chunk), each
// input's quantile turns them into values, the model is evaluated per
// chunk, and per-chunk accumulators are merged in chunk order.
func Example() {
	price, err := dist.NewAt("Price", "Inputs!B2", dist.Spec{Type: dist.Triangular, Min: f(8), Mode: f(10), Max: f(15)})
	if err != nil {
		panic(err)
	}
	units, err := dist.NewAt("Units", "Inputs!B3", dist.Spec{Type: dist.Normal, Mean: f(1000), StdDev: f(100)})
	if err != nil {
		panic(err)
	}
	plan := &sample.Plan{Iterations: 10_000, ChunkSize: 1000, Seed: 42, Method: sample.LatinHypercube}
	if _, err := plan.Prepare(); err != nil {
		panic(err)
	}
	revenue := make([]float64, plan.Iterations)
	inputs := [][]float64{make([]float64, plan.Iterations), make([]float64, plan.Iterations)}
	var total stats.Accumulator
	for c := range plan.Chunks() {
		lo, hi := c*plan.ChunkSize, c*plan.ChunkSize+plan.ChunkLen(c)
		p, u := inputs[0][lo:hi], inputs[1][lo:hi]
		plan.Fill(0, c, p)
		plan.Fill(1, c, u)
		var chunk stats.Accumulator
		for k := range p {
			p[k], u[k] = price.Quantile(p[k]), units.Quantile(u[k])
			revenue[lo+k] = p[k] * u[k]
			chunk.Add(revenue[lo+k])
		}
		total.Merge(&chunk)
	}
	s := total.Summary()
	// Exact sd: √(E[P²]·E[U²] − (E[P]·E[U])²) = 1843.
	fmt.Printf("mean %.0f (exact %.0f), sd %.0f\n", s.Mean, price.Mean()*units.Mean(), s.StdDev)
	sorted, _ := stats.Sorted(revenue)
	p5, _ := stats.PercentileInc(sorted, 0.05)
	p95, _ := stats.PercentileInc(sorted, 0.95)
	fmt.Printf("90%% interval [%.0f, %.0f]\n", p5, p95)
	sens, _ := stats.Sensitivity(inputs, revenue)
	fmt.Printf("contribution to variance: price %.0f%%, units %.0f%%\n", sens[0].ContributionToVariance, sens[1].ContributionToVariance)
	// Output:
	// mean 11000 (exact 11000), sd 1840
	// 90% interval [8281, 14280]
	// contribution to variance: price 66%, units 34%
}
