package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/graph"
	"github.com/simgraph/simgraph/graph/generated"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/servertest"
	"github.com/simgraph/simgraph/simspec"
	"github.com/simgraph/simgraph/viewer"
)

// Outcomes of a matrix cell: "data" (no error, non-null data), or the
// extensions.code of the first error.
const (
	data            = "data"
	notFound        = "NOT_FOUND"
	forbidden       = "FORBIDDEN"
	unauthenticated = "UNAUTHENTICATED"
	// open: a subscription accepted and waiting for its first event (none
	// came within subscriptionWait).
	open = "OPEN"
	// openOrData accepts a subscription that stays open or delivers the
	// caller's own data.
	openOrData = "OPEN|data"
)

// subscriptionWait is how long a subscription cell waits for a first
// event before calling the subscription open; an error arrives at once.
const subscriptionWait = 3 * time.Second

// Who asks, in a matrix column.
const (
	colOwn         = "Own"         // a member of the organization owning the fixture
	colOther       = "Other"       // a member of another organization
	colNoViewer    = "NoViewer"    // no token
	colEmptyTenant = "EmptyTenant" // a viewer whose tenant ID is empty
	colSystemAdmin = "SystemAdmin" // a SYSTEM_ADMIN of a third organization
)

var columns = []string{colOwn, colOther, colNoViewer, colEmptyTenant, colSystemAdmin}

// fixture is what one cell's operation refers to: objects of the owning
// organization, created fresh for every cell.
type fixture struct {
	OrgID        uuid.UUID
	WorkbookID   uuid.UUID
	SimulationID uuid.UUID
	ModelID      uuid.UUID
	APIKeyID     uuid.UUID
	WebhookID    uuid.UUID
}

// matrixRow is one schema field's operation and its expected outcome per
// column. Op may use $id (a fixture ID, from Vars) and $file (an upload:
// Upload true).
type matrixRow struct {
	Op     string
	Vars   func(f fixture) map[string]any
	Upload bool
	// Own, Other, NoViewer, EmptyTenant, SystemAdmin.
	Want [5]string
}

func wbVars(f fixture) map[string]any    { return map[string]any{"id": f.WorkbookID.String()} }
func simVars(f fixture) map[string]any   { return map[string]any{"id": f.SimulationID.String()} }
func modelVars(f fixture) map[string]any { return map[string]any{"id": f.ModelID.String()} }

// fixtureDefinition is a valid model of fixtureWorkbook.
func fixtureDefinition() map[string]any {
	return map[string]any{
		"inputs":     []any{map[string]any{"cell": "Sheet1!A1", "distribution": map[string]any{"type": "NORMAL", "mean": 0, "stdDev": 1}}},
		"outputs":    []any{"Sheet1!B1"},
		"iterations": 100,
		"seed":       1,
		"scenarios":  []any{map[string]any{"name": "stress", "overrides": []any{map[string]any{"cell": "Sheet1!A1", "percentileRange": map[string]any{"low": 0, "high": 0.1}}}}},
	}
}

// objectAccess is the row of a field reading or changing one tenant
// object: only its tenant sees it; to everyone else it does not exist.
var objectAccess = [5]string{data, notFound, unauthenticated, forbidden, notFound}

// tenantList is the row of a field listing the viewer's own objects (or
// describing the viewer's own tenant).
var tenantList = [5]string{data, data, unauthenticated, forbidden, data}

// systemAdminOnly is the row of a platform operation. The owner and the
// other viewer are plain members.
var systemAdminOnly = [5]string{forbidden, forbidden, unauthenticated, forbidden, data}

// adminOnly is the row of a field for ORG_ADMIN and SYSTEM_ADMIN.
var adminOnly = [5]string{forbidden, forbidden, unauthenticated, forbidden, data}

func orgVars(f fixture) map[string]any { return map[string]any{"org": f.OrgID.String()} }

