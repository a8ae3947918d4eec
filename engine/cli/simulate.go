package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/incell"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/stats"
	"github.com/simgraph/simgraph/engine/workbook"
)

const simulateUsage = `simgraph simulate WORKBOOK --input CELL=DIST [--input ...] --output CELL [--output ...]
                  [--iterations N] [--seed S] [--sampling mc|lhs] [--correlate CELL,CELL=R ...]
                  [--target [OUTPUT=]X ...] [--tail LEVEL ...] [--scenario NAME:CELL=...] [--json]

Runs a Monte Carlo simulation of an .xlsx workbook: each --input cell is drawn
from its distribution, the workbook's formulas are recomputed for every
iteration, and each --output cell is summarised (mean, standard deviation,
percentiles, histogram, sensitivity to each input). Cells are written
Sheet!A1 ('My Sheet'!A1 when the name has spaces). Example:

  simgraph simulate project-dcf.xlsx \
    --input 'Inputs!B2=triangular(100,120,150)' --input 'Inputs!B3=normal(10000,1500)' \
    --output Summary!B2 --iterations 100000 --seed 7 --sampling lhs

A workbook built with @RISK or ModelRisk carries its own model: its
distribution cells (=RiskNormal(100,10)) are inputs, its RiskOutput or
VoseOutput cells the outputs. An --input naming such a cell replaces its
distribution, and --output replaces the marked outputs.

An output is named by its label in the workbook (the text cell to its left,
else above it), or by --output 'NPV=Summary!B2'. --target 1000000 reports
every output's probabilities of falling below and above 1,000,000; --target
NPV=0 (an output's name or cell) only that output's. --tail 0.95 reports the
value at risk and expected shortfall at 95% (default: 0.95 and 0.99): VaR is
the output's (1-level) percentile, CVaR the mean of the outcomes at or below
it; the upper tail (level percentile, mean at or above it) is printed too.

--scenario 'Downside:Inputs!B2=110,Inputs!B3=p0-0.1,Inputs!B4=normal(0.05,0.01)'
runs the model again with those overrides over the base's random numbers
(common random numbers: the differences are the scenario's, not noise): a
number fixes a cell, pLOW-HIGH restricts an input to its quantiles between
LOW and HIGH (p0-0.1: its lowest 10%), a distribution replaces the input's.
Each scenario's means, P5, P50 and P95 and the difference of its mean from
the base's follow the base's results (repeat --scenario for more). Without
--input, a workbook's RiskSimtable cells make its scenarios.

--correlate 'Inputs!B2,Inputs!B3=0.6' asks for a Spearman rank correlation of
0.6 between two inputs (Iman-Conover); 'Inputs!B2;Inputs!B3=0,6' too. A progress bar goes to stderr when it
is a terminal; results go to stdout. Before the run, stderr gets a warning
for an output that depends on no input and for an input no output depends
on. A command line that cannot be run (an unknown flag, no workbook) exits
with status 2, bad input with status 1.

`

// SimulateReport is what `simgraph simulate --json` prints.
type SimulateReport struct {
	Workbook   string `json:"workbook"`
	Iterations int    `json:"iterations"`
	// StoppedEarly is true when --precision ended the run before
	// --iterations.
	StoppedEarly   bool           `json:"stoppedEarly"`
	Seed           uint64         `json:"seed"`
	Sampling       string         `json:"sampling"`
	ElapsedSeconds float64        `json:"elapsedSeconds"`
	Warnings       []string       `json:"warnings"`
	Outputs        []OutputReport `json:"outputs"`
	// Scenarios are the --scenario runs (or the workbook's RiskSimtable
	// scenarios), after the base in Outputs.
	Scenarios []ScenarioReport `json:"scenarios,omitempty"`
}

