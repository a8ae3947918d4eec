// Package cli is the engine's command-line front end: `simgraph eval`
// compares the engine's deterministic evaluation of a workbook with the
// values the spreadsheet application cached, and `simgraph simulate` runs a
// Monte Carlo simulation of a workbook from the command line. Each command
// is a function of its arguments and output streams, so that tests and
// main call it the same way.
package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/workbook"
)

// MatchTolerance is how close a computed number must be to the cached one:
// relative, or absolute near zero (formula.CellResult.Matches).
const MatchTolerance = 1e-9

// EvalReport is what `simgraph eval --json` prints.
type EvalReport struct {
	Formulas    int            `json:"formulas"`
	Evaluated   int            `json:"evaluated"`
	Matched     int            `json:"matched"`
	Mismatched  []Mismatch     `json:"mismatched"`
	Unsupported map[string]int `json:"unsupported"`

	unsupportedCells int // formula cells calling an unsupported function
}

// Mismatch is a formula cell whose computed value differs from the cached
// one. Expected and Got are a number, a string, a boolean, an error text
// ("#DIV/0!") or null for a blank; a formula that could not be computed
// (parse error, circular reference) has Got "parse error: …" or
// "circular reference".
type Mismatch struct {
	Cell     string `json:"cell"`
	Formula  string `json:"formula"`
	Expected any    `json:"expected"`
	Got      any    `json:"got"`
}

// Eval is `simgraph eval WORKBOOK [--json]`.
func Eval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object: formulas, evaluated, matched, mismatched, unsupported")
	pos, err := ParseFlags(fs, args, stdout, func(w io.Writer) {
		fmt.Fprint(w, `simgraph eval WORKBOOK [--json]: evaluate every formula of an .xlsx workbook once,
without distributions, and compare with the values the spreadsheet application
cached in the file. Numbers match within a relative 1e-9 (absolute near zero),
other values exactly. The exit status is 0 whenever the workbook could be read.

Flags:
`)
		PrintFlags(fs, w)
	})
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return Usagef("eval", "want one workbook, got %d arguments", len(pos))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	wb, err := workbook.OpenFile(pos[0], workbook.DefaultLimits())
	if err != nil {
		return fmt.Errorf("eval: %s: %w", pos[0], err)
	}
	ev, err := formula.EvaluateWorkbook(wb)
	if err != nil {
		return fmt.Errorf("eval: %s: %w", pos[0], err)
	}
	rep := evalReport(ev)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printEval(stdout, pos[0], rep)
	return nil
}

func evalReport(ev *formula.Evaluation) *EvalReport {
	rep := &EvalReport{Mismatched: []Mismatch{}, Unsupported: map[string]int{}}
	for _, r := range ev.Cells {
		rep.Formulas++
		mm := Mismatch{Cell: r.Cell.String(), Formula: "=" + r.Formula, Expected: jsonValue(r.Cached)}
		switch r.Status {
		case formula.Evaluated:
			rep.Evaluated++
			if r.Matches() {
				rep.Matched++
				continue
			}
			mm.Got = jsonValue(r.Value)
		case formula.Unsupported:
			rep.unsupportedCells++
			seen := map[string]bool{} // a cell counts once per function
			for _, name := range r.Unsupported {
				if !seen[name] {
					seen[name] = true
					rep.Unsupported[name]++
				}
			}
			continue
		case formula.ParseFailed:
			mm.Got = "parse error"
			if r.Err != nil {
				mm.Got = "parse error: " + r.Err.Error()
			}
		case formula.InCycle:
			mm.Got = "circular reference"
		default:
			mm.Got = r.Status.String()
		}
		rep.Mismatched = append(rep.Mismatched, mm)
	}
	return rep
}

// jsonValue is a cell value as JSON: number, string, boolean, error text
// or null (blank).
func jsonValue(v formula.Value) any {
	switch v.Kind {
	case formula.KindNumber:
		if math.IsNaN(v.Num) || math.IsInf(v.Num, 0) {
			return "#NUM!"
		}
		return v.Num
	case formula.KindString:
		return v.Str
	case formula.KindBool:
		return v.Num != 0
	case formula.KindError:
		return v.Err.String()
	case formula.KindBlank:
		return nil
	}
	return v.String()
}

func printEval(w io.Writer, name string, rep *EvalReport) {
	pct := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return 100 * float64(a) / float64(b)
	}
	fmt.Fprintf(w, "%s\n", name)
	fmt.Fprintf(w, "  formula cells  %d\n", rep.Formulas)
	fmt.Fprintf(w, "  evaluated      %d\n", rep.Evaluated)
	fmt.Fprintf(w, "  matched        %d (%.1f%% of evaluated)\n", rep.Matched, pct(rep.Matched, rep.Evaluated))
	fmt.Fprintf(w, "  mismatched     %d\n", len(rep.Mismatched))
	fmt.Fprintf(w, "  unsupported    %d cells\n", rep.unsupportedCells)
	if len(rep.Mismatched) > 0 {
		fmt.Fprintf(w, "\nMismatches (cell, formula, expected, got):\n")
		for _, m := range rep.Mismatched {
			fmt.Fprintf(w, "  %s\t%s\texpected %s\tgot %s\n", m.Cell, m.Formula, show(m.Expected), show(m.Got))
		}
	}
	if len(rep.Unsupported) > 0 {
		fmt.Fprintf(w, "\nUnsupported functions (formula cells using each):\n")
		names := make([]string, 0, len(rep.Unsupported))
		for n := range rep.Unsupported {
			names = append(names, n)
		}
		slices.SortFunc(names, func(a, b string) int {
			if c := rep.Unsupported[b] - rep.Unsupported[a]; c != 0 {
				return c
			}
			return strings.Compare(a, b)
		})
		for _, n := range names {
			fmt.Fprintf(w, "  %-20s %d\n", n, rep.Unsupported[n])
		}
	}
}

func show(v any) string {
	switch v := v.(type) {
	case nil:
		return "(blank)"
	case string:
		if strings.HasPrefix(v, "#") || strings.HasPrefix(v, "parse error") || v == "circular reference" {
			return v
		}
		return fmt.Sprintf("%q", v)
	case float64:
		return fmt.Sprintf("%.15g", v)
	}
	return fmt.Sprint(v)
}
