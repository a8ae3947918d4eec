package engine

import (
	"errors"
	"fmt"

	"github.com/simgraph/simgraph/engine/sample"
)

// Draws gives the input values a run of (m, o) used, for any range of
// iterations, without evaluating the model: they come from the same
// sampling plan, so they are the values of the run bit for bit (a
// download of the samples pairs them with the stored outputs).
type Draws struct {
	m    Model
	plan *sample.Plan
	u    []float64
}

// NewDraws prepares the sampling plan of a run of m with o (Iterations,
// Seed, Sampling, m.Correlations and m.Copulas matter). With correlated inputs that
// costs what the run's Iman-Conover step costs.
func NewDraws(m Model, o Options) (*Draws, error) {
	if o.Iterations < 1 || o.Iterations > sample.MaxIterations {
		return nil, fmt.Errorf("engine: iterations must be between 1 and %d, got %d", sample.MaxIterations, o.Iterations)
	}
	for i, in := range m.Inputs {
		if in.Dist == nil {
			return nil, fmt.Errorf("engine: input %d (%s) has no distribution", i, in.Cell)
		}
	}
	plan, err := samplePlan(m, o)
	if err != nil {
		return nil, err
	}
	if _, err := plan.Prepare(); err != nil {
		return nil, fmt.Errorf("engine: preparing samples: %w", err)
	}
	return &Draws{m: m, plan: plan}, nil
}

// Fill writes input i's values of iterations start, start+1, … into
// dst[i] (every dst[i] of the same length). It is not safe for concurrent
// use.
func (d *Draws) Fill(start int, dst [][]float64) error {
	if len(dst) != len(d.m.Inputs) {
		return fmt.Errorf("engine: %d destinations for %d inputs", len(dst), len(d.m.Inputs))
	}
	if len(dst) == 0 {
		return nil
	}
	n := len(dst[0])
	if start < 0 || start+n > d.plan.Iterations {
		return fmt.Errorf("engine: iterations [%d, %d) outside [0, %d)", start, start+n, d.plan.Iterations)
	}
	if cap(d.u) < n {
		d.u = make([]float64, n)
	}
	u := d.u[:n]
	for i, in := range d.m.Inputs {
		if len(dst[i]) != n {
			return errors.New("engine: destinations of different lengths")
		}
		d.plan.FillRange(i, start, u)
		for k, p := range u {
			dst[i][k] = in.Dist.Quantile(p)
		}
	}
	return nil
}
