package cli_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine/cli"
	"github.com/simgraph/simgraph/engine/dist"
)

// workbooksDir finds ../shared/workbooks beside the repository root (the
// directory holding go.mod); a missing folder fails the test.
func workbooksDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "no go.mod above the test directory")
		dir = parent
	}
	wb := filepath.Join(dir, "..", "shared", "workbooks")
	if _, err := os.Stat(wb); err != nil {
		t.Fatalf("test workbooks not found at %s (expected ../shared/workbooks relative to the repository root): %v", wb, err)
	}
	return wb
}

func dcfPath(t testing.TB) string { return filepath.Join(workbooksDir(t), "project-dcf.xlsx") }

// evalWorkbook writes a workbook whose cached values are numbers: B1's is
// wrong (5 for 2*2), B2's right, B3 calls an unknown function twice and B4
// another once.
func evalWorkbook(t *testing.T) string {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	require.NoError(t, x.SetCellValue("Sheet1", "A1", 2.0))
	for _, c := range []struct{ cell, f string }{
		{"B1", "A1*2"}, {"B2", "A1*2"}, {"B3", "FOOBAR(A1)+FOOBAR(2)"}, {"B4", "BAZ(1)"},
	} {
		require.NoError(t, x.SetCellFormula("Sheet1", c.cell, c.f))
	}
	require.NoError(t, x.SetCellValue("Sheet1", "B1", 5.0))
	require.NoError(t, x.SetCellFormula("Sheet1", "B1", "A1*2"))
	require.NoError(t, x.SetCellValue("Sheet1", "B2", 4.0))
	require.NoError(t, x.SetCellFormula("Sheet1", "B2", "A1*2"))
	buf, err := x.WriteToBuffer()
	require.NoError(t, err)
	// excelize marks formula results as text (t="str"); make them numbers,
	// as Excel writes them.
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		r, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(r)
		require.NoError(t, err)
		if strings.HasPrefix(f.Name, "xl/worksheets/") {
			b = bytes.ReplaceAll(b, []byte(` t="str"`), nil)
		}
		w, err := zw.Create(f.Name)
		require.NoError(t, err)
		_, err = w.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	path := filepath.Join(t.TempDir(), "eval.xlsx")
	require.NoError(t, os.WriteFile(path, out.Bytes(), 0o600))
	return path
}

func run(fn func(context.Context, []string, io.Writer, io.Writer) error, args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	err := fn(context.Background(), args, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestEvalJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		path        func(t *testing.T) string
		formulas    int
		evaluated   int
		matched     int
		mismatched  []map[string]any
		unsupported map[string]any
	}{
		{
			name: "ProjectDCF", path: func(t *testing.T) string { return dcfPath(t) },
			formulas: 107, evaluated: 107, matched: 107, mismatched: []map[string]any{}, unsupported: map[string]any{},
		},
		{
			name: "Mismatch", path: evalWorkbook,
			formulas: 4, evaluated: 2, matched: 1,
			mismatched:  []map[string]any{{"cell": "Sheet1!B1", "formula": "=A1*2", "expected": 5.0, "got": 4.0}},
			unsupported: map[string]any{"FOOBAR": 1.0, "BAZ": 1.0},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// flags after the workbook, as people type them
			stdout, _, err := run(cli.Eval, tc.path(t), "--json")
			require.NoError(t, err)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(stdout), &got))
			keys := make([]string, 0, len(got))
			for k := range got {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			require.Equal(t, []string{"evaluated", "formulas", "matched", "mismatched", "unsupported"}, keys)
			require.EqualValues(t, tc.formulas, got["formulas"])
			require.EqualValues(t, tc.evaluated, got["evaluated"])
			require.EqualValues(t, tc.matched, got["matched"])
			var mm []map[string]any
			for _, m := range got["mismatched"].([]any) {
				mm = append(mm, m.(map[string]any))
			}
			if len(tc.mismatched) == 0 {
				require.Empty(t, mm)
			} else {
				require.Equal(t, tc.mismatched, mm)
			}
			require.Equal(t, tc.unsupported, got["unsupported"])
		})
	}
}

func TestEvalText(t *testing.T) {
	t.Parallel()
	stdout, _, err := run(cli.Eval, evalWorkbook(t))
	require.NoError(t, err)
	for _, want := range []string{"formula cells  4", "evaluated      2", "matched        1", "mismatched     1",
		"Sheet1!B1\t=A1*2\texpected 5\tgot 4", "FOOBAR", "BAZ"} {
		require.Contains(t, stdout, want)
	}
}

