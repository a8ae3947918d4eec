package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine/cli"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

// correlatedModel is one workbook of the in-cell model comparison: its
// in-cell formulas, what else it needs, and the same model as the API
// takes it.
type correlatedModel struct {
	name     string
	formulas map[string]string
	more     func(t *testing.T, x *excelize.File)
	inputs   []map[string]any // the explicit inputs, in the detected order
	names    []string         // the outputs' names
	// pearson converts the matrix's coefficients into the Spearman ones
	// the API takes.
	spearman func(r float64) float64
	// plain are the explicit model's formulas beyond the outputs' (nil:
	// none), and outputs its output formulas (nil: Revenue and Margin).
	plain, outputs map[string]string
}

// The model: Demand ~ Normal(100, 10), Price ~ Triangular(5, 8, 12) and
// Cost ~ Lognormal(mean 50, sd 5) truncated to [40, 60], correlated by the
// matrix in F1:H3 (also the defined name Corr); Revenue = Demand·Price and
// Margin = Revenue − 10·Cost.
var correlatedMatrix = [3][3]float64{{1, 0.6, -0.3}, {0.6, 1, 0.2}, {-0.3, 0.2, 1}}

func correlatedModels() []correlatedModel {
	explicit := func(names ...string) []map[string]any {
		in := []map[string]any{
			{"cell": "Model!B1", "distribution": map[string]any{"type": "NORMAL", "mean": 100, "stdDev": 10}},
			{"cell": "Model!B2", "distribution": map[string]any{"type": "TRIANGULAR", "min": 5, "mode": 8, "max": 12}},
			{"cell": "Model!B3", "distribution": map[string]any{"type": "LOGNORMAL", "mean": 50, "stdDev": 5, "truncateMin": 40, "truncateMax": 60}},
		}
		for i, n := range names {
			in[i]["name"] = n
		}
		return in
	}
	return []correlatedModel{
		{
			name: "Risk",
			formulas: map[string]string{
				"B1": `RiskNormal(100,10,RiskName("Demand"),RiskUnits("units"),RiskCorrmat(Corr,1))`,
				"B2": `RiskTriang(5,8,12,RiskName("Price"),RiskSeed(7),RiskCorrmat(F1:H3,2))`,
				"B3": `RiskLognorm(50,5,RiskTruncate(40,60),RiskName("Cost"),RiskCorrmat(Corr,3))`,
				"B4": `RiskOutput("Revenue")+B1*B2`,
				"B5": `RiskOutput("Margin")+B1*B2-10*B3`,
			},
			more: func(t *testing.T, x *excelize.File) {
				require.NoError(t, x.SetDefinedName(&excelize.DefinedName{Name: "Corr", RefersTo: "Model!$F$1:$H$3"}))
			},
			inputs:   explicit("Demand", "Price", "Cost"),
			names:    []string{"Revenue", "Margin"},
			spearman: func(r float64) float64 { return r },
		},
		{
			name: "ModelRisk",
			formulas: map[string]string{
				"B1": "VoseNormal(100,10,A7)",
				"B2": "VoseTriangle(5,8,12,B7)",
				"B3": "VoseLognormal(50,5,C7,VoseXBounds(40,60))",
				"B4": `VoseOutput("Revenue")+B1*B2`,
				"B5": `VoseOutput("Margin")+B1*B2-10*B3`,
			},
			more: func(t *testing.T, x *excelize.File) {
				typ, cells := excelize.STCellFormulaTypeArray, "A7:C7"
				require.NoError(t, x.SetCellFormula("Model", "A7", "VoseCopulaMultiNormal(F1:H3)", excelize.FormulaOpts{Type: &typ, Ref: &cells}))
			},
			// Unnamed inputs take their labels.
			inputs: explicit("Demand", "Price", "Cost"),
			names:  []string{"Revenue", "Margin"},
			// A normal copula of correlation r has rank correlation
			// (6/π)·asin(r/2).
			spearman: func(r float64) float64 { return 6 / math.Pi * math.Asin(r/2) },
		},
		{
			// Property forms (units, seed), Price as an object sampled in
			// another cell, and a formula reading the copula's uniform of
			// Cost: in ModelRisk C7 holds the U that Cost is drawn from,
			// which is its CDF, (F(Cost) − F(40))/(F(60) − F(40)) under the
			// bounds.
			name: "RiskPropertiesAndModelRiskCopulaRead",
			formulas: map[string]string{
				"B1": `VoseNormal(100,10,A7)`,
				"D2": "VoseTriangleObject(5,8,12)",
				"B2": "VoseSimulate(D2,B7)",
				"B3": "VoseLognormal(50,5,C7,VoseXBounds(40,60))",
				"B4": `VoseOutput("Revenue")+B1*B2`,
				"B5": `VoseOutput("Margin")+B1*B2-10*B3-IF(C7>0.9,100,0)`,
			},
			more: func(t *testing.T, x *excelize.File) {
				typ, cells := excelize.STCellFormulaTypeArray, "A7:C7"
				require.NoError(t, x.SetCellFormula("Model", "A7", "VoseCopulaMultiNormal(F1:H3)", excelize.FormulaOpts{Type: &typ, Ref: &cells}))
			},
			inputs:   explicit("Demand", "Price", "Cost"),
			names:    []string{"Revenue", "Margin"},
			spearman: func(r float64) float64 { return 6 / math.Pi * math.Asin(r/2) },
			plain: func() map[string]string {
				v := math.Log1p(0.01) // Lognormal(mean 50, sd 5): σ² = ln(1 + (5/50)²)
				mu, sigma := strconv.FormatFloat(math.Log(50)-v/2, 'g', -1, 64), strconv.FormatFloat(math.Sqrt(v), 'g', -1, 64)
				cdf := func(x string) string { return "LOGNORM.DIST(" + x + "," + mu + "," + sigma + ",TRUE)" }
				return map[string]string{"C7": "(" + cdf("B3") + "-" + cdf("40") + ")/(" + cdf("60") + "-" + cdf("40") + ")"}
			}(),
			outputs: map[string]string{"B4": "B1*B2", "B5": "B1*B2-10*B3-IF(C7>0.9,100,0)"},
		},
	}
}

