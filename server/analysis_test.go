package server_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/server"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

// labelledWorkbook is a small model made with excelize whose cells carry
// labels to their left or above them:
//
//	A1 Price   B1 10          D1 Margin
//	A2 Units   B2 100         D2 =B3*0.3
//	A3 Revenue B3 =B1*B2
//	           B4 =B3-500     (no label)
func labelledWorkbook(t *testing.T) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	require.NoError(t, x.SetSheetName("Sheet1", "Model"))
	for cell, v := range map[string]any{"A1": "Price", "B1": 10.0, "A2": "Units", "B2": 100.0, "A3": "Revenue:", "D1": "Margin"} {
		require.NoError(t, x.SetCellValue("Model", cell, v))
	}
	for cell, f := range map[string]string{"B3": "B1*B2", "D2": "B3*0.3", "B4": "B3-500"} {
		require.NoError(t, x.SetCellFormula("Model", cell, f))
	}
	buf, err := x.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

// TestSimulationNamesTailsAndTargets runs a simulation with targets and a
// tail level and checks what the API stores and returns: input and output
// names defaulted from the workbook's labels (another client reading the
// simulation sees them), target probabilities, VaR/CVaR consistent with
// the percentiles, valueAtRisk for a computed level and BAD_USER_INPUT for
// another, the change-in-mean tornado and the regression's shares.
func TestSimulationNamesTailsAndTargets(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 1
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "analyst@names.example", Org: "names"})
		wb := s.UploadID(t, token, "labelled.xlsx", labelledWorkbook(t))
		id := createSimulation(t, s, token, map[string]any{
			"workbookId": wb, "iterations": 5000, "seed": 3,
			"inputs": []map[string]any{
				{"cell": "Model!B1", "distribution": map[string]any{"type": "NORMAL", "mean": 10, "stdDev": 1}},
				{"cell": "Model!B2", "name": "Volume", "distribution": map[string]any{"type": "UNIFORM", "min": 90, "max": 110}},
			},
			"outputs":       []string{"Model!B3", "Model!D2", "Model!B4"},
			"outputNames":   []any{nil, ""},
			"targets":       []float64{1000},
			"outputTargets": []map[string]any{{"output": "revenue", "value": 900}, {"output": "Model!B4", "value": 0}},
			"tailLevels":    []float64{0.9},
		})
		waitCompleted(t, s, token, []string{id})

		// A second client (another token of the same user) sees the names.
		other := s.Token(t, auth.TokenParams{Email: "analyst@names.example", Org: "names"})
		type sensitivity struct {
			Input, Name                                 string
			LowDecileMean, HighDecileMean, ChangeInMean float64
			StandardizedRegression, VarianceShare       *float64
		}
		var got struct {
			Simulation struct {
				Inputs          []struct{ Cell, Name string }
				OutputVariables []struct {
					Cell string
					Name *string
				}
				Targets []struct {
					Output *string
					Value  float64
				}
				TailLevels []float64
				Results    []struct {
					Cell        string
					Name        *string
					Mean        float64
					StdDev      float64
					Percentiles []struct{ P, Value float64 }
					Targets     []struct{ Value, ProbBelow, ProbAbove float64 }
					Tail        []struct{ Level, Var, Cvar, UpperVar, UpperCvar float64 }
					VaR         float64 `json:"valueAtRisk"`
					RSquared    *float64
					Unexplained *float64 `json:"unexplainedVariance"`
					Sensitivity []sensitivity
				}
			}
		}
		s.Query(t, other, `query($id: ID!) { simulation(id: $id) {
			inputs { cell name } outputVariables { cell name } targets { output value } tailLevels
			results { cell name mean stdDev percentiles { p value } targets { value probBelow probAbove }
				tail { level var cvar upperVar upperCvar } valueAtRisk(level: 0.9) rSquared unexplainedVariance
				sensitivity { input name lowDecileMean highDecileMean changeInMean standardizedRegression varianceShare } } } }`,
			map[string]any{"id": id}).Decode(t, &got)
		sim := got.Simulation
		require.Equal(t, "Price", sim.Inputs[0].Name, "an unnamed input takes its label")
		require.Equal(t, "Volume", sim.Inputs[1].Name, "a given name is kept")
		names := make([]any, len(sim.OutputVariables))
		for j, o := range sim.OutputVariables {
			names[j] = o.Name
			if o.Name != nil {
				names[j] = *o.Name
			}
		}
		require.Equal(t, []any{"Revenue", "Margin", (*string)(nil)}, names, "labels to the left and above; none for B4")
		require.Len(t, sim.Targets, 3)
		require.Nil(t, sim.Targets[0].Output)
		require.Equal(t, "Model!B3", *sim.Targets[1].Output, "a target named by its output's name is stored by cell")
		require.Equal(t, []float64{0.9}, sim.TailLevels)

		require.Len(t, sim.Results, 3)
		rev, margin, rest := sim.Results[0], sim.Results[1], sim.Results[2]
		require.Equal(t, "Revenue", *rev.Name)
		require.Equal(t, "Margin", *margin.Name)
		require.Nil(t, rest.Name)
		require.Equal(t, []float64{1000, 900}, []float64{rev.Targets[0].Value, rev.Targets[1].Value})
		require.Len(t, margin.Targets, 1, "only the targets of every output")
		require.Len(t, rest.Targets, 2)
		// Revenue = Price·Units, mean 1000, variance 100²·1² + 10²·20²/12 + 1²·20²/12 ≈ 115.6².
		require.InDelta(t, 0.5, rev.Targets[0].ProbBelow, 0.05)
		require.InDelta(t, 1, rev.Targets[0].ProbBelow+rev.Targets[0].ProbAbove, 1e-12)
		require.Less(t, rev.Targets[1].ProbBelow, 0.25)
		require.Equal(t, rest.Targets[0].ProbBelow, 1.0, "B4 = revenue - 500 is always below 1000")
		for _, r := range sim.Results {
			require.Len(t, r.Tail, 1)
			require.Equal(t, 0.9, r.Tail[0].Level)
			var p10 float64
			for _, p := range r.Percentiles {
				if p.P == 10 {
					p10 = p.Value
				}
			}
			require.Equal(t, p10, r.Tail[0].Var, "VaR at 90%% is the 10th percentile")
			require.Equal(t, r.Tail[0].Var, r.VaR)
			require.Less(t, r.Tail[0].Cvar, r.Tail[0].Var)
			require.Greater(t, r.Tail[0].UpperCvar, r.Tail[0].UpperVar)
			require.NotNil(t, r.RSquared)
			require.Greater(t, *r.RSquared, 0.95, "a nearly linear model")
			require.InDelta(t, 1, *r.RSquared+*r.Unexplained, 1e-9)
		}
		// Margin = 0.3·Revenue: tails scale with it.
		require.InDelta(t, 0.3*rev.Tail[0].Cvar, margin.Tail[0].Cvar, 1e-9*math.Abs(rev.Tail[0].Cvar))
		require.Len(t, rev.Sensitivity, 2)
		price := rev.Sensitivity[0]
		require.Equal(t, "Price", price.Name)
		require.Equal(t, price.HighDecileMean-price.LowDecileMean, price.ChangeInMean)
		// Top minus bottom decile of N(10, 1): 2·φ(z₀.₉)/0.1 ≈ 3.51 price units, times 100 units.
		require.InDelta(t, 351, price.ChangeInMean, 30)
		require.NotNil(t, price.StandardizedRegression)
		require.InDelta(t, 100/115.6, *price.StandardizedRegression, 0.05)
		var shares float64
		for _, sv := range rev.Sensitivity {
			shares += *sv.VarianceShare
		}
		require.InDelta(t, *rev.RSquared, shares, 1e-9)

		res := s.Query(t, token, `query($id: ID!) { simulation(id: $id) { results { valueAtRisk(level: 0.5) } } }`, map[string]any{"id": id})
		require.Equal(t, "BAD_USER_INPUT", res.Code())
		require.Contains(t, res.Errors[0].Message, "0.9")

		for _, tc := range []struct {
			name  string
			extra map[string]any
		}{
			{"TailLevel", map[string]any{"tailLevels": []float64{95}}},
			{"TargetOutput", map[string]any{"outputTargets": []map[string]any{{"output": "Profit", "value": 1}}}},
			{"TooManyNames", map[string]any{"outputNames": []string{"a", "b", "c", "d"}}},
		} {
			in := map[string]any{
				"workbookId": wb, "iterations": 100,
				"inputs":  []map[string]any{{"cell": "Model!B1", "distribution": map[string]any{"type": "NORMAL", "mean": 10, "stdDev": 1}}},
				"outputs": []string{"Model!B3"},
			}
			for k, v := range tc.extra {
				in[k] = v
			}
			res := s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": in})
			require.Equal(t, "BAD_USER_INPUT", res.Code(), tc.name)
		}
	})
}

// TestDemoOrganizationRunsAMillionIterations starts the embedded server as
// a developer does (demo organization provisioned at start) and checks
// that the demo organization may ask for a million iterations, and that a
// larger request is refused with what it requested.
func TestDemoOrganizationRunsAMillionIterations(t *testing.T) {
	t.Parallel()
	c := servertest.SQLiteConfig(t)
	c.DemoOrg = true
	c.Workers = 0 // the simulation stays QUEUED: the quota is what is tested
	s := servertest.Start(t, c)
	token := s.Token(t, server.DemoToken())
	var info struct{ TenantInfo struct{ Tier string } }
	s.Query(t, token, `{ tenantInfo { tier } }`, nil).Decode(t, &info)
	require.Equal(t, c.DefaultTier, info.TenantInfo.Tier)
	wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))
	createSimulation(t, s, token, dcfSimulation(wb, 1_000_000))

	res := s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": dcfSimulation(wb, 1_000_001)})
	require.Equal(t, "QUOTA_EXCEEDED", res.Code())
	require.Contains(t, res.Errors[0].Message, "(requested: 1000001)")
	require.NotContains(t, res.Errors[0].Message, "used")
}
