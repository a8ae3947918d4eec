package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/sample"
)

// scenarioSheet: S!D1 = A, S!D2 = A + B + C, where A and B are inputs and
// C a constant cell.
func scenarioModel(t *testing.T) engine.Model {
	wb := sheet{
		values:   map[string]float64{"A1": 1, "B1": 2, "C1": 3},
		formulas: map[string]string{"D1": "A1", "D2": "A1+B1+C1"},
	}.build(t)
	return engine.Model{
		Workbook: wb,
		Inputs: []engine.Input{
			input(t, "S!A1", dist.Spec{Type: dist.Normal, Mean: f(100), StdDev: f(10)}),
			input(t, "S!B1", dist.Spec{Type: dist.Uniform, Min: f(0), Max: f(50)}),
		},
		Outputs: refs(t, "S!D1", "S!D2"),
	}
}

func TestScenariosCommonRandomNumbers(t *testing.T) {
	for _, tc := range []struct {
		name       string
		sampling   sample.Method
		correlated bool
	}{
		{"monte carlo", sample.MonteCarlo, false},
		{"latin hypercube", sample.LatinHypercube, false},
		{"correlated", sample.MonteCarlo, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := scenarioModel(t)
			if tc.correlated {
				m.Correlations = []engine.Correlation{{A: 0, B: 1, Coefficient: 0.6}}
			}
			same := engine.Scenario{Name: "same", Overrides: []engine.Override{{Cell: m.Inputs[0].Cell, Dist: m.Inputs[0].Dist}}}
			empty := engine.Scenario{Name: "empty"}
			o := engine.Options{Iterations: 3000, Seed: 7, Sampling: tc.sampling, KeepSamples: true, Workers: 2}
			rs, err := engine.SimulateScenarios(context.Background(), m, []engine.Scenario{same, empty}, o)
			require.NoError(t, err)
			require.Len(t, rs, 3)
			require.Nil(t, rs[0].Scenario)
			alone, err := engine.Simulate(context.Background(), m, o)
			require.NoError(t, err)
			for k, r := range rs {
				for j := range r.Outputs {
					require.Equal(t, alone.Outputs[j].Samples, r.Outputs[j].Samples, "run %d output %d", k, j)
					require.Equal(t, alone.Outputs[j].Summary, r.Outputs[j].Summary, "run %d output %d", k, j)
					require.Equal(t, alone.Outputs[j].Percentiles, r.Outputs[j].Percentiles, "run %d output %d", k, j)
				}
			}
		})
	}
}

func TestScenarioStressBand(t *testing.T) {
	m := scenarioModel(t)
	a, b, c := m.Inputs[0].Cell, m.Inputs[1].Cell, refs(t, "S!C1")[0]
	for _, tc := range []struct {
		name     string
		override []engine.Override
		check    func(t *testing.T, base, sc *engine.Result)
	}{
		{"lowest 10% of A", []engine.Override{{Cell: a, Band: &[2]float64{0, 0.1}}}, func(t *testing.T, base, sc *engine.Result) {
			p10 := m.Inputs[0].Dist.Quantile(0.1)
			for k, x := range sc.Outputs[0].Samples {
				require.LessOrEqual(t, x, p10, "iteration %d", k)
				// B is untouched: the same draw in every iteration.
				require.InDelta(t, base.Outputs[1].Samples[k]-base.Outputs[0].Samples[k], sc.Outputs[1].Samples[k]-sc.Outputs[0].Samples[k], 1e-9)
			}
			// The mean of a normal's lowest decile: μ − σ·φ(z₀.₁)/0.1.
			require.InDelta(t, 100-10*1.7549833193248685, sc.Outputs[0].Summary.Mean, 0.1)
		}},
		{"the band maps the same uniforms in order", []engine.Override{{Cell: a, Band: &[2]float64{0.9, 1}}}, func(t *testing.T, base, sc *engine.Result) {
			// A monotone map of the same uniforms: the ranks agree.
			for k := 1; k < len(base.Outputs[0].Samples); k++ {
				require.Equal(t, base.Outputs[0].Samples[k] < base.Outputs[0].Samples[k-1], sc.Outputs[0].Samples[k] < sc.Outputs[0].Samples[k-1])
				require.GreaterOrEqual(t, sc.Outputs[0].Samples[k], m.Inputs[0].Dist.Quantile(0.9))
			}
		}},
		{"constant input and constant cell", []engine.Override{{Cell: a, Dist: dist.Constant(150)}, {Cell: c, Dist: dist.Constant(10)}}, func(t *testing.T, base, sc *engine.Result) {
			for k, x := range sc.Outputs[1].Samples {
				require.InDelta(t, base.Outputs[1].Samples[k]-base.Outputs[0].Samples[k]+150+7, x, 1e-9)
			}
			require.Equal(t, 150.0, sc.Outputs[0].Summary.Mean)
			for _, s := range sc.Outputs[1].Sensitivity {
				require.Less(t, s.Input, 2, "only the base's inputs have sensitivities")
			}
		}},
		{"another distribution", []engine.Override{{Cell: b, Dist: dist.Constant(0)}}, func(t *testing.T, base, sc *engine.Result) {
			require.Equal(t, base.Outputs[0].Samples, sc.Outputs[0].Samples)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := engine.Options{Iterations: 4000, Seed: 3, KeepSamples: true}
			rs, err := engine.SimulateScenarios(context.Background(), m, []engine.Scenario{{Name: tc.name, Overrides: tc.override}}, o)
			require.NoError(t, err)
			tc.check(t, rs[0].Result, rs[1].Result)
		})
	}
}

func TestScenarioRefusals(t *testing.T) {
	m := scenarioModel(t)
	a, c := m.Inputs[0].Cell, refs(t, "S!C1")[0]
	normal, err := dist.New("n", dist.Spec{Type: dist.Normal, Mean: f(1), StdDev: f(1)})
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		o    []engine.Override
		want string
	}{
		{"twice", []engine.Override{{Cell: a, Dist: dist.Constant(1)}, {Cell: a, Dist: dist.Constant(2)}}, "twice"},
		{"both", []engine.Override{{Cell: a, Dist: dist.Constant(1), Band: &[2]float64{0, 1}}}, "exactly one"},
		{"band outside", []engine.Override{{Cell: a, Band: &[2]float64{0.5, 0.5}}}, "low < high"},
		{"band on a constant cell", []engine.Override{{Cell: c, Band: &[2]float64{0, 0.5}}}, "not an input"},
		{"distribution on a constant cell", []engine.Override{{Cell: c, Dist: normal}}, "only a value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.WithScenario(engine.Scenario{Name: "x", Overrides: tc.o})
			require.ErrorContains(t, err, tc.want)
		})
	}
}