func TestEvalBadInput(t *testing.T) {
	t.Parallel()
	notXLSX := filepath.Join(t.TempDir(), "notes.xlsx")
	require.NoError(t, os.WriteFile(notXLSX, []byte("not a workbook"), 0o600))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"NoWorkbook", nil, "want one workbook"},
		{"TwoWorkbooks", []string{"a.xlsx", "b.xlsx"}, "want one workbook"},
		{"Missing", []string{filepath.Join(t.TempDir(), "missing.xlsx")}, "no such file"},
		{"NotXLSX", []string{notXLSX}, "not a zip archive"},
		{"UnknownFlag", []string{"--bogus"}, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stdout, _, err := run(cli.Eval, tc.args...)
			require.ErrorContains(t, err, tc.want)
			require.Empty(t, stdout)
		})
	}
	help, stderr, err := run(cli.Eval, "--help")
	require.ErrorIs(t, err, flag.ErrHelp)
	require.Contains(t, help, "simgraph eval WORKBOOK")
	require.Empty(t, stderr)
}

// dcfArgs are the workbooks README's reference simulation.
func dcfArgs(t *testing.T, extra ...string) []string {
	return append([]string{dcfPath(t),
		"--input", "Inputs!B2=triangular(100,120,150)",
		"--input", "Inputs!B3=normal(10000,1500)",
		"--input", "Inputs!B4=uniform(0.03,0.12)",
		"--input", "Inputs!B5=triangular(60,70,90)",
		"--input", "Inputs!B7=uniform(8%,12%)",
		"--output", "Summary!B2", "--output", "Summary!B3",
		"--iterations", "5000", "--seed", "7",
	}, extra...)
}

func TestSimulateJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"MonteCarlo", nil},
		{"LatinHypercubeCorrelated", []string{"--sampling", "lhs", "--correlate", "Inputs!B2,Inputs!B5=0.5", "--percentiles", "5,50,95,2.5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, err := run(cli.Simulate, dcfArgs(t, append(tc.extra, "--json")...)...)
			require.NoError(t, err)
			require.Empty(t, stderr, "no progress bar when stderr is not a terminal")
			var got struct {
				Iterations     int      `json:"iterations"`
				ElapsedSeconds *float64 `json:"elapsedSeconds"`
				Outputs        []map[string]json.RawMessage
			}
			require.NoError(t, json.Unmarshal([]byte(stdout), &got))
			require.Equal(t, 5000, got.Iterations)
			require.NotNil(t, got.ElapsedSeconds)
			require.Positive(t, *got.ElapsedSeconds)
			require.Len(t, got.Outputs, 2)
			for i, o := range got.Outputs {
				for _, k := range []string{"cell", "mean", "stdDev", "min", "max", "percentiles", "histogram", "sensitivity"} {
					require.Contains(t, o, k)
				}
				var cell string
				require.NoError(t, json.Unmarshal(o["cell"], &cell))
				require.Equal(t, []string{"Summary!B2", "Summary!B3"}[i], cell)
				var mean, sd, lo, hi float64
				for k, dst := range map[string]*float64{"mean": &mean, "stdDev": &sd, "min": &lo, "max": &hi} {
					require.NoError(t, json.Unmarshal(o[k], dst), k)
				}
				require.True(t, lo <= mean && mean <= hi && sd > 0)
				var ps map[string]float64
				require.NoError(t, json.Unmarshal(o["percentiles"], &ps))
				require.Contains(t, ps, "5")
				require.Contains(t, ps, "50")
				require.Contains(t, ps, "95")
				require.Less(t, ps["5"], ps["95"])
				var hist []struct {
					Lower, Upper float64
					Count        int
				}
				require.NoError(t, json.Unmarshal(o["histogram"], &hist))
				require.NotEmpty(t, hist)
				var sens []struct {
					Input                  string
					RankCorrelation        float64
					ContributionToVariance float64
				}
				require.NoError(t, json.Unmarshal(o["sensitivity"], &sens))
				require.Len(t, sens, 5)
				require.Equal(t, "Inputs!B2", sens[0].Input)
			}
		})
	}
}

