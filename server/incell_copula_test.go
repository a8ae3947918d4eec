package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine/cli"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/servertest"
)

// copulaModel is a ModelRisk workbook whose inputs a t or Archimedean
// copula joins, and that copula as CopulaInput takes it.
type copulaModel struct {
	correlatedModel
	copula map[string]any
	// sign is the dependence's between Demand and Price: Revenue's
	// standard deviation is above (+1) or below (−1) the independent one.
	sign float64
}

func copulaModels() []copulaModel {
	inputs := []map[string]any{
		{"cell": "Model!B1", "name": "Demand", "distribution": map[string]any{"type": "NORMAL", "mean": 100, "stdDev": 10}},
		{"cell": "Model!B2", "name": "Price", "distribution": map[string]any{"type": "TRIANGULAR", "min": 5, "mode": 8, "max": 12}},
		{"cell": "Model!B3", "name": "Cost", "distribution": map[string]any{"type": "LOGNORMAL", "mean": 50, "stdDev": 5, "truncateMin": 40, "truncateMax": 60}},
	}
	array := func(formula, cells string) func(t *testing.T, x *excelize.File) {
		return func(t *testing.T, x *excelize.File) {
			typ := excelize.STCellFormulaTypeArray
			require.NoError(t, x.SetCellFormula("Model", "A7", formula, excelize.FormulaOpts{Type: &typ, Ref: &cells}))
		}
	}
	bivariate := func(name, fn string, theta, sign float64) copulaModel {
		return copulaModel{
			correlatedModel: correlatedModel{
				name: name,
				formulas: map[string]string{
					"B1": "VoseNormal(100,10,A7)",
					"B2": "VoseTriangle(5,8,12,B7)",
					"B3": "VoseLognormal(50,5,VoseXBounds(40,60))",
					"B4": `VoseOutput("Revenue")+B1*B2`,
					"B5": `VoseOutput("Margin")+B1*B2-10*B3`,
				},
				more:   array(fn+"("+strconv.FormatFloat(theta, 'g', -1, 64)+")", "A7:B7"),
				inputs: inputs, names: []string{"Revenue", "Margin"},
			},
			copula: map[string]any{"family": name, "cells": []any{"Model!B1", "Model!B2"}, "theta": theta},
			sign:   sign,
		}
	}
	matrix := make([]any, 3)
	for i, row := range correlatedMatrix {
		matrix[i] = []any{row[0], row[1], row[2]}
	}
	return []copulaModel{
		{
			correlatedModel: correlatedModel{
				name: "T",
				formulas: map[string]string{
					"B1": "VoseNormal(100,10,A7)",
					"B2": "VoseTriangle(5,8,12,B7)",
					"B3": "VoseLognormal(50,5,C7,VoseXBounds(40,60))",
					"B4": `VoseOutput("Revenue")+B1*B2`,
					"B5": `VoseOutput("Margin")+B1*B2-10*B3`,
				},
				more:   array("VoseCopulaMultiT(4,F1:H3)", "A7:C7"),
				inputs: inputs, names: []string{"Revenue", "Margin"},
			},
			copula: map[string]any{"family": "T", "cells": []any{"Model!B1", "Model!B2", "Model!B3"}, "correlation": matrix, "degreesOfFreedom": 4.0},
			sign:   1,
		},
		bivariate("CLAYTON", "VoseCopulaBiClayton", 3, 1),
		bivariate("GUMBEL", "VoseCopulaBiGumbel", 2, 1),
		bivariate("FRANK", "VoseCopulaBiFrank", -6, -1),
	}
}

