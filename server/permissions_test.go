package server_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

// permissionOps are the operations TestObjectPermissions runs on each
// kind of object, as every kind of actor.
var permissionOps = map[string]map[string]string{
	"Workbook": {
		"Read":   `query($id: ID!) { workbook(id: $id) { id createdBy } }`,
		"Rename": `mutation($id: ID!) { renameWorkbook(id: $id, name: "renamed.xlsx") { id name } }`,
		"Delete": `mutation($id: ID!) { deleteWorkbook(id: $id) }`,
	},
	"Simulation": {
		"Read":   `query($id: ID!) { simulation(id: $id) { id createdBy } }`,
		"Rename": `mutation($id: ID!) { renameSimulation(id: $id, name: "renamed") { id name } }`,
		"Cancel": `mutation($id: ID!) { cancelSimulation(id: $id) { id status } }`,
	},
	"Model": {
		"Read":    `query($id: ID!) { model(id: $id) { id createdBy } }`,
		"Run":     runModelOp,
		"Rename":  updateModelOp,
		"Edit":    updateModelOp,
		"Restore": restoreModelOp,
		"Delete":  `mutation($id: ID!) { deleteModel(id: $id) }`,
	},
}

// unownedMutations are the mutations that change no member's object, so
// that the creator/member/administrator question does not arise, and the
// test that checks who may call them.
var unownedMutations = map[string]string{
	"uploadWorkbook":       "creates the caller's own (TestObjectPermissions' creator; TestAPIKeyQueries for scopes)",
	"createSimulation":     "creates the caller's own (TestObjectPermissions' creator)",
	"createModel":          "creates the caller's own (TestObjectPermissions' creator)",
	"markNotificationRead": "the caller's own notification; another's is NOT_FOUND (TestEventsExactlyOnce)",
	"createApiKey":         "ORG_ADMIN only (TestAPIKeys)",
	"revokeApiKey":         "ORG_ADMIN only (TestAPIKeys)",
	"createWebhook":        "ORG_ADMIN only (TestWebhookDelivery)",
	"deleteWebhook":        "ORG_ADMIN only (TestCrossTenantMatrix)",
	"migrate":              "SYSTEM_ADMIN only (TestCrossTenantMatrix)",
	"setQuotaOverride":     "SYSTEM_ADMIN only (TestCrossTenantMatrix)",
	"setOrganizationTier":  "SYSTEM_ADMIN only (TestCrossTenantMatrix)",
}

// TestPermissionsCoverMutations fails for a mutation of the schema that
// TestObjectPermissions does not run and that is not listed, with a
// reason, among the mutations that change no member's object; and for a
// listed one the schema no longer has.
func TestPermissionsCoverMutations(t *testing.T) {
	t.Parallel()
	ran := map[string]bool{}
	first := regexp.MustCompile(`^mutation[^{]*\{\s*(\w+)`)
	for _, ops := range permissionOps {
		for _, op := range ops {
			if m := first.FindStringSubmatch(op); m != nil {
				ran[m[1]] = true
			}
		}
	}
	mutations := map[string]bool{}
	var missing []string
	for _, f := range schemaFields(t) {
		name, ok := strings.CutPrefix(f, "Mutation.")
		if !ok {
			continue
		}
		mutations[name] = true
		_, listed := unownedMutations[name]
		if !ran[name] && !listed {
			missing = append(missing, name)
		}
		require.False(t, ran[name] && listed, "%s is both run by TestObjectPermissions and listed as unowned", name)
	}
	require.Empty(t, missing, "mutations neither in permissionOps nor in unownedMutations")
	for name := range unownedMutations {
		require.True(t, mutations[name], "unownedMutations lists %s, which the schema does not have", name)
	}
	require.NotEmpty(t, ran)
}

