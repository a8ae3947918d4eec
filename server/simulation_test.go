package server_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

const progressSubscription = `subscription($id: ID!) { simulationProgress(id: $id) { simulationId status stage percent iterationsDone iterationsTotal elapsedMs etaMs outputs { cell mean stdError } } }`

// dcfInputs are project-dcf.xlsx's uncertain inputs (its README).
func dcfInputs() []map[string]any {
	return []map[string]any{
		{"cell": "Inputs!B2", "name": "Price", "distribution": map[string]any{"type": "TRIANGULAR", "min": 100, "mode": 120, "max": 150}},
		{"cell": "Inputs!B3", "name": "Volume", "distribution": map[string]any{"type": "NORMAL", "mean": 10000, "stdDev": 1500}},
		{"cell": "Inputs!B4", "name": "Growth", "distribution": map[string]any{"type": "UNIFORM", "min": 0.03, "max": 0.12}},
		{"cell": "Inputs!B5", "name": "Unit cost", "distribution": map[string]any{"type": "TRIANGULAR", "min": 60, "mode": 70, "max": 90}},
		{"cell": "Inputs!B7", "name": "Discount rate", "distribution": map[string]any{"type": "UNIFORM", "min": 0.08, "max": 0.12}},
	}
}

func dcfWorkbook(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join(servertest.WorkbooksDir(t), "project-dcf.xlsx"))
	require.NoError(t, err)
	return b
}

type progressMsg struct {
	SimulationProgress struct {
		SimulationID    string
		Status          string
		Stage           string
		Percent         float64
		IterationsDone  int
		IterationsTotal int
		Outputs         []struct {
			Cell           string
			Mean, StdError float64
		}
	} `json:"simulationProgress"`
}