// matrix has a row for every Query, Mutation and Subscription field
// ("Type.field"). Extend it with every field you add to graph/schema: the
// test fails for a schema field without a row. Rows of fields not (yet) in
// the schema are reported and ignored.
var matrix = map[string]matrixRow{
	"Query.me":         {Op: `{ me { id email } }`, Want: [5]string{data, data, unauthenticated, data, data}},
	"Query.health":     {Op: `{ health { status } }`, Want: [5]string{data, data, data, data, data}},
	"Query.tenantInfo": {Op: `{ tenantInfo { tenantId tier } }`, Want: [5]string{data, data, unauthenticated, data, data}},

	"Query.node":        {Op: `query($id: ID!) { node(id: $id) { id } }`, Vars: wbVars, Want: objectAccess},
	"Query.workbook":    {Op: `query($id: ID!) { workbook(id: $id) { id name detectedCorrelations { cellA } detectedScenarios { count } } }`, Vars: wbVars, Want: objectAccess},
	"Query.workbooks":   {Op: `{ workbooks(first: 50) { edges { node { id } } totalCount } }`, Want: tenantList},
	"Query.simulation":  {Op: `query($id: ID!) { simulation(id: $id) { id status copulas { family cells } tasks { id replica state } scenarios { index name results { mean } impacts { meanDifference } } } }`, Vars: simVars, Want: objectAccess},
	"Query.simulations": {Op: `{ simulations(first: 50) { edges { node { id } } totalCount } }`, Want: tenantList},
	"Query.compareSimulations": {Op: `query($id: ID!) { compareSimulations(ids: [$id]) { output runs { simulation { id } result { mean } } } }`,
		Vars: simVars, Want: objectAccess},

	"Mutation.uploadWorkbook": {Op: `mutation($file: Upload!) { uploadWorkbook(file: $file) { id } }`, Upload: true,
		Want: [5]string{data, data, unauthenticated, forbidden, data}},
	"Mutation.deleteWorkbook": {Op: `mutation($id: ID!) { deleteWorkbook(id: $id) }`, Vars: wbVars, Want: objectAccess},
	"Mutation.renameWorkbook": {Op: `mutation($id: ID!) { renameWorkbook(id: $id, name: "renamed.xlsx") { id createdBy } }`, Vars: wbVars, Want: objectAccess},
	"Mutation.createSimulation": {Op: `mutation($input: SimulationInput!) { createSimulation(input: $input) { id } }`,
		Vars: func(f fixture) map[string]any {
			return map[string]any{"input": map[string]any{
				"workbookId": f.WorkbookID.String(),
				"inputs":     []any{map[string]any{"cell": "Sheet1!A1", "distribution": map[string]any{"type": "NORMAL", "mean": 0, "stdDev": 1}}},
				"outputs":    []any{"Sheet1!B1"},
				"iterations": 100,
				"seed":       1,
				"scenarios":  []any{map[string]any{"name": "fixed", "overrides": []any{map[string]any{"cell": "Sheet1!A1", "value": 1}}}},
			}}
		}, Want: objectAccess},
	"Query.model":  {Op: `query($id: ID!) { model(id: $id) { id version current { version copulas { family cells } scenarios { name overrides { cell percentileRange { low } } } } } }`, Vars: modelVars, Want: objectAccess},
	"Query.models": {Op: `{ models(first: 50) { edges { node { id } } totalCount } }`, Want: tenantList},
	"Mutation.createModel": {Op: `mutation($input: CreateModelInput!) { createModel(input: $input) { id version } }`,
		Vars: func(f fixture) map[string]any {
			return map[string]any{"input": map[string]any{"workbookId": f.WorkbookID.String(), "name": "matrix", "definition": fixtureDefinition()}}
		}, Want: objectAccess},
	"Mutation.updateModel": {Op: `mutation($id: ID!, $input: UpdateModelInput!) { updateModel(id: $id, expectedVersion: 1, input: $input) { id version } }`,
		Vars: func(f fixture) map[string]any {
			return map[string]any{"id": f.ModelID.String(), "input": map[string]any{"definition": fixtureDefinition()}}
		}, Want: objectAccess},
	"Mutation.restoreModelVersion": {Op: `mutation($id: ID!) { restoreModelVersion(id: $id, version: 1, expectedVersion: 1) { id version } }`,
		Vars: modelVars, Want: objectAccess},
	"Mutation.deleteModel": {Op: `mutation($id: ID!) { deleteModel(id: $id) }`, Vars: modelVars, Want: objectAccess},
	"Mutation.runModel":    {Op: `mutation($id: ID!) { runModel(id: $id) { id modelVersion } }`, Vars: modelVars, Want: objectAccess},

	"Mutation.cancelSimulation": {Op: `mutation($id: ID!) { cancelSimulation(id: $id) { id status } }`, Vars: simVars, Want: objectAccess},
	"Mutation.renameSimulation": {Op: `mutation($id: ID!) { renameSimulation(id: $id, name: "renamed") { id createdBy } }`, Vars: simVars, Want: objectAccess},

	"Subscription.simulationProgress": {Op: `subscription($id: ID!) { simulationProgress(id: $id) { simulationId status } }`, Vars: simVars, Want: objectAccess},

	// The fixture's user was just created: its welcome notification may
	// arrive while the subscription is open.
	"Subscription.notificationAdded": {Op: `subscription { notificationAdded { id } }`, Want: [5]string{openOrData, openOrData, unauthenticated, forbidden, openOrData}},
	"Query.notifications":            {Op: `{ notifications(first: 20) { id } }`, Want: tenantList},
	// A random ID: nobody finds a notification that is not theirs (the
	// fixture has no notification of the owner to aim at).
	"Mutation.markNotificationRead": {Op: `mutation($id: ID!) { markNotificationRead(id: $id) { id } }`,
		Vars: func(fixture) map[string]any { return map[string]any{"id": uuid.NewString()} },
		Want: [5]string{notFound, notFound, unauthenticated, forbidden, notFound}},

	// Members read the entries of their own actions, administrators all of
	// their organization's: nobody reads another organization's.
	"Query.auditLog": {Op: `{ auditLog(first: 50) { edges { node { id objectId } } totalCount } }`, Want: tenantList},

	// API keys: ORG_ADMIN of the organization only (the owner is a member).
	"Query.apiKeys":         {Op: `{ apiKeys { id prefix } }`, Want: adminOnly},
	"Mutation.createApiKey": {Op: `mutation { createApiKey(name: "matrix", scopes: [READ]) { apiKey { id } secret } }`, Want: adminOnly},
	"Mutation.revokeApiKey": {Op: `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`,
		Vars: func(f fixture) map[string]any { return map[string]any{"id": f.APIKeyID.String()} },
		Want: [5]string{forbidden, forbidden, unauthenticated, forbidden, notFound}},

	// Webhooks: ORG_ADMIN of the organization only. A documentation
	// address (TEST-NET-3) passes the private-address check without DNS.
	"Query.webhooks": {Op: `{ webhooks { id url deliveries { id } } }`, Want: adminOnly},
	"Mutation.createWebhook": {Op: `mutation { createWebhook(url: "https://203.0.113.10/hook", events: [SIMULATION_COMPLETED]) { webhook { id } secret } }`,
		Want: adminOnly},
	"Mutation.deleteWebhook": {Op: `mutation($id: ID!) { deleteWebhook(id: $id) }`,
		Vars: func(f fixture) map[string]any { return map[string]any{"id": f.WebhookID.String()} },
		Want: [5]string{forbidden, forbidden, unauthenticated, forbidden, notFound}},

	"Query.quota": {Op: `{ quota { tenantId tier } }`, Want: tenantList},
	"Mutation.setQuotaOverride": {Op: `mutation($org: ID!) { setQuotaOverride(organizationId: $org, input: {concurrentSimulations: 5}) { tenantId } }`,
		Vars: orgVars, Want: systemAdminOnly},

	"Query.services":        {Op: `{ services { name } }`, Want: adminOnly},
	"Query.metrics":         {Op: `{ metrics { dedicatedPoolsOpen } }`, Want: adminOnly},
	"Query.userDataSummary": {Op: `{ userDataSummary { tenantId } }`, Want: tenantList},
	"Mutation.migrate":      {Op: `mutation { migrate(dryRun: true) { dryRun } }`, Want: systemAdminOnly},

	// Tier changes: SYSTEM_ADMIN only.
	"Mutation.setOrganizationTier": {Op: `mutation($org: ID!) { setOrganizationTier(organizationId: $org, tier: STANDARD) { tenantId tier } }`,
		Vars: orgVars, Want: systemAdminOnly},
}

