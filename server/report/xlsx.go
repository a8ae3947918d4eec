package report

import (
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/simspec"
)

// Sheet names of the report besides one per output.
const (
	SummarySheet     = "Summary"
	SensitivitySheet = "Sensitivity"
	InputsSheet      = "Inputs"
	ScenariosSheet   = "Scenarios"
)

// WriteXLSX writes the report as a workbook: a summary sheet (the run and
// every output's main statistics), a sheet per output (statistics,
// percentiles, tail measures, targets, histogram and CDF data, with a
// column chart of the histogram and a line chart of the CDF), a
// sensitivity sheet (a tornado chart per output) and the model's inputs.
// Values in output units carry the output cell's number format.
func WriteXLSX(w io.Writer, r *Report) error {
	x := excelize.NewFile()
	defer x.Close()
	b := &book{f: x, r: r, styles: map[string]int{}}
	if err := x.SetSheetName("Sheet1", SummarySheet); err != nil {
		return err
	}
	b.summary()
	names := sheetNames(r.Results)
	for i, res := range r.Results {
		b.output(names[i], res)
	}
	b.sensitivity()
	b.inputs()
	b.scenarios()
	if b.err != nil {
		return b.err
	}
	_, err := x.WriteTo(w)
	return err
}

// book writes cells and remembers the first error, so that the layout
// code reads as a layout.
type book struct {
	f      *excelize.File
	r      *Report
	err    error
	styles map[string]int
	bold   int
}

func (b *book) set(sheet string, col, row int, v any) {
	if b.err != nil {
		return
	}
	cell, err := excelize.CoordinatesToCellName(col, row)
	if err == nil {
		err = b.f.SetCellValue(sheet, cell, v)
	}
	b.err = err
}

// row writes values from column 1 of row.
func (b *book) row(sheet string, row int, vs ...any) {
	for i, v := range vs {
		b.set(sheet, i+1, row, v)
	}
}

// header writes a bold row.
func (b *book) header(sheet string, row int, vs ...any) {
	b.row(sheet, row, vs...)
	if b.err != nil {
		return
	}
	if b.bold == 0 {
		b.bold, b.err = b.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	}
	b.styleRange(sheet, 1, row, len(vs), row, b.bold)
}

func (b *book) styleRange(sheet string, c1, r1, c2, r2, style int) {
	if b.err != nil || style == 0 {
		return
	}
	from, _ := excelize.CoordinatesToCellName(c1, r1)
	to, _ := excelize.CoordinatesToCellName(c2, r2)
	b.err = b.f.SetCellStyle(sheet, from, to, style)
}

// unitStyle is the style of values in an output's units: the output
// cell's number format, if it has one.
func (b *book) unitStyle(cell string) int {
	nf, ok := b.r.Formats[cell]
	if !ok || b.err != nil {
		return 0
	}
	key := fmt.Sprintf("%d|%s", nf.ID, nf.Custom)
	if id, ok := b.styles[key]; ok {
		return id
	}
	st := &excelize.Style{NumFmt: nf.ID}
	if nf.Custom != "" {
		st.CustomNumFmt = &nf.Custom
	}
	id, err := b.f.NewStyle(st)
	if err != nil {
		return 0 // a format excelize cannot carry: plain numbers
	}
	b.styles[key] = id
	return id
}

func (b *book) chart(sheet, cell string, c *excelize.Chart) {
	if b.err != nil {
		return
	}
	c.Dimension = excelize.ChartDimension{Width: 560, Height: 300}
	b.err = b.f.AddChart(sheet, cell, c)
}