func createSimulation(t testing.TB, s *servertest.Server, token string, input map[string]any) string {
	t.Helper()
	var out struct{ CreateSimulation struct{ ID, Status string } }
	s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id status } }`, map[string]any{"in": input}).Decode(t, &out)
	require.Equal(t, "QUEUED", out.CreateSimulation.Status)
	return out.CreateSimulation.ID
}

func dcfSimulation(workbookID string, iterations int) map[string]any {
	return map[string]any{
		"workbookId": workbookID, "iterations": iterations, "seed": 7, "sampling": "LATIN_HYPERCUBE",
		"inputs": dcfInputs(), "outputs": []string{"Summary!B2", "Summary!B3"},
		"correlations": []map[string]any{{"cellA": "Inputs!B2", "cellB": "Inputs!B3", "coefficient": -0.5}},
	}
}

// collect reads a subscription's messages until it completes.
func collect(t *testing.T, ws *servertest.WS, id string) []progressMsg {
	t.Helper()
	var msgs []progressMsg
	for {
		m, err := ws.Read(60 * time.Second)
		require.NoError(t, err, "after %d messages", len(msgs))
		require.Equal(t, id, m.ID)
		switch m.Type {
		case ws.DataType():
			var payload struct {
				Data   progressMsg
				Errors []any
			}
			require.NoError(t, json.Unmarshal(m.Payload, &payload))
			require.Empty(t, payload.Errors)
			msgs = append(msgs, payload.Data)
		case "complete":
			return msgs
		default:
			t.Fatalf("unexpected %s: %s", m.Type, m.Payload)
		}
	}
}

func TestSimulationEndToEnd(t *testing.T) {
	t.Parallel()
	forEachBackendAndPgBouncer(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 0    // jobs wait until the subscription is open
		c.Quotas = false // 20,000 iterations: beyond the STANDARD tier's quota
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "analyst@e2e.example", Org: "e2e"})
		wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))
		const iterations = 20000
		id := createSimulation(t, s, token, dcfSimulation(wb, iterations))

		ws := s.DialWS(t, "graphql-transport-ws")
		ws.Init(map[string]any{"Authorization": "Bearer " + token})
		ws.Subscribe("1", progressSubscription, map[string]any{"id": id})
		first, err := ws.Read(10 * time.Second)
		require.NoError(t, err)
		require.Equal(t, "next", first.Type, "%s", first.Payload)
		require.Contains(t, string(first.Payload), `"status":"QUEUED"`, "the first message is the current snapshot")

		s.App.StartWorkers(1)
		msgs := collect(t, ws, "1")
		require.GreaterOrEqual(t, len(msgs), 2)
		last := msgs[len(msgs)-1].SimulationProgress
		require.Equal(t, "COMPLETED", last.Status)
		require.Equal(t, 100.0, last.Percent)
		require.Equal(t, iterations, last.IterationsDone)
		prev := -1.0
		intermediate := false
		for _, m := range msgs {
			p := m.SimulationProgress
			require.Equal(t, id, p.SimulationID)
			require.GreaterOrEqual(t, p.Percent, prev, "progress never goes back")
			prev = p.Percent
			if p.Percent > 0 && p.Percent < 100 {
				intermediate = true
			}
		}
		require.True(t, intermediate, "the progress bar takes intermediate values: %+v", msgs)

		var got struct {
			Simulation struct {
				Status  string
				Results []struct {
					Cell                   string
					Iterations             int
					Mean, StdDev, Min, Max float64
					Percentiles            []struct{ P, Value float64 }
					Histogram              struct{ Bins []struct{ Count int } }
					Sensitivity            []struct {
						Input           string
						RankCorrelation float64
					}
				}
			}
		}
		s.Query(t, token, `query($id: ID!) { simulation(id: $id) { status results { cell iterations mean stdDev min max percentiles { p value } histogram { bins { count } } sensitivity { input rankCorrelation } } } }`, map[string]any{"id": id}).Decode(t, &got)
		require.Equal(t, "COMPLETED", got.Simulation.Status)
		require.Len(t, got.Simulation.Results, 2)
		npv, irr := got.Simulation.Results[0], got.Simulation.Results[1]
		require.Equal(t, "Summary!B2", npv.Cell)
		require.Equal(t, iterations, npv.Iterations)
		require.Less(t, npv.Min, npv.Mean)
		require.Less(t, npv.Mean, npv.Max)
		require.Len(t, npv.Percentiles, 9)
		total := 0
		for _, b := range npv.Histogram.Bins {
			total += b.Count
		}
		require.Equal(t, iterations, total, "every iteration is in the histogram")
		require.Len(t, npv.Sensitivity, 5)
		require.Greater(t, npv.Sensitivity[0].RankCorrelation, 0.3, "price drives NPV up")
		require.Greater(t, irr.Mean, 0.0)
		require.Less(t, irr.Mean, 1.0)

		// A late subscriber gets the terminal snapshot at once.
		late := s.DialWS(t, "graphql-ws")
		late.Init(map[string]any{"authToken": token})
		late.Subscribe("2", progressSubscription, map[string]any{"id": id})
		lateMsgs := collect(t, late, "2")
		require.Len(t, lateMsgs, 1)
		require.Equal(t, "COMPLETED", lateMsgs[0].SimulationProgress.Status)
	})
}

func TestSimulationIsolation(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.SQLiteConfig(t))
	owner := s.Token(t, auth.TokenParams{Email: "a@one.example", Org: "one"})
	stranger := s.Token(t, auth.TokenParams{Email: "b@two.example", Org: "two"})
	wb := s.UploadID(t, owner, "project-dcf.xlsx", dcfWorkbook(t))
	id := createSimulation(t, s, owner, dcfSimulation(wb, 1000))
	for _, q := range []string{
		`query($id: ID!) { simulation(id: $id) { id } }`,
		`query($id: ID!) { workbook(id: $id) { id } }`,
		`query($id: ID!) { node(id: $id) { id } }`,
		`mutation($id: ID!) { cancelSimulation(id: $id) { id } }`,
		`mutation($id: ID!) { deleteWorkbook(id: $id) }`,
	} {
		for _, target := range []string{id, wb} {
			resp := s.Query(t, stranger, q, map[string]any{"id": target})
			if resp.Code() == "" {
				// simulation(id) with a workbook's ID is simply not found too
				t.Fatalf("%s on another tenant's %s answered %s", q, target, resp.Data)
			}
			require.Equal(t, "NOT_FOUND", resp.Code(), q)
		}
	}
	// Another tenant's workbook cannot be simulated.
	resp := s.Query(t, stranger, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": dcfSimulation(wb, 100)})
	require.Equal(t, "NOT_FOUND", resp.Code())
	// Nor can its progress be watched.
	ws := s.DialWS(t, "graphql-transport-ws")
	ws.Init(map[string]any{"authToken": stranger})
	ws.Subscribe("1", progressSubscription, map[string]any{"id": id})
	m, err := ws.Read(10 * time.Second)
	require.NoError(t, err)
	require.Contains(t, []string{"error", "next"}, m.Type)
	require.Contains(t, string(m.Payload), `"code":"NOT_FOUND"`)
	require.NotContains(t, string(m.Payload), `"simulationId"`, "no progress of another tenant")
	var lists struct {
		Workbooks   struct{ TotalCount int }
		Simulations struct{ TotalCount int }
	}
	s.Query(t, stranger, `{ workbooks { totalCount } simulations { totalCount } }`, nil).Decode(t, &lists)
	require.Zero(t, lists.Workbooks.TotalCount)
	require.Zero(t, lists.Simulations.TotalCount)
}

func zipOf(t testing.TB, files map[string][]byte) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, b := range files {
		f, err := w.Create(name)
		require.NoError(t, err)
		_, _ = f.Write(b)
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestSimulationBadInput(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.SQLiteConfig(t))
	token := s.Token(t, auth.TokenParams{Email: "bad@input.example", Org: "bad-input"})
	wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))

	uploads := []struct {
		name, filename string
		content        []byte
	}{
		{"NotXLSX", "notes.txt", []byte("hello")},
		{"CorruptZip", "broken.xlsx", []byte("PK\x03\x04 this is not a zip")},
		{"ZipWithoutWorkbook", "empty.xlsx", zipOf(t, map[string][]byte{"readme.txt": []byte("hi")})},
		{"ZipBomb", "bomb.xlsx", zipOf(t, map[string][]byte{"xl/worksheets/sheet1.xml": bytes.Repeat([]byte{'0'}, 300<<20)})},
	}
	for _, tt := range uploads {
		t.Run("Upload"+tt.name, func(t *testing.T) {
			resp := s.Upload(t, token, tt.filename, tt.content)
			require.Equal(t, "BAD_USER_INPUT", resp.Code(), "%+v", resp.Errors)
			require.NotEmpty(t, resp.Errors[0].Message)
		})
	}

	with := func(mut func(map[string]any)) map[string]any {
		in := dcfSimulation(wb, 1000)
		mut(in)
		return in
	}
	input := func(cell string, dist map[string]any) []map[string]any {
		return []map[string]any{{"cell": cell, "distribution": dist}}
	}
	sims := []struct {
		name string
		in   map[string]any
		code string
	}{
		{"UnknownSheet", with(func(in map[string]any) {
			in["inputs"] = input("Nope!B2", map[string]any{"type": "UNIFORM", "min": 0, "max": 1})
		}), "BAD_USER_INPUT"},
		{"NotACell", with(func(in map[string]any) { in["outputs"] = []string{"Summary!"} }), "BAD_USER_INPUT"},
		{"FormulaAsInput", with(func(in map[string]any) {
			in["inputs"] = input("Summary!B2", map[string]any{"type": "UNIFORM", "min": 0, "max": 1})
		}), "BAD_USER_INPUT"},
		{"ConstantAsOutput", with(func(in map[string]any) { in["outputs"] = []string{"Inputs!B2"} }), "BAD_USER_INPUT"},
		{"MinAboveMax", with(func(in map[string]any) {
			in["inputs"] = input("Inputs!B2", map[string]any{"type": "UNIFORM", "min": 5, "max": 1})
		}), "BAD_USER_INPUT"},
		{"NegativeStdDev", with(func(in map[string]any) {
			in["inputs"] = input("Inputs!B3", map[string]any{"type": "NORMAL", "mean": 5, "stdDev": -1})
		}), "BAD_USER_INPUT"},
		{"ProbabilitiesNotSummingToOne", with(func(in map[string]any) {
			in["inputs"] = input("Inputs!B3", map[string]any{"type": "DISCRETE", "values": []float64{1, 2}, "probabilities": []float64{0.2, 0.2}})
		}), "BAD_USER_INPUT"},
		{"TrigenPercentilesReversed", with(func(in map[string]any) {
			in["inputs"] = input("Inputs!B2", map[string]any{"type": "TRIGEN", "bottom": 100, "mode": 120, "top": 150, "bottomPercentile": 90, "topPercentile": 10})
		}), "BAD_USER_INPUT"},
		{"StudentWithoutNu", with(func(in map[string]any) {
			in["inputs"] = input("Inputs!B2", map[string]any{"type": "STUDENT", "mean": 3})
		}), "BAD_USER_INPUT"},
		{"ZeroIterations", with(func(in map[string]any) { in["iterations"] = 0 }), "BAD_USER_INPUT"},
		{"TooManyIterations", with(func(in map[string]any) { in["iterations"] = 2_000_000_000 }), "BAD_USER_INPUT"},
		{"NoOutputs", with(func(in map[string]any) { in["outputs"] = []string{} }), "BAD_USER_INPUT"},
		{"NameTooLong", with(func(in map[string]any) { in["name"] = strings.Repeat("n", 256) }), "BAD_USER_INPUT"},
		{"InputNameTooLong", with(func(in map[string]any) {
			in["inputs"] = []map[string]any{{"cell": "Inputs!B2", "name": strings.Repeat("n", 256), "distribution": map[string]any{"type": "UNIFORM", "min": 0, "max": 1}}}
		}), "BAD_USER_INPUT"},
		{"CorrelationOutOfRange", with(func(in map[string]any) {
			in["correlations"] = []map[string]any{{"cellA": "Inputs!B2", "cellB": "Inputs!B3", "coefficient": 1.5}}
		}), "BAD_USER_INPUT"},
		{"CorrelationOfNonInput", with(func(in map[string]any) {
			in["correlations"] = []map[string]any{{"cellA": "Inputs!B2", "cellB": "Inputs!B9", "coefficient": 0.5}}
		}), "BAD_USER_INPUT"},
		{"UnknownWorkbook", with(func(in map[string]any) { in["workbookId"] = "00000000-0000-0000-0000-000000000000" }), "NOT_FOUND"},
		{"MalformedWorkbookID", with(func(in map[string]any) { in["workbookId"] = "not-an-id" }), "NOT_FOUND"},
	}
	for _, tt := range sims {
		t.Run("Create"+tt.name, func(t *testing.T) {
			resp := s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": tt.in})
			require.Equal(t, tt.code, resp.Code(), "%+v", resp.Errors)
		})
	}
	// Nothing was stored half-way: one workbook, no simulations.
	var counts struct {
		Workbooks   struct{ TotalCount int }
		Simulations struct{ TotalCount int }
	}
	s.Query(t, token, `{ workbooks { totalCount } simulations { totalCount } }`, nil).Decode(t, &counts)
	require.Equal(t, 1, counts.Workbooks.TotalCount)
	require.Equal(t, 0, counts.Simulations.TotalCount)
}

func TestCancelSimulation(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 0
		c.Quotas = false // 2,000,000 iterations: beyond the STANDARD tier's quota
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "cancel@example.com", Org: "cancel"})
		wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))

		// Queued: cancelled before any worker sees it, and never run.
		queued := createSimulation(t, s, token, dcfSimulation(wb, 1000))
		var out struct{ CancelSimulation struct{ Status string } }
		s.Query(t, token, `mutation($id: ID!) { cancelSimulation(id: $id) { status } }`, map[string]any{"id": queued}).Decode(t, &out)
		require.Equal(t, "CANCELLED", out.CancelSimulation.Status)

		// Running: stops within a batch. Plain Monte Carlo keeps the
		// preparation short (the race detector slows LHS sorting a lot).
		long := dcfSimulation(wb, 2_000_000)
		long["sampling"] = "MONTE_CARLO"
		delete(long, "correlations")
		running := createSimulation(t, s, token, long)
		ws := s.DialWS(t, "graphql-transport-ws")
		ws.Init(map[string]any{"authToken": token})
		ws.Subscribe("1", progressSubscription, map[string]any{"id": running})
		s.App.StartWorkers(1)
		for {
			m, err := ws.Read(60 * time.Second)
			require.NoError(t, err)
			require.Equal(t, "next", m.Type, "%s", m.Payload)
			if bytes.Contains(m.Payload, []byte(`"stage":"running"`)) {
				break
			}
		}
		start := time.Now()
		s.Query(t, token, `mutation($id: ID!) { cancelSimulation(id: $id) { status } }`, map[string]any{"id": running}).Decode(t, &out)
		require.Equal(t, "CANCELLED", out.CancelSimulation.Status)
		msgs := collect(t, ws, "1")
		require.Equal(t, "CANCELLED", msgs[len(msgs)-1].SimulationProgress.Status)

		var sims struct {
			Simulations struct {
				Edges []struct{ Node struct{ ID, Status string } }
			}
		}
		s.Query(t, token, `{ simulations(first: 10) { edges { node { id status } } } }`, nil).Decode(t, &sims)
		all := map[string]string{}
		for _, e := range sims.Simulations.Edges {
			all[e.Node.ID] = e.Node.Status
		}
		require.Equal(t, "CANCELLED", all[queued], "a cancelled queued job never runs")
		require.Equal(t, "CANCELLED", all[running])
		t.Logf("cancel acknowledged in %s", time.Since(start))
		var res struct{ Simulation struct{ Results []any } }
		s.Query(t, token, `query($id: ID!) { simulation(id: $id) { results { cell } } }`, map[string]any{"id": running}).Decode(t, &res)
		require.Empty(t, res.Simulation.Results, "a cancelled run stores no results")
	})
}

// TestSubscriptionHygiene counts the process's goroutines, so it does not
// run in parallel: Go holds every parallel test until the sequential ones
// have finished, and their servers would blur the count.
func TestSubscriptionHygiene(t *testing.T) {
	c := servertest.SQLiteConfig(t)
	c.Workers = 0
	s := servertest.Start(t, c)
	token := s.Token(t, auth.TokenParams{Email: "hygiene@example.com", Org: "hygiene"})
	wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))
	id := createSimulation(t, s, token, dcfSimulation(wb, 1000))

	settle := func() int {
		var n int
		for range 50 {
			runtime.GC()
			n = runtime.NumGoroutine()
			time.Sleep(20 * time.Millisecond)
		}
		return n
	}
	cycle := func(i int) {
		ws := s.DialWS(t, "graphql-transport-ws")
		ws.Init(map[string]any{"authToken": token})
		ws.Subscribe(fmt.Sprint(i), progressSubscription, map[string]any{"id": id})
		m, err := ws.Read(10 * time.Second)
		require.NoError(t, err)
		require.Equal(t, "next", m.Type)
		ws.Conn.CloseNow() // the client vanishes without a goodbye
	}
	// Warm up: pools and caches opened by the first requests stay open.
	for i := range 10 {
		cycle(i)
	}
	baseline := settle()
	const cycles = 1000
	for i := range cycles {
		cycle(i)
	}
	deadline := time.Now().Add(30 * time.Second)
	var now int
	for time.Now().Before(deadline) {
		if now = settle(); now <= baseline+5 {
			break
		}
	}
	require.LessOrEqual(t, now, baseline+5, "goroutines after %d subscribe/kill cycles: %d, baseline %d", cycles, now, baseline)
}

func TestSubscriptionLimits(t *testing.T) {
	t.Parallel()
	c := servertest.SQLiteConfig(t)
	c.Workers = 0
	c.MaxSubscriptionsPerConnection = 2
	s := servertest.Start(t, c)
	token := s.Token(t, auth.TokenParams{Email: "limits@subs.example", Org: "subs"})
	wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))
	id := createSimulation(t, s, token, dcfSimulation(wb, 1000))

	t.Run("CapPerConnection", func(t *testing.T) {
		ws := s.DialWS(t, "graphql-transport-ws")
		ws.Init(map[string]any{"authToken": token})
		for i := 1; i <= 2; i++ {
			ws.Subscribe(fmt.Sprint(i), progressSubscription, map[string]any{"id": id})
			m, err := ws.Read(10 * time.Second)
			require.NoError(t, err)
			require.Equal(t, "next", m.Type)
			require.NotContains(t, string(m.Payload), "errors")
		}
		ws.Subscribe("3", progressSubscription, map[string]any{"id": id})
		m, err := ws.Read(10 * time.Second)
		require.NoError(t, err)
		require.Equal(t, "3", m.ID)
		require.Contains(t, string(m.Payload), `"code":"RATE_LIMITED"`)
	})

	t.Run("TokenExpiryEndsTheStream", func(t *testing.T) {
		short := s.Token(t, auth.TokenParams{Email: "limits@subs.example", Org: "subs", TTL: 2 * time.Second})
		ws := s.DialWS(t, "graphql-transport-ws")
		ws.Init(map[string]any{"authToken": short})
		ws.Subscribe("1", progressSubscription, map[string]any{"id": id})
		m, err := ws.Read(10 * time.Second)
		require.NoError(t, err)
		require.Equal(t, "next", m.Type)
		start := time.Now()
		for err == nil {
			_, err = ws.Read(15 * time.Second)
		}
		require.Less(t, time.Since(start), 10*time.Second, "the stream ended at the token's expiry, not at the read timeout: %v", err)
	})
}

func TestProgressOverSSE(t *testing.T) {
	t.Parallel()
	c := servertest.SQLiteConfig(t)
	c.Workers = 0
	s := servertest.Start(t, c)
	token := s.Token(t, auth.TokenParams{Email: "sse@example.com", Org: "sse"})
	wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))
	id := createSimulation(t, s, token, dcfSimulation(wb, 5000))

	body, _ := json.Marshal(map[string]any{"query": progressSubscription, "variables": map[string]any{"id": id}})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Contains(t, resp.Header.Get("Content-Type"), "text/event-stream")

	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var statuses []string
	started := false
	for sc.Scan() {
		line := sc.Text()
		if line == "event: complete" {
			break
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok || data == "" {
			continue
		}
		var payload struct{ Data progressMsg }
		require.NoError(t, json.Unmarshal([]byte(data), &payload), data)
		statuses = append(statuses, payload.Data.SimulationProgress.Status)
		if !started {
			started = true
			s.App.StartWorkers(1) // the stream is open: let the job run
		}
	}
	require.NotEmpty(t, statuses)
	require.Equal(t, "QUEUED", statuses[0], "the current snapshot comes first")
	require.Equal(t, "COMPLETED", statuses[len(statuses)-1], "the stream ends after the terminal state")
}

// TestSimulationDependencyWarnings checks that createSimulation returns the
// warnings of the model's dependency graph (an output that depends on no
// input, an input no output depends on) and that the completed simulation
// keeps them.
func TestSimulationDependencyWarnings(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		s := servertest.Start(t, cfg(t))
		token := s.Token(t, auth.TokenParams{Email: "analyst@warnings.example", Org: "warnings"})
		wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))
		loanAmount := map[string]any{"cell": "inputs!$B$9", "distribution": map[string]any{"type": "NORMAL", "mean": 500000, "stdDev": 50000}}
		for _, tc := range []struct {
			name    string
			inputs  []map[string]any
			outputs []string
			want    []string
		}{
			{"None", dcfInputs(), []string{"Summary!B2", "Summary!B3"}, []string{}},
			{"ConstantOutput", dcfInputs(), []string{"Summary!B2", "Summary!B5"},
				[]string{"output Summary!B5 does not depend on any input: it will be constant"}},
			{"UnusedInput", append(dcfInputs(), loanAmount), []string{"Summary!B2"},
				[]string{"input Inputs!B9 (Loan amount) affects no output"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := map[string]any{"workbookId": wb, "iterations": 2000, "seed": 1, "inputs": tc.inputs, "outputs": tc.outputs}
				var created struct {
					CreateSimulation struct {
						ID, Status string
						Warnings   []string
					}
				}
				s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id status warnings } }`, map[string]any{"in": in}).Decode(t, &created)
				require.Equal(t, tc.want, created.CreateSimulation.Warnings)
				waitCompleted(t, s, token, []string{created.CreateSimulation.ID})
				var got struct{ Simulation struct{ Warnings []string } }
				s.Query(t, token, `query($id: ID!) { simulation(id: $id) { warnings } }`, map[string]any{"id": created.CreateSimulation.ID}).Decode(t, &got)
				require.Equal(t, tc.want, got.Simulation.Warnings)
			})
		}
	})
}

