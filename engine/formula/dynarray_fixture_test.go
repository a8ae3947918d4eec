package formula

import (
	"archive/zip"
	"bytes"
	"io"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine/workbook"
)

// dynRow is one data row of the dynamic-array fixture.
type dynRow struct {
	region, rep   string
	amount, units float64
}

// spillFixture is one dynamic formula of the fixture and the array it must
// spill, computed here in plain Go from the data (not by the engine).
type spillFixture struct {
	cell, formula string
	want          [][]any
	dynamic       bool // written as Excel writes a spilling formula (cm, t="array")
}

// TestDynamicArrayFixture writes a workbook with excelize as Excel 365
// saves dynamic arrays (the anchor an array formula over its spill range
// with the cm attribute, the other cells of the range plain cached values),
// with cached values computed by plain Go code over seeded data, and
// requires the engine to reproduce every one of them.
func TestDynamicArrayFixture(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(2024, 12))
	regions := []string{"North", "South", "East", "West"}
	reps := []string{"Ann", "Bob", "Cid", "Dee", "Eve", "Fay"}
	rows := make([]dynRow, 30)
	for i := range rows {
		rows[i] = dynRow{regions[rng.IntN(4)], reps[rng.IntN(6)], float64(100 + rng.IntN(900)), float64(1 + rng.IntN(40))}
	}
	f := excelize.NewFile()
	require.NoError(t, f.SetSheetName("Sheet1", "Data"))
	_, err := f.NewSheet("Report")
	require.NoError(t, err)
	for j, h := range []string{"Region", "Rep", "Amount", "Units"} {
		cell, _ := excelize.CoordinatesToCellName(j+1, 1)
		require.NoError(t, f.SetCellValue("Data", cell, h))
	}
	for i, r := range rows {
		for j, v := range []any{r.region, r.rep, r.amount, r.units} {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
			require.NoError(t, f.SetCellValue("Data", cell, v))
		}
	}
	require.NoError(t, f.AddTable("Data", &excelize.Table{Range: "A1:D31", Name: "Sales"}))

	col := func(vs ...any) [][]any {
		out := make([][]any, len(vs))
		for i, v := range vs {
			out[i] = []any{v}
		}
		return out
	}
	uniqueRegions := []string{}
	for _, r := range rows {
		if !slices.Contains(uniqueRegions, r.region) {
			uniqueRegions = append(uniqueRegions, r.region)
		}
	}
	sortedRegions := slices.Clone(uniqueRegions)
	sort.Strings(sortedRegions)
	var bigSales [][]any
	bigSum := 0.0
	for _, r := range rows {
		if r.amount > 700 {
			bigSales = append(bigSales, []any{r.rep, r.amount})
			bigSum += r.amount
		}
	}
	byAmount := slices.Clone(rows)
	sort.SliceStable(byAmount, func(i, j int) bool { return byAmount[i].amount > byAmount[j].amount })
	var repsByAmount, sortedRows [][]any
	for _, r := range byAmount {
		repsByAmount = append(repsByAmount, []any{r.rep})
		sortedRows = append(sortedRows, []any{r.region, r.rep, r.amount})
	}
	unitCount := map[float64]int{}
	for _, r := range rows {
		unitCount[r.units]++
	}
	var unitsOnce [][]any
	seen := map[float64]bool{}
	for _, r := range rows {
		if unitCount[r.units] == 1 && !seen[r.units] {
			unitsOnce = append(unitsOnce, []any{r.units})
		}
		seen[r.units] = true
	}
	var firstOfRegion []any
	for _, r := range rows {
		if r.region == sortedRegions[0] {
			firstOfRegion = []any{r.rep, r.amount, r.units}
			break
		}
	}
	north := 0
	var amounts [][]any
	for _, r := range rows {
		if r.region == "North" {
			north++
		}
		amounts = append(amounts, []any{r.amount})
	}
	var dropped [][]any
	for _, r := range sortedRegions[1:] {
		dropped = append(dropped, []any{r})
	}
	salesAmount, salesUnits := 0.0, 0.0
	for _, r := range rows {
		salesAmount += r.amount
		salesUnits += r.units
	}
	last := rows[len(rows)-1]
	fixtures := []spillFixture{
		{"A1", "_xlfn.SEQUENCE(5,2,10,10)", [][]any{{10.0, 20.0}, {30.0, 40.0}, {50.0, 60.0}, {70.0, 80.0}, {90.0, 100.0}}, true},
		{"D1", "_xlfn._xlws.SORT(_xlfn.UNIQUE(Data!A2:A31))", col(anyOf(sortedRegions)...), true},
		{"F1", "_xlfn._xlws.FILTER(Data!B2:C31,Data!C2:C31>700)", bigSales, true},
		{"I1", "_xlfn.SORTBY(Data!B2:B31,Data!C2:C31,-1)", repsByAmount, true},
		{"K1", "_xlfn.UNIQUE(Data!D2:D31,,TRUE)", unitsOnce, true},
		{"M1", "_xlfn._xlws.SORT(Data!A2:C31,3,-1)", sortedRows, true},
		{"Q1", "_xlfn.XLOOKUP(D1,Data!A2:A31,Data!B2:D31)", [][]any{firstOfRegion}, true},
		{"U1", "_xlfn.TAKE(_xlfn._xlws.SORT(Data!C2:C31,,-1),3)", col(byAmount[0].amount, byAmount[1].amount, byAmount[2].amount), true},
		{"V1", "SUM(_xlfn.ANCHORARRAY(F1))", [][]any{{bigSum}}, false},
		{"W1", `ROWS(_xlfn._xlws.FILTER(Data!A2:A31,Data!A2:A31="North"))`, [][]any{{float64(north)}}, false},
		{"X1", `_xlfn.VSTACK({"a","b"},_xlfn.TAKE(Data!A2:B31,2))`, [][]any{{"a", "b"}, {rows[0].region, rows[0].rep}, {rows[1].region, rows[1].rep}}, true},
		{"Z1", "_xlfn.TOCOL(_xlfn.CHOOSEROWS(Data!C2:D31,1,-1))", col(rows[0].amount, rows[0].units, last.amount, last.units), true},
		{"AA1", "INDEX(Data!A2:D31,0,3)", amounts, true},
		{"AB1", `_xlfn._xlws.FILTER(Data!C2:C31,Data!A2:A31="Nowhere","none")`, [][]any{{"none"}}, true},
		{"AC1", "_xlfn.DROP(_xlfn._xlws.SORT(_xlfn.UNIQUE(Data!A2:A31)),1)", dropped, true},
		{"AD1", "_xlfn.HSTACK(_xlfn.SEQUENCE(3),_xlfn.SEQUENCE(3,1,3,-1))", [][]any{{1.0, 3.0}, {2.0, 2.0}, {3.0, 1.0}}, true},
		{"AF1", "_xlfn.SINGLE(_xlfn.SEQUENCE(3,1,7))", [][]any{{7.0}}, false},
		{"AG1", `SUM(INDIRECT("Sales[Amount]"))`, [][]any{{salesAmount}}, false},
		{"AH1", "SUM(Sales[Units])", [][]any{{salesUnits}}, false},
		{"AI1", "SUM(_xlfn.ANCHORARRAY(A1))+ROWS(_xlfn.ANCHORARRAY(M1))", [][]any{{550.0 + 30}}, false},
	}
	var anchors []anchorCell
	for _, fx := range fixtures {
		c0, r0, err := excelize.CellNameToCoordinates(fx.cell)
		require.NoError(t, err)
		for i, row := range fx.want {
			for j, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c0+j, r0+i)
				require.NoError(t, f.SetCellValue("Report", cell, v))
			}
		}
		if !fx.dynamic {
			require.NoError(t, f.SetCellFormula("Report", fx.cell, fx.formula))
			anchors = append(anchors, anchorCell{fx.cell, fx.want[0][0], false})
			continue
		}
		end, _ := excelize.CoordinatesToCellName(c0+len(fx.want[0])-1, r0+len(fx.want)-1)
		typ, ref := excelize.STCellFormulaTypeArray, fx.cell+":"+end
		require.NoError(t, f.SetCellFormula("Report", fx.cell, fx.formula, excelize.FormulaOpts{Type: &typ, Ref: &ref}))
		anchors = append(anchors, anchorCell{fx.cell, fx.want[0][0], true})
	}
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	data := markDynamic(t, buf.Bytes(), "xl/worksheets/sheet2.xml", anchors)

	wb, err := workbook.Open(bytes.NewReader(data), int64(len(data)), workbook.Limits{})
	require.NoError(t, err)
	report, ok := wb.Sheet("Report")
	require.True(t, ok)
	dynamic, marked := 0, 0
	for _, a := range report.Arrays {
		if a.Dynamic {
			dynamic++
		}
	}
	for _, fx := range fixtures {
		if fx.dynamic {
			marked++
		}
	}
	require.Equal(t, marked, dynamic, "the reader keeps the cm mark")
	c := conformanceOf(t, wb)
	for _, m := range c.mismatches {
		t.Log("mismatch: " + m)
	}
	cells := 0
	for _, fx := range fixtures {
		cells += len(fx.want) * len(fx.want[0])
	}
	require.Equal(t, cells, c.formulas, "every spilled cell is a formula cell")
	require.Equal(t, c.formulas, c.matched)
}