// TestSimulateTailsAndTargets checks --tail, --target (every output's and
// one output's, by name or cell) and named outputs in the JSON and the
// text: the tails are ordered as the percentiles and the targets'
// probabilities those the samples give.
func TestSimulateTailsAndTargets(t *testing.T) {
	t.Parallel()
	args := dcfArgs(t, "--tail", "0.9", "--tail", "0.99", "--target", "0", "--target", "npv=1000000", "--target", "Summary!B3=0.2")
	for i, a := range args {
		if a == "Summary!B2" {
			args[i] = "NPV=Summary!B2"
		}
	}
	stdout, _, err := run(cli.Simulate, append(args, "--json", "--percentiles", "1,10")...)
	require.NoError(t, err)
	var rep cli.SimulateReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	require.Len(t, rep.Outputs, 2)
	npv, irr := rep.Outputs[0], rep.Outputs[1]
	require.Equal(t, "NPV", npv.Name)
	require.Equal(t, "", irr.Name, "Summary!B3 has no label beside it")
	for _, o := range rep.Outputs {
		require.Len(t, o.Tails, 2)
		require.Equal(t, 0.9, o.Tails[0].Level)
		require.Equal(t, o.Percentiles["10"], o.Tails[0].VaR, "VaR at 90%% is the 10th percentile")
		require.Equal(t, o.Percentiles["1"], o.Tails[1].VaR)
		require.Less(t, float64(o.Tails[0].CVaR), float64(o.Tails[0].VaR))
		require.Less(t, float64(o.Tails[1].CVaR), float64(o.Tails[0].CVaR), "the 99%% shortfall is worse")
		require.Greater(t, float64(o.Tails[0].UpperCVaR), float64(o.Tails[0].UpperVaR))
		require.Greater(t, float64(o.RSquared), 0.5)
		require.InDelta(t, 1, float64(o.RSquared+o.Unexplained), 1e-12)
		for _, s := range o.Sensitivity {
			require.Equal(t, s.HighDecileMean-s.LowDecileMean, s.ChangeInMean)
		}
	}
	require.Equal(t, []float64{0, 1e6}, []float64{npv.Targets[0].Value, npv.Targets[1].Value})
	require.Equal(t, []float64{0, 0.2}, []float64{irr.Targets[0].Value, irr.Targets[1].Value})
	for _, o := range rep.Outputs {
		for _, tg := range o.Targets {
			require.InDelta(t, 1, float64(tg.ProbBelow+tg.ProbAbove), 1e-12, "continuous outputs never equal a target")
		}
	}
	require.Greater(t, float64(npv.Targets[1].ProbBelow), float64(npv.Targets[0].ProbBelow))
	text, _, err := run(cli.Simulate, args...)
	require.NoError(t, err)
	require.Contains(t, text, "NPV (Summary!B2)")
	require.Contains(t, text, "tail 90%: VaR")
	require.Contains(t, text, "target 1e+06: P(below)")
	require.Contains(t, text, "unexplained")
}

// TestSimulateAutoStop stops the DCF model once its NPV's mean (and, with
// --precision-percentiles, its P5) is known within 2%, and reports the
// running mean for a convergence chart.
func TestSimulateAutoStop(t *testing.T) {
	t.Parallel()
	runs := map[string]cli.SimulateReport{}
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"Full", nil},
		{"Mean", []string{"--precision", "0.02"}},
		{"MeanAndP5", []string{"--precision", "0.02", "--precision-percentiles", "5"}},
	} {
		args := dcfArgs(t, append([]string{"--iterations", "200000", "--json"}, tc.extra...)...)
		stdout, _, err := run(cli.Simulate, args...)
		require.NoError(t, err, tc.name)
		var rep cli.SimulateReport
		require.NoError(t, json.Unmarshal([]byte(stdout), &rep), tc.name)
		runs[tc.name] = rep
	}
	full, mean, both := runs["Full"], runs["Mean"], runs["MeanAndP5"]
	require.Equal(t, 200_000, full.Iterations)
	require.False(t, full.StoppedEarly)
	require.True(t, mean.StoppedEarly)
	require.Less(t, mean.Iterations, full.Iterations)
	require.Greater(t, both.Iterations, mean.Iterations, "a tail percentile needs more iterations than the mean")
	for _, rep := range []cli.SimulateReport{mean, both} {
		for _, o := range rep.Outputs {
			require.LessOrEqual(t, 1.96*float64(o.Summary["stdError"]), 0.02*math.Abs(float64(o.Mean)), "%s mean precision", o.Cell)
			c := o.Convergence
			require.NotEmpty(t, c)
			require.Equal(t, rep.Iterations, c[len(c)-1].Iterations)
			require.Equal(t, o.Mean, c[len(c)-1].Mean)
		}
	}
}

func TestSimulateDeterministicText(t *testing.T) {
	t.Parallel()
	a, _, err := run(cli.Simulate, dcfArgs(t, "--workers", "1")...)
	require.NoError(t, err)
	b, _, err := run(cli.Simulate, dcfArgs(t, "--workers", "3")...)
	require.NoError(t, err)
	require.Contains(t, a, "Summary!B2")
	require.Contains(t, a, "sensitivity")
	strip := func(s string) string { // drop the timing
		_, rest, _ := strings.Cut(s, "\n")
		return rest
	}
	require.Equal(t, strip(a), strip(b), "the same seed gives the same results whatever the workers")
}