// OutputReport is one output's results. Statistics that are undefined
// (all iterations errors, or too few values) are null.
type OutputReport struct {
	Cell        string              `json:"cell"`
	Name        string              `json:"name"`
	Count       int64               `json:"count"`
	Mean        Number              `json:"mean"`
	StdDev      Number              `json:"stdDev"`
	Min         Number              `json:"min"`
	Max         Number              `json:"max"`
	Percentiles map[string]Number   `json:"percentiles"`
	Histogram   []BinReport         `json:"histogram"`
	Sensitivity []SensitivityReport `json:"sensitivity"`
	Errors      map[string]int      `json:"errors"`
	Summary     map[string]Number   `json:"summary"`
	Tails       []TailReport        `json:"tails"`
	Targets     []TargetReport      `json:"targets"`
	// RSquared is the share of variance the linear regression on the
	// inputs explains; Unexplained = 1 − RSquared.
	RSquared    Number `json:"rSquared"`
	Unexplained Number `json:"unexplained"`
	// Convergence is the running mean and its standard error (at most
	// engine.MaxConvergencePoints points), for a chart of the mean with
	// its confidence band.
	Convergence []ConvergenceReport `json:"convergence"`
}

// ConvergenceReport is the running mean after Iterations iterations.
type ConvergenceReport struct {
	Iterations int    `json:"iterations"`
	Mean       Number `json:"mean"`
	StdError   Number `json:"stdError"`
}

// TailReport is the value at risk and expected shortfall at a level (see
// engine.Tail).
type TailReport struct {
	Level     float64 `json:"level"`
	VaR       Number  `json:"var"`
	CVaR      Number  `json:"cvar"`
	UpperVaR  Number  `json:"upperVar"`
	UpperCVaR Number  `json:"upperCvar"`
}

// TargetReport is the probability of an output being below and above a
// target.
type TargetReport struct {
	Value     float64 `json:"value"`
	ProbBelow Number  `json:"probBelow"`
	ProbAbove Number  `json:"probAbove"`
}

// BinReport is a histogram bar: values in [lower, upper), the last bar
// including upper.
type BinReport struct {
	Lower Number `json:"lower"`
	Upper Number `json:"upper"`
	Count int    `json:"count"`
}

// SensitivityReport is an output's sensitivity to one input.
type SensitivityReport struct {
	Input                  string `json:"input"`
	RankCorrelation        Number `json:"rankCorrelation"`
	ContributionToVariance Number `json:"contributionToVariance"`
	// LowDecileMean and HighDecileMean are the output's mean when the
	// input is in its bottom and top decile; ChangeInMean is their
	// difference (output units).
	LowDecileMean  Number `json:"lowDecileMean"`
	HighDecileMean Number `json:"highDecileMean"`
	ChangeInMean   Number `json:"changeInMean"`
	// StandardizedRegression is the standardised regression coefficient;
	// VarianceShare its share (0 to 1) of the output's variance.
	StandardizedRegression Number `json:"standardizedRegression"`
	VarianceShare          Number `json:"varianceShare"`
}

// Number is a float64 that encodes as null when it is NaN or infinite,
// which JSON cannot represent.
type Number float64

// MarshalJSON implements json.Marshaler.
func (n Number) MarshalJSON() ([]byte, error) {
	x := float64(n)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, x, 'g', -1, 64), nil
}

// simulateFlags are the parsed command line.
type simulateFlags struct {
	workbook                      string
	inputs, outputs, correlations listFlag
	targets, tails, scenarioFlags listFlag
	scenarios                     []engine.Scenario
	names                         []string // per output
	iterations, workers, bins     int
	seed                          uint64
	sampling, percentiles         string
	progress                      string
	json                          bool
	// Auto-stop: precision > 0 stops once the mean (and precisionAt's
	// percentiles) are known within ±precision of their value.
	precision, confidence float64
	precisionAt           string
	minIterations         int
	// notes are warnings the model's building leaves (a copula's member
	// an --input replaces).
	notes []string
}

