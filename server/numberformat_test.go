package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

// TestOutputNumberFormats runs a simulation (with a scenario) of a workbook
// whose output cells carry a custom currency, a custom percent, a built-in
// percent and no format, and checks that outputVariables, results and each
// scenario's results give every output its Excel format code, null for the
// General cell.
func TestOutputNumberFormats(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 1
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "analyst@formats.example", Org: "formats"})

		cases := []struct {
			cell, formula string
			style         *excelize.Style
			want          *string
		}{
			{"Model!B3", "B1*B2", &excelize.Style{CustomNumFmt: code("$#,##0")}, code("$#,##0")},
			{"Model!B5", "D2/B3", &excelize.Style{CustomNumFmt: code("0.0%")}, code("0.0%")},
			{"Model!C5", "D2/B3", &excelize.Style{NumFmt: 10}, code("0.00%")},
			{"Model!B4", "B3-500", nil, nil},
		}
		x := excelize.NewFile()
		defer x.Close()
		require.NoError(t, x.SetSheetName("Sheet1", "Model"))
		require.NoError(t, x.SetCellValue("Model", "B1", 10.0))
		require.NoError(t, x.SetCellValue("Model", "B2", 100.0))
		require.NoError(t, x.SetCellFormula("Model", "D2", "B3*0.3"))
		outputs := make([]string, len(cases))
		for i, tc := range cases {
			outputs[i] = tc.cell
			cell := tc.cell[len("Model!"):]
			require.NoError(t, x.SetCellFormula("Model", cell, tc.formula))
			if tc.style != nil {
				id, err := x.NewStyle(tc.style)
				require.NoError(t, err)
				require.NoError(t, x.SetCellStyle("Model", cell, cell, id))
			}
		}
		buf, err := x.WriteToBuffer()
		require.NoError(t, err)
		wb := s.UploadID(t, token, "formats.xlsx", buf.Bytes())
		id := createSimulation(t, s, token, map[string]any{
			"workbookId": wb, "iterations": 500, "seed": 3,
			"inputs": []map[string]any{
				{"cell": "Model!B1", "distribution": map[string]any{"type": "UNIFORM", "min": 8, "max": 12}},
			},
			"outputs":   outputs,
			"scenarios": []map[string]any{{"name": "High units", "overrides": []map[string]any{{"cell": "Model!B2", "value": 150}}}},
		})
		waitCompleted(t, s, token, []string{id})

		type formatted struct {
			Cell         string
			NumberFormat *string
		}
		var got struct {
			Simulation struct {
				OutputVariables []formatted
				Results         []formatted
				Scenarios       []struct{ Results []formatted }
			}
		}
		s.Query(t, token, `query($id: ID!) { simulation(id: $id) {
			outputVariables { cell numberFormat } results { cell numberFormat } scenarios { results { cell numberFormat } } } }`,
			map[string]any{"id": id}).Decode(t, &got)
		sim := got.Simulation
		require.Len(t, sim.Scenarios, 2, "the base and the scenario")
		lists := map[string][]formatted{"outputVariables": sim.OutputVariables, "results": sim.Results,
			"base results": sim.Scenarios[0].Results, "scenario results": sim.Scenarios[1].Results}
		for name, list := range lists {
			require.Len(t, list, len(cases), name)
			for i, tc := range cases {
				require.Equal(t, tc.cell, list[i].Cell, name)
				require.Equal(t, tc.want, list[i].NumberFormat, "%s %s", name, tc.cell)
			}
		}
	})
}

func code(s string) *string { return &s }
