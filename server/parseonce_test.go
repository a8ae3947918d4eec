package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

// TestWorkbookFieldsParseOnce asks, in one query and with the caches
// emptied as after a restart, for every field of a workbook that reads its
// parsed content (sheets, cells, the detected model): the workbook is
// parsed once and its in-cell model detected once, however many fields
// and aliases ask; the next query parses nothing.
func TestWorkbookFieldsParseOnce(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers, c.Quotas = 0, false
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "analyst@parse.example", Org: "parse"})
		wb := s.UploadID(t, token, "risk.xlsx", riskWorkbook(t, nil))
		const everything = `query($id: ID!) { workbook(id: $id) {
			sheets { name } cells(sheet: "Model") { cells { ref } }
			detectedInputs { cell } detectedOutputs { cell } detectionProblems { cell }
			detectedCorrelations { cellA } detectedScenarios { cells { cell } }
			again: detectedInputs { name } } }`
		files := s.App.Files
		tests := []struct {
			name                   string
			forget                 bool
			parses, detectionsDone int64
		}{
			{"AfterRestart", true, 1, 1},
			{"Cached", false, 0, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.forget {
					files.ForgetParsed()
				}
				before := files.Stats()
				var got struct {
					Workbook struct {
						Sheets         []struct{ Name string }
						DetectedInputs []struct{ Cell string }
					}
				}
				s.Query(t, token, everything, map[string]any{"id": wb}).Decode(t, &got)
				require.Len(t, got.Workbook.Sheets, 1)
				require.Len(t, got.Workbook.DetectedInputs, 2)
				after := files.Stats()
				require.Equal(t, tt.parses, after.Parses-before.Parses, "parses")
				require.Equal(t, tt.detectionsDone, after.Detections-before.Detections, "detections")
			})
		}
	})
}

// TestSimulationListReadsModelsOnce lists simulations, some run from saved
// models and one not, each with its model: the models are read in one
// query, not one per simulation, and each simulation shows its own.
func TestSimulationListReadsModelsOnce(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers, c.Quotas = 0, false
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "analyst@batch.example", Org: "batch"})
		wb := s.UploadID(t, token, "batch.xlsx", labelledWorkbook(t))
		want := map[string]string{} // simulation -> model ("" for none)
		for i := range 3 {
			m := createModel(t, s, token, wb, "model", priceModel(100+i))
			for range 2 {
				var run runGot
				s.Query(t, token, runModelOp, map[string]any{"id": m.ID}).Decode(t, &run)
				want[run.RunModel.ID] = m.ID
			}
		}
		in := priceModel(100)
		in["workbookId"] = wb
		var plain struct{ CreateSimulation struct{ ID string } }
		s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": in}).Decode(t, &plain)
		want[plain.CreateSimulation.ID] = ""

		lists := []struct{ name, query, path string }{
			{"Simulations", `{ simulations(first: 50) { edges { node { id model { id name } } } } }`, "simulations"},
			{"WorkbookSimulations", `query($id: ID!) { workbook(id: $id) { simulations(first: 50) { edges { node { id model { id } } } } } }`, "workbook"},
		}
		sims := s.App.Simulations
		for _, l := range lists {
			t.Run(l.name, func(t *testing.T) {
				var got struct {
					Simulations conn
					Workbook    struct{ Simulations conn }
				}
				before := sims.ModelReads()
				s.Query(t, token, l.query, map[string]any{"id": wb}).Decode(t, &got)
				reads := sims.ModelReads() - before
				edges := got.Simulations.Edges
				if l.path == "workbook" {
					edges = got.Workbook.Simulations.Edges
				}
				require.Len(t, edges, len(want))
				for _, e := range edges {
					m := ""
					if e.Node.Model != nil {
						m = e.Node.Model.ID
					}
					require.Equal(t, want[e.Node.ID], m, "the model of %s", e.Node.ID)
				}
				require.EqualValues(t, 1, reads, "one query reads the models of %d simulations", len(edges))
			})
		}
	})
}

type conn struct {
	Edges []struct {
		Node struct {
			ID    string
			Model *struct{ ID string }
		}
	}
}
