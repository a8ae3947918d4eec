package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

const compareQuery = `query($ids: [ID!]!, $output: String) { compareSimulations(ids: $ids, output: $output) {
	output
	runs { simulation { id } result { cell name mean percentiles { p value } }
		meanDifference percentileDifferences { p value baseline difference relative } } } }`

type comparison struct {
	CompareSimulations struct {
		Output string
		Runs   []struct {
			Simulation struct{ ID string }
			Result     *struct {
				Cell        string
				Name        *string
				Mean        float64
				Percentiles []struct{ P, Value float64 }
			}
			MeanDifference        *float64
			PercentileDifferences []struct {
				P, Value, Baseline, Difference float64
				Relative                       *float64
			}
		}
	}
}

// TestCompareSimulations runs the @RISK workbook's own model and the same
// model with one input shifted, compares them on the named output and by
// cell, and refuses what cannot be compared.
func TestCompareSimulations(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 1
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "analyst@compare.example", Org: "compare"})
		other := s.Token(t, auth.TokenParams{Email: "analyst@elsewhere.example", Org: "elsewhere"})
		wb := s.UploadID(t, token, "risk.xlsx", riskWorkbook(t, nil))

		base := createSimulation(t, s, token, map[string]any{"workbookId": wb, "iterations": 5000, "seed": 5})
		// The same inputs in the same order and seed, with Uniform(10, 20)
		// for Uniform(0, 10): Total shifts by 10 in every iteration.
		shifted := createSimulation(t, s, token, map[string]any{
			"workbookId": wb, "iterations": 5000, "seed": 5,
			"inputs": []map[string]any{
				{"cell": "Model!B1", "name": "Demand", "distribution": map[string]any{"type": "NORMAL", "mean": 100, "stdDev": 10}},
				{"cell": "Model!B2", "distribution": map[string]any{"type": "UNIFORM", "min": 10, "max": 20}},
			},
		})
		waitCompleted(t, s, token, []string{base, shifted})

		var got comparison
		s.Query(t, token, compareQuery, map[string]any{"ids": []string{base, shifted}}).Decode(t, &got)
		cmp := got.CompareSimulations
		require.Equal(t, "Total", cmp.Output, "the baseline's first output, by its name")
		require.Len(t, cmp.Runs, 2)
		require.Equal(t, base, cmp.Runs[0].Simulation.ID)
		require.Equal(t, shifted, cmp.Runs[1].Simulation.ID)
		require.Equal(t, "Model!B3", cmp.Runs[1].Result.Cell)
		require.InDelta(t, 0, *cmp.Runs[0].MeanDifference, 1e-12, "the baseline against itself")
		require.InDelta(t, 10, *cmp.Runs[1].MeanDifference, 1e-6)
		diffs := cmp.Runs[1].PercentileDifferences
		require.Len(t, diffs, 7)
		for i, p := range []float64{5, 10, 25, 50, 75, 90, 95} {
			d := diffs[i]
			require.Equal(t, p, d.P)
			require.InDelta(t, d.Value-d.Baseline, d.Difference, 1e-9)
			require.InDelta(t, 10, d.Difference, 1e-6, "P%v moves with the input's shift", p)
			require.InDelta(t, d.Difference/d.Baseline, *d.Relative, 1e-12)
		}

		s.Query(t, token, compareQuery, map[string]any{"ids": []string{shifted, base}, "output": "Model!$B$4"}).Decode(t, &got)
		require.Equal(t, "Model!$B$4", got.CompareSimulations.Output)
		require.InDelta(t, -20, *got.CompareSimulations.Runs[1].MeanDifference, 1e-6, "B4 = 2·B3, against the shifted baseline")

		s.Query(t, token, compareQuery, map[string]any{"ids": []string{base, shifted}, "output": "no such output"}).Decode(t, &got)
		for _, run := range got.CompareSimulations.Runs {
			require.Nil(t, run.Result)
			require.Nil(t, run.MeanDifference)
			require.Empty(t, run.PercentileDifferences)
		}

		tooMany := make([]string, 21)
		for i := range tooMany {
			tooMany[i] = base
		}
		tests := []struct {
			name  string
			token string
			ids   []string
			code  string
		}{
			{"None", token, []string{}, "BAD_USER_INPUT"},
			{"TooMany", token, tooMany, "BAD_USER_INPUT"},
			{"Twice", token, []string{base, base}, "BAD_USER_INPUT"},
			{"NotAnID", token, []string{base, "nope"}, "NOT_FOUND"},
			{"AnotherTenantsRun", other, []string{base}, "NOT_FOUND"},
			{"OneOfAnotherTenant", other, []string{createOtherRun(t, s, other), shifted}, "NOT_FOUND"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp := s.Query(t, tt.token, compareQuery, map[string]any{"ids": tt.ids})
				require.Equal(t, tt.code, resp.Code())
			})
		}
	})
}

// createOtherRun is a simulation of the other tenant, so that a comparison
// mixing it with a foreign one fails on the foreign one.
func createOtherRun(t *testing.T, s *servertest.Server, token string) string {
	t.Helper()
	wb := s.UploadID(t, token, "theirs.xlsx", riskWorkbook(t, nil))
	return createSimulation(t, s, token, map[string]any{"workbookId": wb, "iterations": 100, "seed": 1})
}