// modelWorkbook writes the labels and the matrix, then either the in-cell
// formulas or, for the explicit model, constants and plain formulas.
func modelWorkbook(t *testing.T, m *correlatedModel, explicit bool) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	require.NoError(t, x.SetSheetName("Sheet1", "Model"))
	for i, label := range []string{"Demand", "Price", "Cost", "Revenue", "Margin"} {
		require.NoError(t, x.SetCellValue("Model", "A"+strconv.Itoa(i+1), label))
	}
	for i, row := range correlatedMatrix {
		for j, v := range row {
			cell, err := excelize.CoordinatesToCellName(6+j, i+1)
			require.NoError(t, err)
			require.NoError(t, x.SetCellValue("Model", cell, v))
		}
	}
	formulas := map[string]string{"B4": "B1*B2", "B5": "B1*B2-10*B3"}
	if !explicit {
		formulas = m.formulas
		m.more(t, x)
	} else {
		for cell, v := range map[string]float64{"B1": 100, "B2": 8, "B3": 50} {
			require.NoError(t, x.SetCellValue("Model", cell, v))
		}
		if m.outputs != nil {
			formulas = maps.Clone(m.outputs)
		}
		maps.Copy(formulas, m.plain)
	}
	for cell, f := range formulas {
		require.NoError(t, x.SetCellFormula("Model", cell, f))
	}
	buf, err := x.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

type comparedResult struct {
	Cell        string
	Name        *string
	Mean        float64
	StdDev      float64
	Percentiles []struct{ P, Value float64 }
}