func (b *book) summary() {
	s, sim := SummarySheet, b.r.Simulation
	b.header(s, 1, "simgraph simulation report")
	rows := [][]any{
		{"Simulation", sim.Name},
		{"Simulation ID", sim.ID.String()},
		{"Workbook", b.r.WorkbookName},
		{"Workbook ID", sim.WorkbookID.String()},
		{"Iterations requested", sim.Iterations},
		{"Iterations run", iterationsRun(b.r.Results)},
		{"Seed", sim.Seed},
		{"Sampling", string(sim.Sampling)},
		{"Samples kept", sim.KeepSamples},
		{"Created", sim.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC")},
		{"Completed", timeText(sim.CompletedAt)},
		{"Elapsed (ms)", derefInt(sim.ElapsedMs)},
		{"Engine version", b.r.Version},
		{"Report generated", b.r.Generated.Format("2006-01-02 15:04:05 UTC")},
	}
	for i, r := range rows {
		b.row(s, i+3, r...)
	}
	row := len(rows) + 4
	for _, w := range sim.Warnings {
		b.row(s, row, "Warning", w)
		row++
	}
	row++
	b.header(s, row, "Output", "Cell", "Mean", "Std dev", "Min", "P5", "Median", "P95", "Max", "Std error")
	for _, res := range b.r.Results {
		row++
		sm := res.Summary
		b.row(s, row, outputName(res), res.Cell, sm.Mean, sm.StdDev, sm.Min,
			percentile(res, 5), percentile(res, 50), percentile(res, 95), sm.Max, sm.StdError)
		b.styleRange(s, 3, row, 10, row, b.unitStyle(res.Cell))
	}
	b.widths(s, 22, 40)
}

func (b *book) widths(sheet string, first, second float64) {
	if b.err == nil {
		b.err = b.f.SetColWidth(sheet, "A", "A", first)
	}
	if b.err == nil {
		b.err = b.f.SetColWidth(sheet, "B", "F", second/2)
	}
}

// output writes one output's sheet.
func (b *book) output(s string, res *ent.Result) {
	if b.err != nil {
		return
	}
	if _, err := b.f.NewSheet(s); err != nil {
		b.err = err
		return
	}
	unit := b.unitStyle(res.Cell)
	sm := res.Summary
	b.header(s, 1, outputName(res), res.Cell)
	stats := []struct {
		label string
		v     any
		units bool
	}{
		{"Iterations", sm.Iterations, false}, {"Mean", sm.Mean, true}, {"Std dev", sm.StdDev, true},
		{"Variance", sm.Variance, false}, {"Skewness", sm.Skewness, false}, {"Kurtosis", sm.Kurtosis, false},
		{"Min", sm.Min, true}, {"Max", sm.Max, true}, {"Std error of the mean", sm.StdError, true},
		{"Mean 95% CI lower", sm.CILower, true}, {"Mean 95% CI upper", sm.CIUpper, true},
		{"R² of the regression on the inputs", optional(sm.RSquared), false},
	}
	row := 3
	b.header(s, row, "Statistic", "Value")
	for _, st := range stats {
		row++
		b.row(s, row, st.label, st.v)
		if st.units {
			b.styleRange(s, 2, row, 2, row, unit)
		}
	}
	row += 2
	b.header(s, row, "Percentile", "Value")
	for _, p := range res.Percentiles {
		row++
		b.row(s, row, "P"+number(p.P), p.Value)
		b.styleRange(s, 2, row, 2, row, unit)
	}
	if len(res.Tails) > 0 {
		row += 2
		b.header(s, row, "Level", "VaR", "CVaR", "Upper VaR", "Upper CVaR")
		for _, t := range res.Tails {
			row++
			b.row(s, row, t.Level, t.VaR, t.CVaR, t.UpperVaR, t.UpperCVaR)
			b.styleRange(s, 2, row, 5, row, unit)
		}
	}
	if len(res.Targets) > 0 {
		row += 2
		b.header(s, row, "Target", "P(below)", "P(above)")
		for _, t := range res.Targets {
			row++
			b.row(s, row, t.Value, t.ProbBelow, t.ProbAbove)
			b.styleRange(s, 1, row, 1, row, unit)
		}
	}
	if len(res.ErrorCounts) > 0 {
		row += 2
		b.header(s, row, "Error", "Iterations")
		for _, k := range sortedKeys(res.ErrorCounts) {
			row++
			b.row(s, row, k, res.ErrorCounts[k])
		}
	}
	row += 2
	b.histogram(s, row, res, unit)
	b.widths(s, 34, 36)
}

// histogram writes the bins with their frequency and cumulative share,
// then charts them: the probabilities (frequencies) as columns, the
// cumulative share as a CDF.
func (b *book) histogram(s string, row int, res *ent.Result, unit int) {
	bins := res.Histogram.Bins
	b.header(s, row, "Bin lower", "Bin upper", "Midpoint", "Count", "Frequency", "Cumulative")
	total := 0
	for _, bin := range bins {
		total += bin.Count
	}
	first := row + 1
	cum := 0
	for _, bin := range bins {
		row++
		cum += bin.Count
		freq, cdf := 0.0, 0.0
		if total > 0 {
			freq, cdf = float64(bin.Count)/float64(total), float64(cum)/float64(total)
		}
		b.row(s, row, bin.Lower, bin.Upper, (bin.Lower+bin.Upper)/2, bin.Count, freq, cdf)
		b.styleRange(s, 1, row, 3, row, unit)
	}
	if len(bins) == 0 {
		return
	}
	q := quoteSheet(s)
	mid := fmt.Sprintf("%s!$C$%d:$C$%d", q, first, row)
	upper := fmt.Sprintf("%s!$B$%d:$B$%d", q, first, row)
	b.chart(s, "H3", &excelize.Chart{
		Type:   excelize.Col,
		Series: []excelize.ChartSeries{{Name: "Probability", Categories: mid, Values: fmt.Sprintf("%s!$E$%d:$E$%d", q, first, row)}},
		Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: outputName(res) + ": histogram"}}},
		Legend: excelize.ChartLegend{Position: "none"},
	})
	b.chart(s, "H20", &excelize.Chart{
		Type:   excelize.Line,
		Series: []excelize.ChartSeries{{Name: "P(output ≤ x)", Categories: upper, Values: fmt.Sprintf("%s!$F$%d:$F$%d", q, first, row)}},
		Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: outputName(res) + ": cumulative distribution"}}},
		Legend: excelize.ChartLegend{Position: "none"},
	})
}

