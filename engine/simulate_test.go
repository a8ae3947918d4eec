package engine_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/stats"
)

// mixedModel has four inputs of different families, an output that is
// sometimes #DIV/0!, and one that calls RAND().
func mixedModel(t testing.TB) engine.Model {
	wb := sheet{
		values: map[string]float64{"A1": 10, "A2": 1, "A3": 5, "A4": 1},
		formulas: map[string]string{
			"B1": "A1*A2+A3",
			"B2": "1/(A4-0.5)+A1",
			"B3": "A1*RAND()+LN(A3)",
		},
	}.build(t)
	return engine.Model{
		Workbook: wb,
		Inputs: []engine.Input{
			input(t, "S!A1", dist.Spec{Type: dist.Normal, Mean: f(10), StdDev: f(2)}),
			input(t, "S!A2", dist.Spec{Type: dist.Triangular, Min: f(0), Mode: f(1), Max: f(3)}),
			input(t, "S!A3", dist.Spec{Type: dist.LogNormal, Mean: f(5), StdDev: f(1)}),
			input(t, "S!A4", dist.Spec{Type: dist.Discrete, Values: []float64{0.5, 1, 2}, Probabilities: []float64{0.2, 0.3, 0.5}}),
		},
		Outputs: refs(t, "S!B1", "S!B2", "S!B3"),
	}
}

// fingerprint prints everything a result holds but the elapsed time.
// %v formats a float64 with the shortest decimal that reads back to the
// same bits, so equal fingerprints mean bit-identical results.
func fingerprint(r *engine.Result) string {
	return fmt.Sprintf("%d %+v %v", r.Iterations, r.Outputs, r.Warnings)
}

func TestSimulateBitIdenticalAcrossWorkers(t *testing.T) {
	t.Parallel()
	m := mixedModel(t)
	correlated := m
	correlated.Correlations = []engine.Correlation{{A: 0, B: 1, Coefficient: 0.6}, {A: 1, B: 2, Coefficient: -0.3}}
	copulas := m
	copulas.Copulas = []engine.Copula{
		{Family: sample.StudentT, Inputs: []int{2, 0}, DegreesOfFreedom: 3, Correlation: [][]float64{{1, 0.5}, {0.5, 1}}},
		{Family: sample.Gumbel, Inputs: []int{1, 3}, Parameter: 2},
	}
	for _, tc := range []struct {
		name   string
		model  engine.Model
		method sample.Method
	}{
		{"MonteCarlo", m, sample.MonteCarlo},
		{"LatinHypercube", m, sample.LatinHypercube},
		{"MonteCarloCorrelated", correlated, sample.MonteCarlo},
		{"LatinHypercubeCorrelated", correlated, sample.LatinHypercube},
		{"MonteCarloCopulas", copulas, sample.MonteCarlo},
		{"LatinHypercubeCopulas", copulas, sample.LatinHypercube},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var want string
			for _, keep := range []bool{true, false} {
				for _, workers := range []int{1, 2, 7} {
					res, err := engine.Simulate(context.Background(), tc.model, engine.Options{
						// five whole chunks and a partial one
						Iterations: 5*engine.ChunkSize + 37, Seed: 42, Sampling: tc.method,
						Workers: workers, KeepSamples: keep, SummaryMemory: -1, // streamed unless kept
					})
					require.NoError(t, err)
					require.Equal(t, 5*engine.ChunkSize+37, res.Iterations)
					require.Positive(t, res.Outputs[1].Errors["#DIV/0!"])
					got := fingerprint(res)
					if workers == 1 {
						want = got
						continue
					}
					require.Equal(t, want, got, "keep=%v workers=%d", keep, workers)
				}
			}
			other, err := engine.Simulate(context.Background(), tc.model, engine.Options{Iterations: 5*engine.ChunkSize + 37, Seed: 43, Sampling: tc.method, KeepSamples: true})
			require.NoError(t, err)
			require.NotEqual(t, want, fingerprint(other), "another seed gives other draws")
		})
	}
}