// Simulate is `simgraph simulate`; see simulateUsage and DistributionHelp.
func Simulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	var fl simulateFlags
	fs.Var(&fl.inputs, "input", "an uncertain input, `CELL=DIST` (repeat for each input)")
	fs.Var(&fl.outputs, "output", "an output `CELL` (repeat for each output)")
	fs.Var(&fl.targets, "target", "report P(output < X) and P(output > X): `[OUTPUT=]X`, OUTPUT an output's name or cell (repeatable)")
	fs.Var(&fl.tails, "tail", "a tail `LEVEL` in (0, 1) for VaR and CVaR (repeatable, or comma-separated; default 0.95,0.99)")
	fs.Var(&fl.correlations, "correlate", "a rank correlation between two inputs, `CELL,CELL=R` with R in [-1, 1] (repeatable)")
	fs.Var(&fl.scenarioFlags, "scenario", "a scenario run over the base's random numbers, `NAME:CELL=VALUE,CELL=pLOW-HIGH,CELL=DIST` (repeatable)")
	fs.IntVar(&fl.iterations, "iterations", 10_000, "number of iterations")
	fs.Uint64Var(&fl.seed, "seed", 1, "random seed: the same seed gives the same results")
	fs.StringVar(&fl.sampling, "sampling", "mc", "sampling method: mc (Monte Carlo) or lhs (Latin Hypercube)")
	fs.IntVar(&fl.workers, "workers", 0, "worker goroutines (0: one per CPU); results do not depend on it")
	fs.StringVar(&fl.percentiles, "percentiles", "1,5,10,25,50,75,90,95,99", "comma-separated percentiles to report, in percent")
	fs.IntVar(&fl.bins, "bins", 0, "histogram bins (0: Freedman-Diaconis rule)")
	fs.StringVar(&fl.progress, "progress", "auto", "progress on stderr: auto (a bar when stderr is a terminal), always (whole lines when it is not) or never")
	fs.BoolVar(&fl.json, "json", false, "print one JSON object instead of text")
	fs.Float64Var(&fl.precision, "precision", 0, "stop early once every output's mean is known within ±`REL` of its value (0.01 = 1%); --iterations is then the most it runs")
	fs.StringVar(&fl.precisionAt, "precision-percentiles", "", "with --precision, comma-separated percentiles (in percent) that must be that precise too")
	fs.Float64Var(&fl.confidence, "confidence", 0.95, "with --precision, the two-sided confidence level of the intervals")
	fs.IntVar(&fl.minIterations, "min-iterations", 2048, "with --precision, run at least this many iterations")
	pos, err := ParseFlags(fs, args, stdout, func(w io.Writer) {
		fmt.Fprint(w, simulateUsage)
		fmt.Fprint(w, DistributionHelp)
		fmt.Fprintln(w, "\nFlags:")
		PrintFlags(fs, w)
	})
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return Usagef("simulate", "want one workbook, got %d arguments", len(pos))
	}
	fl.workbook = pos[0]
	m, opts, err := fl.build()
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	view := newProgressView(fl.progress, stderr, fl.iterations*(1+len(fl.scenarios)))
	opts.Progress = view.update
	// Warnings the model shows before it runs go to stderr at once (the
	// run may be long); the text report leaves them out.
	shown := map[string]bool{}
	opts.Warn = func(w string) {
		shown[w] = true
		view.note("warning: " + w)
	}
	for _, n := range fl.notes {
		opts.Warn(n)
	}
	var rs []engine.ScenarioResult
	if len(fl.scenarios) > 0 {
		rs, err = engine.SimulateScenarios(ctx, m, fl.scenarios, opts)
	} else {
		var res *engine.Result
		if res, err = engine.Simulate(ctx, m, opts); err == nil {
			rs = []engine.ScenarioResult{{Result: res}}
		}
	}
	// The bar's line ends before anything else is printed: the results
	// may go to the same terminal.
	view.end()
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	rep := report(&fl, m, rs[0].Result)
	rep.Warnings = append(append([]string{}, fl.notes...), rep.Warnings...)
	scenarioReports(&fl, m, rep, rs)
	if fl.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printSimulation(stdout, rep, shown)
	printScenarios(stdout, rep)
	return nil
}

// autoStop sets o.AutoStop from --precision and its companions.
func (fl *simulateFlags) autoStop(o *engine.Options) error {
	if fl.precision == 0 {
		if fl.precisionAt != "" {
			return errors.New("--precision-percentiles needs --precision")
		}
		return nil
	}
	if !(fl.precision > 0) || math.IsInf(fl.precision, 0) {
		return fmt.Errorf("--precision %g: want a positive fraction of the value (0.01 = 1%%)", fl.precision)
	}
	if !(fl.confidence > 0 && fl.confidence < 1) {
		return fmt.Errorf("--confidence %g: want a level between 0 and 1 (exclusive)", fl.confidence)
	}
	a := &engine.AutoStop{RelativeError: fl.precision, Confidence: fl.confidence, MinIterations: fl.minIterations}
	if fl.precisionAt != "" {
		for _, p := range strings.Split(fl.precisionAt, ",") {
			x, err := parseNumber(p)
			if err != nil || !(x > 0 && x < 100) {
				return fmt.Errorf("--precision-percentiles %q: %q is not a percentage between 0 and 100 (exclusive)", fl.precisionAt, strings.TrimSpace(p))
			}
			a.Percentiles = append(a.Percentiles, x)
		}
	}
	o.AutoStop = a
	return nil
}

