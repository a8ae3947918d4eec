package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/simspec"
)

// sheetNames gives each output a sheet named after it: Excel's 31
// characters without []:*?/\, unique, never one of the report's own.
func sheetNames(results []*ent.Result) []string {
	taken := map[string]bool{strings.ToLower(SummarySheet): true, strings.ToLower(SensitivitySheet): true, strings.ToLower(InputsSheet): true, strings.ToLower(ScenariosSheet): true}
	out := make([]string, len(results))
	for i, res := range results {
		base := strings.Map(func(r rune) rune {
			if strings.ContainsRune(`[]:*?/\`, r) {
				return '_'
			}
			return r
		}, outputName(res))
		base = strings.Trim(base, "'")
		if base == "" {
			base = fmt.Sprintf("Output %d", i+1)
		}
		name := truncate(base, 31)
		for n := 2; taken[strings.ToLower(name)]; n++ {
			suffix := fmt.Sprintf(" (%d)", n)
			name = truncate(base, 31-len(suffix)) + suffix
		}
		taken[strings.ToLower(name)] = true
		out[i] = name
	}
	return out
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

func quoteSheet(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func percentile(res *ent.Result, p float64) any {
	for _, q := range res.Percentiles {
		if q.P == p {
			return q.Value
		}
	}
	return ""
}

func iterationsRun(results []*ent.Result) int {
	if len(results) == 0 {
		return 0
	}
	return results[0].Summary.Iterations
}

func decile(s simspec.Sensitivity, d int) float64 {
	if d < 0 || d >= len(s.DecileMeans) {
		return 0
	}
	return s.DecileMeans[d]
}

// optional is a cell value for an optional number: blank when absent.
func optional(x *float64) any {
	if x == nil {
		return ""
	}
	return *x
}

func derefInt(x *int64) any {
	if x == nil {
		return ""
	}
	return *x
}

func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func sortedKeys(m map[string]int) []string {
	return slices.Sorted(maps.Keys(m))
}