// sensitivity writes every output's sensitivity table and a tornado
// chart of its rank correlations.
func (b *book) sensitivity() {
	s := SensitivitySheet
	if _, err := b.f.NewSheet(s); err != nil && b.err == nil {
		b.err = err
	}
	row, chartRow := 1, 1
	for _, res := range b.r.Results {
		b.header(s, row, outputName(res)+" ("+res.Cell+")")
		row++
		b.header(s, row, "Input", "Name", "Rank correlation", "Contribution to variance (%)",
			"Low decile mean", "High decile mean", "Change in mean", "Standardised regression", "Variance share")
		first := row + 1
		for _, sv := range res.Sensitivity {
			row++
			low, high := decile(sv, 0), decile(sv, len(sv.DecileMeans)-1)
			b.row(s, row, sv.Input, sv.Name, sv.RankCorrelation, sv.ContributionToVariance,
				low, high, high-low, optional(sv.StandardizedRegression), optional(sv.VarianceShare))
			b.styleRange(s, 5, row, 7, row, b.unitStyle(res.Cell))
		}
		if len(res.Sensitivity) > 0 {
			q := quoteSheet(s)
			b.chart(s, fmt.Sprintf("K%d", chartRow), &excelize.Chart{
				Type: excelize.Bar,
				Series: []excelize.ChartSeries{{Name: "Rank correlation",
					Categories: fmt.Sprintf("%s!$A$%d:$A$%d", q, first, row), Values: fmt.Sprintf("%s!$C$%d:$C$%d", q, first, row)}},
				Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: outputName(res) + ": tornado"}}},
				Legend: excelize.ChartLegend{Position: "none"},
				YAxis:  excelize.ChartAxis{ReverseOrder: true},
			})
			chartRow = max(chartRow+17, row+2)
		}
		row = max(row+2, chartRow)
	}
	b.widths(s, 16, 40)
}

// inputs lists the model's inputs and correlations.
func (b *book) inputs() {
	s, sim := InputsSheet, b.r.Simulation
	if _, err := b.f.NewSheet(s); err != nil && b.err == nil {
		b.err = err
	}
	b.header(s, 1, "Cell", "Name", "Distribution", "Parameters")
	row := 1
	for _, in := range sim.Inputs {
		row++
		b.row(s, row, in.Cell, in.Name, in.Distribution.Type, parameters(in.Distribution))
	}
	if len(sim.Correlations) > 0 {
		row += 2
		b.header(s, row, "Input A", "Input B", "Rank correlation")
		for _, c := range sim.Correlations {
			row++
			b.row(s, row, c.CellA, c.CellB, c.Coefficient)
		}
	}
	b.widths(s, 18, 80)
}

// parameters writes a distribution's set parameters as "name=value, …",
// in the order of simspec.Distribution's fields.
func parameters(d simspec.Distribution) string {
	v := reflect.ValueOf(d)
	var parts []string
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		f := v.Field(i)
		if name == "type" || name == "" || f.IsZero() {
			continue
		}
		if f.Kind() == reflect.Pointer {
			f = f.Elem()
		}
		parts = append(parts, fmt.Sprintf("%s=%v", name, f.Interface()))
	}
	return strings.Join(parts, ", ")
}