// TestInCellCorrelatedModelMatchesExplicit uploads an @RISK and a ModelRisk
// workbook whose inputs are named, truncated and correlated by a matrix in
// the workbook, runs each with no inputs, and runs the same model given
// explicitly (inputs, correlations, outputs) over a plain workbook with the
// same seed: the results are identical, and so are those of `simgraph
// simulate WORKBOOK` without --input.
func TestInCellCorrelatedModelMatchesExplicit(t *testing.T) {
	t.Parallel()
	b := servertest.Backends()[0]
	c := b.Config(t)
	c.Workers = 2
	s := servertest.Start(t, c)
	token := s.Token(t, auth.TokenParams{Email: "analyst@corr.example", Org: "corr"})
	const iterations, seed = 4000, 21
	for _, m := range correlatedModels() {
		t.Run(m.name, func(t *testing.T) {
			plain := s.UploadID(t, token, m.name+"-plain.xlsx", modelWorkbook(t, &m, true))
			file := modelWorkbook(t, &m, false)
			wb := s.UploadID(t, token, m.name+".xlsx", file)

			var got struct {
				Node struct {
					DetectedInputs []struct {
						Cell         string
						Distribution map[string]any
					}
					DetectedCorrelations []struct {
						CellA, CellB, Matrix string
						Coefficient          float64
					}
					DetectionProblems []struct {
						Cell, Message string
						RefusesModel  bool
					}
				}
			}
			s.Query(t, token, `query($id: ID!) { node(id: $id) { ... on Workbook {
				detectedInputs { cell distribution { truncateMin truncateMax } }
				detectedCorrelations { cellA cellB coefficient matrix }
				detectionProblems { cell message refusesModel } } } }`,
				map[string]any{"id": wb}).Decode(t, &got)
			for _, p := range got.Node.DetectionProblems {
				// RiskSeed's note only.
				require.False(t, p.RefusesModel, "%s: %s", p.Cell, p.Message)
			}
			require.Len(t, got.Node.DetectedInputs, 3)
			require.Equal(t, map[string]any{"truncateMin": 40.0, "truncateMax": 60.0}, got.Node.DetectedInputs[2].Distribution)
			var correlations []map[string]any
			pairs := [][2]int{{0, 1}, {0, 2}, {1, 2}}
			require.Len(t, got.Node.DetectedCorrelations, len(pairs))
			for k, p := range pairs {
				dc := got.Node.DetectedCorrelations[k]
				a, b := "Model!B"+strconv.Itoa(p[0]+1), "Model!B"+strconv.Itoa(p[1]+1)
				require.Equal(t, [2]string{a, b}, [2]string{dc.CellA, dc.CellB})
				want := m.spearman(correlatedMatrix[p[0]][p[1]])
				require.Equal(t, want, dc.Coefficient)
				correlations = append(correlations, map[string]any{"cellA": a, "cellB": b, "coefficient": want})
			}

			base := map[string]any{"iterations": iterations, "seed": seed, "sampling": "LATIN_HYPERCUBE"}
			own := map[string]any{"workbookId": wb}
			explicit := map[string]any{"workbookId": plain, "inputs": m.inputs, "correlations": correlations,
				"outputs": []string{"Model!B4", "Model!B5"}, "outputNames": m.names}
			for k, v := range base {
				own[k], explicit[k] = v, v
			}
			ids := []string{createSimulation(t, s, token, own), createSimulation(t, s, token, explicit)}
			waitCompleted(t, s, token, ids)
			results := make([][]comparedResult, 2)
			for i, id := range ids {
				var r struct {
					Simulation struct {
						Correlations []struct{ CellA, CellB string }
						Results      []comparedResult
					}
				}
				s.Query(t, token, `query($id: ID!) { simulation(id: $id) { correlations { cellA cellB }
					results { cell name mean stdDev percentiles { p value } } } }`,
					map[string]any{"id": id}).Decode(t, &r)
				require.Len(t, r.Simulation.Correlations, 3, "the simulation records the correlations it ran")
				results[i] = r.Simulation.Results
			}
			require.Len(t, results[0], 2)
			require.Equal(t, m.names[0], *results[0][0].Name)
			require.Equal(t, results[1], results[0], "the workbook's own model is the explicit one")

			// The correlations are imposed: with Demand and Price
			// correlated by 0.6, Revenue's standard deviation is about 205;
			// independent, it would be about 166.
			require.Greater(t, results[0][0].StdDev, 185.0)

			path := filepath.Join(t.TempDir(), m.name+".xlsx")
			require.NoError(t, os.WriteFile(path, file, 0o600))
			var stdout, stderr bytes.Buffer
			require.NoError(t, cli.Simulate(context.Background(), []string{path, "--iterations", strconv.Itoa(iterations),
				"--seed", strconv.Itoa(seed), "--sampling", "lhs", "--json"}, &stdout, &stderr), stderr.String())
			var report struct {
				Outputs []struct {
					Cell, Name  string
					Mean        float64
					StdDev      float64
					Percentiles map[string]float64
				}
			}
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &report))
			require.Len(t, report.Outputs, 2)
			for i, o := range report.Outputs {
				api := results[0][i]
				require.Equal(t, api.Cell, o.Cell)
				require.Equal(t, *api.Name, o.Name)
				require.Equal(t, api.Mean, o.Mean, "simgraph simulate agrees with the API")
				require.Equal(t, api.StdDev, o.StdDev)
				for _, p := range api.Percentiles {
					require.Equal(t, p.Value, o.Percentiles[strconv.FormatFloat(p.P, 'f', -1, 64)], "percentile %g", p.P)
				}
			}
		})
	}
}

