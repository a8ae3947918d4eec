package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/engine/stats"
	"github.com/simgraph/simgraph/engine/workbook"
)

const simulateUsage = `simgraph simulate WORKBOOK --input CELL=DIST [--input ...] --output CELL [--output ...]
                  [--iterations N] [--seed S] [--sampling mc|lhs] [--correlate CELL,CELL=R ...] [--json]

Runs a Monte Carlo simulation of an .xlsx workbook: each --input cell is drawn
from its distribution, the workbook's formulas are recomputed for every
iteration, and each --output cell is summarised (mean, standard deviation,
percentiles, histogram, sensitivity to each input). Cells are written
Sheet!A1 ('My Sheet'!A1 when the name has spaces). Example:

  simgraph simulate project-dcf.xlsx \
    --input 'Inputs!B2=triangular(100,120,150)' --input 'Inputs!B3=normal(10000,1500)' \
    --output Summary!B2 --iterations 100000 --seed 7 --sampling lhs

--correlate 'Inputs!B2,Inputs!B3=0.6' asks for a Spearman rank correlation of
0.6 between two inputs (Iman-Conover). A progress bar goes to stderr when it
is a terminal; results go to stdout. Bad input exits with status 1.

`

// SimulateReport is what `simgraph simulate --json` prints.
type SimulateReport struct {
	Workbook       string         `json:"workbook"`
	Iterations     int            `json:"iterations"`
	Seed           uint64         `json:"seed"`
	Sampling       string         `json:"sampling"`
	ElapsedSeconds float64        `json:"elapsedSeconds"`
	Warnings       []string       `json:"warnings"`
	Outputs        []OutputReport `json:"outputs"`
}

// OutputReport is one output's results. Statistics that are undefined
// (all iterations errors, or too few values) are null.
type OutputReport struct {
	Cell        string              `json:"cell"`
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
	iterations, workers, bins     int
	seed                          uint64
	sampling, percentiles         string
	progress                      string
	json                          bool
}

// Simulate is `simgraph simulate`; see simulateUsage and DistributionHelp.
func Simulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var fl simulateFlags
	fs.Var(&fl.inputs, "input", "an uncertain input, `CELL=DIST` (repeat for each input)")
	fs.Var(&fl.outputs, "output", "an output `CELL` (repeat for each output)")
	fs.Var(&fl.correlations, "correlate", "a rank correlation between two inputs, `CELL,CELL=R` with R in [-1, 1] (repeatable)")
	fs.IntVar(&fl.iterations, "iterations", 10_000, "number of iterations")
	fs.Uint64Var(&fl.seed, "seed", 1, "random seed: the same seed gives the same results")
	fs.StringVar(&fl.sampling, "sampling", "mc", "sampling method: mc (Monte Carlo) or lhs (Latin Hypercube)")
	fs.IntVar(&fl.workers, "workers", 0, "worker goroutines (0: one per CPU); results do not depend on it")
	fs.StringVar(&fl.percentiles, "percentiles", "1,5,10,25,50,75,90,95,99", "comma-separated percentiles to report, in percent")
	fs.IntVar(&fl.bins, "bins", 0, "histogram bins (0: Freedman-Diaconis rule)")
	fs.StringVar(&fl.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always or never")
	fs.BoolVar(&fl.json, "json", false, "print one JSON object instead of text")
	fs.Usage = func() {
		fmt.Fprint(stderr, simulateUsage)
		fmt.Fprint(stderr, DistributionHelp)
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("simulate: want one workbook, got %d arguments", len(pos))
	}
	fl.workbook = pos[0]
	m, opts, err := fl.build()
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if bar := fl.progressBar(stderr); bar != nil {
		opts.Progress = func(p engine.Progress) {
			if p.Stage == "running" {
				_ = bar.Set(p.Done)
			}
		}
		defer func() {
			_ = bar.Finish()
			fmt.Fprintln(stderr)
		}()
	}
	res, err := engine.Simulate(ctx, m, opts)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	rep := report(&fl, m, res)
	if fl.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printSimulation(stdout, rep)
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
	if len(fl.outputs) == 0 {
		return m, o, fmt.Errorf("no --output: name at least one output cell, for example --output 'Summary!B2'")
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
		r, err := formula.ParseCellRef(strings.TrimSpace(text))
		if err != nil {
			return m, o, fmt.Errorf("--output %q: %w", text, err)
		}
		m.Outputs = append(m.Outputs, r)
	}
	for _, text := range fl.correlations {
		c, err := parseCorrelation(text, m.Inputs)
		if err != nil {
			return m, o, fmt.Errorf("--correlate %q: %w", text, err)
		}
		m.Correlations = append(m.Correlations, c)
	}
	wb, err := workbook.OpenFile(fl.workbook, workbook.DefaultLimits())
	if err != nil {
		return m, o, fmt.Errorf("%s: %w", fl.workbook, err)
	}
	m.Workbook = wb
	for _, in := range m.Inputs {
		if err := checkCell(wb, in.Cell); err != nil {
			return m, o, fmt.Errorf("--input %s: %w", in.Cell, err)
		}
	}
	for _, out := range m.Outputs {
		if err := checkCell(wb, out); err != nil {
			return m, o, fmt.Errorf("--output %s: %w", out, err)
		}
	}
	return m, o, nil
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
	return engine.Input{Cell: r, Name: cellText, Dist: d}, nil
}

