package server_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

const modelFields = `id name description workbookId version createdBy
	current { version iterations seed sampling tailLevels inputs { cell name } outputVariables { cell name }
		targets { output value } correlations { cellA cellB coefficient } keepSamples createdBy }`

type modelGot struct {
	ID, Name, Description, WorkbookID, CreatedBy string
	Version                                      int
	Current                                      struct {
		Version, Iterations int
		Seed                *int
		Sampling            string
		TailLevels          []float64
		Inputs              []struct{ Cell, Name string }
		OutputVariables     []struct {
			Cell string
			Name *string
		}
		Targets []struct {
			Output *string
			Value  float64
		}
		Correlations []struct {
			CellA, CellB string
			Coefficient  float64
		}
		KeepSamples bool
		CreatedBy   string
	}
}

// priceModel is a one-input model of labelledWorkbook (Revenue = Price ×
// Units), its cells spelled as a user may type them.
func priceModel(iterations int) map[string]any {
	return map[string]any{
		"inputs":     []map[string]any{{"cell": "Model!$B$1", "distribution": map[string]any{"type": "NORMAL", "mean": 10, "stdDev": 1}}},
		"outputs":    []string{"Model!B3"},
		"iterations": iterations, "seed": 5,
	}
}

// priceUnitsModel adds the units and the margin, correlated.
func priceUnitsModel(iterations int) map[string]any {
	return map[string]any{
		"inputs": []map[string]any{
			{"cell": "Model!B1", "distribution": map[string]any{"type": "NORMAL", "mean": 10, "stdDev": 1}},
			{"cell": "Model!B2", "name": "Volume", "distribution": map[string]any{"type": "TRIANGULAR", "min": 80, "mode": 100, "max": 130}},
		},
		"outputs":      []string{"Model!B3", "Model!D2"},
		"correlations": []map[string]any{{"cellA": "Model!B1", "cellB": "Model!B2", "coefficient": -0.4}},
		"sampling":     "LATIN_HYPERCUBE", "tailLevels": []float64{0.9}, "outputTargets": []map[string]any{{"output": "Margin", "value": 300}},
		"iterations": iterations, "seed": 9,
	}
}

func createModel(t *testing.T, s *servertest.Server, token, workbook, name string, definition map[string]any) modelGot {
	t.Helper()
	var out struct{ CreateModel modelGot }
	s.Query(t, token, `mutation($in: CreateModelInput!) { createModel(input: $in) { `+modelFields+` } }`,
		map[string]any{"in": map[string]any{"workbookId": workbook, "name": name, "description": "  plan A  ", "definition": definition}}).Decode(t, &out)
	return out.CreateModel
}

const updateModelOp = `mutation($id: ID!, $v: Int!, $in: UpdateModelInput!) { updateModel(id: $id, expectedVersion: $v, input: $in) { ` + modelFields + ` } }`

const restoreModelOp = `mutation($id: ID!, $n: Int!, $v: Int!) { restoreModelVersion(id: $id, version: $n, expectedVersion: $v) { ` + modelFields + ` } }`

func updateModel(t *testing.T, s *servertest.Server, token, id string, expected int, input map[string]any) *servertest.Response {
	t.Helper()
	return s.Query(t, token, updateModelOp, map[string]any{"id": id, "v": expected, "in": input})
}

const runModelOp = `mutation($id: ID!, $in: RunModelInput) { runModel(id: $id, input: $in) { id name status iterations modelVersion model { id } } }`

type runGot struct {
	RunModel struct {
		ID, Name, Status string
		Iterations       int
		ModelVersion     *int
		Model            *struct{ ID string }
	}
}