// TestInCellCopulaModelMatchesExplicit uploads ModelRisk workbooks whose
// inputs a t, Clayton, Gumbel or Frank copula joins, shows the copula in
// detectedCopulas, runs each with no inputs, runs the same model given
// explicitly (inputs, copula, outputs) over a plain workbook with the same
// seed: the results are identical, and so are those of `simgraph simulate
// WORKBOOK`. The simulations and a saved model record the copula.
func TestInCellCopulaModelMatchesExplicit(t *testing.T) {
	t.Parallel()
	b := servertest.Backends()[0]
	c := b.Config(t)
	c.Workers = 2
	s := servertest.Start(t, c)
	token := s.Token(t, auth.TokenParams{Email: "analyst@copula.example", Org: "copula"})
	const iterations, seed = 4000, 33
	base := map[string]any{"iterations": iterations, "seed": seed, "sampling": "LATIN_HYPERCUBE"}
	with := func(m map[string]any) map[string]any {
		for k, v := range base {
			m[k] = v
		}
		return m
	}
	for _, m := range copulaModels() {
		t.Run(m.name, func(t *testing.T) {
			plain := s.UploadID(t, token, m.name+"-plain.xlsx", modelWorkbook(t, &m.correlatedModel, true))
			file := modelWorkbook(t, &m.correlatedModel, false)
			wb := s.UploadID(t, token, m.name+".xlsx", file)

			var got struct {
				Node struct {
					DetectedCorrelations []struct{ CellA string }
					DetectedCopulas      []map[string]any
					DetectionProblems    []struct {
						Cell, Message string
						RefusesModel  bool
					}
				}
			}
			s.Query(t, token, `query($id: ID!) { node(id: $id) { ... on Workbook {
				detectedCorrelations { cellA }
				detectedCopulas { family cells correlation degreesOfFreedom theta matrix }
				detectionProblems { cell message refusesModel } } } }`,
				map[string]any{"id": wb}).Decode(t, &got)
			for _, p := range got.Node.DetectionProblems {
				require.False(t, p.RefusesModel, "%s: %s", p.Cell, p.Message)
			}
			require.Empty(t, got.Node.DetectedCorrelations)
			require.Len(t, got.Node.DetectedCopulas, 1)
			detected := got.Node.DetectedCopulas[0]
			require.Contains(t, detected["matrix"], "Model!A7")
			for k, v := range m.copula {
				require.EqualValues(t, v, detected[k], k)
			}

			own := with(map[string]any{"workbookId": wb})
			explicit := with(map[string]any{"workbookId": plain, "inputs": m.inputs, "copulas": []any{m.copula},
				"outputs": []string{"Model!B4", "Model!B5"}, "outputNames": m.names})
			independent := with(map[string]any{"workbookId": plain, "inputs": m.inputs,
				"outputs": []string{"Model!B4", "Model!B5"}, "outputNames": m.names})
			// Two at a time: the quota of concurrent simulations.
			ids := []string{createSimulation(t, s, token, own), createSimulation(t, s, token, explicit)}
			waitCompleted(t, s, token, ids)
			ids = append(ids, createSimulation(t, s, token, independent))
			waitCompleted(t, s, token, ids[2:])
			results := make([][]comparedResult, len(ids))
			for i, id := range ids {
				var r struct {
					Simulation struct {
						Copulas []map[string]any
						Results []comparedResult
					}
				}
				s.Query(t, token, `query($id: ID!) { simulation(id: $id) { copulas { family cells correlation degreesOfFreedom theta }
					results { cell name mean stdDev percentiles { p value } } } }`,
					map[string]any{"id": id}).Decode(t, &r)
				if i < 2 {
					require.Len(t, r.Simulation.Copulas, 1, "the simulation records the copula it ran")
					for k, v := range m.copula {
						require.EqualValues(t, v, r.Simulation.Copulas[0][k], k)
					}
				} else {
					require.Empty(t, r.Simulation.Copulas)
				}
				results[i] = r.Simulation.Results
			}
			require.Len(t, results[0], 2)
			require.Equal(t, results[1], results[0], "the workbook's own model is the explicit one")
			// The dependence is imposed: Revenue = Demand·Price spreads more
			// (less) than with independent inputs.
			require.Greater(t, m.sign*(results[0][0].StdDev-results[2][0].StdDev), 3.0,
				"copula %.2f, independent %.2f", results[0][0].StdDev, results[2][0].StdDev)

			path := filepath.Join(t.TempDir(), m.name+".xlsx")
			require.NoError(t, os.WriteFile(path, file, 0o600))
			var stdout, stderr bytes.Buffer
			require.NoError(t, cli.Simulate(context.Background(), []string{path, "--iterations", strconv.Itoa(iterations),
				"--seed", strconv.Itoa(seed), "--sampling", "lhs", "--json"}, &stdout, &stderr), stderr.String())
			var report struct {
				Outputs []struct {
					Cell         string
					Mean, StdDev float64
					Percentiles  map[string]float64
				}
			}
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &report))
			require.Len(t, report.Outputs, 2)
			for i, o := range report.Outputs {
				api := results[0][i]
				require.Equal(t, api.Cell, o.Cell)
				require.Equal(t, api.Mean, o.Mean, "simgraph simulate agrees with the API")
				require.Equal(t, api.StdDev, o.StdDev)
				for _, p := range api.Percentiles {
					require.Equal(t, p.Value, o.Percentiles[strconv.FormatFloat(p.P, 'f', -1, 64)], "percentile %g", p.P)
				}
			}

			// A saved model carries the copula.
			var saved struct {
				CreateModel struct {
					Current struct{ Copulas []map[string]any }
				}
			}
			def := map[string]any{"inputs": m.inputs, "outputs": []string{"Model!B4"}, "iterations": 100, "copulas": []any{m.copula}}
			s.Query(t, token, `mutation($in: CreateModelInput!) { createModel(input: $in) { current { copulas { family cells theta degreesOfFreedom } } } }`,
				map[string]any{"in": map[string]any{"workbookId": plain, "name": m.name, "definition": def}}).Decode(t, &saved)
			require.Len(t, saved.CreateModel.Current.Copulas, 1)
			require.Equal(t, m.copula["family"], saved.CreateModel.Current.Copulas[0]["family"])
		})
	}
}

