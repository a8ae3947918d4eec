// Command checkreport checks a downloaded .xlsx simulation report against
// the API's results: the sheets (one per output, Summary, Sensitivity,
// Inputs and, for a run with scenarios, Scenarios), the native charts (a
// histogram and a CDF per output, a tornado per output) and the statistics
// cells, which must hold the API's values; values in output units carry
// the output cell's number format. The browser end-to-end test runs it on
// the report it downloads:
//
//	go run ./scripts/checkreport -report report.xlsx -simulation simulation.json
//
// where simulation.json is the data.simulation of a GraphQL query for
// results { cell name numberFormat iterations mean stdDev percentiles { p value } }
// and scenarios { name results { cell mean percentiles { p value } } }.
// It prints what it checked and exits 1 listing every difference.
package main

import (
	"archive/zip"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/server/report"
)

// Simulation is the part of the API's Simulation the report is checked against.
type Simulation struct {
	Results   []Result `json:"results"`
	Scenarios []struct {
		Name    string   `json:"name"`
		Results []Result `json:"results"`
	} `json:"scenarios"`
}

// Result is one output's statistics as the API gives them.
type Result struct {
	Cell         string  `json:"cell"`
	Name         *string `json:"name"`
	NumberFormat *string `json:"numberFormat"`
	Iterations   int     `json:"iterations"`
	Mean         float64 `json:"mean"`
	StdDev       float64 `json:"stdDev"`
	Percentiles  []struct {
		P     float64 `json:"p"`
		Value float64 `json:"value"`
	} `json:"percentiles"`
}

// tolerance is relative: the report writes float64s, which a cell keeps
// to 15-17 significant digits.
const tolerance = 1e-12

type checker struct {
	x        *excelize.File
	problems []string
	checked  int
}

func (c *checker) failf(format string, a ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, a...))
}

func (c *checker) number(what string, want float64, got string) {
	c.checked++
	v, err := strconv.ParseFloat(got, 64)
	if err != nil {
		c.failf("%s: %q is not a number (want %v)", what, got, want)
		return
	}
	if math.Abs(v-want) > tolerance*math.Max(1, math.Abs(want)) {
		c.failf("%s: report %v, API %v", what, v, want)
	}
}

// labelled maps column A to column B (raw values) of a sheet, and to the
// cell reference of the B cell.
func (c *checker) labelled(sheet string) (values, refs map[string]string) {
	rows, err := c.x.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		c.failf("sheet %s: %v", sheet, err)
		return nil, nil
	}
	values, refs = map[string]string{}, map[string]string{}
	for i, r := range rows {
		if len(r) >= 2 {
			if _, seen := values[r[0]]; !seen {
				values[r[0]] = r[1]
				refs[r[0]] = "B" + strconv.Itoa(i+1)
			}
		}
	}
	return values, refs
}

func (c *checker) formatCode(sheet, ref string) string {
	idx, err := c.x.GetCellStyle(sheet, ref)
	if err != nil || idx == 0 {
		return ""
	}
	st, err := c.x.GetStyle(idx)
	if err != nil || st == nil {
		return ""
	}
	nf := report.NumberFormat{ID: st.NumFmt}
	if st.CustomNumFmt != nil {
		nf.Custom = *st.CustomNumFmt
	}
	return nf.Code()
}

// outputSheet is the sheet whose first row names the output's cell.
func (c *checker) outputSheet(res Result) string {
	for _, s := range c.x.GetSheetList() {
		if v, _ := c.x.GetCellValue(s, "B1"); v == res.Cell {
			return s
		}
	}
	return ""
}

