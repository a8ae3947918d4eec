package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

// riskWorkbook is an @RISK model: two in-cell inputs, one of them
// parameterised by cells, and a named output.
//
//	A1 Demand  B1 =RiskNormal(D1,D2,RiskName("Demand"))   D1 100  D2 10
//	A2 Extra   B2 =RiskUniform(0,D2)
//	A3 Total   B3 =RiskOutput("Total")+B1+B2
//	           B4 =B3*2+RiskOutput()
func riskWorkbook(t *testing.T, extra map[string]string) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	require.NoError(t, x.SetSheetName("Sheet1", "Model"))
	for cell, v := range map[string]any{"A1": "Demand", "A2": "Extra", "A3": "Total", "D1": 100.0, "D2": 10.0} {
		require.NoError(t, x.SetCellValue("Model", cell, v))
	}
	formulas := map[string]string{
		"B1": `RiskNormal(D1,D2,RiskName("Demand"))`,
		"B2": "RiskUniform(0,D2)",
		"B3": `RiskOutput("Total")+B1+B2`,
		"B4": "B3*2+RiskOutput()",
	}
	for cell, f := range extra {
		formulas[cell] = f
	}
	for cell, f := range formulas {
		require.NoError(t, x.SetCellFormula("Model", cell, f))
	}
	buf, err := x.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

// TestRiskWorkbookRunsItsOwnModel uploads an @RISK workbook, reads what
// was detected, runs it with no inputs or outputs given, then again with
// one detected input overridden, and refuses a workbook with an @RISK
// function the engine does not know.
func TestRiskWorkbookRunsItsOwnModel(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 1
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "analyst@risk.example", Org: "risk"})
		wb := s.UploadID(t, token, "risk.xlsx", riskWorkbook(t, nil))

		var got struct {
			Node struct {
				UnsupportedFunctions []struct{ Name string }
				DetectedInputs       []struct {
					Cell         string
					Name         *string
					Function     string
					StaticValue  float64
					Distribution map[string]any
				}
				DetectedOutputs []struct {
					Cell string
					Name *string
				}
				DetectionProblems []struct{ Cell, Message string }
			}
		}
		s.Query(t, token, `query($id: ID!) { node(id: $id) { ... on Workbook {
			unsupportedFunctions { name }
			detectedInputs { cell name function staticValue distribution { type mean stdDev min max } }
			detectedOutputs { cell name } detectionProblems { cell message } } } }`,
			map[string]any{"id": wb}).Decode(t, &got)
		w := got.Node
		require.Empty(t, w.DetectionProblems)
		require.Empty(t, w.UnsupportedFunctions, "recognised @RISK functions are not unsupported")
		require.Len(t, w.DetectedInputs, 2)
		demand, extra := w.DetectedInputs[0], w.DetectedInputs[1]
		require.Equal(t, "Model!B1", demand.Cell)
		require.Equal(t, "Demand", *demand.Name)
		require.Equal(t, "RiskNormal", demand.Function)
		require.Equal(t, map[string]any{"type": "NORMAL", "mean": 100.0, "stdDev": 10.0, "min": nil, "max": nil}, demand.Distribution)
		require.Equal(t, 100.0, demand.StaticValue)
		require.Equal(t, "Model!B2", extra.Cell)
		require.Nil(t, extra.Name)
		require.Equal(t, map[string]any{"type": "UNIFORM", "mean": nil, "stdDev": nil, "min": 0.0, "max": 10.0}, extra.Distribution)
		require.Len(t, w.DetectedOutputs, 2)
		require.Equal(t, "Model!B3", w.DetectedOutputs[0].Cell)
		require.Equal(t, "Total", *w.DetectedOutputs[0].Name)
		require.Equal(t, "Model!B4", w.DetectedOutputs[1].Cell)
		require.Nil(t, w.DetectedOutputs[1].Name)

		own := createSimulation(t, s, token, map[string]any{"workbookId": wb, "iterations": 20000, "seed": 5})
		overridden := createSimulation(t, s, token, map[string]any{
			"workbookId": wb, "iterations": 20000, "seed": 5,
			"inputs":  []map[string]any{{"cell": "Model!B2", "distribution": map[string]any{"type": "UNIFORM", "min": 10, "max": 30}}},
			"outputs": []string{"Model!B3"},
		})
		waitCompleted(t, s, token, []string{own, overridden})

		type result struct {
			Simulation struct {
				Inputs  []struct{ Cell, Name string }
				Results []struct {
					Cell   string
					Name   *string
					Mean   float64
					StdDev float64
				}
			}
		}
		var r result
		s.Query(t, token, `query($id: ID!) { simulation(id: $id) { inputs { cell name } results { cell name mean stdDev } } }`,
			map[string]any{"id": own}).Decode(t, &r)
		require.Equal(t, []struct{ Cell, Name string }{{"Model!B1", "Demand"}, {"Model!B2", "Extra"}}, r.Simulation.Inputs, "an unnamed input takes its label")
		require.Len(t, r.Simulation.Results, 2)
		total, twice := r.Simulation.Results[0], r.Simulation.Results[1]
		require.Equal(t, "Total", *total.Name)
		// Total = Normal(100, 10) + Uniform(0, 10): mean 105, sd √(100 + 100/12).
		require.InDelta(t, 105, total.Mean, 0.3)
		require.InDelta(t, 10.41, total.StdDev, 0.2)
		require.InDelta(t, 210, twice.Mean, 0.6)

		s.Query(t, token, `query($id: ID!) { simulation(id: $id) { inputs { cell name } results { cell name mean stdDev } } }`,
			map[string]any{"id": overridden}).Decode(t, &r)
		require.Len(t, r.Simulation.Inputs, 2)
		require.Equal(t, "Model!B2", r.Simulation.Inputs[0].Cell, "the given input comes first")
		require.Len(t, r.Simulation.Results, 1)
		require.InDelta(t, 120, r.Simulation.Results[0].Mean, 0.3, "Uniform(10, 30) replaces Uniform(0, 10)")

		bad := s.UploadID(t, token, "bad.xlsx", riskWorkbook(t, map[string]string{"B2": "RiskFoo(0,D2)"}))
		var problems struct {
			Node struct {
				DetectionProblems []struct{ Cell, Message string }
			}
		}
		s.Query(t, token, `query($id: ID!) { node(id: $id) { ... on Workbook { detectionProblems { cell message } } } }`,
			map[string]any{"id": bad}).Decode(t, &problems)
		require.Equal(t, []struct{ Cell, Message string }{{"Model!B2", "RiskFoo is not supported"}}, problems.Node.DetectionProblems)
		resp := s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"workbookId": bad, "iterations": 100}})
		require.Equal(t, "BAD_USER_INPUT", resp.Code())
		require.Contains(t, resp.Errors[0].Message, "Model!B2: RiskFoo is not supported")
	})
}