// TestCopulaOverriddenMember: an input the request overrides leaves the
// workbook's t copula, with a warning; the others keep their copula.
func TestCopulaOverriddenMember(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.Backends()[0].Config(t))
	token := s.Token(t, auth.TokenParams{Email: "analyst@copula-override.example", Org: "copula-override"})
	m := copulaModels()[0]
	wb := s.UploadID(t, token, "t.xlsx", modelWorkbook(t, &m.correlatedModel, false))
	id := createSimulation(t, s, token, map[string]any{"workbookId": wb, "iterations": 500, "seed": 2,
		"inputs": []map[string]any{{"cell": "Model!B1", "distribution": map[string]any{"type": "UNIFORM", "min": 90, "max": 110}}}})
	waitCompleted(t, s, token, []string{id})
	var r struct {
		Simulation struct {
			Warnings []string
			Copulas  []struct {
				Cells       []string
				Correlation [][]float64
			}
		}
	}
	s.Query(t, token, `query($id: ID!) { simulation(id: $id) { warnings copulas { cells correlation } } }`, map[string]any{"id": id}).Decode(t, &r)
	require.Len(t, r.Simulation.Copulas, 1)
	require.Equal(t, []string{"Model!B2", "Model!B3"}, r.Simulation.Copulas[0].Cells)
	require.Equal(t, [][]float64{{1, correlatedMatrix[1][2]}, {correlatedMatrix[2][1], 1}}, r.Simulation.Copulas[0].Correlation)
	require.Contains(t, r.Simulation.Warnings, "Model!B1: the given input leaves the T copula VoseCopulaMultiT in Model!A7:C7, which still joins Model!B2, Model!B3")
}

