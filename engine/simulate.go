package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/stats"
	"github.com/simgraph/simgraph/engine/workbook"
)

// Input is an uncertain input cell and its distribution.
type Input struct {
	Cell formula.CellRef
	Name string
	Dist dist.Distribution
}

// Correlation is a target Spearman rank correlation between inputs A and B
// (indices into Model.Inputs).
type Correlation struct {
	A, B        int
	Coefficient float64
}

// Copula joins inputs (indices into Model.Inputs) by a non-Gaussian
// copula (see sample.Copula): Family is sample.StudentT, with
// Correlation the Pearson correlations of its normal variables (row r is
// Inputs[r]) and DegreesOfFreedom, or an Archimedean family of two inputs
// with its Parameter.
type Copula struct {
	Family           sample.CopulaFamily
	Inputs           []int
	Correlation      [][]float64
	DegreesOfFreedom float64
	Parameter        float64
}

// Model is what to simulate: a workbook, its uncertain inputs and the
// formula cells to observe.
type Model struct {
	Workbook     *workbook.Workbook
	Inputs       []Input
	Outputs      []formula.CellRef
	Correlations []Correlation
	// Copulas join inputs not in Correlations.
	Copulas []Copula
}

// DefaultSummaryMemory is Options.SummaryMemory's default: 16 MiB, about
// 230,000 iterations of two outputs (300,000 when the samples are kept).
// Below it an exact summary costs less than the bins of a streamed one.
const DefaultSummaryMemory = 16 << 20

// DefaultPercentiles are reported when Options.Percentiles is empty.
var DefaultPercentiles = []float64{1, 5, 10, 25, 50, 75, 90, 95, 99}

// ChunkSize is the number of iterations whose random draws come from one
// stream per input. It is fixed, not an option: results for a seed are
// bit-identical whatever the worker count precisely because chunks, not
// workers, own the streams. 1,024 lanes keep a batch in L2 cache.
const ChunkSize = 1024

// AutoStop ends a run early once every output's mean is known within
// ±RelativeError (a fraction of the mean) at the given two-sided
// Confidence, after at least MinIterations; with Percentiles, once each
// of those percentiles of every output is known that precisely too.
//
// A percentile's interval is distribution-free: the order statistics of
// ranks n·p ∓ z·√(n·p(1−p)) among the n numbers so far (the normal
// approximation of the binomial count below the true quantile; see
// Conover, Practical Nonparametric Statistics, 3rd ed., §3.2). Its half
// width must be at most RelativeError·|value|. Percentiles are checked
// when the iterations have grown by a tenth since the last check, and
// need the outputs' values in memory (8 bytes per output and iteration,
// as KeepSamples).
//
// The test is made on whole chunks in chunk order (after chunk 1, 2, …), on
// the statistics of the chunks before it, so the iteration at which a run
// stops, and therefore its result, depends on the seed only, not on the
// number of workers.
type AutoStop struct {
	RelativeError float64
	Confidence    float64
	MinIterations int
	// Percentiles, in percent (0 to 100 exclusive).
	Percentiles []float64
}

// Options tune a run.
type Options struct {
	Iterations int
	Seed       uint64
	Sampling   sample.Method
	// Workers defaults to GOMAXPROCS.
	Workers     int
	KeepSamples bool
	// Percentiles, in percent (0 to 100); DefaultPercentiles when empty.
	Percentiles []float64
	Histogram   stats.HistogramOpts
	// Targets are values whose probabilities of being undershot and
	// exceeded (Output.Targets) are reported for every output;
	// OutputTargets adds targets for single outputs (by index into
	// Model.Outputs), reported after those of every output.
	Targets       []float64
	OutputTargets map[int][]float64
	// TailLevels are the confidence levels (between 0 and 1 exclusive) of
	// Output.Tails; DefaultTailLevels when empty.
	TailLevels []float64
	AutoStop   *AutoStop
	// SummaryMemory bounds the memory (bytes) of an exact summary from the
	// values in memory: 56 bytes per iteration to sort and rank, plus 8
	// per output and iteration for the values unless they are kept samples.
	// A larger run streams its summary instead (see Simulate). 0 means
	// DefaultSummaryMemory; a negative value always streams.
	SummaryMemory int
	// TempDir is where a streamed run that does not keep its samples writes
	// the outputs' values for the summarising passes to read back (8 bytes per
	// output and iteration, in an unlinked file); os.TempDir() when empty.
	// When no file can be written there the passes evaluate the model
	// again instead: the same results, in more time.
	TempDir string
	// Progress, if set, is called as chunks complete, never concurrently
	// and never after Simulate returns. Done never decreases; the last
	// "running" report has Done equal to the iterations of the result.
	Progress func(Progress)
	// Warn, if set, is called with each of DependencyWarnings once the
	// model is compiled, before any iteration runs, so that a command
	// line can show them while the run goes. Result.Warnings has them too.
	Warn func(string)
}