func TestSimulateCorrelationReachesTarget(t *testing.T) {
	t.Parallel()
	m := mixedModel(t)
	m.Outputs = refs(t, "S!A1", "S!A2")
	m.Correlations = []engine.Correlation{{A: 0, B: 1, Coefficient: 0.6}}
	res, err := engine.Simulate(context.Background(), m, engine.Options{Iterations: 20_000, Seed: 7, KeepSamples: true})
	require.NoError(t, err)
	// Iman-Conover reaches the target rank correlation to within sampling
	// noise of order 1/√N.
	require.InDelta(t, 0.6, stats.Spearman(res.Outputs[0].Samples, res.Outputs[1].Samples), 0.02)
}

func TestSimulateCopulaReachesKendallTau(t *testing.T) {
	t.Parallel()
	// tauTolerance is about four standard errors of τ at 3,000 pairs.
	const tauTolerance = 0.03
	for _, tc := range []struct {
		name   string
		copula engine.Copula
		tau    float64
	}{
		{"Clayton", engine.Copula{Family: sample.Clayton, Parameter: 2}, 0.5},
		{"Gumbel", engine.Copula{Family: sample.Gumbel, Parameter: 4}, 0.75},
		{"StudentT", engine.Copula{Family: sample.StudentT, DegreesOfFreedom: 4, Correlation: [][]float64{{1, -0.7}, {-0.7, 1}}}, 2 / math.Pi * math.Asin(-0.7)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := mixedModel(t)
			m.Outputs = refs(t, "S!A1", "S!A2")
			c := tc.copula
			c.Inputs = []int{0, 1}
			m.Copulas = []engine.Copula{c}
			res, err := engine.Simulate(context.Background(), m, engine.Options{Iterations: 3000, Seed: 7, KeepSamples: true})
			require.NoError(t, err)
			require.InDelta(t, tc.tau, kendallTau(res.Outputs[0].Samples, res.Outputs[1].Samples), tauTolerance)
		})
	}
}

// kendallTau is Kendall's τ-a of paired samples, by counting pairs.
func kendallTau(x, y []float64) float64 {
	var s float64
	for i := range x {
		for j := range i {
			d := (x[i] - x[j]) * (y[i] - y[j])
			switch {
			case d > 0:
				s++
			case d < 0:
				s--
			}
		}
	}
	n := float64(len(x))
	return s / (n * (n - 1) / 2)
}

// countingDist counts the draws of a distribution: one per iteration.
type countingDist struct {
	dist.Distribution
	calls    *atomic.Int64
	onCallFn func(n int64)
}

func (d countingDist) Quantile(p float64) float64 {
	d.onCallFn(d.calls.Add(1))
	return d.Distribution.Quantile(p)
}

func TestSimulateCancellation(t *testing.T) {
	t.Parallel()
	errStop := errors.New("stopped by the test")
	for _, workers := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("Workers%d", workers), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			// Cancel in the middle of the fourth chunk's draws.
			const cancelAt = 3*engine.ChunkSize + 1
			var calls atomic.Int64
			m := engine.Model{
				Workbook: sheet{values: map[string]float64{"A1": 1}, formulas: map[string]string{"B1": "A1*2"}}.build(t),
				Inputs:   []engine.Input{input(t, "S!A1", dist.Spec{Type: dist.Uniform, Min: f(0), Max: f(1)})},
				Outputs:  refs(t, "S!B1"),
			}
			m.Inputs[0].Dist = countingDist{Distribution: m.Inputs[0].Dist, calls: &calls, onCallFn: func(n int64) {
				if n == cancelAt {
					cancel(errStop)
				}
			}}
			res, err := engine.Simulate(ctx, m, engine.Options{Iterations: 1000 * engine.ChunkSize, Seed: 1, Workers: workers})
			require.Nil(t, res)
			require.ErrorIs(t, err, errStop)
			// Every chunk started before the cancellation is finished, no
			// other is: at most one chunk per worker beyond the draws made.
			require.LessOrEqual(t, calls.Load(), int64(cancelAt-1+workers*engine.ChunkSize))
		})
	}
	t.Run("BeforeStart", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(errStop)
		_, err := engine.Simulate(ctx, mixedModel(t), engine.Options{Iterations: 10_000, Seed: 1})
		require.ErrorIs(t, err, errStop)
	})
}