// TestCopulaValidation: createSimulation refuses a copula whose members
// or parameters do not fit its family, saying why.
func TestCopulaValidation(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.Backends()[0].Config(t))
	token := s.Token(t, auth.TokenParams{Email: "analyst@copula-bad.example", Org: "copula-bad"})
	m := copulaModels()[0]
	plain := s.UploadID(t, token, "plain.xlsx", modelWorkbook(t, &m.correlatedModel, true))
	two := []any{"Model!B1", "Model!B2"}
	identity := []any{[]any{1, 0}, []any{0, 1}}
	tests := []struct {
		name         string
		copula       map[string]any
		correlations []map[string]any
		want         string
	}{
		{"ClaytonAlpha", map[string]any{"family": "CLAYTON", "cells": two, "theta": 0}, nil, "copula CLAYTON: theta (α) must be > 0, got 0"},
		{"GumbelTheta", map[string]any{"family": "GUMBEL", "cells": two, "theta": 0.5}, nil, "copula GUMBEL: theta must be ≥ 1, got 0.5"},
		{"FrankZero", map[string]any{"family": "FRANK", "cells": two, "theta": 0}, nil, "copula FRANK: theta must not be 0"},
		{"ThetaMissing", map[string]any{"family": "FRANK", "cells": two}, nil, "copula FRANK: needs theta"},
		{"ArchimedeanThree", map[string]any{"family": "CLAYTON", "cells": []any{"Model!B1", "Model!B2", "Model!B3"}, "theta": 2}, nil, "copula CLAYTON: joins exactly two inputs, got 3"},
		{"ArchimedeanMatrix", map[string]any{"family": "GUMBEL", "cells": two, "theta": 2, "correlation": identity}, nil, "copula GUMBEL: takes no correlation matrix"},
		{"DegreesZero", map[string]any{"family": "T", "cells": two, "degreesOfFreedom": 0, "correlation": identity}, nil, "copula T: degreesOfFreedom must be a finite number > 0, got 0"},
		{"DegreesMissing", map[string]any{"family": "T", "cells": two, "correlation": identity}, nil, "copula T: needs degreesOfFreedom"},
		{"TTheta", map[string]any{"family": "T", "cells": two, "degreesOfFreedom": 3, "theta": 1, "correlation": identity}, nil, "copula T: takes no theta"},
		{"NormalDegrees", map[string]any{"family": "NORMAL", "cells": two, "degreesOfFreedom": 3, "correlation": identity}, nil, "copula NORMAL: takes no degreesOfFreedom"},
		{"MatrixSize", map[string]any{"family": "NORMAL", "cells": two, "correlation": []any{[]any{1}}}, nil, "copula NORMAL: needs a 2×2 correlation matrix"},
		{"MatrixAsymmetric", map[string]any{"family": "T", "cells": two, "degreesOfFreedom": 3, "correlation": []any{[]any{1, 0.5}, []any{0.4, 1}}}, nil, "not symmetric"},
		{"MatrixDiagonal", map[string]any{"family": "T", "cells": two, "degreesOfFreedom": 3, "correlation": []any{[]any{0.9, 0}, []any{0, 1}}}, nil, "the diagonal must be 1"},
		{"MatrixRange", map[string]any{"family": "NORMAL", "cells": two, "correlation": []any{[]any{1, 1.5}, []any{1.5, 1}}}, nil, "is outside [-1, 1]"},
		{"OneMember", map[string]any{"family": "T", "cells": []any{"Model!B1"}, "degreesOfFreedom": 3, "correlation": []any{[]any{1}}}, nil, "copula T: joins at least two inputs, got 1"},
		{"Duplicate", map[string]any{"family": "CLAYTON", "cells": []any{"Model!B1", "model!b1"}, "theta": 2}, nil, "copula CLAYTON: input Model!B1 is listed twice"},
		{"NotAnInput", map[string]any{"family": "CLAYTON", "cells": []any{"Model!B1", "Model!D9"}, "theta": 2}, nil, "copula CLAYTON: cell Model!D9 is not an input of the model"},
		{"NotACell", map[string]any{"family": "CLAYTON", "cells": []any{"Model!B1", "B 2"}, "theta": 2}, nil, `copula CLAYTON: "B 2" is not a cell reference`},
		{"AlsoCorrelated", map[string]any{"family": "CLAYTON", "cells": two, "theta": 2},
			[]map[string]any{{"cellA": "Model!B2", "cellB": "Model!B3", "coefficient": 0.5}}, "copula CLAYTON: input Model!B2 is already in a correlation or another copula"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := map[string]any{"workbookId": plain, "iterations": 100, "inputs": m.inputs, "outputs": []string{"Model!B4"}, "copulas": []any{tt.copula}}
			if tt.correlations != nil {
				in["correlations"] = tt.correlations
			}
			resp := s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": in})
			require.Equal(t, "BAD_USER_INPUT", resp.Code(), "%v", resp.Errors)
			require.Contains(t, resp.Errors[0].Message, tt.want)
		})
	}
}