// TestObjectPermissions runs every operation on every kind of tenant
// object as every kind of actor: the object's creator and an organization
// administrator may change and delete it, another member of the
// organization may read it but not change it (FORBIDDEN), and another
// organization finds nothing (NOT_FOUND), even as its administrator. Each
// cell works on an object of its own, created by the creator.
func TestObjectPermissions(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers, c.Quotas = 0, false // simulations stay QUEUED, so that they can be cancelled
		s := servertest.Start(t, c)
		actors := map[string]string{
			"Creator":     s.Token(t, auth.TokenParams{Email: "creator@perm.example", Org: "perm", Roles: []string{"MEMBER"}}),
			"OtherMember": s.Token(t, auth.TokenParams{Email: "colleague@perm.example", Org: "perm", Roles: []string{"MEMBER"}}),
			"OrgAdmin":    s.Token(t, auth.TokenParams{Email: "admin@perm.example", Org: "perm", Roles: []string{"ORG_ADMIN"}}),
			"OtherTenant": s.Token(t, auth.TokenParams{Email: "admin@elsewhere.example", Org: "elsewhere", Roles: []string{"ORG_ADMIN"}}),
		}
		creator := actors["Creator"]
		content := labelledWorkbook(t)
		newWorkbook := func(t *testing.T) string { return s.UploadID(t, creator, "perm.xlsx", content) }
		newSimulation := func(t *testing.T) string {
			in := priceModel(100)
			in["workbookId"] = newWorkbook(t)
			var out struct{ CreateSimulation struct{ ID string } }
			s.Query(t, creator, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": in}).Decode(t, &out)
			return out.CreateSimulation.ID
		}
		newModel := func(t *testing.T) string {
			return createModel(t, s, creator, newWorkbook(t), "perm", priceModel(100)).ID
		}

		type operation struct {
			op   string
			vars func(id string) map[string]any
		}
		byID := func(id string) map[string]any { return map[string]any{"id": id} }
		objects := []struct {
			name   string
			create func(t *testing.T) string
			ops    map[string]operation
		}{
			{"Workbook", newWorkbook, map[string]operation{
				"Read":   {permissionOps["Workbook"]["Read"], byID},
				"Rename": {permissionOps["Workbook"]["Rename"], byID},
				"Delete": {permissionOps["Workbook"]["Delete"], byID},
			}},
			{"Simulation", newSimulation, map[string]operation{
				"Read":   {permissionOps["Simulation"]["Read"], byID},
				"Rename": {permissionOps["Simulation"]["Rename"], byID},
				"Cancel": {permissionOps["Simulation"]["Cancel"], byID},
			}},
			{"Model", newModel, map[string]operation{
				"Read": {permissionOps["Model"]["Read"], byID},
				"Run":  {permissionOps["Model"]["Run"], byID},
				"Rename": {permissionOps["Model"]["Rename"], func(id string) map[string]any {
					return map[string]any{"id": id, "v": 1, "in": map[string]any{"name": "renamed"}}
				}},
				"Edit": {permissionOps["Model"]["Edit"], func(id string) map[string]any {
					return map[string]any{"id": id, "v": 1, "in": map[string]any{"definition": priceModel(200)}}
				}},
				"Restore": {permissionOps["Model"]["Restore"], func(id string) map[string]any {
					return map[string]any{"id": id, "n": 1, "v": 1}
				}},
				"Delete": {permissionOps["Model"]["Delete"], byID},
			}},
		}
		// want is the outcome per actor of an operation that reads (or runs)
		// and of one that changes; "" is success.
		want := map[string]struct{ read, change string }{
			"Creator":     {"", ""},
			"OtherMember": {"", "FORBIDDEN"},
			"OrgAdmin":    {"", ""},
			"OtherTenant": {"NOT_FOUND", "NOT_FOUND"},
		}
		reads := map[string]bool{"Read": true, "Run": true}
		for _, obj := range objects {
			t.Run(obj.name, func(t *testing.T) {
				for opName, op := range obj.ops {
					for _, actor := range []string{"Creator", "OtherMember", "OrgAdmin", "OtherTenant"} {
						t.Run(opName+"As"+actor, func(t *testing.T) {
							id := obj.create(t)
							expected := want[actor].change
							if reads[opName] {
								expected = want[actor].read
							}
							resp := s.Query(t, actors[actor], op.op, op.vars(id))
							require.Equal(t, expected, resp.Code(), "%s %s as %s: %+v", opName, obj.name, actor, resp.Errors)
							if expected != "" {
								require.Equal(t, "", s.Query(t, creator, obj.ops["Read"].op, byID(id)).Code(),
									"a refused %s leaves the %s in place", opName, obj.name)
								return
							}
							// The change happened: read it back as the creator.
							after := s.Query(t, creator, obj.ops["Read"].op, byID(id))
							switch opName {
							case "Delete":
								require.Equal(t, "NOT_FOUND", after.Code(), "deleted")
							case "Rename", "Cancel", "Edit", "Restore":
								require.Equal(t, "", after.Code())
								checkChanged(t, s, creator, obj.name, opName, id)
							}
						})
					}
				}
			})
		}
	})
}

// checkChanged reads the object back and checks the change is there.
func checkChanged(t *testing.T, s *servertest.Server, token, object, op, id string) {
	t.Helper()
	var got struct {
		Workbook   *struct{ Name string }
		Simulation *struct{ Name, Status string }
		Model      *struct {
			Name    string
			Version int
		}
	}
	q := map[string]string{
		"Workbook":   `query($id: ID!) { workbook(id: $id) { name } }`,
		"Simulation": `query($id: ID!) { simulation(id: $id) { name status } }`,
		"Model":      `query($id: ID!) { model(id: $id) { name version } }`,
	}[object]
	s.Query(t, token, q, map[string]any{"id": id}).Decode(t, &got)
	switch key := object + "." + op; key {
	case "Workbook.Rename":
		require.Equal(t, "renamed.xlsx", got.Workbook.Name)
	case "Simulation.Rename":
		require.Equal(t, "renamed", got.Simulation.Name)
	case "Simulation.Cancel":
		require.Equal(t, "CANCELLED", got.Simulation.Status)
	case "Model.Rename":
		require.Equal(t, "renamed", got.Model.Name)
	case "Model.Edit", "Model.Restore":
		require.Equal(t, 2, got.Model.Version)
	default:
		panic(fmt.Sprintf("no check for %s", key))
	}
}