// TestRandWorkbookRunsAsInputs uploads a workbook sampled with Excel's own
// RAND() idioms: the whole-formula idiom is a detected input, RAND()
// inside a larger formula is a note that does not refuse the model, is
// still drawn in every iteration and becomes the simulation's warning.
//
//	B1 =NORM.INV(RAND(),D1,D2)   D1 100  D2 10
//	B2 =IF(RAND()<0.25,1,0)
//	B3 =B1+B2*100
func TestRandWorkbookRunsAsInputs(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 1
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "analyst@rand.example", Org: "rand"})
		x := excelize.NewFile()
		defer x.Close()
		require.NoError(t, x.SetSheetName("Sheet1", "Model"))
		require.NoError(t, x.SetCellValue("Model", "D1", 100.0))
		require.NoError(t, x.SetCellValue("Model", "D2", 10.0))
		for cell, f := range map[string]string{"B1": "NORM.INV(RAND(),D1,D2)", "B2": "IF(RAND()<0.25,1,0)", "B3": "B1+B2*100"} {
			require.NoError(t, x.SetCellFormula("Model", cell, f))
		}
		buf, err := x.WriteToBuffer()
		require.NoError(t, err)
		wb := s.UploadID(t, token, "rand.xlsx", buf.Bytes())

		var got struct {
			Node struct {
				DetectedInputs []struct {
					Cell, Function string
					Distribution   map[string]any
				}
				DetectionProblems []struct {
					Cell, Message string
					RefusesModel  bool
				}
			}
		}
		s.Query(t, token, `query($id: ID!) { node(id: $id) { ... on Workbook {
			detectedInputs { cell function distribution { type mean stdDev } }
			detectionProblems { cell message refusesModel } } } }`,
			map[string]any{"id": wb}).Decode(t, &got)
		require.Len(t, got.Node.DetectedInputs, 1)
		require.Equal(t, "Model!B1", got.Node.DetectedInputs[0].Cell)
		require.Equal(t, "NORM.INV", got.Node.DetectedInputs[0].Function)
		require.Equal(t, map[string]any{"type": "NORMAL", "mean": 100.0, "stdDev": 10.0}, got.Node.DetectedInputs[0].Distribution)
		require.Len(t, got.Node.DetectionProblems, 1)
		note := got.Node.DetectionProblems[0]
		require.Equal(t, "Model!B2", note.Cell)
		require.False(t, note.RefusesModel)
		require.Contains(t, note.Message, "RAND() is part of a larger formula")

		id := createSimulation(t, s, token, map[string]any{"workbookId": wb, "iterations": 20000, "seed": 3, "outputs": []string{"Model!B3"}})
		waitCompleted(t, s, token, []string{id})
		var r struct {
			Simulation struct {
				Warnings []string
				Inputs   []struct{ Cell string }
				Results  []struct{ Mean float64 }
			}
		}
		s.Query(t, token, `query($id: ID!) { simulation(id: $id) { warnings inputs { cell } results { mean } } }`,
			map[string]any{"id": id}).Decode(t, &r)
		require.Equal(t, []struct{ Cell string }{{"Model!B1"}}, r.Simulation.Inputs)
		require.Len(t, r.Simulation.Results, 1)
		// 100 + 100·P(RAND() < 0.25): the buried RAND() is drawn, not frozen.
		require.InDelta(t, 125, r.Simulation.Results[0].Mean, 1.5)
		require.Len(t, r.Simulation.Warnings, 1, "%v", r.Simulation.Warnings)
		require.Contains(t, r.Simulation.Warnings[0], "Model!B2: RAND() is part of a larger formula")
	})
}
