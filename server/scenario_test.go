package server_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

const scenariosQuery = `query($id: ID!) { simulation(id: $id) { status iterations
	results { cell mean }
	scenarios { index name scenario { name overrides { cell value distribution { type mean stdDev } percentileRange { low high } } }
		results { cell iterations mean percentiles { p value } }
		impacts { output name meanDifference percentileDifferences { p difference } } } } }`

type scenariosGot struct {
	Simulation struct {
		Status     string
		Iterations int
		Results    []struct {
			Cell string
			Mean float64
		}
		Scenarios []struct {
			Index    int
			Name     string
			Scenario *struct {
				Name      string
				Overrides []struct {
					Cell            string
					Value           *float64
					Distribution    *struct{ Type string }
					PercentileRange *struct{ Low, High float64 }
				}
			}
			Results []struct {
				Cell       string
				Iterations int
				Mean       float64
			}
			Impacts []struct {
				Output                string
				Name                  *string
				MeanDifference        float64
				PercentileDifferences []struct{ P, Difference float64 }
			}
		}
	}
}

func TestScenarioSimulation(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 1
		c.Quotas = false
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "analyst@scenarios.example", Org: "scenarios"})
		wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))
		in := dcfSimulation(wb, 4000)
		in["scenarios"] = []map[string]any{
			{"name": "Same price", "overrides": []map[string]any{{"cell": "Inputs!B2", "distribution": map[string]any{"type": "TRIANGULAR", "min": 100, "mode": 120, "max": 150}}}},
			{"name": "High price", "overrides": []map[string]any{{"cell": "inputs!b2", "value": 150}}},
			{"name": "Volume stress", "overrides": []map[string]any{{"cell": "Inputs!B3", "percentileRange": map[string]any{"low": 0, "high": 0.1}}}},
		}
		id := createSimulation(t, s, token, in)
		waitCompleted(t, s, token, []string{id})
		var got scenariosGot
		s.Query(t, token, scenariosQuery, map[string]any{"id": id}).Decode(t, &got)
		sim := got.Simulation
		require.Equal(t, "COMPLETED", sim.Status)
		require.Len(t, sim.Scenarios, 4, "the base and three scenarios")
		base := sim.Scenarios[0]
		require.Equal(t, 0, base.Index)
		require.Nil(t, base.Scenario)
		require.Len(t, base.Results, 2)
		require.Equal(t, sim.Results[0].Mean, base.Results[0].Mean)
		for k, sc := range sim.Scenarios {
			require.Equal(t, k, sc.Index)
			require.Len(t, sc.Results, 2, sc.Name)
			require.Len(t, sc.Impacts, 2, sc.Name)
			require.Equal(t, 4000, sc.Results[0].Iterations)
		}
		same, high, stress := sim.Scenarios[1], sim.Scenarios[2], sim.Scenarios[3]
		require.Equal(t, "Same price", same.Name)
		// Common random numbers: the same distribution gives the base's results exactly.
		for j, imp := range same.Impacts {
			require.Equal(t, 0.0, imp.MeanDifference, imp.Output)
			require.Equal(t, base.Results[j].Mean, same.Results[j].Mean)
			require.Len(t, imp.PercentileDifferences, 7)
			for _, d := range imp.PercentileDifferences {
				require.Equal(t, 0.0, d.Difference)
			}
		}
		require.Equal(t, "Inputs!B2", high.Scenario.Overrides[0].Cell, "cells are stored normalised")
		require.Equal(t, 150.0, *high.Scenario.Overrides[0].Value)
		require.Equal(t, "Summary!B2", high.Impacts[0].Output)
		require.Greater(t, high.Impacts[0].MeanDifference, 0.0, "a higher price raises the NPV")
		require.InDelta(t, high.Results[0].Mean-base.Results[0].Mean, high.Impacts[0].MeanDifference, 1e-6)
		require.Equal(t, 0.1, stress.Scenario.Overrides[0].PercentileRange.High)
		require.Less(t, stress.Impacts[0].MeanDifference, 0.0, "the lowest 10% of volumes lowers the NPV")
		for _, d := range stress.Impacts[0].PercentileDifferences {
			require.Less(t, d.Difference, 0.0, "P%g", d.P)
		}

		// The report's Scenarios sheet: the base and each scenario per output.
		status, _, body := download(t, s, token, "/api/simulations/"+id+"/report.xlsx")
		require.Equal(t, http.StatusOK, status, string(body))
		x, err := excelize.OpenReader(bytes.NewReader(body))
		require.NoError(t, err)
		defer x.Close()
		require.Contains(t, x.GetSheetList(), "Scenarios")
		rows, err := x.GetRows("Scenarios", excelize.Options{RawCellValue: true})
		require.NoError(t, err)
		require.Len(t, rows, 1+4*2)
		require.Equal(t, []string{"Scenario", "Output", "Cell", "Mean", "P5", "P50", "P95", "Mean difference"}, rows[0])
		for k, sc := range sim.Scenarios {
			for j, res := range sc.Results {
				r := rows[1+2*k+j]
				require.Equal(t, sc.Name, r[0])
				require.Equal(t, res.Cell, r[2])
				requireNumber(t, res.Mean, r[3], sc.Name+" mean")
				requireNumber(t, sc.Impacts[j].MeanDifference, r[7], sc.Name+" mean difference")
			}
		}

	})
}