// build turns the flags into a model and options, with errors that name
// the offending flag value.
func (fl *simulateFlags) build() (engine.Model, engine.Options, error) {
	var m engine.Model
	o := engine.Options{Iterations: fl.iterations, Seed: fl.seed, Workers: fl.workers, Histogram: stats.HistogramOpts{Bins: fl.bins}}
	switch strings.ToLower(fl.sampling) {
	case "mc", "montecarlo", "monte_carlo":
		o.Sampling, fl.sampling = sample.MonteCarlo, "mc"
	case "lhs", "latin_hypercube", "latinhypercube":
		o.Sampling, fl.sampling = sample.LatinHypercube, "lhs"
	default:
		return m, o, fmt.Errorf("--sampling %q: want mc or lhs", fl.sampling)
	}
	if fl.iterations < 1 || fl.iterations > sample.MaxIterations {
		return m, o, fmt.Errorf("--iterations %d: want 1 to %d", fl.iterations, sample.MaxIterations)
	}
	if fl.bins < 0 {
		return m, o, fmt.Errorf("--bins %d: want 0 (automatic) or more", fl.bins)
	}
	if err := fl.autoStop(&o); err != nil {
		return m, o, err
	}
	switch fl.progress {
	case "auto", "always", "never":
	default:
		return m, o, fmt.Errorf("--progress %q: want auto, always or never", fl.progress)
	}
	for _, p := range strings.Split(fl.percentiles, ",") {
		x, err := parseNumber(p)
		if err != nil || x < 0 || x > 100 {
			return m, o, fmt.Errorf("--percentiles %q: %q is not a percentage between 0 and 100", fl.percentiles, strings.TrimSpace(p))
		}
		o.Percentiles = append(o.Percentiles, x)
	}
	for _, text := range fl.inputs {
		in, err := parseInput(text)
		if err != nil {
			return m, o, fmt.Errorf("--input %q: %w", text, err)
		}
		for _, prev := range m.Inputs {
			if sameCell(prev.Cell, in.Cell) {
				return m, o, fmt.Errorf("--input %q: %s has another --input already", text, in.Cell)
			}
		}
		m.Inputs = append(m.Inputs, in)
	}
	for _, text := range fl.outputs {
		name, cell, named := cutOutsideQuotes(text, '=')
		if !named {
			name, cell = "", name
		}
		r, err := formula.ParseCellRef(strings.TrimSpace(cell))
		if err != nil {
			return m, o, fmt.Errorf("--output %q: %w", text, err)
		}
		m.Outputs = append(m.Outputs, r)
		fl.names = append(fl.names, strings.TrimSpace(name))
	}
	for _, text := range fl.tails {
		for _, part := range strings.Split(text, ",") {
			a, err := parseNumber(part)
			if err != nil || !(a > 0 && a < 1) {
				return m, o, fmt.Errorf("--tail %q: %q is not a level between 0 and 1, such as 0.95", text, strings.TrimSpace(part))
			}
			o.TailLevels = append(o.TailLevels, a)
		}
	}
	wb, err := workbook.OpenFile(fl.workbook, workbook.DefaultLimits())
	if err != nil {
		return m, o, fmt.Errorf("%s: %w", fl.workbook, err)
	}
	m.Workbook = wb
	for i, in := range m.Inputs {
		if err := checkCell(wb, in.Cell); err != nil {
			return m, o, fmt.Errorf("--input %s: %w", in.Cell, err)
		}
		if label := wb.Label(in.Cell.Sheet, in.Cell.Row, in.Cell.Col); label != "" {
			m.Inputs[i].Name = label
		}
	}
	if err := fl.addDetected(&m); err != nil {
		return m, o, err
	}
	if len(m.Outputs) == 0 {
		return m, o, fmt.Errorf("no --output: name at least one output cell, for example --output 'Summary!B2', or mark one with RiskOutput in the workbook")
	}
	for _, text := range fl.correlations {
		c, err := parseCorrelation(text, m.Inputs)
		if err != nil {
			return m, o, fmt.Errorf("--correlate %q: %w", text, err)
		}
		m.Correlations = append(m.Correlations, c)
	}
	for j, out := range m.Outputs {
		if err := checkCell(wb, out); err != nil {
			return m, o, fmt.Errorf("--output %s: %w", out, err)
		}
		if fl.names[j] == "" {
			fl.names[j] = wb.Label(out.Sheet, out.Row, out.Col)
		}
	}
	for _, text := range fl.targets {
		if err := fl.addTarget(&o, m, text); err != nil {
			return m, o, fmt.Errorf("--target %q: %w", text, err)
		}
	}
	if len(fl.scenarioFlags) > 0 {
		fl.scenarios = nil // the workbook's RiskSimtable scenarios give way
	}
	for _, text := range fl.scenarioFlags {
		sc, err := parseScenario(text)
		if err == nil {
			_, err = m.WithScenario(sc.engineScenario(m))
		}
		if err != nil {
			return m, o, fmt.Errorf("--scenario %q: %w", text, err)
		}
		fl.scenarios = append(fl.scenarios, sc.engineScenario(m))
	}
	return m, o, nil
}