// TestModelVersions saves a model, edits it into version 2, is refused a
// save based on version 1, runs both versions and checks what each
// simulation ran and records, and lists the versions and simulations.
func TestModelVersions(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 1
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "analyst@models.example", Org: "models"})
		wb := s.UploadID(t, token, "labelled.xlsx", labelledWorkbook(t))

		m := createModel(t, s, token, wb, " Revenue plan ", priceModel(400))
		require.Equal(t, "Revenue plan", m.Name)
		require.Equal(t, "plan A", m.Description)
		require.Equal(t, wb, m.WorkbookID)
		require.Equal(t, 1, m.Version)
		require.Equal(t, 1, m.Current.Version)
		require.Equal(t, 400, m.Current.Iterations)
		require.Equal(t, []struct{ Cell, Name string }{{"Model!B1", "Price"}}, m.Current.Inputs, "cells normalised, names defaulted as createSimulation does")
		require.Equal(t, "MONTE_CARLO", m.Current.Sampling)
		require.Equal(t, []float64{0.95, 0.99}, m.Current.TailLevels)
		require.Equal(t, m.CreatedBy, m.Current.CreatedBy)

		var v2 struct{ UpdateModel modelGot }
		updateModel(t, s, token, m.ID, 1, map[string]any{"definition": priceUnitsModel(600), "name": "Revenue and margin"}).Decode(t, &v2)
		require.Equal(t, 2, v2.UpdateModel.Version)
		require.Equal(t, "Revenue and margin", v2.UpdateModel.Name)
		require.Equal(t, "plan A", v2.UpdateModel.Description, "an absent field is kept")
		cur := v2.UpdateModel.Current
		require.Equal(t, 2, cur.Version)
		require.Equal(t, 600, cur.Iterations)
		require.Equal(t, "LATIN_HYPERCUBE", cur.Sampling)
		require.Equal(t, []float64{0.9}, cur.TailLevels)
		require.Len(t, cur.OutputVariables, 2)
		require.Equal(t, "Margin", *cur.OutputVariables[1].Name)
		require.Len(t, cur.Targets, 1)
		require.Equal(t, "Model!D2", *cur.Targets[0].Output, "a target named by its output's name is stored by cell")
		require.Equal(t, -0.4, cur.Correlations[0].Coefficient)

		t.Run("StaleUpdateRefused", func(t *testing.T) {
			resp := updateModel(t, s, token, m.ID, 1, map[string]any{"definition": priceModel(100)})
			require.Equal(t, "BAD_USER_INPUT", resp.Code(), "%+v", resp.Errors)
			require.Equal(t, "VERSION_CONFLICT", resp.Errors[0].Extensions["reason"])
			require.EqualValues(t, 2, resp.Errors[0].Extensions["currentVersion"])
			require.Contains(t, resp.Errors[0].Message, "current version is 2")
		})
		t.Run("InvalidDefinitionRefused", func(t *testing.T) {
			tests := []struct {
				name       string
				definition map[string]any
				message    string
			}{
				{"OutputNotFormula", map[string]any{"inputs": priceModel(1)["inputs"], "outputs": []string{"Model!B2"}, "iterations": 10}, "not a formula cell"},
				{"InputIsFormula", map[string]any{"inputs": []map[string]any{{"cell": "Model!B3", "distribution": map[string]any{"type": "UNIFORM", "min": 0, "max": 1}}}, "outputs": []string{"Model!D2"}, "iterations": 10}, "is a formula cell"},
				{"UnknownSheet", map[string]any{"inputs": []map[string]any{{"cell": "Nope!A1", "distribution": map[string]any{"type": "UNIFORM", "min": 0, "max": 1}}}, "outputs": []string{"Model!B3"}, "iterations": 10}, "no sheet"},
				{"BadDistribution", map[string]any{"inputs": []map[string]any{{"cell": "Model!B1", "distribution": map[string]any{"type": "UNIFORM", "min": 2, "max": 1}}}, "outputs": []string{"Model!B3"}, "iterations": 10}, ""},
				{"NoIterations", priceModel(0), "iterations must be between"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					resp := updateModel(t, s, token, m.ID, 2, map[string]any{"definition": tt.definition})
					require.Equal(t, "BAD_USER_INPUT", resp.Code(), "%+v", resp.Errors)
					require.Contains(t, resp.Errors[0].Message, tt.message)
					resp = s.Query(t, token, `mutation($in: CreateModelInput!) { createModel(input: $in) { id } }`,
						map[string]any{"in": map[string]any{"workbookId": wb, "name": "bad", "definition": tt.definition}})
					require.Equal(t, "BAD_USER_INPUT", resp.Code(), "createModel validates as updateModel does: %+v", resp.Errors)
				})
			}
			resp := updateModel(t, s, token, m.ID, 2, map[string]any{"name": "  "})
			require.Equal(t, "BAD_USER_INPUT", resp.Code(), "a model needs a name")
			var got struct{ Model struct{ Version int } }
			s.Query(t, token, `query($id: ID!) { model(id: $id) { version } }`, map[string]any{"id": m.ID}).Decode(t, &got)
			require.Equal(t, 2, got.Model.Version, "refused edits add no version")
		})

		var run1, run2 runGot
		s.Query(t, token, runModelOp, map[string]any{"id": m.ID, "in": map[string]any{"version": 1}}).Decode(t, &run1)
		s.Query(t, token, runModelOp, map[string]any{"id": m.ID, "in": map[string]any{"iterations": 300, "name": "quick look"}}).Decode(t, &run2)
		require.Equal(t, "Revenue and margin v1", run1.RunModel.Name)
		require.Equal(t, 400, run1.RunModel.Iterations)
		require.Equal(t, 1, *run1.RunModel.ModelVersion)
		require.Equal(t, m.ID, run1.RunModel.Model.ID)
		require.Equal(t, "quick look", run2.RunModel.Name)
		require.Equal(t, 300, run2.RunModel.Iterations, "an override replaces the version's iterations")
		require.Equal(t, 2, *run2.RunModel.ModelVersion, "the current version by default")
		waitCompleted(t, s, token, []string{run1.RunModel.ID, run2.RunModel.ID})

		var sims struct {
			S1, S2 struct {
				Seed, ModelVersion int
				Sampling           string
				Inputs             []struct{ Cell string }
				Results            []struct {
					Cell       string
					Iterations int
				}
			}
		}
		const simFields = `seed modelVersion sampling inputs { cell } results { cell iterations }`
		s.Query(t, token, `query($a: ID!, $b: ID!) { s1: simulation(id: $a) { `+simFields+` } s2: simulation(id: $b) { `+simFields+` } }`,
			map[string]any{"a": run1.RunModel.ID, "b": run2.RunModel.ID}).Decode(t, &sims)
		require.Equal(t, 5, sims.S1.Seed)
		require.Len(t, sims.S1.Inputs, 1)
		require.Len(t, sims.S1.Results, 1, "version 1 has one output")
		require.Equal(t, 400, sims.S1.Results[0].Iterations)
		require.Equal(t, 9, sims.S2.Seed)
		require.Equal(t, "LATIN_HYPERCUBE", sims.S2.Sampling)
		require.Len(t, sims.S2.Inputs, 2)
		require.Len(t, sims.S2.Results, 2, "version 2 has two outputs")
		require.Equal(t, 300, sims.S2.Results[1].Iterations)

		var listed struct {
			Model struct {
				Versions struct {
					TotalCount int
					Edges      []struct {
						Node struct{ Version, Iterations int }
					}
				}
				Simulations struct {
					TotalCount int
					Edges      []struct{ Node struct{ ID string } }
				}
			}
			Models struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
			Node struct{ ID, Name string }
		}
		s.Query(t, token, `query($id: ID!, $wb: ID!) {
			model(id: $id) { versions(first: 10) { totalCount edges { node { version iterations } } } simulations { totalCount edges { node { id } } } }
			models(workbookId: $wb) { totalCount edges { node { id } } }
			node(id: $id) { id ... on Model { name } } }`, map[string]any{"id": m.ID, "wb": wb}).Decode(t, &listed)
		require.Equal(t, 2, listed.Model.Versions.TotalCount)
		require.Equal(t, 2, listed.Model.Versions.Edges[0].Node.Version, "newest first")
		require.Equal(t, 400, listed.Model.Versions.Edges[1].Node.Iterations, "version 1 is unchanged")
		require.Equal(t, 2, listed.Model.Simulations.TotalCount)
		require.Equal(t, 1, listed.Models.TotalCount)
		require.Equal(t, m.ID, listed.Models.Edges[0].Node.ID)
		require.Equal(t, "Revenue and margin", listed.Node.Name)

		t.Run("RestoreVersion", func(t *testing.T) {
			tests := []struct {
				name            string
				version, expect int
				code            string
			}{
				{"StaleExpectedVersion", 1, 1, "BAD_USER_INPUT"},
				{"NoSuchVersion", 7, 2, "NOT_FOUND"},
				{"NotAVersion", 0, 2, "NOT_FOUND"},
				{"Version1", 1, 2, ""},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					resp := s.Query(t, token, restoreModelOp, map[string]any{"id": m.ID, "n": tt.version, "v": tt.expect})
					require.Equal(t, tt.code, resp.Code(), "%+v", resp.Errors)
				})
			}
			var got struct{ Model modelGot }
			s.Query(t, token, `query($id: ID!) { model(id: $id) { `+modelFields+` } }`, map[string]any{"id": m.ID}).Decode(t, &got)
			require.Equal(t, 3, got.Model.Version, "a restore adds a version")
			require.Equal(t, "Revenue and margin", got.Model.Name, "and keeps the name")
			cur := got.Model.Current
			require.Equal(t, 3, cur.Version)
			require.Equal(t, 400, cur.Iterations)
			require.Equal(t, 5, *cur.Seed)
			require.Equal(t, "MONTE_CARLO", cur.Sampling)
			require.Equal(t, []struct{ Cell, Name string }{{"Model!B1", "Price"}}, cur.Inputs)
			require.Len(t, cur.OutputVariables, 1)
			require.Empty(t, cur.Correlations)
			require.Equal(t, []float64{0.95, 0.99}, cur.TailLevels)
		})

		// The default run name of a model with the longest name still fits.
		long := createModel(t, s, token, wb, strings.Repeat("é", 127), priceModel(10))
		var longRun runGot
		s.Query(t, token, runModelOp, map[string]any{"id": long.ID}).Decode(t, &longRun)
		require.LessOrEqual(t, len(longRun.RunModel.Name), 255)
		require.True(t, strings.HasSuffix(longRun.RunModel.Name, "é v1"), longRun.RunModel.Name)
		require.Equal(t, "NOT_FOUND", s.Query(t, token, `mutation($id: ID!) { deleteModel(id: $id) }`, map[string]any{"id": "not-a-uuid"}).Code())

		resp := s.Query(t, token, runModelOp, map[string]any{"id": m.ID, "in": map[string]any{"version": 4}})
		require.Equal(t, "NOT_FOUND", resp.Code(), "no version 4: %+v", resp.Errors)

		// Deleting the model keeps its simulations and what they recorded.
		var deleted struct{ DeleteModel string }
		s.Query(t, token, `mutation($id: ID!) { deleteModel(id: $id) }`, map[string]any{"id": m.ID}).Decode(t, &deleted)
		require.Equal(t, m.ID, deleted.DeleteModel)
		var after struct {
			Simulation struct {
				Status       string
				ModelVersion int
				Model        *struct{ ID string }
			}
		}
		s.Query(t, token, `query($id: ID!) { simulation(id: $id) { status modelVersion model { id } } }`, map[string]any{"id": run1.RunModel.ID}).Decode(t, &after)
		require.Equal(t, "COMPLETED", after.Simulation.Status)
		require.Equal(t, 1, after.Simulation.ModelVersion)
		require.Nil(t, after.Simulation.Model)
		require.Equal(t, "NOT_FOUND", s.Query(t, token, `query($id: ID!) { model(id: $id) { id } }`, map[string]any{"id": m.ID}).Code())
	})
}