// TestSharedProgress follows one simulation from many connections: the
// progress subscription is executed once for all of them, and each still
// sees the whole run to its terminal state.
func TestSharedProgress(t *testing.T) {
	t.Parallel()
	c := servertest.SQLiteConfig(t)
	c.Workers = 0
	s := servertest.Start(t, c)
	token := s.Token(t, auth.TokenParams{Email: "shared@example.com", Org: "shared"})
	colleague := s.Token(t, auth.TokenParams{Email: "colleague@example.com", Org: "shared"})
	wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))
	id := createSimulation(t, s, token, dcfSimulation(wb, 20000))

	const subscribers = 20
	conns := make([]*servertest.WS, subscribers)
	for i := range conns {
		tok := token
		if i%2 == 1 {
			tok = colleague
		}
		protocol := "graphql-transport-ws"
		if i%5 == 4 {
			protocol = "graphql-ws"
		}
		conns[i] = s.DialWS(t, protocol)
		conns[i].Init(map[string]any{"authToken": tok})
		conns[i].Subscribe("p", progressSubscription, map[string]any{"id": id})
	}
	other := s.DialWS(t, "graphql-transport-ws")
	other.Init(map[string]any{"authToken": s.Token(t, auth.TokenParams{Email: "other@example.com", Org: "elsewhere"})})
	other.Subscribe("p", progressSubscription, map[string]any{"id": id})
	m, err := other.Read(10 * time.Second)
	require.NoError(t, err)
	require.Contains(t, string(m.Payload), `"code":"NOT_FOUND"`, "another tenant is refused, not shared in")

	require.Eventually(t, func() bool { g, n := s.App.Shared.Groups(); return g == 1 && n == subscribers }, 10*time.Second, 10*time.Millisecond)
	// The first subscriber leaves before the run: the others are unaffected.
	conns[0].Conn.CloseNow()
	s.App.StartWorkers(1)

	for i, ws := range conns[1:] {
		msgs := collect(t, ws, "p")
		require.NotEmpty(t, msgs, "subscriber %d", i+1)
		last := msgs[len(msgs)-1].SimulationProgress
		require.Equal(t, "COMPLETED", last.Status, "subscriber %d", i+1)
		require.Equal(t, 20000, last.IterationsDone)
	}
	require.Eventually(t, func() bool { g, n := s.App.Shared.Groups(); return g == 0 && n == 0 }, 10*time.Second, 10*time.Millisecond)
}