func TestSimulateAutoStop(t *testing.T) {
	t.Parallel()
	m := engine.Model{
		Workbook: sheet{values: map[string]float64{"A1": 100}, formulas: map[string]string{"B1": "A1+0"}}.build(t),
		Inputs:   []engine.Input{input(t, "S!A1", dist.Spec{Type: dist.Normal, Mean: f(100), StdDev: f(10)})},
		Outputs:  refs(t, "S!B1"),
	}
	// ±0.1% of 100 at 95% needs about (1.96·10/0.1)² = 38,416 iterations.
	stop := &engine.AutoStop{RelativeError: 0.001, Confidence: 0.95, MinIterations: 5_000}
	var want string
	for _, workers := range []int{1, 2, 7} {
		var last engine.Progress
		res, err := engine.Simulate(context.Background(), m, engine.Options{
			Iterations: 1_000_000, Seed: 3, Workers: workers, AutoStop: stop,
			Progress: func(p engine.Progress) {
				if p.Stage == "running" {
					last = p
				}
			},
		})
		require.NoError(t, err)
		require.Less(t, res.Iterations, 60_000)
		require.Greater(t, res.Iterations, 30_000)
		require.Zero(t, res.Iterations%engine.ChunkSize, "a whole number of chunks")
		require.Equal(t, res.Iterations, last.Done)
		s := res.Outputs[0].Summary
		require.EqualValues(t, res.Iterations, s.Count)
		require.LessOrEqual(t, 1.96*s.StdError, 0.001*s.Mean)
		if workers == 1 {
			want = fingerprint(res)
			continue
		}
		require.Equal(t, want, fingerprint(res), "auto-stop decides on chunk prefixes: workers=%d", workers)
	}
}

func TestSimulateErrorsByKind(t *testing.T) {
	t.Parallel()
	wb := sheet{
		values: map[string]float64{"A1": 1},
		formulas: map[string]string{
			"B1": "1/(A1-0.5)",            // #DIV/0! when A1 = 0.5
			"B2": "SQRT(1-A1)",            // #NUM! when A1 = 2
			"B3": `IF(A1>1,NA(),A1)`,      // #N/A when A1 = 2
			"B4": `IF(A1=1,"text",A1)`,    // text when A1 = 1
			"B5": "A1>0.7",                // TRUE when A1 is 1 or 2
			"B6": `IFERROR(1/(A1-0.5),0)`, // never an error
		},
	}.build(t)
	m := engine.Model{
		Workbook: wb,
		Inputs:   []engine.Input{input(t, "S!A1", dist.Spec{Type: dist.Discrete, Values: []float64{0.5, 1, 2}, Probabilities: []float64{0.25, 0.25, 0.5}})},
		Outputs:  refs(t, "S!A1", "S!B1", "S!B2", "S!B3", "S!B4", "S!B5", "S!B6"),
	}
	const n = 10_000
	res, err := engine.Simulate(context.Background(), m, engine.Options{Iterations: n, Seed: 9, KeepSamples: true})
	require.NoError(t, err)
	count := map[float64]int{}
	for _, x := range res.Outputs[0].Samples {
		count[x]++
	}
	require.Equal(t, n, count[0.5]+count[1]+count[2])
	for _, tc := range []struct {
		output int
		errors map[string]int
	}{
		{0, map[string]int{}},
		{1, map[string]int{"#DIV/0!": count[0.5]}},
		{2, map[string]int{"#NUM!": count[2]}},
		{3, map[string]int{"#N/A": count[2]}},
		{4, map[string]int{"#VALUE!": count[1]}},
		{5, map[string]int{}},
		{6, map[string]int{}},
	} {
		o := res.Outputs[tc.output]
		require.Equal(t, tc.errors, o.Errors, "output %s", o.Cell)
		var bad int
		for _, c := range tc.errors {
			bad += c
		}
		require.EqualValues(t, n-bad, o.Summary.Count, "output %s: errors are left out of the statistics", o.Cell)
		require.False(t, math.IsNaN(o.Summary.Mean), "output %s", o.Cell)
		if len(tc.errors) > 0 {
			kind, isErr := formula.ErrorKind(o.Samples[firstIndex(res.Outputs[0].Samples, tc.output)])
			require.True(t, isErr)
			_, want := tc.errors[kind.String()]
			require.True(t, want, "samples keep the error: %s", kind)
		}
	}
	// A logical output is 1 or 0: its mean is the probability of TRUE.
	require.InDelta(t, float64(count[1]+count[2])/n, res.Outputs[5].Summary.Mean, 1e-12)
}