// TestSimulateProgressNotATerminal checks the progress when stderr is a
// file or a pipe: nothing unless asked for, and then whole lines, one per
// tenth of the run, without the carriage returns that redraw a bar.
func TestSimulateProgressNotATerminal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode  string
		lines []string
	}{
		{"auto", nil},
		{"never", nil},
		{"always", []string{
			"simulating:  20% (1024 of 5000 iterations)", "simulating:  40% (2048 of 5000 iterations)",
			"simulating:  61% (3072 of 5000 iterations)", "simulating:  81% (4096 of 5000 iterations)",
			"simulating: 100% (5000 of 5000 iterations)", "summarizing 5000 iterations",
		}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			// one worker: every chunk is reported (several may finish
			// chunks together, which one report then covers)
			stdout, stderr, err := run(cli.Simulate, dcfArgs(t, "--json", "--progress", tc.mode, "--workers", "1")...)
			require.NoError(t, err)
			require.True(t, json.Valid([]byte(stdout)), "stdout is only the JSON")
			if tc.lines == nil {
				require.Empty(t, stderr)
				return
			}
			require.NotContains(t, stderr, "\r")
			require.True(t, strings.HasSuffix(stderr, "\n"), "the last line is ended")
			require.Equal(t, tc.lines, strings.Split(strings.TrimSuffix(stderr, "\n"), "\n"))
		})
	}
}