// TestSimulationDistributionFamilies runs the DCF model with inputs of the
// @RISK-style families and checks that every family's parameters are
// stored and returned as given.
func TestSimulationDistributionFamilies(t *testing.T) {
	t.Parallel()
	c := servertest.SQLiteConfig(t)
	c.Quotas = false
	s := servertest.Start(t, c)
	token := s.Token(t, auth.TokenParams{Email: "families@e2e.example", Org: "families"})
	wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))

	families := []struct {
		cell string
		dist map[string]any
	}{
		{"Inputs!B2", map[string]any{"type": "TRIGEN", "bottom": 100.0, "mode": 120.0, "top": 150.0, "bottomPercentile": 10.0, "topPercentile": 90.0}},
		{"Inputs!B3", map[string]any{"type": "NEGATIVE_BINOMIAL", "n": 100, "p": 0.01}},
		{"Inputs!B4", map[string]any{"type": "HISTOGRAM", "min": 0.03, "max": 0.12, "probabilities": []any{1.0, 2.0, 1.0}}},
		{"Inputs!B5", map[string]any{"type": "GENERAL", "min": 60.0, "max": 90.0, "values": []any{65.0, 70.0}, "probabilities": []any{2.0, 3.0}}},
		{"Inputs!B7", map[string]any{"type": "PARETO", "shape": 30.0, "min": 0.09, "truncateMax": 0.2}},
		{"Inputs!B2", map[string]any{"type": "STUDENT", "nu": 5.0, "truncateMin": 0.5}},
		{"Inputs!B2", map[string]any{"type": "LOGLOGISTIC", "alpha": 8.0, "beta": 100.0, "min": 20.0}},
		{"Inputs!B2", map[string]any{"type": "LOGISTIC", "alpha": 120.0, "beta": 5.0}},
		{"Inputs!B2", map[string]any{"type": "EXTREME_VALUE", "alpha": 120.0, "beta": 5.0}},
		{"Inputs!B2", map[string]any{"type": "DISCRETE_UNIFORM", "values": []any{100.0, 120.0, 150.0}}},
		{"Inputs!B2", map[string]any{"type": "INTEGER_UNIFORM", "min": 100.0, "max": 150.0}},
	}
	const query = `query($id: ID!) { simulation(id: $id) { status inputs { cell distribution {
		type min mode max alpha beta shape n p values probabilities nu bottom top bottomPercentile topPercentile truncateMin truncateMax } } } }`
	type simulation struct {
		Simulation struct {
			Status string
			Inputs []struct {
				Cell         string
				Distribution map[string]any
			}
		}
	}
	var ids []string
	for i := 0; i < len(families); {
		// One simulation per distinct set of cells: the first five inputs
		// together, then one each on Inputs!B2.
		n := 1
		if i == 0 {
			n = 5
		}
		var inputs []map[string]any
		for _, fam := range families[i : i+n] {
			inputs = append(inputs, map[string]any{"cell": fam.cell, "distribution": fam.dist})
		}
		in := dcfSimulation(wb, 2000)
		in["inputs"] = inputs
		delete(in, "correlations")
		id := createSimulation(t, s, token, in)
		ids = append(ids, id)
		var got simulation
		s.Query(t, token, query, map[string]any{"id": id}).Decode(t, &got)
		require.Len(t, got.Simulation.Inputs, n)
		for j, fam := range families[i : i+n] {
			stored := got.Simulation.Inputs[j].Distribution
			for k, v := range fam.dist {
				if k == "n" {
					v = float64(v.(int))
				}
				require.Equal(t, v, stored[k], "%s %s", fam.dist["type"], k)
			}
		}
		i += n
	}
	deadline := time.Now().Add(2 * time.Minute)
	for _, id := range ids {
		for {
			var got simulation
			s.Query(t, token, query, map[string]any{"id": id}).Decode(t, &got)
			if got.Simulation.Status == "COMPLETED" {
				break
			}
			require.NotEqual(t, "FAILED", got.Simulation.Status, "simulation %s", id)
			require.True(t, time.Now().Before(deadline), "simulation %s still %s", id, got.Simulation.Status)
			time.Sleep(50 * time.Millisecond)
		}
	}
}