// Convergence is an output's running mean and standard error.
type Convergence struct {
	Mean, StdError float64
}

// ConvergencePoint is an output's running mean and its standard error
// after the first Iterations iterations (a whole number of chunks, or the
// run's end).
type ConvergencePoint struct {
	Iterations     int
	Mean, StdError float64
}

// MaxConvergencePoints bounds Output.Convergence: a chart of the running
// mean is a line across a page, a hundred points is already smooth.
const MaxConvergencePoints = 100

// Progress is reported while a run goes.
type Progress struct {
	Stage string // "sampling", "running", "summarizing"
	// Done counts the iterations of the chunks completed so far without a
	// gap from the first; Outputs are their statistics (so that they are
	// the same whatever the number of workers).
	Done    int
	Total   int
	Outputs []Convergence
}

// Percentile is the value at percent P (PERCENTILE.INC).
type Percentile struct {
	P, Value float64
}

// Sensitivity is how an output depends on input Input.
type Sensitivity struct {
	Input int
	stats.InputSensitivity
	// StandardizedRegression is the input's standardised coefficient in
	// the multiple linear regression of the output on all inputs (see
	// stats.Regression), exact from the run's co-moments whether the
	// summary is streamed or not.
	StandardizedRegression float64
	// VarianceShare is the fraction (0 to 1) of the output's variance
	// given to the input: its squared standardised coefficient, scaled so
	// that the inputs' shares add up to the regression's R²
	// (stats.VarianceShares). Output.Unexplained holds the rest.
	VarianceShare float64
}

// ChangeInMean is the bar of a change-in-mean tornado, in output units:
// the output's mean over the iterations whose input is in its top decile
// minus its mean over those in the bottom decile, both from GroupMeans.
func (s Sensitivity) ChangeInMean() float64 {
	return s.GroupMeans[stats.Groups-1] - s.GroupMeans[0]
}

// Output is one output's results.
type Output struct {
	Cell            formula.CellRef
	Summary         stats.Summary
	Percentiles     []Percentile
	Histogram       []stats.Bin
	HistogramMethod string
	Sensitivity     []Sensitivity
	// RSquared is the share of the output's variance explained by the
	// linear regression on the inputs; Unexplained = 1 − RSquared is the
	// share no input is given (nonlinearity, interactions, RAND()). NaN
	// without inputs or with fewer iterations than inputs + 2.
	RSquared, Unexplained float64
	// Tails are the value at risk and expected shortfall at each tail level
	// (see Tail for the sign convention).
	Tails []Tail
	// Targets are the probabilities of the output being below and above
	// each target value, in the order of Options.Targets then
	// Options.OutputTargets.
	Targets []Target
	// Errors counts iterations whose value was an Excel error, by kind
	// ("#DIV/0!"); such iterations are left out of the statistics and of
	// the sensitivity. An infinite or NaN number counts as "#NUM!" and a
	// text value as "#VALUE!"; a logical value counts as 1 (TRUE) or 0
	// (FALSE), so that its mean is the probability of TRUE.
	Errors map[string]int
	// Convergence is the running mean and standard error as the chunks
	// were merged, at most MaxConvergencePoints of them evenly spread over
	// the run, the last at Result.Iterations (a chart of the mean ± its
	// confidence band); empty for a split run.
	Convergence []ConvergencePoint
	// Samples are the iteration values in iteration order, when
	// Options.KeepSamples. Errors and text are NaN-encoded: decode them
	// with formula.ErrorKind.
	Samples []float64
}

// Result is a finished run.
type Result struct {
	Iterations int
	Outputs    []Output
	Warnings   []string
	Elapsed    time.Duration
}