func TestSimulateBadInput(t *testing.T) {
	t.Parallel()
	wb := dcfPath(t)
	base := func(extra ...string) []string {
		return append([]string{wb, "--output", "Summary!B2"}, extra...)
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string // all must appear in the error
	}{
		{"NoWorkbook", []string{"--output", "Summary!B2"}, []string{"want one workbook"}},
		{"NegativePrecision", base("--precision", "-0.01"), []string{"--precision -0.01"}},
		{"PrecisionConfidence", base("--precision", "0.01", "--confidence", "1"), []string{"--confidence 1"}},
		{"PrecisionPercentile", base("--precision", "0.01", "--precision-percentiles", "5,100"), []string{"--precision-percentiles", `"100"`}},
		{"PercentilesWithoutPrecision", base("--precision-percentiles", "5"), []string{"needs --precision"}},
		{"MissingWorkbook", []string{filepath.Join(t.TempDir(), "x.xlsx"), "--output", "S!A1"}, []string{"no such file"}},
		{"NoOutput", []string{wb, "--input", "Inputs!B2=normal(1,1)"}, []string{"no --output"}},
		{"InputWithoutDistribution", base("--input", "Inputs!B2"), []string{`--input "Inputs!B2"`, "CELL=DISTRIBUTION"}},
		{"BadCell", base("--input", "Inputs!ZZZZ0=normal(1,1)"), []string{`--input "Inputs!ZZZZ0=normal(1,1)"`, "bad cell"}},
		{"UnknownSheet", base("--input", "Nowhere!B2=normal(1,1)"), []string{"--input Nowhere!B2", `no sheet "Nowhere"`}},
		{"UnknownOutputSheet", []string{wb, "--output", "Nowhere!A1"}, []string{"--output Nowhere!A1", "no sheet"}},
		{"UnknownDistribution", base("--input", "Inputs!B2=gauss(1,1)"), []string{"Inputs!B2", `unknown distribution "gauss"`}},
		{"Arity", base("--input", "Inputs!B2=triangular(1,2)"), []string{"Inputs!B2", "triangular takes 3 parameters (min, mode, max), got 2"}},
		{"NotANumber", base("--input", "Inputs!B2=normal(ten,1)"), []string{"Inputs!B2", "normal mean", `"ten" is not a number`}},
		{"InvalidParameter", base("--input", "Inputs!B2=triangular(5,3,4)"), []string{`input "Inputs!B2"`, "min <= mode <= max"}},
		{"NoParenthesis", base("--input", "Inputs!B2=normal"), []string{"Inputs!B2", "want name(parameters)"}},
		{"BadTruncation", base("--input", "Inputs!B2=normal(0,1)[2]"), []string{"Inputs!B2", "want [min,max]"}},
		{"EmptyTruncation", base("--input", "Inputs!B2=normal(0,1)[,]"), []string{"Inputs!B2", "no bound"}},
		{"TruncationOutsideSupport", base("--input", "Inputs!B2=uniform(0,1)[5,6]"), []string{"Inputs!B2", "leaves no probability"}},
		{"DiscreteItem", base("--input", "Inputs!B2=discrete(1:0.5,2)"), []string{"Inputs!B2", "must be value:probability"}},
		{"DiscreteSum", base("--input", "Inputs!B2=discrete(1:0.5,2:0.2)"), []string{"Inputs!B2"}},
		{"DuplicateInput", base("--input", "Inputs!B2=normal(1,1)", "--input", "inputs!B2=normal(2,1)"), []string{"another --input"}},
		{"FormulaInput", base("--input", "Summary!B3=normal(1,1)"), []string{"Summary!B3", "formula cell"}},
		{"CorrelateNotInput", base("--input", "Inputs!B2=normal(1,1)", "--correlate", "Inputs!B2,Inputs!B3=0.5"), []string{"--correlate", "Inputs!B3 is not an --input"}},
		{"CorrelateRange", base("--input", "Inputs!B2=normal(1,1)", "--input", "Inputs!B3=normal(1,1)", "--correlate", "Inputs!B2,Inputs!B3=1.5"), []string{"--correlate", "outside [-1, 1]"}},
		{"CorrelateSyntax", base("--input", "Inputs!B2=normal(1,1)", "--correlate", "Inputs!B2=0.5"), []string{"--correlate", "two cells"}},
		{"Sampling", base("--sampling", "sobol"), []string{`--sampling "sobol"`}},
		{"Iterations", base("--iterations", "0"), []string{"--iterations 0"}},
		{"Percentiles", base("--percentiles", "5,150"), []string{"--percentiles", `"150"`}},
		{"Progress", base("--progress", "sometimes"), []string{"--progress"}},
		{"TailLevel", base("--tail", "0.95,1.5"), []string{"--tail", `"1.5"`}},
		{"TargetNumber", base("--target", "lots"), []string{"--target", `"lots"`}},
		{"TargetOutput", base("--target", "Profit=0"), []string{"--target", `"Profit" is not an output`}},
		{"UnknownFlag", base("--bogus"), []string{"flag provided but not defined"}},
		{"ScenarioNoName", base("--input", "Inputs!B2=normal(1,1)", "--scenario", "Inputs!B2=3"), []string{"--scenario", "NAME:CELL=VALUE"}},
		{"ScenarioBand", base("--input", "Inputs!B2=normal(1,1)", "--scenario", "x:Inputs!B2=p0.5-0.2"), []string{"--scenario", "low < high"}},
		{"ScenarioBandNotInput", base("--input", "Inputs!B2=normal(1,1)", "--scenario", "x:Inputs!B3=p0-0.2"), []string{"--scenario", "not an input"}},
		{"ScenarioDistribution", base("--input", "Inputs!B2=normal(1,1)", "--scenario", "x:Inputs!B2=gauss(1,1)"), []string{"--scenario", "gauss"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stdout, _, err := run(cli.Simulate, tc.args...)
			require.Error(t, err)
			for _, w := range tc.want {
				require.ErrorContains(t, err, w)
			}
			require.Empty(t, stdout)
		})
	}
	help, stderr, err := run(cli.Simulate, "--help")
	require.True(t, errors.Is(err, flag.ErrHelp))
	require.Empty(t, stderr, "help goes to stdout")
	for _, name := range []string{"normal(", "lognormal(", "lognormal_mu(", "uniform(", "triangular(", "pert(", "beta(",
		"gamma(", "exponential(", "weibull(", "poisson(", "binomial(", "bernoulli(", "discrete(", "cumulative(", "[-2,2]",
		"logistic(", "extreme_value(", "student(", "loglogistic(", "pareto(", "negative_binomial(", "general(", "histogram(",
		"discrete_uniform(", "integer_uniform(", "trigen("} {
		require.Contains(t, help, name)
	}
}