func main() {
	path := flag.String("report", "", "the downloaded .xlsx report")
	simPath := flag.String("simulation", "", "the API's simulation (JSON)")
	flag.Parse()
	if *path == "" || *simPath == "" {
		flag.Usage()
		os.Exit(2)
	}
	raw, err := os.ReadFile(*simPath)
	if err != nil {
		fail(err)
	}
	var sim Simulation
	if err := json.Unmarshal(raw, &sim); err != nil {
		fail(fmt.Errorf("%s: %w", *simPath, err))
	}
	if len(sim.Results) == 0 {
		fail(fmt.Errorf("%s has no results", *simPath))
	}
	x, err := excelize.OpenFile(*path)
	if err != nil {
		fail(err)
	}
	defer x.Close()
	c := &checker{x: x}

	sheets := map[string]bool{}
	for _, s := range x.GetSheetList() {
		sheets[s] = true
	}
	want := []string{report.SummarySheet, report.SensitivitySheet, report.InputsSheet}
	if len(sim.Scenarios) > 0 {
		want = append(want, report.ScenariosSheet)
	}
	for _, s := range want {
		if !sheets[s] {
			c.failf("no %s sheet (sheets: %s)", s, strings.Join(x.GetSheetList(), ", "))
		}
	}

	charts := countCharts(*path, c)
	if min := 3 * len(sim.Results); charts < min {
		c.failf("%d charts, want at least %d (a histogram, a CDF and a tornado per output)", charts, min)
	}

	for _, res := range sim.Results {
		s := c.outputSheet(res)
		if s == "" {
			c.failf("no sheet for output %s", res.Cell)
			continue
		}
		values, refs := c.labelled(s)
		c.number(s+" Iterations", float64(res.Iterations), values["Iterations"])
		c.number(s+" Mean", res.Mean, values["Mean"])
		c.number(s+" Std dev", res.StdDev, values["Std dev"])
		for _, p := range res.Percentiles {
			label := "P" + strconv.FormatFloat(p.P, 'g', -1, 64)
			c.number(s+" "+label, p.Value, values[label])
		}
		if res.NumberFormat != nil {
			c.checked++
			if got := c.formatCode(s, refs["Mean"]); got != *res.NumberFormat {
				c.failf("%s Mean is formatted %q, the output cell %q", s, got, *res.NumberFormat)
			}
		}
	}

	if len(sim.Scenarios) > 0 && sheets[report.ScenariosSheet] {
		rows, err := x.GetRows(report.ScenariosSheet, excelize.Options{RawCellValue: true})
		if err != nil {
			fail(err)
		}
		byKey := map[string][]string{}
		for _, r := range rows[1:] {
			if len(r) >= 7 {
				byKey[r[0]+"|"+r[2]] = r
			}
		}
		for _, sc := range sim.Scenarios {
			for _, res := range sc.Results {
				r, ok := byKey[sc.Name+"|"+res.Cell]
				if !ok {
					c.failf("Scenarios: no row for %s, %s", sc.Name, res.Cell)
					continue
				}
				what := "Scenarios " + sc.Name + " " + res.Cell
				c.number(what+" mean", res.Mean, r[3])
				for i, p := range []float64{5, 50, 95} {
					for _, q := range res.Percentiles {
						if q.P == p {
							c.number(fmt.Sprintf("%s P%g", what, p), q.Value, r[4+i])
						}
					}
				}
			}
		}
	}

	if len(c.problems) > 0 {
		for _, p := range c.problems {
			fmt.Fprintln(os.Stderr, "checkreport:", p)
		}
		os.Exit(1)
	}
	fmt.Printf("checkreport: ok: %d sheets, %d charts, %d outputs, %d scenarios, %d values checked\n",
		len(sheets), charts, len(sim.Results), len(sim.Scenarios), c.checked)
}

func countCharts(path string, c *checker) int {
	zr, err := zip.OpenReader(path)
	if err != nil {
		c.failf("%s: %v", path, err)
		return 0
	}
	defer zr.Close()
	n := 0
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/charts/chart") && strings.HasSuffix(f.Name, ".xml") {
			n++
		}
	}
	return n
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "checkreport:", err)
	os.Exit(1)
}
