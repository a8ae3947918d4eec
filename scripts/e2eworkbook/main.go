// Command e2eworkbook writes the browser end-to-end test's workbook: the
// shape of project-dcf.xlsx (inputs Inputs!B2, B3, B4, B5, B7; outputs
// Summary!B2, Summary!B3) over a model heavy enough (1,000 IRRs of eleven
// cash flows each) that 10,000 iterations take a couple of seconds, so the
// test can watch the progress bar move. project-dcf itself runs 10,000
// iterations in tens of milliseconds: over before a browser subscribes.
//
// With -risk it also writes an @RISK workbook whose model is in its cells
// (riskWorkbook): the in-cell model and compare parts of the test use it.
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/xuri/excelize/v2"
)

func main() {
	out := flag.String("o", "e2e-model.xlsx", "where to write the workbook")
	rows := flag.Int("rows", 1000, "projects in the model (one IRR each)")
	risk := flag.String("risk", "", "where to write the @RISK workbook (none without)")
	flag.Parse()
	if *risk != "" {
		riskWorkbook(*risk)
	}
	f := excelize.NewFile()
	defer f.Close()
	must(f.SetSheetName("Sheet1", "Inputs"))
	for _, s := range []string{"Model", "Summary"} {
		if _, err := f.NewSheet(s); err != nil {
			log.Fatal(err)
		}
	}
	inputs := [][2]any{
		{"A2", "Price"}, {"B2", 120.0}, {"A3", "First-year volume"}, {"B3", 10000.0},
		{"A4", "Growth"}, {"B4", 0.07}, {"A5", "Unit cost"}, {"B5", 70.0},
		{"A7", "Discount rate"}, {"B7", 0.1},
	}
	for _, kv := range inputs {
		must(f.SetCellValue("Inputs", kv[0].(string), kv[1]))
	}
	cols := "ABCDEFGHIJK"
	for r := 1; r <= *rows; r++ {
		// Investment, then ten years of margin growing with the market.
		must(f.SetCellFormula("Model", fmt.Sprintf("A%d", r), fmt.Sprintf("-(Inputs!$B$2*100+%d)", r)))
		for k := 1; k <= 10; k++ {
			must(f.SetCellFormula("Model", fmt.Sprintf("%c%d", cols[k], r),
				fmt.Sprintf("Inputs!$B$3*(1+Inputs!$B$4)^%d/5-Inputs!$B$5*5-%d", k, r%7)))
		}
		must(f.SetCellFormula("Model", fmt.Sprintf("L%d", r), fmt.Sprintf("IRR(A%d:K%d)", r, r)))
	}
	must(f.SetCellValue("Summary", "A2", "Portfolio NPV"))
	must(f.SetCellFormula("Summary", "B2", "NPV(Inputs!B7,Model!B1:K1)+Model!A1"))
	must(f.SetCellValue("Summary", "A3", "Mean IRR"))
	must(f.SetCellFormula("Summary", "B3", fmt.Sprintf("AVERAGE(Model!L1:L%d)", *rows)))
	// Formatted as an analyst would: the app and the report show the
	// results in these formats.
	for cell, code := range map[string]string{"B2": "$#,##0", "B3": "0.0%"} {
		style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			log.Fatal(err)
		}
		must(f.SetCellStyle("Summary", cell, cell, style))
	}
	must(f.SaveAs(*out))
}

// riskWorkbook writes a model defined with @RISK functions: three inputs,
// one named, and two marked outputs.
//
//	A1 Revenue  B1 =RiskNormal(1000,100,RiskName("Revenue"))
//	A2 Cost     B2 =RiskUniform(500,700)
//	A3 Growth   B3 =RiskTriang(0.02,0.05,0.1)
//	A5 Margin   B5 =RiskOutput("Margin")+(B1-B2)/B1
//	A6 Profit   B6 =RiskOutput("Profit")+(B1-B2)*(1+B3)
func riskWorkbook(path string) {
	f := excelize.NewFile()
	defer f.Close()
	must(f.SetSheetName("Sheet1", "Model"))
	for _, kv := range [][2]string{{"A1", "Revenue"}, {"A2", "Cost"}, {"A3", "Growth"}, {"A5", "Margin"}, {"A6", "Profit"}} {
		must(f.SetCellValue("Model", kv[0], kv[1]))
	}
	for _, kv := range [][2]string{
		{"B1", `RiskNormal(1000,100,RiskName("Revenue"))`},
		{"B2", "RiskUniform(500,700)"},
		{"B3", "RiskTriang(0.02,0.05,0.1)"},
		{"B5", `RiskOutput("Margin")+(B1-B2)/B1`},
		{"B6", `RiskOutput("Profit")+(B1-B2)*(1+B3)`},
	} {
		must(f.SetCellFormula("Model", kv[0], kv[1]))
	}
	must(f.SaveAs(path))
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