// TestModelAccess checks who may do what with a model: another
// organization finds nothing (NOT_FOUND for every field), a member of the
// same organization may read and run a colleague's model but not change or
// delete it (FORBIDDEN), and an organization administrator may.
func TestModelAccess(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 0 // the runs only need to be queued
		s := servertest.Start(t, c)
		owner := s.Token(t, auth.TokenParams{Email: "owner@acl.example", Org: "acl"})
		colleague := s.Token(t, auth.TokenParams{Email: "colleague@acl.example", Org: "acl", Roles: []string{"MEMBER"}})
		admin := s.Token(t, auth.TokenParams{Email: "admin@acl.example", Org: "acl", Roles: []string{"ORG_ADMIN"}})
		stranger := s.Token(t, auth.TokenParams{Email: "stranger@other.example", Org: "other", Roles: []string{"ORG_ADMIN"}})
		wb := s.UploadID(t, owner, "labelled.xlsx", labelledWorkbook(t))
		m := createModel(t, s, owner, wb, "owned", priceModel(100))

		ops := map[string]struct {
			op   string
			vars map[string]any
		}{
			"Read":    {`query($id: ID!) { model(id: $id) { id current { version } } }`, map[string]any{"id": m.ID}},
			"Node":    {`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": m.ID}},
			"Run":     {runModelOp, map[string]any{"id": m.ID}},
			"Rename":  {updateModelOp, map[string]any{"id": m.ID, "v": 1, "in": map[string]any{"name": "renamed"}}},
			"Edit":    {updateModelOp, map[string]any{"id": m.ID, "v": 1, "in": map[string]any{"definition": priceModel(200)}}},
			"Restore": {restoreModelOp, map[string]any{"id": m.ID, "n": 1, "v": 1}},
			"Delete":  {`mutation($id: ID!) { deleteModel(id: $id) }`, map[string]any{"id": m.ID}},
		}
		tests := []struct {
			name  string
			token string
			op    string
			want  string // extensions.code, "" for success
		}{
			{"StrangerRead", stranger, "Read", "NOT_FOUND"},
			{"StrangerNode", stranger, "Node", "NOT_FOUND"},
			{"StrangerRun", stranger, "Run", "NOT_FOUND"},
			{"StrangerRename", stranger, "Rename", "NOT_FOUND"},
			{"StrangerEdit", stranger, "Edit", "NOT_FOUND"},
			{"StrangerDelete", stranger, "Delete", "NOT_FOUND"},
			{"ColleagueRead", colleague, "Read", ""},
			{"ColleagueRun", colleague, "Run", ""},
			{"ColleagueRename", colleague, "Rename", "FORBIDDEN"},
			{"ColleagueEdit", colleague, "Edit", "FORBIDDEN"},
			{"ColleagueDelete", colleague, "Delete", "FORBIDDEN"},
			{"StrangerRestore", stranger, "Restore", "NOT_FOUND"},
			{"ColleagueRestore", colleague, "Restore", "FORBIDDEN"},
			{"NoToken", "", "Read", "UNAUTHENTICATED"},
			// In order: the admin's edit makes version 2, then deletes.
			{"AdminEdit", admin, "Edit", ""},
			{"AdminDelete", admin, "Delete", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				op := ops[tt.op]
				resp := s.Query(t, tt.token, op.op, op.vars)
				require.Equal(t, tt.want, resp.Code(), "%+v", resp.Errors)
				if tt.want != "" {
					require.NotContains(t, string(resp.Data), `"owned"`)
				}
			})
		}

		var list struct{ Models struct{ TotalCount int } }
		s.Query(t, stranger, `{ models { totalCount } }`, nil).Decode(t, &list)
		require.Zero(t, list.Models.TotalCount, "another organization lists none of them")

		// A member changes and deletes their own model.
		own := createModel(t, s, colleague, wb, "mine", priceModel(100))
		var renamed struct{ UpdateModel modelGot }
		updateModel(t, s, colleague, own.ID, 1, map[string]any{"name": "still mine"}).Decode(t, &renamed)
		require.Equal(t, 1, renamed.UpdateModel.Version, "a rename keeps the version")
		require.Equal(t, "still mine", renamed.UpdateModel.Name)
		require.Equal(t, "", s.Query(t, colleague, `mutation($id: ID!) { deleteModel(id: $id) }`, map[string]any{"id": own.ID}).Code())

		resp := s.Query(t, stranger, `mutation($in: CreateModelInput!) { createModel(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"workbookId": wb, "name": "theirs", "definition": priceModel(100)}})
		require.Equal(t, "NOT_FOUND", resp.Code(), "a model of another organization's workbook: %+v", resp.Errors)
	})
}