// firstIndex returns an iteration where output o is an error, given the
// input values a.
func firstIndex(a []float64, o int) int {
	bad := map[int]float64{1: 0.5, 2: 2, 3: 2, 4: 1}[o]
	for i, x := range a {
		if x == bad {
			return i
		}
	}
	return -1
}

func TestSimulateProjectDCF(t *testing.T) {
	t.Parallel()
	m := dcfModel(t)
	res, err := engine.Simulate(context.Background(), m, engine.Options{Iterations: 20_000, Seed: 2026, Sampling: sample.LatinHypercube})
	require.NoError(t, err)
	require.Len(t, res.Outputs, 2)
	npv, irr := res.Outputs[0], res.Outputs[1]
	require.Empty(t, npv.Errors)
	require.True(t, finiteAll(npv.Summary.Mean, npv.Summary.StdDev), "NPV %+v", npv.Summary)
	// The cached base case (all inputs at their workbook values) is an NPV
	// of about 1.03 million; the input distributions are skewed the other
	// way (unit cost's mean 73.3 is above its cached 70), so the mean sits a
	// little lower.
	require.InDelta(t, 975_000, npv.Summary.Mean, 50_000)
	require.Greater(t, irr.Summary.Mean, 0.0)
	require.Less(t, irr.Summary.Mean, 1.0)
	// IRR has no solution when every cash flow is negative: a handful of
	// iterations, counted as #NUM!.
	require.Less(t, irr.Errors["#NUM!"], res.Iterations/100)
	for _, o := range res.Outputs {
		require.Len(t, o.Percentiles, len(engine.DefaultPercentiles))
		for i := 1; i < len(o.Percentiles); i++ {
			require.LessOrEqual(t, o.Percentiles[i-1].Value, o.Percentiles[i].Value)
		}
		require.NotEmpty(t, o.Histogram)
		var inBins int
		for _, b := range o.Histogram {
			inBins += b.Count
		}
		require.EqualValues(t, o.Summary.Count, inBins)
		require.Len(t, o.Sensitivity, 5)
		var total float64
		for _, s := range o.Sensitivity {
			total += math.Abs(s.ContributionToVariance)
		}
		require.InDelta(t, 100, total, 1e-9)
	}
	// Price drives NPV up, unit cost down.
	require.Positive(t, npv.Sensitivity[0].RankCorrelation)
	require.Negative(t, npv.Sensitivity[3].RankCorrelation)
}