// parseCorrelation reads CELL,CELL=R; both cells must be inputs.
func parseCorrelation(text string, inputs []engine.Input) (engine.Correlation, error) {
	i := strings.LastIndexByte(text, '=')
	if i < 0 {
		return engine.Correlation{}, fmt.Errorf("want CELL,CELL=COEFFICIENT, for example 'Inputs!B2,Inputs!B3=0.6'")
	}
	r, err := parseNumber(text[i+1:])
	if err != nil {
		return engine.Correlation{}, err
	}
	if r < -1 || r > 1 {
		return engine.Correlation{}, fmt.Errorf("the coefficient %g is outside [-1, 1]", r)
	}
	a, b, ok := cutOutsideQuotes(text[:i], ',')
	if !ok {
		return engine.Correlation{}, fmt.Errorf("want two cells separated by a comma")
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

func (fl *simulateFlags) progressBar(stderr io.Writer) *progressbar.ProgressBar {
	show := fl.progress == "always"
	if fl.progress == "auto" {
		f, ok := stderr.(*os.File)
		show = ok && term.IsTerminal(int(f.Fd()))
	}
	if !show {
		return nil
	}
	return progressbar.NewOptions(fl.iterations,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription("simulating"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("it"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionFullWidth(),
	)
}

func report(fl *simulateFlags, m engine.Model, res *engine.Result) *SimulateReport {
	rep := &SimulateReport{
		Workbook: fl.workbook, Iterations: res.Iterations, Seed: fl.seed,
		Sampling: fl.sampling, ElapsedSeconds: res.Elapsed.Seconds(),
		Warnings: append([]string{}, res.Warnings...),
	}
	for _, o := range res.Outputs {
		s := o.Summary
		or := OutputReport{
			Cell: o.Cell.String(), Count: s.Count,
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
		for _, b := range o.Histogram {
			or.Histogram = append(or.Histogram, BinReport{Lower: Number(b.Lower), Upper: Number(b.Upper), Count: b.Count})
		}
		for _, sv := range o.Sensitivity {
			or.Sensitivity = append(or.Sensitivity, SensitivityReport{
				Input: m.Inputs[sv.Input].Cell.String(), RankCorrelation: Number(sv.RankCorrelation),
				ContributionToVariance: Number(sv.ContributionToVariance),
			})
		}
		rep.Outputs = append(rep.Outputs, or)
	}
	return rep
}

func printSimulation(w io.Writer, rep *SimulateReport) {
	method := map[string]string{"mc": "Monte Carlo", "lhs": "Latin Hypercube"}[rep.Sampling]
	fmt.Fprintf(w, "%s: %d iterations (%s, seed %d) in %.2fs\n", rep.Workbook, rep.Iterations, method, rep.Seed, rep.ElapsedSeconds)
	for _, warning := range rep.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warning)
	}
	for _, o := range rep.Outputs {
		fmt.Fprintf(w, "\n%s\n", o.Cell)
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
		if len(o.Sensitivity) > 0 {
			sens := slices.Clone(o.Sensitivity)
			slices.SortStableFunc(sens, func(a, b SensitivityReport) int {
				return cmpFloat(math.Abs(float64(b.RankCorrelation)), math.Abs(float64(a.RankCorrelation)))
			})
			fmt.Fprintln(w, "  sensitivity (rank correlation, contribution to variance):")
			for _, s := range sens {
				fmt.Fprintf(w, "    %-24s %+.3f  %6.1f%%\n", s.Input, float64(s.RankCorrelation), float64(s.ContributionToVariance))
			}
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

// g formats a statistic with 6 significant digits, "n/a" when undefined.
func g(n Number) string {
	x := float64(n)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}
