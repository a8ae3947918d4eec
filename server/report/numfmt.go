package report

import (
	"bytes"
	"strings"

	"github.com/xuri/excelize/v2"
)

// NumberFormat is a cell's number format in the workbook: a built-in
// format's ID, or a custom format code.
type NumberFormat struct {
	ID     int
	Custom string
}

// numberFormats reads the number formats of cells ("Sheet!A1") from the
// workbook's bytes. A workbook excelize cannot read, or a cell it cannot
// find, simply has none: formats are presentation, never a reason to refuse
// a report.
func numberFormats(content []byte, cells []string) map[string]NumberFormat {
	out := map[string]NumberFormat{}
	f, err := excelize.OpenReader(bytes.NewReader(content))
	if err != nil {
		return out
	}
	defer f.Close()
	for _, ref := range cells {
		i := strings.LastIndex(ref, "!")
		if i < 0 {
			continue
		}
		sheet, cell := strings.Trim(ref[:i], "'"), strings.ReplaceAll(ref[i+1:], "$", "")
		idx, err := f.GetCellStyle(sheet, cell)
		if err != nil || idx == 0 {
			continue
		}
		st, err := f.GetStyle(idx)
		if err != nil || st == nil {
			continue
		}
		nf := NumberFormat{ID: st.NumFmt}
		if st.CustomNumFmt != nil {
			nf.Custom = *st.CustomNumFmt
		}
		if nf.ID != 0 || nf.Custom != "" {
			out[ref] = nf
		}
	}
	return out
}

// builtInCodes are the format codes of the built-in number formats
// (ECMA-376 Part 1, 18.8.30 numFmt) that a workbook refers to by ID only.
var builtInCodes = map[int]string{
	1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
	5: "$#,##0_);($#,##0)", 6: "$#,##0_);[Red]($#,##0)", 7: "$#,##0.00_);($#,##0.00)", 8: "$#,##0.00_);[Red]($#,##0.00)",
	9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
	14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM",
	20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
	37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)",
	41: `_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)`, 42: `_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)`,
	43: `_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)`, 44: `_("$"* #,##0.00_);_("$"* \(#,##0.00\);_("$"* "-"??_);_(@_)`,
	45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}

// Code is the format's Excel format code ("0.0%", "$#,##0"), empty for
// General or a built-in ID without a known code.
func (nf NumberFormat) Code() string {
	if nf.Custom != "" {
		return nf.Custom
	}
	return builtInCodes[nf.ID]
}

// FormatCodes are the Excel format codes of cells ("Sheet!A1") in the
// workbook's bytes, by cell; a cell in General format has none.
func FormatCodes(content []byte, cells []string) map[string]string {
	out := map[string]string{}
	for cell, nf := range numberFormats(content, cells) {
		if code := nf.Code(); code != "" {
			out[cell] = code
		}
	}
	return out
}