func finiteAll(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

func TestSimulateContributionToVarianceLinear(t *testing.T) {
	t.Parallel()
	// Y = 1·X1 + 2·X2 + 3·X3 + 0.5·X4 with normal inputs: the variance
	// shares are aᵢ²σᵢ²/Σ. Rank correlations are (6/π)·asin(ρᵢ/2), not ρᵢ,
	// which moves the squared shares by less than 0.01 here.
	a := []float64{1, 2, 3, 0.5}
	sd := []float64{1, 1.5, 0.5, 4}
	values := map[string]float64{}
	var inputs []engine.Input
	for i := range a {
		cell := fmt.Sprintf("A%d", i+1)
		values[cell] = 0
		inputs = append(inputs, input(t, "S!"+cell, dist.Spec{Type: dist.Normal, Mean: f(float64(i)), StdDev: f(sd[i])}))
	}
	m := engine.Model{
		Workbook: sheet{values: values, formulas: map[string]string{"B1": "1*A1+2*A2+3*A3+0.5*A4"}}.build(t),
		Inputs:   inputs,
		Outputs:  refs(t, "S!B1"),
	}
	res, err := engine.Simulate(context.Background(), m, engine.Options{Iterations: 50_000, Seed: 11, Sampling: sample.LatinHypercube})
	require.NoError(t, err)
	var total float64
	for i := range a {
		total += a[i] * a[i] * sd[i] * sd[i]
	}
	for i, s := range res.Outputs[0].Sensitivity {
		require.Equal(t, i, s.Input)
		require.InDelta(t, a[i]*a[i]*sd[i]*sd[i]/total, s.ContributionToVariance/100, 0.02, "input %d", i)
	}
}

// TestSimulateSensitivityRegeneratesInputs checks that the sensitivity,
// computed from input values drawn again after the run, is exactly what
// stats.Sensitivity gives on the values the run used.
func TestSimulateSensitivityRegeneratesInputs(t *testing.T) {
	t.Parallel()
	m := mixedModel(t)
	m.Correlations = []engine.Correlation{{A: 0, B: 2, Coefficient: 0.5}}
	m.Outputs = append(m.Outputs, refs(t, "S!A1", "S!A2", "S!A3", "S!A4")...)
	const n = 3*engine.ChunkSize + 5
	res, err := engine.Simulate(context.Background(), m, engine.Options{Iterations: n, Seed: 5, Sampling: sample.LatinHypercube, KeepSamples: true})
	require.NoError(t, err)
	inputs := make([][]float64, len(m.Inputs))
	for i := range inputs {
		inputs[i] = res.Outputs[3+i].Samples // the inputs, observed as outputs
	}
	for j := range 3 { // S!B2 has #DIV/0! iterations, left out
		want, _ := stats.Sensitivity(inputs, res.Outputs[j].Samples)
		for i, s := range res.Outputs[j].Sensitivity {
			require.Equal(t, fmt.Sprint(want[i]), fmt.Sprint(s.InputSensitivity), "output %d, input %d", j, i)
		}
	}
	require.Positive(t, res.Outputs[1].Errors["#DIV/0!"])
}

func TestSimulateProgress(t *testing.T) {
	t.Parallel()
	m := mixedModel(t)
	const n = 20*engine.ChunkSize + 1
	// The race detector fails this test if Progress is ever called
	// concurrently: reports is appended to without a lock.
	var reports []engine.Progress
	_, err := engine.Simulate(context.Background(), m, engine.Options{
		Iterations: n, Seed: 1, Workers: 3,
		Progress: func(p engine.Progress) { reports = append(reports, p) },
	})
	require.NoError(t, err)
	require.Equal(t, "sampling", reports[0].Stage)
	require.Equal(t, "summarizing", reports[len(reports)-1].Stage)
	done := 0
	for _, p := range reports[1 : len(reports)-1] {
		require.Equal(t, "running", p.Stage)
		require.Equal(t, n, p.Total)
		require.GreaterOrEqual(t, p.Done, done, "Done never decreases")
		require.Len(t, p.Outputs, len(m.Outputs))
		done = p.Done
	}
	require.Equal(t, n, done, "the last running report has every iteration")
	require.Equal(t, n, reports[len(reports)-1].Done)
}

func TestSimulateBadInput(t *testing.T) {
	t.Parallel()
	good := mixedModel(t)
	formulaInput := good
	formulaInput.Inputs = append(formulaInput.Inputs[:0:0], good.Inputs...)
	formulaInput.Inputs[0].Cell = refs(t, "S!B1")[0]
	noDist := good
	noDist.Inputs = append(noDist.Inputs[:0:0], good.Inputs...)
	noDist.Inputs[1].Dist = nil
	for _, tc := range []struct {
		name  string
		model engine.Model
		opts  engine.Options
		want  string
	}{
		{"NoWorkbook", engine.Model{Outputs: good.Outputs}, engine.Options{Iterations: 10}, "no workbook"},
		{"NoOutputs", engine.Model{Workbook: good.Workbook}, engine.Options{Iterations: 10}, "no outputs"},
		{"ZeroIterations", good, engine.Options{}, "iterations must be between"},
		{"NoDistribution", noDist, engine.Options{Iterations: 10}, "has no distribution"},
		{"FormulaInput", formulaInput, engine.Options{Iterations: 10}, "is a formula cell"},
		{"UnknownSheet", engine.Model{Workbook: good.Workbook, Outputs: refs(t, "Nope!A1")}, engine.Options{Iterations: 10}, "no sheet"},
		{"Percentile", good, engine.Options{Iterations: 10, Percentiles: []float64{101}}, "percentile 101"},
		{"AutoStopConfidence", good, engine.Options{Iterations: 10, AutoStop: &engine.AutoStop{RelativeError: 0.01, Confidence: 1}}, "confidence"},
		{"AutoStopError", good, engine.Options{Iterations: 10, AutoStop: &engine.AutoStop{Confidence: 0.95}}, "relative error"},
		{"CorrelationSelf", withCorrelation(good, 1, 1, 0.5), engine.Options{Iterations: 10}, "invalid"},
		{"CorrelationRange", withCorrelation(good, 0, 1, 1.5), engine.Options{Iterations: 10}, "outside [-1, 1]"},
		{"SamplingMethod", good, engine.Options{Iterations: 10, Sampling: "SOBOL"}, "unknown method"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := engine.Simulate(context.Background(), tc.model, tc.opts)
			require.Nil(t, res)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func withCorrelation(m engine.Model, a, b int, c float64) engine.Model {
	m.Correlations = []engine.Correlation{{A: a, B: b, Coefficient: c}}
	return m
}

// TestSimulateDependencyWarnings runs the reference model with an output
// that depends on none of its inputs (the loan payment) and an input no
// output depends on (the loan amount, once the payment is not an output):
// the warnings reach Warn before the first progress report and are in the
// result; the reference model itself has none.
func TestSimulateDependencyWarnings(t *testing.T) {
	t.Parallel()
	loanAmount := input(t, "Inputs!B9", dist.Spec{Type: dist.Normal, Mean: f(500000), StdDev: f(50000)})
	loanAmount.Name = "Loan amount"
	for _, tc := range []struct {
		name   string
		model  func(m engine.Model) engine.Model
		warned []string
	}{
		{"Reference", func(m engine.Model) engine.Model { return m }, nil},
		{"ConstantOutput", func(m engine.Model) engine.Model {
			m.Outputs = append(m.Outputs, refs(t, "Summary!B5")...)
			return m
		}, []string{"output Summary!B5 does not depend on any input: it will be constant"}},
		{"UnusedInput", func(m engine.Model) engine.Model {
			m.Inputs = append(m.Inputs, loanAmount)
			return m
		}, []string{"input Inputs!B9 (Loan amount) affects no output"}},
		{"Both", func(m engine.Model) engine.Model {
			m.Inputs = append(m.Inputs, loanAmount)
			m.Outputs = append(refs(t, "Inputs!B10"), m.Outputs...) // a constant, not a formula
			return m
		}, []string{"output Inputs!B10 does not depend on any input: it will be constant", "input Inputs!B9 (Loan amount) affects no output"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var warned []string
			progressed := false
			res, err := engine.Simulate(context.Background(), tc.model(dcfModel(t)), engine.Options{
				Iterations: 2000, Seed: 3,
				Warn: func(w string) {
					require.False(t, progressed, "warnings come before the run")
					warned = append(warned, w)
				},
				Progress: func(engine.Progress) { progressed = true },
			})
			require.NoError(t, err)
			require.Equal(t, tc.warned, warned)
			require.Equal(t, tc.warned, append([]string(nil), res.Warnings...))
		})
	}
}

// TestSimulateAutoStopPercentiles stops on the precision of a percentile
// as well as the mean. For N(100, 10) the P95 is 116.45 with density
// f = φ(1.645)/10 = 0.01031, so its 95% interval has half width about
// 1.96·√(0.95·0.05/n)/f = 41.4/√n: ±0.2% of it needs n ≈ 31,600, where the
// mean alone (±0.2% of 100) needs about 9,600.
func TestSimulateAutoStopPercentiles(t *testing.T) {
	t.Parallel()
	m := engine.Model{
		Workbook: sheet{values: map[string]float64{"A1": 100}, formulas: map[string]string{"B1": "A1+0"}}.build(t),
		Inputs:   []engine.Input{input(t, "S!A1", dist.Spec{Type: dist.Normal, Mean: f(100), StdDev: f(10)})},
		Outputs:  refs(t, "S!B1"),
	}
	for _, tc := range []struct {
		name        string
		percentiles []float64
		low, high   int
	}{
		{"MeanOnly", nil, 5_000, 15_000},
		{"MeanAndP95", []float64{95}, 25_000, 45_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stop := &engine.AutoStop{RelativeError: 0.002, Confidence: 0.95, MinIterations: 2_048, Percentiles: tc.percentiles}
			var want string
			for _, workers := range []int{1, 3} {
				res, err := engine.Simulate(context.Background(), m, engine.Options{
					Iterations: 1_000_000, Seed: 8, Workers: workers, AutoStop: stop, KeepSamples: true,
				})
				require.NoError(t, err)
				require.Greater(t, res.Iterations, tc.low)
				require.Less(t, res.Iterations, tc.high)
				out := res.Outputs[0]
				trace := out.Convergence
				require.NotEmpty(t, trace)
				require.LessOrEqual(t, len(trace), engine.MaxConvergencePoints)
				last := trace[len(trace)-1]
				require.Equal(t, res.Iterations, last.Iterations, "the trace ends at the result")
				require.InDelta(t, out.Summary.Mean, last.Mean, 1e-9*out.Summary.Mean)
				require.InDelta(t, out.Summary.StdError, last.StdError, 1e-9*out.Summary.StdError)
				for k := 1; k < len(trace); k++ {
					require.Greater(t, trace[k].Iterations, trace[k-1].Iterations)
				}
				if len(tc.percentiles) > 0 {
					// The stopping rule held on the result's own values.
					sorted := append([]float64(nil), out.Samples...)
					sort.Float64s(sorted)
					n := float64(len(sorted))
					half := 1.96 * math.Sqrt(n*0.95*0.05)
					lo, hi := sorted[int(math.Floor(n*0.95-half))], sorted[int(math.Ceil(n*0.95+half))]
					require.LessOrEqual(t, (hi-lo)/2, 0.002*116.45*1.01)
				}
				if workers == 1 {
					want = fingerprint(res)
					continue
				}
				require.Equal(t, want, fingerprint(res), "the stop does not depend on the workers")
			}
		})
	}
}
