package formula

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/workbook"
)

// workbooksDir finds ../shared/workbooks beside the repository root (the
// directory holding go.mod). It fails the test when the folder is missing:
// the conformance oracle must not be skipped silently.
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
		t.Fatalf("conformance workbooks not found at %s (expected ../shared/workbooks relative to the repository root): %v", wb, err)
	}
	return wb
}

func openWorkbook(t testing.TB, name string) *workbook.Workbook {
	t.Helper()
	wb, err := workbook.OpenFile(filepath.Join(workbooksDir(t), name), workbook.Limits{})
	require.NoError(t, err)
	return wb
}

type conformance struct {
	formulas, evaluated, matched, unsupported, other int
	missing                                          map[string]int
	mismatches                                       []string
}

func runConformance(t testing.TB, name string) conformance {
	return conformanceOf(t, openWorkbook(t, name))
}

func conformanceOf(t testing.TB, wb *workbook.Workbook) conformance {
	ev, err := EvaluateWorkbook(wb)
	require.NoError(t, err)
	c := conformance{missing: map[string]int{}}
	for _, r := range ev.Cells {
		c.formulas++
		switch r.Status {
		case Evaluated:
			c.evaluated++
			if r.Matches() {
				c.matched++
			} else {
				c.mismatches = append(c.mismatches, fmt.Sprintf("%s =%s: got %v (%s), cached %v (%s)",
					r.Cell, r.Formula, r.Value, r.Value.Kind, r.Cached, r.Cached.Kind))
			}
		case Unsupported:
			c.unsupported++
			for _, f := range r.Unsupported {
				c.missing[f]++
			}
		default:
			c.other++
			c.mismatches = append(c.mismatches, fmt.Sprintf("%s =%s: %s %v", r.Cell, r.Formula, r.Status, r.Err))
		}
	}
	return c
}

// publicTestWorkbooks are other projects' Excel-saved test workbooks
// (Tables, dynamic arrays) that this repository does not copy: their
// provenance is in testdata/README.md, and they are checked at 100% when
// the shared workbooks hold them.
var publicTestWorkbooks = []string{
	"StructuredReferences.xlsx",
	"StructuredRefs-lots-with-lookups.xlsx",
	"evaluate_formula_with_structured_table_references.xlsx",
	"table-sample.xlsx",
	"simple-table-named-range.xlsx",
	"ExcelTables.xlsx",
	"atsign.choosecols.xlsx",
	"TableFormulae.xlsx",
	"issue.3909b.xlsx",
	"DataTableCities.xlsx",
	"tableStyle.xlsx",
	"tableTest.xlsx",
	"TableWithoutFilter.xlsx",
}

