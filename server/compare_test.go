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
		meanDifference percentileDifferences { p value baseline difference relative } histogram cdf }
	bins { lower upper }
	tornado { input cell changeInMean rankCorrelation } } }`

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
			Histogram, Cdf []float64
		}
		Bins    []struct{ Lower, Upper float64 }
		Tornado []struct {
			Input, Cell                   string
			ChangeInMean, RankCorrelation []*float64
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

		// Overlaid histograms and CDFs on common bins spanning both runs.
		bins := cmp.Bins
		require.NotEmpty(t, bins)
		require.LessOrEqual(t, len(bins), 100)
		for k := 1; k < len(bins); k++ {
			require.InDelta(t, bins[k-1].Upper, bins[k].Lower, 1e-9, "contiguous bins")
		}
		means := make([]float64, 2)
		for i, run := range cmp.Runs {
			require.Len(t, run.Histogram, len(bins))
			require.Len(t, run.Cdf, len(bins))
			sum := 0.0
			for k, p := range run.Histogram {
				require.GreaterOrEqual(t, p, 0.0)
				sum += p
				require.InDelta(t, sum, run.Cdf[k], 1e-9, "the CDF accumulates the histogram")
				means[i] += p * (bins[k].Lower + bins[k].Upper) / 2
			}
			require.InDelta(t, 1, sum, 1e-9, "probabilities, not counts")
			require.Equal(t, 1.0, run.Cdf[len(bins)-1])
		}
		width := bins[0].Upper - bins[0].Lower
		require.InDelta(t, 10, means[1]-means[0], width, "the histograms' means differ by the shift")
		lowerAtShift := false
		for k := range bins {
			require.GreaterOrEqual(t, cmp.Runs[0].Cdf[k], cmp.Runs[1].Cdf[k]-0.02, "the shifted run's CDF lies right of the baseline's at %g", bins[k].Upper)
			lowerAtShift = lowerAtShift || cmp.Runs[0].Cdf[k]-cmp.Runs[1].Cdf[k] > 0.1
		}
		require.True(t, lowerAtShift, "the CDFs are apart")
		// Tornadoes side by side: B2 moves the output the same in both runs
		// (a shift changes no decile's spread), and rows follow the
		// baseline's bars.
		require.GreaterOrEqual(t, len(cmp.Tornado), 2)
		var b2 *float64
		for k, row := range cmp.Tornado {
			require.Len(t, row.ChangeInMean, 2)
			require.Len(t, row.RankCorrelation, 2)
			if k > 0 && row.ChangeInMean[0] != nil && cmp.Tornado[k-1].ChangeInMean[0] != nil {
				require.GreaterOrEqual(t, abs(*cmp.Tornado[k-1].ChangeInMean[0]), abs(*row.ChangeInMean[0]), "sorted by the baseline's bar")
			}
			if row.Cell == "Model!B2" {
				require.NotNil(t, row.ChangeInMean[0])
				require.NotNil(t, row.ChangeInMean[1])
				require.InDelta(t, *row.ChangeInMean[0], *row.ChangeInMean[1], 1e-6)
				b2 = row.ChangeInMean[0]
			}
		}
		require.NotNil(t, b2, "B2 is in the tornado")
		require.Greater(t, *b2, 5.0, "Uniform(0, 10) moves the total by about 9 between its extreme deciles")

		s.Query(t, token, compareQuery, map[string]any{"ids": []string{shifted, base}, "output": "Model!$B$4"}).Decode(t, &got)
		require.Equal(t, "Model!$B$4", got.CompareSimulations.Output)
		require.InDelta(t, -20, *got.CompareSimulations.Runs[1].MeanDifference, 1e-6, "B4 = 2·B3, against the shifted baseline")

		s.Query(t, token, compareQuery, map[string]any{"ids": []string{base, shifted}, "output": "no such output"}).Decode(t, &got)
		for _, run := range got.CompareSimulations.Runs {
			require.Nil(t, run.Result)
			require.Nil(t, run.MeanDifference)
			require.Empty(t, run.PercentileDifferences)
			require.Empty(t, run.Histogram)
			require.Empty(t, run.Cdf)
		}
		require.Empty(t, got.CompareSimulations.Bins)
		require.Empty(t, got.CompareSimulations.Tornado)

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