// TestModelsFollowTheirTenant saves a model on the shared tier, moves the
// organization to a dedicated database and back, and checks that the
// model, its versions and the simulation that ran it move along and stay
// editable: the new tables are created, secured and copied on both kinds
// of database.
func TestModelsFollowTheirTenant(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 0
		s := servertest.Start(t, c)
		root := s.Token(t, auth.TokenParams{Email: "root@platform.example", Org: "platform", Roles: []string{"SYSTEM_ADMIN"}})
		token := s.Token(t, auth.TokenParams{Email: "mover@tiers.example", Org: "tiers"})
		var me struct {
			Me struct{ Organization struct{ ID string } }
		}
		s.Query(t, token, `{ me { organization { id } } }`, nil).Decode(t, &me)
		wb := s.UploadID(t, token, "labelled.xlsx", labelledWorkbook(t))
		m := createModel(t, s, token, wb, "travelling", priceModel(100))
		var run runGot
		s.Query(t, token, runModelOp, map[string]any{"id": m.ID}).Decode(t, &run)

		expected := 1
		for _, tier := range []struct{ tier, database string }{{"PROFESSIONAL", "DEDICATED"}, {"STANDARD", "SHARED"}} {
			var moved struct{ SetOrganizationTier struct{ DatabaseTier string } }
			s.Query(t, root, `mutation($org: ID!, $tier: Tier!) { setOrganizationTier(organizationId: $org, tier: $tier) { databaseTier } }`,
				map[string]any{"org": me.Me.Organization.ID, "tier": tier.tier}).Decode(t, &moved)
			require.Equal(t, tier.database, moved.SetOrganizationTier.DatabaseTier)

			var got struct {
				Model struct {
					Version     int
					Versions    struct{ TotalCount int }
					Simulations struct {
						Edges []struct{ Node struct{ ID string } }
					}
				}
			}
			s.Query(t, token, `query($id: ID!) { model(id: $id) { version versions { totalCount } simulations { edges { node { id } } } } }`,
				map[string]any{"id": m.ID}).Decode(t, &got)
			require.Equal(t, expected, got.Model.Version, "on %s", tier.tier)
			require.Equal(t, expected, got.Model.Versions.TotalCount)
			require.Len(t, got.Model.Simulations.Edges, 1)
			require.Equal(t, run.RunModel.ID, got.Model.Simulations.Edges[0].Node.ID)

			var updated struct{ UpdateModel modelGot }
			updateModel(t, s, token, m.ID, expected, map[string]any{"definition": priceModel(100 + expected)}).Decode(t, &updated)
			expected++
			require.Equal(t, expected, updated.UpdateModel.Version)
		}
	})
}