// addDetected completes m with the workbook's in-cell model (@RISK and
// ModelRisk functions): its inputs in cells no --input names, and its
// outputs when no --output is given. m then simulates the workbook in
// which those cells are constants.
func (fl *simulateFlags) addDetected(m *engine.Model) error {
	det, err := incell.Detect(m.Workbook)
	if err != nil {
		return err
	}
	nGiven := len(m.Inputs) // the --input ones, before the detected are added
	given := func(r formula.CellRef) bool {
		for _, in := range m.Inputs[:nGiven] {
			if sameCell(in.Cell, r) {
				return true
			}
		}
		return false
	}
	for _, p := range det.Problems {
		switch {
		case p.Correlation && len(fl.correlations) == 0:
			return fmt.Errorf("%s (give --correlate to replace the workbook's correlations)", p)
		case !p.Correlation && !given(p.Cell):
			return fmt.Errorf("%s (give that cell an --input to replace it)", p)
		}
	}
	if !det.Found() {
		return nil
	}
	if len(fl.inputs) == 0 {
		// The workbook's own model runs its RiskSimtable scenarios.
		fl.scenarios = simtableScenarios(det)
	}
	m.Workbook = det.Workbook
	for _, in := range det.Inputs {
		if given(in.Cell) {
			continue
		}
		name := in.Name
		if name == "" {
			name = m.Workbook.Label(in.Cell.Sheet, in.Cell.Row, in.Cell.Col)
		}
		if name == "" {
			name = in.Cell.String()
		}
		d, err := dist.NewAt(name, in.Cell.String(), in.Spec)
		if err != nil {
			return err
		}
		m.Inputs = append(m.Inputs, engine.Input{Cell: in.Cell, Name: name, Dist: d})
	}
	if len(fl.correlations) == 0 {
		// The workbook's correlations, unless --correlate replaces them.
		index := func(r formula.CellRef) int {
			for i, in := range m.Inputs {
				if sameCell(in.Cell, r) {
					return i
				}
			}
			return -1
		}
		for _, c := range det.Correlations {
			m.Correlations = append(m.Correlations, engine.Correlation{A: index(c.A), B: index(c.B), Coefficient: c.Coefficient})
		}
		for _, c := range det.Copulas {
			// A member an --input replaces no longer takes the copula's
			// uniform: it leaves the copula, and the others keep theirs.
			c, left, ok := c.Without(given)
			for _, cell := range left {
				rest := "no longer applies"
				if ok {
					rest = "still joins " + cellList(c.Cells)
				}
				fl.notes = append(fl.notes, fmt.Sprintf("%s: its --input leaves the copula %s, which %s", cell, c.Matrix, rest))
			}
			if !ok {
				continue
			}
			ec := engine.Copula{Family: c.Family, Correlation: c.Correlation, DegreesOfFreedom: c.DegreesOfFreedom, Parameter: c.Parameter}
			for _, cell := range c.Cells {
				ec.Inputs = append(ec.Inputs, index(cell))
			}
			m.Copulas = append(m.Copulas, ec)
		}
	}
	if len(m.Outputs) == 0 {
		for _, out := range det.Outputs {
			m.Outputs = append(m.Outputs, out.Cell)
			fl.names = append(fl.names, out.Name)
		}
	}
	return nil
}