// TestInCellCorrelationProblems: a workbook whose matrix is not a
// correlation matrix shows the problem at upload, is refused without
// correlations, and runs once the simulation gives its own.
func TestInCellCorrelationProblems(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 1
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "analyst@badcorr.example", Org: "badcorr"})
		x := excelize.NewFile()
		defer x.Close()
		require.NoError(t, x.SetSheetName("Sheet1", "Model"))
		// Not positive semi-definite: A and B, A and C close, B and C opposed.
		for cell, v := range map[string]float64{"F1": 1, "G1": 0.9, "H1": 0.9, "F2": 0.9, "G2": 1, "H2": -0.9, "F3": 0.9, "G3": -0.9, "H3": 1} {
			require.NoError(t, x.SetCellValue("Model", cell, v))
		}
		for cell, f := range map[string]string{
			"B1": "RiskNormal(0,1,RiskCorrmat(F1:H3,1))", "B2": "RiskNormal(0,1,RiskCorrmat(F1:H3,2))",
			"B3": "RiskNormal(0,1,RiskCorrmat(F1:H3,3))", "B4": "RiskSimtable({1,2,3})", "B5": "RiskOutput()+B1+B2+B3+B4",
		} {
			require.NoError(t, x.SetCellFormula("Model", cell, f))
		}
		buf, err := x.WriteToBuffer()
		require.NoError(t, err)
		wb := s.UploadID(t, token, "badcorr.xlsx", buf.Bytes())

		var got struct {
			Node struct {
				DetectedCorrelations []struct{ CellA string }
				DetectedScenarios    struct {
					Count int
					Cells []struct {
						Cell   string
						Values []float64
					}
				}
				DetectionProblems []struct {
					Cell, Message string
					RefusesModel  bool
				}
			}
		}
		s.Query(t, token, `query($id: ID!) { node(id: $id) { ... on Workbook {
			detectedCorrelations { cellA } detectedScenarios { count cells { cell values } }
			detectionProblems { cell message refusesModel } } } }`,
			map[string]any{"id": wb}).Decode(t, &got)
		require.Empty(t, got.Node.DetectedCorrelations)
		require.Equal(t, 3, got.Node.DetectedScenarios.Count)
		require.Len(t, got.Node.DetectedScenarios.Cells, 1)
		require.Equal(t, "Model!B4", got.Node.DetectedScenarios.Cells[0].Cell)
		require.Equal(t, []float64{1, 2, 3}, got.Node.DetectedScenarios.Cells[0].Values)
		problems := got.Node.DetectionProblems
		require.Len(t, problems, 2)
		require.Equal(t, "Model!B1", problems[0].Cell)
		require.True(t, problems[0].RefusesModel)
		require.Contains(t, problems[0].Message, "RiskCorrmat(Model!F1:H3): the matrix is not positive semi-definite")
		require.Equal(t, "Model!B4", problems[1].Cell)
		require.False(t, problems[1].RefusesModel, "RiskSimtable runs with its first value")

		resp := s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"workbookId": wb, "iterations": 100}})
		require.Equal(t, "BAD_USER_INPUT", resp.Code())
		require.Contains(t, resp.Errors[0].Message, "not positive semi-definite")

		id := createSimulation(t, s, token, map[string]any{"workbookId": wb, "iterations": 20000, "seed": 4,
			"correlations": []map[string]any{{"cellA": "Model!B1", "cellB": "Model!B2", "coefficient": 0.5}}})
		waitCompleted(t, s, token, []string{id})
		var r struct {
			Simulation struct {
				Warnings []string
				Results  []struct{ Mean float64 }
			}
		}
		s.Query(t, token, `query($id: ID!) { simulation(id: $id) { warnings results { mean } } }`, map[string]any{"id": id}).Decode(t, &r)
		require.Len(t, r.Simulation.Results, 1)
		// Three standard normals plus RiskSimtable's first value, 1.
		require.InDelta(t, 1, r.Simulation.Results[0].Mean, 0.06)
		require.Len(t, r.Simulation.Warnings, 1, "%v", r.Simulation.Warnings)
		require.Contains(t, r.Simulation.Warnings[0], "Model!B4: RiskSimtable: the simulation uses its first value, 1; its values make 3 scenarios")
	})
}