func TestConformance(t *testing.T) {
	t.Parallel()
	// minimum share of evaluated formulas matching Excel's cached values
	cases := []struct {
		file string
		min  float64
		// testdata: the file is in testdata/ (see its README) rather than
		// in the shared workbooks
		testdata bool
	}{
		{"project-dcf.xlsx", 1.0, false},
		{"FormulaEvalTestData_Copy.xlsx", 0.99, false},
		{"55906-MultiSheetRefs.xlsx", 0.99, false},
		{"56822-Countifs.xlsx", 0.99, false},
		{"50755_workday_formula_example.xlsx", 0.99, false},
		{"FormulaSheetRange.xlsx", 0.99, false},
		{"MatrixFormulaEvalTestData.xlsx", 0.99, false},
		{"TestShiftRowSharedFormula.xlsx", 0.99, false},
		{"shared_formulas.xlsx", 0.99, false},
		{"testSharedFormulasRangeSetBlankBug.xlsx", 0.99, false},
		{"xlookup.xlsx", 0.99, false},
		{"libreoffice/iterative-debt-and-tables.xlsx", 1.0, true},
	}
	for _, file := range publicTestWorkbooks {
		cases = append(cases, struct {
			file     string
			min      float64
			testdata bool
		}{file, 1.0, false})
	}
	for _, tc := range cases {
		t.Run(strings.TrimSuffix(tc.file, ".xlsx"), func(t *testing.T) {
			t.Parallel()
			var c conformance
			if !tc.testdata && slices.Contains(publicTestWorkbooks, tc.file) {
				if _, err := os.Stat(filepath.Join(workbooksDir(t), tc.file)); err != nil {
					t.Skipf("%s is not in ../shared/workbooks: testdata/README.md says where it comes from", tc.file)
				}
			}
			if tc.testdata {
				wb, err := workbook.OpenFile(filepath.Join("testdata", tc.file), workbook.Limits{})
				require.NoError(t, err)
				c = conformanceOf(t, wb)
			} else {
				c = runConformance(t, tc.file)
			}
			t.Logf("%s: %d formulas, %d evaluated, %d matched, %d unsupported (%v)", tc.file, c.formulas, c.evaluated, c.matched, c.unsupported, c.missing)
			for i, m := range c.mismatches {
				if i >= 40 {
					break
				}
				t.Log("  mismatch: " + m)
			}
			require.Positive(t, c.formulas)
			ratio := float64(c.matched) / float64(max(c.evaluated, 1))
			require.GreaterOrEqualf(t, ratio, tc.min, "%s: %d of %d evaluated formulas match", tc.file, c.matched, c.evaluated)
		})
	}
}

// TestUnsupportedList keeps UNSUPPORTED.md true: it lists exactly the
// functions of FormulaEvalTestData_Copy.xlsx that are not implemented.
func TestUnsupportedList(t *testing.T) {
	t.Parallel()
	c := runConformance(t, "FormulaEvalTestData_Copy.xlsx")
	var names []string
	for n := range c.missing {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# Functions not implemented\n\nFunctions used by FormulaEvalTestData_Copy.xlsx (Apache POI's function\ntest table) that the engine does not implement, with the number of formula\ncells using each. Generated by TestUnsupportedList (`UPDATE_UNSUPPORTED=1\ngo test ./engine/formula -run TestUnsupportedList`).\n\n")
	for _, n := range names {
		fmt.Fprintf(&b, "- %s (%d)\n", n, c.missing[n])
	}
	if len(names) == 0 {
		b.WriteString("None: every function of that workbook is implemented.\n")
	}
	b.WriteString("\nPartial implementations (enough for that workbook, not all of Excel):\n\n" +
		"- TEXT: number formats 0, #,##0.00, %, scientific, basic date/time codes; no colours, conditions or fractions\n" +
		"- INDIRECT: A1-style text only (R1C1 gives #REF!)\n" +
		"- SUBTOTAL: 101-111 behave as 1-11 (hidden rows are not tracked)\n" +
		"- LET, LAMBDA, MAP, REDUCE, SCAN, BYROW, BYCOL, MAKEARRAY: MAP broadcasts a single row or column and gives #N/A beyond a smaller array;\n" +
		"  more than 1,024 nested LAMBDA calls, or 512 nested functions on a recursion's path (SUM(F(n-1))), are #NUM!;\n" +
		"  the eta-reduced LAMBDA of GROUPBY/PIVOTBY (_xleta.SUM) is not read\n" +
		"- Dynamic arrays: the spill range is decided once, from the formula's static result; whole columns in FILTER, SORT, UNIQUE and the other dynamic-array functions stop at the sheet's used rows\n" +
		"- TODAY, NOW and other clock-dependent functions are not implemented on purpose\n")
	if os.Getenv("UPDATE_UNSUPPORTED") != "" {
		require.NoError(t, os.WriteFile("UNSUPPORTED.md", []byte(b.String()), 0o644))
	}
	got, err := os.ReadFile("UNSUPPORTED.md")
	require.NoError(t, err)
	require.Equal(t, b.String(), string(got), "UNSUPPORTED.md is stale: rerun with UPDATE_UNSUPPORTED=1")
}