// addTarget reads [OUTPUT=]X: a target for every output, or for the one
// whose name (case-insensitive) or cell is OUTPUT.
func (fl *simulateFlags) addTarget(o *engine.Options, m engine.Model, text string) error {
	who, value, scoped := cutOutsideQuotes(text, '=')
	if !scoped {
		who, value = "", who
	}
	x, err := parseNumber(value)
	if err != nil {
		return err
	}
	if !scoped {
		o.Targets = append(o.Targets, x)
		return nil
	}
	who = strings.TrimSpace(who)
	ref, refErr := formula.ParseCellRef(who)
	for j, out := range m.Outputs {
		if strings.EqualFold(fl.names[j], who) || refErr == nil && sameCell(out, ref) {
			if o.OutputTargets == nil {
				o.OutputTargets = map[int][]float64{}
			}
			o.OutputTargets[j] = append(o.OutputTargets[j], x)
			return nil
		}
	}
	known := make([]string, len(m.Outputs))
	for j, out := range m.Outputs {
		known[j] = out.String()
		if fl.names[j] != "" {
			known[j] = fl.names[j] + " (" + out.String() + ")"
		}
	}
	return fmt.Errorf("%q is not an output's name or cell (outputs: %s)", who, strings.Join(known, ", "))
}

// checkCell makes sure a cell's sheet exists, so that the error names the
// flag rather than coming from the compiler.
func checkCell(wb *workbook.Workbook, r formula.CellRef) error {
	for _, s := range wb.Sheets {
		if strings.EqualFold(s.Name, r.Sheet) {
			return nil
		}
	}
	names := make([]string, len(wb.Sheets))
	for i, s := range wb.Sheets {
		names[i] = s.Name
	}
	return fmt.Errorf("the workbook has no sheet %q (its sheets: %s)", r.Sheet, strings.Join(names, ", "))
}

// parseInput reads CELL=DIST.
func parseInput(text string) (engine.Input, error) {
	cellText, distText, ok := cutOutsideQuotes(text, '=')
	if !ok {
		return engine.Input{}, fmt.Errorf("want CELL=DISTRIBUTION, for example 'Inputs!B2=normal(100,15)'")
	}
	cellText = strings.TrimSpace(cellText)
	r, err := formula.ParseCellRef(cellText)
	if err != nil {
		return engine.Input{}, err
	}
	spec, err := ParseDistribution(distText)
	if err != nil {
		return engine.Input{}, err
	}
	d, err := dist.New(cellText, spec)
	if err != nil {
		return engine.Input{}, err
	}
	return engine.Input{Cell: r, Name: r.String(), Dist: d}, nil
}

// parseCorrelation reads CELL,CELL=R; both cells must be inputs.
func parseCorrelation(text string, inputs []engine.Input) (engine.Correlation, error) {
	i := strings.LastIndexByte(text, '=')
	if i < 0 {
		return engine.Correlation{}, fmt.Errorf("want CELL,CELL=COEFFICIENT, for example 'Inputs!B2,Inputs!B3=0.6'")
	}
	// CELL;CELL=0,6 is the spreadsheet habit of semicolons and decimal
	// commas, as in the distributions.
	sep, coefficient := byte(','), strings.TrimSpace(text[i+1:])
	if _, _, semicolon := cutOutsideQuotes(text[:i], ';'); semicolon {
		sep = ';'
		var err error
		if coefficient, err = decimalComma(coefficient); err != nil {
			return engine.Correlation{}, err
		}
	}
	r, err := parseNumber(coefficient)
	if err != nil {
		return engine.Correlation{}, err
	}
	if r < -1 || r > 1 {
		return engine.Correlation{}, fmt.Errorf("the coefficient %g is outside [-1, 1]", r)
	}
	a, b, ok := cutOutsideQuotes(text[:i], sep)
	if !ok {
		return engine.Correlation{}, fmt.Errorf("want two cells separated by a comma (or a semicolon)")
	}
	idx := [2]int{-1, -1}
	for k, cellText := range []string{a, b} {
		ref, err := formula.ParseCellRef(strings.TrimSpace(cellText))
		if err != nil {
			return engine.Correlation{}, err
		}
		for n, in := range inputs {
			if sameCell(in.Cell, ref) {
				idx[k] = n
			}
		}
		if idx[k] < 0 {
			return engine.Correlation{}, fmt.Errorf("%s is not an --input", ref)
		}
	}
	if idx[0] == idx[1] {
		return engine.Correlation{}, fmt.Errorf("an input cannot be correlated with itself")
	}
	return engine.Correlation{A: idx[0], B: idx[1], Coefficient: r}, nil
}