func TestScenarioRefusals(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.SQLiteConfig(t))
	token := s.Token(t, auth.TokenParams{Email: "analyst@refusals.example", Org: "refusals"})
	wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))
	many := make([]map[string]any, 21)
	for i := range many {
		many[i] = map[string]any{"name": string(rune('a'+i)) + " case", "overrides": []map[string]any{}}
	}
	for _, tc := range []struct {
		name      string
		scenarios []map[string]any
		reason    string
		message   string
	}{
		{"unknown sheet", []map[string]any{{"name": "x", "overrides": []map[string]any{{"cell": "Nope!A1", "value": 1}}}}, "UNKNOWN_CELL", "no sheet"},
		{"not an input", []map[string]any{{"name": "x", "overrides": []map[string]any{{"cell": "Inputs!B6", "percentileRange": map[string]any{"low": 0, "high": 0.5}}}}}, "UNKNOWN_CELL", "not one of the simulation's inputs"},
		{"two ways", []map[string]any{{"name": "x", "overrides": []map[string]any{{"cell": "Inputs!B2", "value": 1, "percentileRange": map[string]any{"low": 0, "high": 0.5}}}}}, "ONE_OVERRIDE", "exactly one of value, distribution and percentileRange"},
		{"none", []map[string]any{{"name": "x", "overrides": []map[string]any{{"cell": "Inputs!B2"}}}}, "ONE_OVERRIDE", "exactly one"},
		{"low >= high", []map[string]any{{"name": "x", "overrides": []map[string]any{{"cell": "Inputs!B2", "percentileRange": map[string]any{"low": 0.5, "high": 0.5}}}}}, "PERCENTILE_RANGE", "0 <= low < high <= 1"},
		{"bad distribution", []map[string]any{{"name": "x", "overrides": []map[string]any{{"cell": "Inputs!B2", "distribution": map[string]any{"type": "NORMAL", "mean": 1, "stdDev": -1}}}}}, "BAD_DISTRIBUTION", "stdDev > 0"},
		{"too many", many, "TOO_MANY_SCENARIOS", "at most 20 scenarios"},
		{"duplicate name", []map[string]any{{"name": "x", "overrides": []map[string]any{}}, {"name": "X", "overrides": []map[string]any{}}}, "SCENARIO_NAME", "two scenarios"},
		{"formula cell", []map[string]any{{"name": "x", "overrides": []map[string]any{{"cell": "Summary!B2", "value": 1}}}}, "UNKNOWN_CELL", "formula cell"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := dcfSimulation(wb, 100)
			in["scenarios"] = tc.scenarios
			resp := s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": in})
			require.Equal(t, "BAD_USER_INPUT", resp.Code(), "%+v", resp.Errors)
			require.Equal(t, tc.reason, resp.Errors[0].Extensions["reason"])
			require.Contains(t, resp.Errors[0].Message, tc.message)
		})
	}
}

func TestScenarioQuotaCountsEveryScenario(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.SQLiteConfig(t))
	token := s.Token(t, auth.TokenParams{Email: "analyst@quota.example", Org: "quota"})
	wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))
	var q struct {
		Quota struct {
			Limits struct{ IterationsPerSimulation int }
		}
	}
	s.Query(t, token, `{ quota { limits { iterationsPerSimulation } } }`, nil).Decode(t, &q)
	limit := q.Quota.Limits.IterationsPerSimulation
	require.Positive(t, limit)
	in := dcfSimulation(wb, limit/2+1)
	in["scenarios"] = []map[string]any{{"name": "High price", "overrides": []map[string]any{{"cell": "Inputs!B2", "value": 150}}}}
	resp := s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": in})
	require.Equal(t, "QUOTA_EXCEEDED", resp.Code(), "%+v", resp.Errors)
}

func TestSimtableScenarios(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.SQLiteConfig(t))
	token := s.Token(t, auth.TokenParams{Email: "analyst@simtable.example", Org: "simtable"})
	x := excelize.NewFile()
	defer x.Close()
	require.NoError(t, x.SetSheetName("Sheet1", "Model"))
	for cell, f := range map[string]string{"B1": "RiskNormal(10,1)", "B2": "RiskSimtable({100,200,300})", "B3": "RiskOutput(\"Total\")+B1+B2"} {
		require.NoError(t, x.SetCellFormula("Model", cell, f))
	}
	buf, err := x.WriteToBuffer()
	require.NoError(t, err)
	wb := s.UploadID(t, token, "simtable.xlsx", buf.Bytes())
	id := createSimulation(t, s, token, map[string]any{"workbookId": wb, "iterations": 2000, "seed": 1})
	waitCompleted(t, s, token, []string{id})
	var got scenariosGot
	s.Query(t, token, scenariosQuery, map[string]any{"id": id}).Decode(t, &got)
	require.Len(t, got.Simulation.Scenarios, 4)
	for k, want := range []float64{0, 0, 100, 200} {
		sc := got.Simulation.Scenarios[k]
		require.InDelta(t, want, sc.Impacts[0].MeanDifference, 1e-9, sc.Name)
		require.Equal(t, "Total", *sc.Impacts[0].Name)
	}
	require.Equal(t, "Simulation 3", got.Simulation.Scenarios[3].Name)
	require.Equal(t, "Model!B2", got.Simulation.Scenarios[3].Scenario.Overrides[0].Cell)
}