// schemaFields lists the root fields of the executable schema.
func schemaFields(t *testing.T) []string {
	t.Helper()
	s := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}}).Schema()
	var out []string
	for _, def := range []*struct {
		name string
		ok   bool
	}{{"Query", s.Query != nil}, {"Mutation", s.Mutation != nil}, {"Subscription", s.Subscription != nil}} {
		if !def.ok {
			continue
		}
		for _, f := range s.Types[def.name].Fields {
			if !strings.HasPrefix(f.Name, "__") {
				out = append(out, def.name+"."+f.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestMatrixCoversSchema fails for a schema field without a matrix row.
func TestMatrixCoversSchema(t *testing.T) {
	t.Parallel()
	fields := schemaFields(t)
	var missing []string
	for _, f := range fields {
		if _, ok := matrix[f]; !ok {
			missing = append(missing, f)
		}
	}
	require.Empty(t, missing, "schema fields without a row in server/matrix_test.go's matrix: add one per field with the expected outcome per viewer")
	for name := range matrix {
		if !contains(fields, name) {
			t.Logf("matrix row %s: no such field in the schema yet", name)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestCrossTenantMatrix runs every schema field for every kind of viewer
// against a real server and checks the outcome of each cell. A field whose
// resolver is not implemented yet answers INTERNAL and fails its cells.
func TestCrossTenantMatrix(t *testing.T) {
	t.Parallel()
	for _, be := range servertest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			s := servertest.Start(t, be.Config(t))
			env := newMatrixEnv(t, s)
			for _, field := range schemaFields(t) {
				row, ok := matrix[field]
				if !ok {
					continue // TestMatrixCoversSchema reports it
				}
				t.Run(field, func(t *testing.T) {
					for i, col := range columns {
						t.Run(col, func(t *testing.T) {
							f := env.fixture(t)
							got, raw := env.run(t, col, row, f)
							if got == "INTERNAL" && row.Want[i] != "INTERNAL" {
								t.Fatalf("%s as %s: INTERNAL error (resolver not implemented or failing); want %s\n%s", field, col, row.Want[i], raw)
							}
							if want, alt, ok := strings.Cut(row.Want[i], "|"); ok && (got == want || got == alt) {
								got = row.Want[i]
							}
							require.Equal(t, row.Want[i], got, "%s as %s: %s", field, col, raw)
							if col != colOwn {
								// Whatever the outcome, no data of the owner's comes
								// back (an error may repeat the ID the caller sent).
								var r struct{ Data json.RawMessage }
								_ = json.Unmarshal([]byte(raw), &r)
								for _, id := range []uuid.UUID{f.WorkbookID, f.SimulationID, f.ModelID, f.APIKeyID, f.WebhookID} {
									require.NotContains(t, string(r.Data), id.String(), "%s as %s leaks the owner's object", field, col)
								}
							}
						})
					}
				})
			}
		})
	}
}

// matrixEnv is a server with a handler that takes its viewer from the test
// (so that malformed viewers, impossible to get from a token, are tried).
type matrixEnv struct {
	s         *servertest.Server
	srv       *httptest.Server
	provision func(key string, roles ...string) *viewer.Viewer

	mu      sync.Mutex
	viewers map[string]*viewer.Viewer
	owner   *viewer.Viewer
	cells   int
}

func (e *matrixEnv) viewer(col string) *viewer.Viewer {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.viewers[col]
}

func newMatrixEnv(t *testing.T, s *servertest.Server) *matrixEnv {
	t.Helper()
	ctx := context.Background()
	provision := func(key string, roles ...string) *viewer.Viewer {
		v, err := s.App.Accounts.Viewer(ctx, &auth.Identity{Subject: "sub-" + key, Email: key + "@example.com", OrgKey: key, OrgName: key, Roles: roles})
		require.NoError(t, err)
		return v
	}
	e := &matrixEnv{s: s, provision: provision, viewers: map[string]*viewer.Viewer{}}
	e.viewers[colOther] = provision("matrix-other")
	e.viewers[colSystemAdmin] = provision("matrix-admin", string(viewer.SystemAdmin))
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := e.viewer(r.Header.Get("X-Matrix-Viewer")); v != nil {
			r = r.WithContext(viewer.NewContext(r.Context(), v))
		}
		s.App.HTTP.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// fixtureWorkbook is a one-sheet workbook: A1 = 1, B1 = A1*2.
func fixtureWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	require.NoError(t, f.SetCellValue("Sheet1", "A1", 1))
	require.NoError(t, f.SetCellFormula("Sheet1", "B1", "A1*2"))
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	return buf.Bytes()
}

// fixture stores a workbook and a simulation of the owner, straight in the
// shared databases through the owner's own privacy rules (the owner is on
// the default, shared tier).
// Every cell gets an owner organization of its own, so that quotas and
// fixtures of one cell never decide another's outcome.
func (e *matrixEnv) fixture(t *testing.T) fixture {
	t.Helper()
	e.mu.Lock()
	e.cells++
	n := e.cells
	e.mu.Unlock()
	owner := e.provision(fmt.Sprintf("matrix-owner-%d", n))
	empty := *owner
	empty.TenantID = ""
	e.mu.Lock()
	e.owner, e.viewers[colOwn], e.viewers[colEmptyTenant] = owner, owner, &empty
	e.mu.Unlock()
	ctx := viewer.NewContext(context.Background(), e.owner)
	content := fixtureWorkbook(t)
	sum := sha256.Sum256(content)
	wb, err := e.s.App.Store.Service(database.File).Client.Workbook.Create().
		SetName("matrix.xlsx").SetSize(int64(len(content))).SetSha256(hex.EncodeToString(sum[:])).
		SetContent(content).SetSheets([]string{"Sheet1"}).SetFormulaCount(1).
		SetUploadedBy(e.owner.UserID).Save(ctx)
	require.NoError(t, err)
	sim, err := e.s.App.Store.Service(database.Simulation).Client.Simulation.Create().
		SetWorkbookID(wb.ID).SetInputs([]simspec.Input{}).SetOutputs([]string{"Sheet1!B1"}).
		SetIterations(100).SetSeed(1).SetCreatedBy(e.owner.UserID).Save(ctx)
	require.NoError(t, err)
	simulations := e.s.App.Store.Service(database.Simulation).Client
	_, err = simulations.SimulationTask.Create().SetSimulationID(sim.ID).SetPass(0).SetFirstChunk(0).SetEndChunk(1).
		SetIterations(100).SetReplica("matrix-replica").Save(ctx)
	require.NoError(t, err)
	m, err := simulations.Model.Create().SetName("matrix model").SetWorkbookID(wb.ID).SetVersion(1).
		SetCreatedBy(e.owner.UserID).Save(ctx)
	require.NoError(t, err)
	_, err = simulations.ModelVersion.Create().SetModelID(m.ID).SetVersion(1).
		SetInputs([]simspec.Input{{Cell: "Sheet1!A1", Distribution: simspec.Distribution{Type: "NORMAL", Mean: new(0.0), StdDev: new(1.0)}}}).
		SetOutputs([]string{"Sheet1!B1"}).SetIterations(100).SetSeed(1).SetCreatedBy(e.owner.UserID).Save(ctx)
	require.NoError(t, err)
	key, err := e.s.App.Store.Service(database.User).Client.APIKey.Create().SetOrganizationID(e.owner.OrganizationID).
		SetName("matrix key").SetLookup(strings.ReplaceAll(uuid.NewString(), "-", "")[:16]).SetSecretHash(hex.EncodeToString(sum[:])).
		SetScopes([]string{"READ"}).SetCreatedBy(e.owner.UserID).Save(ctx)
	require.NoError(t, err)
	hook, err := e.s.App.Store.Service(database.User).Client.Webhook.Create().SetURL("https://203.0.113.10/matrix").
		SetEvents([]string{"simulation.completed"}).SetSecret("whsec_matrix").SetCreatedBy(e.owner.UserID).Save(ctx)
	require.NoError(t, err)
	return fixture{OrgID: e.owner.OrganizationID, WorkbookID: wb.ID, SimulationID: sim.ID, ModelID: m.ID, APIKeyID: key.ID, WebhookID: hook.ID}
}

// run sends row's operation as col and returns the outcome and the raw
// response.
func (e *matrixEnv) run(t *testing.T, col string, row matrixRow, f fixture) (string, string) {
	t.Helper()
	vars := map[string]any{}
	if row.Vars != nil {
		vars = row.Vars(f)
	}
	var req *http.Request
	var err error
	switch {
	case row.Upload:
		req = e.uploadRequest(t, row.Op, vars)
	case strings.HasPrefix(strings.TrimSpace(row.Op), "subscription"):
		body, _ := json.Marshal(map[string]any{"query": row.Op, "variables": vars})
		req, err = http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
	default:
		body, _ := json.Marshal(map[string]any{"query": row.Op, "variables": vars})
		req, err = http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
	}
	if col != colNoViewer {
		req.Header.Set("X-Matrix-Viewer", col)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	require.NoError(t, err)
	defer resp.Body.Close()
	var raw []byte
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		got := make(chan []byte, 1)
		go func() { got <- firstEvent(resp.Body) }()
		select {
		case raw = <-got:
		case <-time.After(subscriptionWait):
			cancel()
			<-got
			return open, ""
		}
	} else {
		raw, err = io.ReadAll(resp.Body)
		require.NoError(t, err)
	}
	return outcome(raw), string(raw)
}

// firstEvent returns the data of the first "next" event of an SSE stream.
func firstEvent(body io.Reader) []byte {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data:"); ok && strings.TrimSpace(d) != "" {
			return []byte(strings.TrimSpace(d))
		}
	}
	return []byte(`{"errors":[{"message":"subscription stream ended without an event","extensions":{"code":"INTERNAL"}}]}`)
}

func outcome(raw []byte) string {
	var r struct {
		Data   map[string]json.RawMessage `json:"data"`
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return "UNPARSEABLE"
	}
	if len(r.Errors) > 0 {
		code, _ := r.Errors[0].Extensions["code"].(string)
		return code
	}
	for _, v := range r.Data {
		if string(v) == "null" {
			return "NULL" // a nullable field answering null instead of NOT_FOUND
		}
	}
	if len(r.Data) == 0 {
		return "NO_DATA"
	}
	return data
}

// uploadRequest is a GraphQL multipart request with the fixture workbook
// as $file.
func (e *matrixEnv) uploadRequest(t *testing.T, op string, vars map[string]any) *http.Request {
	t.Helper()
	vars["file"] = nil
	ops, _ := json.Marshal(map[string]any{"query": op, "variables": vars})
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	require.NoError(t, w.WriteField("operations", string(ops)))
	require.NoError(t, w.WriteField("map", `{"0":["variables.file"]}`))
	part, err := w.CreateFormFile("0", "matrix.xlsx")
	require.NoError(t, err)
	_, err = part.Write(fixtureWorkbook(t))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", &buf)
	require.NoError(t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Apollo-Require-Preflight", "true")
	return req
}