func TestParseDistribution(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		typ  dist.Type
		mean float64 // of the built distribution
	}{
		{"normal(100,15)", dist.Normal, 100},
		{"Normal( 1 , 2 )", dist.Normal, 1},
		{"lognormal(10,2)", dist.LogNormal, 10},
		{"lognormal_mu(0,1)", dist.LogNormal, 1.6487212707001282}, // e^(1/2)
		{"uniform(5%,15%)", dist.Uniform, 0.1},
		{"triangular(1,2,6)", dist.Triangular, 3},
		{"pert(0,1,8)", dist.PERT, 2},
		{"pert(0,1,8,2)", dist.PERT, 2.5},
		{"beta(2,2)", dist.Beta, 0.5},
		{"beta(2,2,10,20)", dist.Beta, 15},
		{"gamma(2,3)", dist.Gamma, 6},
		{"exponential(0.5)", dist.Exponential, 2},
		{"weibull(1,2)", dist.Weibull, 2},
		{"poisson(4)", dist.Poisson, 4},
		{"binomial(10,0.3)", dist.Binomial, 3},
		{"bernoulli(0.25)", dist.Bernoulli, 0.25},
		{"discrete(1:0.2,2:0.3,3:0.5)", dist.Discrete, 2.3},
		{"cumulative(0:0,10:1)", dist.Cumulative, 5},
		{"cumulative(0,5:0.5,10)", dist.Cumulative, 5},
		{"cumulative(1,2,3)", dist.Cumulative, 2},
		{"normal(0,1)[0,]", dist.Normal, 0.7978845608028654}, // √(2/π)
		{"uniform(0,10)[,5]", dist.Uniform, 2.5},
		{"uniform(0,10)[2,4]", dist.Uniform, 3},
		{"logistic(5,2)", dist.Logistic, 5},
		{"extreme_value(0,1)", dist.ExtremeValue, 0.5772156649015329}, // Euler–Mascheroni
		{"extvalue(0,1)", dist.ExtremeValue, 0.5772156649015329},
		{"student(5)", dist.Student, 0},
		{"t(3)[0,]", dist.Student, 1.1026577908435840},        // 2√3/π, the half-t's mean
		{"loglogistic(1,2,2)", dist.LogLogistic, 1 + math.Pi}, // γ + β(π/α)/sin(π/α)
		{"pareto(2,1)", dist.Pareto, 2},
		{"negative_binomial(3,0.5)", dist.NegativeBinomial, 3},
		{"negbin(1,0.2)", dist.NegativeBinomial, 4},
		{"general(0,2,1:1)", dist.General, 1},
		{"general(0;2;1:0,5)", dist.General, 1},
		{"histogram(0,10,1,2,3)", dist.Histogram, (1*5.0/3 + 2*5 + 3*25.0/3) / 6},
		{"histogrm(0,4,1,1)", dist.Histogram, 2},
		{"discrete_uniform(1,2,6)", dist.DiscreteUniform, 3},
		{"duniform(1,2,2)", dist.DiscreteUniform, 5.0 / 3},
		{"integer_uniform(1,6)", dist.IntegerUniform, 3.5},
		{"intuniform(1,6)", dist.IntegerUniform, 3.5},
		{"trigen(10,20,30,0,100)", dist.Trigen, 20},
		{"trigen(-1,0,1,10%,90%)", dist.Trigen, 0},
		{"trigen(10,20,40,10,90)", dist.Trigen, 24.302452000799312}, // (a + 20 + b)/3, a = −0.52256, b = 53.42992 solved in mpmath
	} {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			spec, err := cli.ParseDistribution(tc.text)
			require.NoError(t, err)
			require.Equal(t, tc.typ, spec.Type)
			d, err := dist.New("x", spec)
			require.NoError(t, err)
			require.InDelta(t, tc.mean, d.Mean(), 1e-6*max(1, tc.mean))
		})
	}
	// every family of the engine has a syntax
	for _, typ := range dist.Types {
		require.True(t, slices.ContainsFunc([]string{"normal", "lognormal", "uniform", "triangular", "pert", "beta", "gamma",
			"exponential", "weibull", "poisson", "binomial", "bernoulli", "discrete", "cumulative", "logistic", "extreme_value",
			"student", "loglogistic", "pareto", "negative_binomial", "general", "histogram", "discrete_uniform", "integer_uniform", "trigen"},
			func(n string) bool { return strings.EqualFold(n, string(typ)) }), "no syntax for %s", typ)
	}
}

func TestParseDistributionParameters(t *testing.T) {
	t.Parallel()
	spec, err := cli.ParseDistribution("trigen(10,20,40,10%,90)")
	require.NoError(t, err)
	require.Equal(t, 10.0, *spec.BottomPercentile, "a percentile written 10% is the 10th")
	require.Equal(t, 90.0, *spec.TopPercentile)
	spec, err = cli.ParseDistribution("general(0,10,2:1,5:3,8:0.5)")
	require.NoError(t, err)
	require.Equal(t, []float64{2, 5, 8}, spec.Values)
	require.Equal(t, []float64{1, 3, 0.5}, spec.Probabilities)
	require.Equal(t, 0.0, *spec.Min)
	require.Equal(t, 10.0, *spec.Max)
	spec, err = cli.ParseDistribution("loglogistic(1,2,3)")
	require.NoError(t, err)
	require.Equal(t, []float64{1, 2, 3}, []float64{*spec.Min, *spec.Beta, *spec.Alpha}, "gamma, beta, alpha as in RiskLoglogistic")
	spec, err = cli.ParseDistribution("pareto(2,1)")
	require.NoError(t, err)
	require.Equal(t, []float64{2, 1}, []float64{*spec.Shape, *spec.Min}, "theta, a as in RiskPareto")
}

func TestParseDistributionErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ text, want string }{
		{"student()", "student takes 1 parameters (nu), got 0"},
		{"negbin(2.5,0.5)", "negative_binomial s must be a whole number (got 2.5)"},
		{"trigen(1,2,3,10)", "trigen takes 5 parameters (bottom, mode, top, bottom percentile, top percentile), got 4"},
		{"histogram(0,10)", "histogram takes min, max and at least one bin weight"},
		{"histogram(0,10,x)", `histogram weight 1: "x" is not a number`},
		{"general(0,10,5)", `general item 1 ("5") must be value:probability`},
		{"general(a,10,5:1)", `general min: "a" is not a number`},
		{"discrete_uniform()", "discrete_uniform needs values"},
		{"cauchy(0,1)", "unknown distribution \"cauchy\""},
	} {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			_, err := cli.ParseDistribution(tc.text)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestUsageErrors checks that a command line the commands cannot run is a
// *cli.UsageError (status 2 in main) that prints nothing itself, and bad
// input is not.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	wb := dcfPath(t)
	for _, tc := range []struct {
		name  string
		cmd   func(context.Context, []string, io.Writer, io.Writer) error
		args  []string
		usage bool
	}{
		{"SimulateUnknownFlag", cli.Simulate, []string{wb, "--bogus"}, true},
		{"SimulateBadNumber", cli.Simulate, []string{wb, "--seed", "-1"}, true},
		{"SimulateNoWorkbook", cli.Simulate, []string{"--output", "Summary!B2"}, true},
		{"SimulateTwoWorkbooks", cli.Simulate, []string{wb, wb, "--output", "Summary!B2"}, true},
		{"SimulateBadDistribution", cli.Simulate, []string{wb, "--output", "Summary!B2", "--input", "Inputs!B2=gauss(1,1)"}, false},
		{"EvalUnknownFlag", cli.Eval, []string{"--bogus"}, true},
		{"EvalNoWorkbook", cli.Eval, nil, true},
		{"EvalMissingWorkbook", cli.Eval, []string{filepath.Join(t.TempDir(), "missing.xlsx")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, err := run(tc.cmd, tc.args...)
			require.Error(t, err)
			var usageErr *cli.UsageError
			require.Equal(t, tc.usage, errors.As(err, &usageErr), "%v", err)
			if tc.usage {
				require.Contains(t, usageErr.Hint(), "--help")
			}
			require.Empty(t, stdout)
			require.Empty(t, stderr, "the caller reports the error once")
		})
	}
}

// TestParseDistributionSemicolons checks the spreadsheet habit of
// semicolons between parameters (with decimal commas) against the same
// distribution written with commas.
func TestParseDistributionSemicolons(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ semicolons, commas string }{
		{"triangular(100;120;150)", "triangular(100,120,150)"},
		{"triangular( 100 ; 120 ; 150 )", "triangular(100,120,150)"},
		{"normal(0,5;1)", "normal(0.5,1)"},
		{"normal(-1,25;0,5)", "normal(-1.25,0.5)"},
		{"uniform(8%;12%)", "uniform(0.08,0.12)"},
		{"uniform(7,5%;12,5%)", "uniform(0.075,0.125)"},
		{"normal(0.5;1)", "normal(0.5,1)"},
		{"pert(0;1;8;2)", "pert(0,1,8,2)"},
		{"discrete(1:0,2;2:0,3;3:0,5)", "discrete(1:0.2,2:0.3,3:0.5)"},
		{"cumulative(0;5:0,5;10)", "cumulative(0,5:0.5,10)"},
		{"normal(0;1)[-2;2]", "normal(0,1)[-2,2]"},
		{"normal(0;1)[-0,5;]", "normal(0,1)[-0.5,]"},
		{"normal(0;1)[0,2]", "normal(0,1)[0,2]"},
	} {
		t.Run(tc.semicolons, func(t *testing.T) {
			t.Parallel()
			got, err := cli.ParseDistribution(tc.semicolons)
			require.NoError(t, err)
			want, err := cli.ParseDistribution(tc.commas)
			require.NoError(t, err)
			require.Equal(t, want, got)
		})
	}
	for _, tc := range []struct{ text, want string }{
		{"normal(1.000,5;1)", "thousands separators"},
		{"normal(1,000,000;1)", "thousands separators"},
		{"normal(,5;1)", `",5" is not a number`},
		{"triangular(100;120,150)", "triangular takes 3 parameters (min, mode, max), got 2 (with ';' between the parameters"},
		{"normal(0;1)[0,5;1.000,5]", "truncation"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			_, err := cli.ParseDistribution(tc.text)
			require.ErrorContains(t, err, tc.want)
			if !strings.Contains(tc.want, "truncation") {
				require.ErrorContains(t, err, "normal(0,5;1) is normal(0.5,1)", "the message shows the syntax")
			}
		})
	}
}