// TestModelConcurrentUpdates sends several saves based on the same version
// at once: exactly one makes version 2, every other is a VERSION_CONFLICT,
// and the model has two versions.
func TestModelConcurrentUpdates(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 0
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "racer@race.example", Org: "race"})
		wb := s.UploadID(t, token, "labelled.xlsx", labelledWorkbook(t))
		m := createModel(t, s, token, wb, "contested", priceModel(100))
		const editors = 6
		codes := make(chan string, editors)
		var wg sync.WaitGroup
		for i := range editors {
			wg.Go(func() {
				resp := updateModel(t, s, token, m.ID, 1, map[string]any{"definition": priceModel(200 + i)})
				code := resp.Code()
				if code == "BAD_USER_INPUT" {
					code, _ = resp.Errors[0].Extensions["reason"].(string)
				}
				codes <- code
			})
		}
		wg.Wait()
		close(codes)
		count := map[string]int{}
		for c := range codes {
			count[c]++
		}
		require.Equal(t, map[string]int{"": 1, "VERSION_CONFLICT": editors - 1}, count)
		var got struct {
			Model struct {
				Version  int
				Versions struct{ TotalCount int }
			}
		}
		s.Query(t, token, `query($id: ID!) { model(id: $id) { version versions { totalCount } } }`, map[string]any{"id": m.ID}).Decode(t, &got)
		require.Equal(t, 2, got.Model.Version)
		require.Equal(t, 2, got.Model.Versions.TotalCount)
	})
}