func anyOf(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// anchorCell is a spilling formula's cell and its cached value.
type anchorCell struct {
	cell    string
	cached  any
	dynamic bool
}

// markDynamic rewrites the formula cells of part as Excel writes them
// (excelize has no API for either): the cm attribute on a formula that
// spills, and the cached value with its type (excelize caches formulas as
// text).
func markDynamic(t *testing.T, xlsx []byte, part string, anchors []anchorCell) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	require.NoError(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		if zf.Name == part {
			s := string(b)
			for _, a := range anchors {
				re := regexp.MustCompile(`<c r="` + a.cell + `"[^>]*>(<f[^>]*>[^<]*</f>)(<v>[^<]*</v>)?</c>`)
				require.Len(t, re.FindAllString(s, -1), 1, a.cell)
				attrs, v := ``, ``
				if a.dynamic {
					attrs = ` cm="1"`
				}
				switch x := a.cached.(type) {
				case string:
					attrs, v = attrs+` t="str"`, x
				case float64:
					v = strconv.FormatFloat(x, 'g', -1, 64)
				}
				s = re.ReplaceAllString(s, `<c r="`+a.cell+`"`+attrs+`>${1}<v>`+v+`</v></c>`)
			}
			b = []byte(s)
		}
		w, err := zw.Create(zf.Name)
		require.NoError(t, err)
		_, err = w.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return out.Bytes()
}