// TestSimulateSemicolons runs the reference model with its inputs written
// with semicolons and decimal commas: the results are the commas' ones.
func TestSimulateSemicolons(t *testing.T) {
	t.Parallel()
	semicolons := dcfArgs(t, "--json")
	for i, a := range semicolons {
		semicolons[i] = map[string]string{
			"Inputs!B2=triangular(100,120,150)": "Inputs!B2=triangular(100;120;150)",
			"Inputs!B4=uniform(0.03,0.12)":      "Inputs!B4=uniform(0,03;0,12)",
			"Inputs!B7=uniform(8%,12%)":         "Inputs!B7=uniform(8%;12%)",
		}[a]
		if semicolons[i] == "" {
			semicolons[i] = a
		}
	}
	require.Contains(t, semicolons, "Inputs!B4=uniform(0,03;0,12)")
	commas := dcfArgs(t, "--json", "--correlate", "Inputs!B2,Inputs!B3=-0.4")
	semicolons = append(semicolons, "--correlate", "Inputs!B2;Inputs!B3=-0,4")
	results := func(args []string) []cli.OutputReport {
		stdout, _, err := run(cli.Simulate, args...)
		require.NoError(t, err)
		var rep cli.SimulateReport
		require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
		return rep.Outputs
	}
	require.Equal(t, results(commas), results(semicolons))
}

// TestSimulateDependencyWarnings checks that the warnings of the model's
// dependency graph go to stderr before the run (even without a progress
// bar), are in the JSON, and are not repeated in the text on stdout.
func TestSimulateDependencyWarnings(t *testing.T) {
	t.Parallel()
	const (
		constant = "warning: output Summary!B5 does not depend on any input: it will be constant"
		unused   = "warning: input Inputs!B9 (Loan amount) affects no output"
	)
	for _, tc := range []struct {
		name  string
		extra []string
		want  []string
	}{
		{"None", nil, nil},
		{"ConstantOutput", []string{"--output", "Summary!B5"}, []string{constant}},
		{"UnusedInput", []string{"--input", "Inputs!B9=normal(500000;50000)"}, []string{unused}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text, stderr, err := run(cli.Simulate, dcfArgs(t, tc.extra...)...)
			require.NoError(t, err)
			var lines []string
			if stderr != "" {
				lines = strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			}
			require.Equal(t, tc.want, lines)
			require.NotContains(t, text, "warning:", "stderr has them")
			require.NotContains(t, text, "NaN", "a constant output's undefined statistics read n/a")

			stdout, stderr, err := run(cli.Simulate, dcfArgs(t, append(tc.extra, "--json", "--progress", "always")...)...)
			require.NoError(t, err)
			for _, w := range tc.want {
				require.True(t, strings.HasPrefix(stderr, w+"\n"), "warnings come before the progress: %q", stderr)
			}
			var rep cli.SimulateReport
			require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
			want := []string{}
			for _, w := range tc.want {
				want = append(want, strings.TrimPrefix(w, "warning: "))
			}
			require.Equal(t, want, rep.Warnings)
		})
	}
}

func TestSimulateScenarios(t *testing.T) {
	t.Parallel()
	stdout, _, err := run(cli.Simulate, dcfArgs(t, "--json",
		"--scenario", "Same:Inputs!B3=normal(10000,1500)",
		"--scenario", "Downside:Inputs!B2=110,Inputs!B3=p0-0.1",
		"--scenario", "Lower volume:inputs!B3=normal(9000,1500)")...)
	require.NoError(t, err)
	var got cli.SimulateReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Len(t, got.Scenarios, 3)
	same, down, lower := got.Scenarios[0], got.Scenarios[1], got.Scenarios[2]
	require.Equal(t, "Same", same.Name)
	for j, o := range same.Outputs {
		require.Equal(t, got.Outputs[j].Mean, o.Mean, "the same distribution over the same random numbers")
		require.Equal(t, cli.Number(0), same.Impacts[j].MeanDifference)
	}
	require.Less(t, float64(down.Impacts[0].MeanDifference), 0.0)
	require.Less(t, float64(lower.Impacts[0].MeanDifference), 0.0)
	require.Greater(t, float64(lower.Impacts[0].MeanDifference), float64(down.Impacts[0].MeanDifference))

	text, _, err := run(cli.Simulate, dcfArgs(t, "--scenario", "Downside:Inputs!B2=110,Inputs!B3=p0-0.1")...)
	require.NoError(t, err)
	require.Contains(t, text, "Scenarios (the base's random numbers")
	require.Contains(t, text, "  Downside\n")
}