// cellList is "Sheet!A1, Sheet!A2".
func cellList(cells []formula.CellRef) string {
	s := make([]string, len(cells))
	for i, c := range cells {
		s[i] = c.String()
	}
	return strings.Join(s, ", ")
}

func sameCell(a, b formula.CellRef) bool {
	return a.Row == b.Row && a.Col == b.Col && strings.EqualFold(a.Sheet, b.Sheet)
}

// cutOutsideQuotes cuts s at the first sep that is not inside a quoted
// sheet name ('It”s here'!A1).
func cutOutsideQuotes(s string, sep byte) (before, after string, found bool) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\'':
			quoted = !quoted // '' inside quotes toggles twice
		case s[i] == sep && !quoted:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func report(fl *simulateFlags, m engine.Model, res *engine.Result) *SimulateReport {
	rep := &SimulateReport{
		Workbook: fl.workbook, Iterations: res.Iterations, Seed: fl.seed,
		StoppedEarly: fl.precision > 0 && res.Iterations < fl.iterations,
		Sampling:     fl.sampling, ElapsedSeconds: res.Elapsed.Seconds(),
		Warnings: append([]string{}, res.Warnings...),
	}
	for j, o := range res.Outputs {
		s := o.Summary
		or := OutputReport{
			Cell: o.Cell.String(), Name: fl.names[j], Count: s.Count,
			RSquared: Number(o.RSquared), Unexplained: Number(o.Unexplained),
			Tails: []TailReport{}, Targets: []TargetReport{},
			Mean: Number(s.Mean), StdDev: Number(s.StdDev), Min: Number(s.Min), Max: Number(s.Max),
			Percentiles: map[string]Number{}, Histogram: []BinReport{}, Sensitivity: []SensitivityReport{},
			Errors: o.Errors,
			Summary: map[string]Number{
				"variance": Number(s.Variance), "skewness": Number(s.Skewness), "kurtosis": Number(s.Kurtosis),
				"stdError": Number(s.StdError), "ciLow": Number(s.CILow), "ciHigh": Number(s.CIHigh),
			},
		}
		for _, p := range o.Percentiles {
			or.Percentiles[strconv.FormatFloat(p.P, 'f', -1, 64)] = Number(p.Value)
		}
		or.Convergence = []ConvergenceReport{}
		for _, c := range o.Convergence {
			or.Convergence = append(or.Convergence, ConvergenceReport{Iterations: c.Iterations, Mean: Number(c.Mean), StdError: Number(c.StdError)})
		}
		for _, b := range o.Histogram {
			or.Histogram = append(or.Histogram, BinReport{Lower: Number(b.Lower), Upper: Number(b.Upper), Count: b.Count})
		}
		for _, sv := range o.Sensitivity {
			or.Sensitivity = append(or.Sensitivity, SensitivityReport{
				Input: m.Inputs[sv.Input].Cell.String(), RankCorrelation: Number(sv.RankCorrelation),
				ContributionToVariance: Number(sv.ContributionToVariance),
				LowDecileMean:          Number(sv.GroupMeans[0]), HighDecileMean: Number(sv.GroupMeans[stats.Groups-1]),
				ChangeInMean:           Number(sv.ChangeInMean()),
				StandardizedRegression: Number(sv.StandardizedRegression), VarianceShare: Number(sv.VarianceShare),
			})
		}
		for _, t := range o.Tails {
			or.Tails = append(or.Tails, TailReport{Level: t.Level, VaR: Number(t.VaR), CVaR: Number(t.CVaR),
				UpperVaR: Number(t.UpperVaR), UpperCVaR: Number(t.UpperCVaR)})
		}
		for _, t := range o.Targets {
			or.Targets = append(or.Targets, TargetReport{Value: t.Value, ProbBelow: Number(t.Below), ProbAbove: Number(t.Above)})
		}
		rep.Outputs = append(rep.Outputs, or)
	}
	return rep
}

