package engine

import (
	"context"
	"fmt"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
)

// Override sets one cell in a scenario. Exactly one of the ways applies:
// Dist replaces the input's distribution (dist.Constant for a value), or
// Band, with Dist nil, restricts the input's own distribution to its
// quantiles in [Band[0], Band[1]] (dist.Band). A cell that is not an input
// of the model takes a constant only: it becomes an input drawn from
// dist.Constant.
type Override struct {
	Cell formula.CellRef
	Dist dist.Distribution
	Band *[2]float64
}

// Scenario is a named set of overrides.
type Scenario struct {
	Name      string
	Overrides []Override
}

// ScenarioResult is one run of SimulateScenarios: the base's (Scenario
// nil) or a scenario's.
type ScenarioResult struct {
	Scenario *Scenario
	*Result
}

// WithScenario is the model with s's overrides applied. The inputs keep
// their indices, and so their random streams (sample.Plan draws input i's
// uniforms from the seed, i and the chunk only): a run of the returned
// model with the base's Options uses the base's random numbers, each
// input's moved through its new distribution. Cells that are not inputs
// are appended after the base's inputs, which keeps those streams too.
func (m Model) WithScenario(s Scenario) (Model, error) {
	out := m
	out.Inputs = append([]Input(nil), m.Inputs...)
	index := make(map[formula.CellRef]int, len(m.Inputs))
	for i, in := range m.Inputs {
		index[in.Cell] = i
	}
	seen := map[formula.CellRef]bool{}
	for _, o := range s.Overrides {
		if seen[o.Cell] {
			return Model{}, fmt.Errorf("engine: scenario %q overrides %s twice", s.Name, o.Cell)
		}
		seen[o.Cell] = true
		if (o.Dist == nil) == (o.Band == nil) {
			return Model{}, fmt.Errorf("engine: scenario %q: the override of %s needs exactly one of a distribution and a percentile range", s.Name, o.Cell)
		}
		i, isInput := index[o.Cell]
		switch {
		case o.Band != nil && !isInput:
			return Model{}, fmt.Errorf("engine: scenario %q: %s is not an input, so it has no range to restrict", s.Name, o.Cell)
		case o.Band != nil:
			d, err := dist.Band(m.Inputs[i].Dist, o.Band[0], o.Band[1])
			if err != nil {
				return Model{}, fmt.Errorf("engine: scenario %q, %s: %w", s.Name, o.Cell, err)
			}
			out.Inputs[i].Dist = d
		case isInput:
			out.Inputs[i].Dist = o.Dist
		default:
			if o.Dist.Variance() != 0 || o.Dist.Min() != o.Dist.Max() {
				return Model{}, fmt.Errorf("engine: scenario %q: %s is not an input; only a value can be set there", s.Name, o.Cell)
			}
			out.Inputs = append(out.Inputs, Input{Cell: o.Cell, Dist: o.Dist})
			index[o.Cell] = len(out.Inputs) - 1
		}
	}
	return out, nil
}

// SimulateScenarios runs the base model, then each scenario, all with the
// same Options, so over the same random numbers (common random numbers):
// a scenario identical to the base gives the base's results bit for bit,
// and differences between runs are the scenarios', not sampling noise.
// Auto-stop, if asked, applies to each run on its own. Sensitivities of
// inputs a scenario added (constant cells) are left out, so that every
// result's sensitivities index the base's inputs. Progress reports count
// the iterations of all runs together.
func SimulateScenarios(ctx context.Context, m Model, scenarios []Scenario, o Options) ([]ScenarioResult, error) {
	models := []Model{m}
	for _, s := range scenarios {
		sm, err := m.WithScenario(s)
		if err != nil {
			return nil, err
		}
		models = append(models, sm)
	}
	out := make([]ScenarioResult, 0, len(models))
	runs := len(models)
	for k, sm := range models {
		ok := o
		if o.Progress != nil {
			ok.Progress = func(p Progress) {
				p.Done += k * o.Iterations
				p.Total = runs * o.Iterations
				o.Progress(p)
			}
		}
		if k > 0 {
			ok.Warn = nil
		}
		res, err := Simulate(ctx, sm, ok)
		if err != nil {
			if k > 0 {
				return nil, fmt.Errorf("scenario %q: %w", scenarios[k-1].Name, err)
			}
			return nil, err
		}
		for j := range res.Outputs {
			res.Outputs[j].Sensitivity = baseSensitivities(res.Outputs[j].Sensitivity, len(m.Inputs))
		}
		r := ScenarioResult{Result: res}
		if k > 0 {
			r.Scenario = &scenarios[k-1]
		}
		out = append(out, r)
	}
	return out, nil
}

func baseSensitivities(s []Sensitivity, inputs int) []Sensitivity {
	out := s[:0:0]
	for _, x := range s {
		if x.Input < inputs {
			out = append(out, x)
		}
	}
	return out
}