// Simulate runs the model. It returns ctx's cause (context.Cause) when ctx
// is cancelled; every worker then stops after the chunk it is evaluating.
//
// Memory. With KeepSamples, the run keeps every output's values (8·N bytes
// per output for N iterations, returned as Output.Samples); beyond them,
// nothing it holds grows with N past Options.SummaryMemory.
//
// A run whose summary fits SummaryMemory is summarised exactly from its
// values in memory: sorted for percentiles and histogram, ranked for the
// sensitivity, in buffers allocated once and reused (8·N bytes to sort an
// output and, when there are inputs, 48·N more to rank the output and each
// input), plus the values themselves (8·N per output) when they are not
// samples to keep.
//
// A larger run is summarised in passes (see summarizeStream) over the
// outputs' values: the kept samples or, without KeepSamples, a temporary
// file (Options.TempDir) written as the run goes and read back chunk by
// chunk. The moments are merged chunk by chunk as the run goes.
// Percentiles and the histogram are the same, bit for bit, as from the
// sorted values; the sensitivity is estimated from binned ranks (within
// 10⁻³ of the exact rank correlation on the shapes of the tests). Only
// correlated inputs keep per-iteration state, 12·N bytes per correlated
// input: Iman-Conover reorders a whole sample.
//
// Input values are never stored: whatever needs them draws them again
// from the plan, which gives the very values the run used.
func Simulate(ctx context.Context, m Model, o Options) (*Result, error) {
	start := time.Now()
	r, warnings, err := prepareRun(ctx, m, o)
	if err != nil {
		return nil, err
	}
	if r.outputs == nil && !r.inMemory() {
		// Without a file the summarising passes evaluate the model again.
		var err error
		if r.spill, err = newSpill(o.TempDir, len(m.Outputs)); err != nil {
			warnings = append(warnings, fmt.Sprintf("no temporary file for the outputs (%v): the summary evaluated the model again", err))
		}
		defer r.spill.close()
	}
	if err := r.execute(ctx); err != nil {
		return nil, err
	}
	if r.spill != nil && !r.spill.usable() {
		warnings = append(warnings, fmt.Sprintf("%v: the summary evaluated the model again", *r.spill.failed.Load()))
	}
	report(o.Progress, Progress{Stage: "summarizing", Done: r.n, Total: o.Iterations, Outputs: r.convergence()})
	res := &Result{Iterations: r.n, Warnings: warnings}
	defer func() {
		for j := range res.Outputs {
			res.Outputs[j].Convergence = r.convergenceTrace(j)
		}
	}()
	if r.exact {
		sc := newScratch(r.n, len(m.Inputs) > 0)
		for j := range m.Outputs {
			out, err := r.summarize(ctx, sc, j)
			if err != nil {
				return nil, err
			}
			res.Outputs = append(res.Outputs, out)
		}
	} else if res.Outputs, err = r.summarizeStream(ctx); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// prepareRun validates and compiles the model and prepares its samples:
// what Simulate and a split run share before the first pass.
func prepareRun(ctx context.Context, m Model, o Options) (*run, []string, error) {
	if err := validate(m, o); err != nil {
		return nil, nil, err
	}
	inputs := make([]formula.CellRef, len(m.Inputs))
	for i, in := range m.Inputs {
		inputs[i] = in.Cell
	}
	prog, err := formula.Compile(m.Workbook, formula.CompileOptions{Inputs: inputs, Outputs: m.Outputs})
	if err != nil {
		return nil, nil, err
	}
	plan, err := samplePlan(m, o)
	if err != nil {
		return nil, nil, err
	}
	warnings := DependencyWarnings(m, prog)
	if o.Warn != nil {
		for _, w := range warnings {
			o.Warn(w)
		}
	}
	report(o.Progress, Progress{Stage: "sampling", Total: o.Iterations, Outputs: make([]Convergence, len(m.Outputs))})
	planWarnings, err := plan.Prepare()
	if err != nil {
		return nil, nil, fmt.Errorf("engine: preparing samples: %w", err)
	}
	warnings = append(warnings, planWarnings...)
	if err := ctx.Err(); err != nil {
		return nil, nil, context.Cause(ctx)
	}
	return newRun(m, o, prog, plan), warnings, nil
}

// DependencyWarnings describes what the model's dependency graph shows to
// be probably a mistake, though not an error: an output that depends on no
// input (and draws no random number) is the same in every iteration, and
// an input no output depends on changes no result. prog is the model
// compiled with its inputs and outputs in order.
func DependencyWarnings(m Model, prog *formula.Program) []string {
	var out []string
	for _, j := range prog.ConstantOutputs() {
		out = append(out, fmt.Sprintf("output %s does not depend on any input: it will be constant", m.Outputs[j]))
	}
	for _, i := range prog.UnusedInputs() {
		in := m.Inputs[i]
		name := in.Cell.String()
		if in.Name != "" && in.Name != name {
			name += " (" + in.Name + ")"
		}
		out = append(out, fmt.Sprintf("input %s affects no output", name))
	}
	return out
}

// validate checks what Compile and Prepare do not.
func validate(m Model, o Options) error {
	if m.Workbook == nil {
		return errors.New("engine: no workbook")
	}
	if o.Iterations < 1 || o.Iterations > sample.MaxIterations {
		return fmt.Errorf("engine: iterations must be between 1 and %d, got %d", sample.MaxIterations, o.Iterations)
	}
	if len(m.Outputs) == 0 {
		return errors.New("engine: no outputs")
	}
	for i, in := range m.Inputs {
		if in.Dist == nil {
			return fmt.Errorf("engine: input %d (%s) has no distribution", i, in.Cell)
		}
	}
	for _, p := range o.Percentiles {
		if !(p >= 0 && p <= 100) {
			return fmt.Errorf("engine: percentile %g is outside [0, 100]", p)
		}
	}
	if err := validateTails(o, len(m.Outputs)); err != nil {
		return err
	}
	if a := o.AutoStop; a != nil {
		if !(a.RelativeError > 0) || math.IsInf(a.RelativeError, 0) {
			return fmt.Errorf("engine: auto-stop relative error must be positive, got %g", a.RelativeError)
		}
		if !(a.Confidence > 0 && a.Confidence < 1) {
			return fmt.Errorf("engine: auto-stop confidence must be between 0 and 1 (exclusive), got %g", a.Confidence)
		}
		for _, p := range a.Percentiles {
			if !(p > 0 && p < 100) {
				return fmt.Errorf("engine: auto-stop percentile %g is outside (0, 100)", p)
			}
		}
	}
	return nil
}

func report(f func(Progress), p Progress) {
	if f != nil {
		f(p)
	}
}

// samplePlan is the unprepared sampling plan of a run of m with o.
func samplePlan(m Model, o Options) (*sample.Plan, error) {
	plan := &sample.Plan{Iterations: o.Iterations, ChunkSize: ChunkSize, Seed: o.Seed, Method: o.Sampling}
	if len(m.Correlations) > 0 {
		var err error
		if plan.Correlation, plan.CorrelatedInputs, err = correlationMatrix(len(m.Inputs), m.Correlations); err != nil {
			return nil, err
		}
	}
	for _, c := range m.Copulas {
		for _, i := range c.Inputs {
			if i < 0 || i >= len(m.Inputs) {
				return nil, fmt.Errorf("engine: copula input %d is not an input", i)
			}
		}
		sc := sample.Copula{Family: c.Family, Inputs: c.Inputs, DegreesOfFreedom: c.DegreesOfFreedom, Parameter: c.Parameter}
		if c.Correlation != nil {
			k := len(c.Correlation)
			sym := mat.NewSymDense(k, nil)
			for i, row := range c.Correlation {
				if len(row) != k {
					return nil, fmt.Errorf("engine: a copula's correlation matrix is not square")
				}
				for j := range i + 1 {
					sym.SetSym(i, j, row[j])
				}
			}
			sc.Correlation = sym
		}
		plan.Copulas = append(plan.Copulas, sc)
	}
	return plan, nil
}

// correlationMatrix builds the target matrix over the inputs that take
// part in a correlation.
func correlationMatrix(nInputs int, cs []Correlation) (*mat.SymDense, []int, error) {
	index := map[int]int{}
	var members []int
	for _, c := range cs {
		if c.A < 0 || c.A >= nInputs || c.B < 0 || c.B >= nInputs || c.A == c.B {
			return nil, nil, fmt.Errorf("engine: correlation between inputs %d and %d is invalid", c.A, c.B)
		}
		if c.Coefficient < -1 || c.Coefficient > 1 || math.IsNaN(c.Coefficient) {
			return nil, nil, fmt.Errorf("engine: correlation %g is outside [-1, 1]", c.Coefficient)
		}
		for _, i := range []int{c.A, c.B} {
			if _, ok := index[i]; !ok {
				index[i] = len(members)
				members = append(members, i)
			}
		}
	}
	sym := mat.NewSymDense(len(members), nil)
	for i := range members {
		sym.SetSym(i, i, 1)
	}
	for _, c := range cs {
		sym.SetSym(index[c.A], index[c.B], c.Coefficient)
	}
	return sym, members, nil
}

// normalQuantile is the standard normal quantile, for auto-stop's z.
func normalQuantile(p float64) float64 {
	d, _ := dist.New("z", dist.Spec{Type: dist.Normal, Mean: ptr(0.0), StdDev: ptr(1.0)})
	return d.Quantile(p)
}

func ptr[T any](v T) *T { return &v }
