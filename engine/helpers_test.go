package engine_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/workbook"
)

// workbooksDir finds ../shared/workbooks beside the repository root (the
// directory holding go.mod). A missing folder fails the test: the reference
// model must not be skipped silently.
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

// dcfModel is project-dcf.xlsx with the uncertain inputs and outputs of
// the workbooks README.
func dcfModel(t testing.TB) engine.Model {
	t.Helper()
	wb, err := workbook.OpenFile(filepath.Join(workbooksDir(t), "project-dcf.xlsx"), workbook.Limits{})
	require.NoError(t, err)
	return engine.Model{
		Workbook: wb,
		Inputs: []engine.Input{
			input(t, "Inputs!B2", dist.Spec{Type: dist.Triangular, Min: f(100), Mode: f(120), Max: f(150)}),
			input(t, "Inputs!B3", dist.Spec{Type: dist.Normal, Mean: f(10000), StdDev: f(1500)}),
			input(t, "Inputs!B4", dist.Spec{Type: dist.Uniform, Min: f(0.03), Max: f(0.12)}),
			input(t, "Inputs!B5", dist.Spec{Type: dist.Triangular, Min: f(60), Mode: f(70), Max: f(90)}),
			input(t, "Inputs!B7", dist.Spec{Type: dist.Uniform, Min: f(0.08), Max: f(0.12)}),
		},
		Outputs: refs(t, "Summary!B2", "Summary!B3"),
	}
}

// sheet is a test workbook's one sheet, "S": constants and formulas by
// cell name.
type sheet struct {
	values   map[string]float64
	formulas map[string]string
}

// build writes the sheet with excelize, the way a user's file arrives, and
// imports it.
func (s sheet) build(t testing.TB) *workbook.Workbook {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	require.NoError(t, x.SetSheetName("Sheet1", "S"))
	for c, v := range s.values {
		require.NoError(t, x.SetCellValue("S", c, v))
	}
	for c, fm := range s.formulas {
		require.NoError(t, x.SetCellFormula("S", c, fm))
	}
	buf, err := x.WriteToBuffer()
	require.NoError(t, err)
	wb, err := workbook.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), workbook.Limits{})
	require.NoError(t, err)
	return wb
}

func input(t testing.TB, cell string, s dist.Spec) engine.Input {
	t.Helper()
	r, err := formula.ParseCellRef(cell)
	require.NoError(t, err)
	d, err := dist.NewAt(cell, cell, s)
	require.NoError(t, err)
	return engine.Input{Cell: r, Name: cell, Dist: d}
}

func refs(t testing.TB, cells ...string) []formula.CellRef {
	t.Helper()
	out := make([]formula.CellRef, len(cells))
	for i, c := range cells {
		r, err := formula.ParseCellRef(c)
		require.NoError(t, err)
		out[i] = r
	}
	return out
}

func f(x float64) *float64 { return &x }