// printSimulation prints the report as text; warnings in shown went to
// stderr already.
func printSimulation(w io.Writer, rep *SimulateReport, shown map[string]bool) {
	method := map[string]string{"mc": "Monte Carlo", "lhs": "Latin Hypercube"}[rep.Sampling]
	fmt.Fprintf(w, "%s: %d iterations (%s, seed %d) in %.2fs\n", rep.Workbook, rep.Iterations, method, rep.Seed, rep.ElapsedSeconds)
	if rep.StoppedEarly {
		fmt.Fprintln(w, "stopped early: the precision asked for was reached")
	}
	for _, warning := range rep.Warnings {
		if shown[warning] {
			continue
		}
		fmt.Fprintf(w, "warning: %s\n", warning)
	}
	for _, o := range rep.Outputs {
		if o.Name != "" {
			fmt.Fprintf(w, "\n%s (%s)\n", o.Name, o.Cell)
		} else {
			fmt.Fprintf(w, "\n%s\n", o.Cell)
		}
		fmt.Fprintf(w, "  mean %s  sd %s  min %s  max %s  (%d values)\n", g(o.Mean), g(o.StdDev), g(o.Min), g(o.Max), o.Count)
		if len(o.Errors) > 0 {
			kinds := make([]string, 0, len(o.Errors))
			for k := range o.Errors {
				kinds = append(kinds, k)
			}
			slices.Sort(kinds)
			fmt.Fprintf(w, "  errors:")
			for _, k := range kinds {
				fmt.Fprintf(w, " %s %d", k, o.Errors[k])
			}
			fmt.Fprintln(w, "  (left out of the statistics)")
		}
		if len(o.Percentiles) > 0 {
			ps := make([]string, 0, len(o.Percentiles))
			for p := range o.Percentiles {
				ps = append(ps, p)
			}
			slices.SortFunc(ps, func(a, b string) int {
				x, _ := strconv.ParseFloat(a, 64)
				y, _ := strconv.ParseFloat(b, 64)
				return cmpFloat(x, y)
			})
			fmt.Fprintf(w, "  percentiles:")
			for _, p := range ps {
				fmt.Fprintf(w, " P%s %s", p, g(o.Percentiles[p]))
			}
			fmt.Fprintln(w)
		}
		for _, t := range o.Tails {
			fmt.Fprintf(w, "  tail %s%%: VaR %s  CVaR %s  (upper: VaR %s  CVaR %s)\n",
				strconv.FormatFloat(100*t.Level, 'f', -1, 64), g(t.VaR), g(t.CVaR), g(t.UpperVaR), g(t.UpperCVaR))
		}
		for _, t := range o.Targets {
			fmt.Fprintf(w, "  target %s: P(below) %s  P(above) %s\n", g(Number(t.Value)), g(t.ProbBelow), g(t.ProbAbove))
		}
		if len(o.Sensitivity) > 0 {
			sens := slices.Clone(o.Sensitivity)
			slices.SortStableFunc(sens, func(a, b SensitivityReport) int {
				return cmpFloat(math.Abs(float64(b.RankCorrelation)), math.Abs(float64(a.RankCorrelation)))
			})
			fmt.Fprintln(w, "  sensitivity (rank correlation, contribution to variance; change in mean bottom→top decile; SRC, share of variance):")
			for _, s := range sens {
				fmt.Fprintf(w, "    %-24s %6s  %7s   %s → %s (%s)   %+.3f  %5.1f%%\n", s.Input, fixed(s.RankCorrelation, "%+.3f"), fixed(s.ContributionToVariance, "%.1f%%"),
					g(s.LowDecileMean), g(s.HighDecileMean), g(s.ChangeInMean), float64(s.StandardizedRegression), 100*float64(s.VarianceShare))
			}
			fmt.Fprintf(w, "    %-24s %40s %5.1f%%  (R² %s)\n", "unexplained", "", 100*float64(o.Unexplained), g(o.RSquared))
		}
	}
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// fixed formats a statistic with format, "n/a" when undefined (a rank
// correlation with a constant output).
func fixed(n Number, format string) string {
	x := float64(n)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return fmt.Sprintf(format, x)
}

// g formats a statistic with 6 significant digits, "n/a" when undefined.
func g(n Number) string {
	x := float64(n)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}
