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
